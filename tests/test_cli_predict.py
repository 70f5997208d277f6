"""Using a trained model: nn.load_model, `autograd-mini predict` and `autograd-mini evaluate`."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import nn
from nn import cli
from nn.training.recipes import build_model, load_dataset


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture(scope="module")
def digits_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("digits")
    assert cli.main(["train", "--epochs", "3", "--hidden", "16", "--batchnorm", "--dropout",
                     "0.1", "--quiet", "--no-plots", "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def lorenz_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("lorenz")
    assert cli.main(["train", "--data", "lorenz", "--epochs", "2", "--hidden", "8", "--quiet",
                     "--no-plots", "--out", str(out)]) == 0
    return out


def test_load_model_gives_the_trained_model_in_eval_mode(digits_run):
    metrics = json.loads((digits_run / "metrics.json").read_text())
    test = load_dataset("digits")
    for name in ("model.npz", "last.npz"):
        model = nn.load_model(digits_run / name)
        assert not model.training
        predicted = model(test.X_test).data.argmax(axis=1)
        assert (predicted == test.y_test).mean() == pytest.approx(metrics["test_accuracy"])


def test_build_model_accepts_the_config_a_run_stored(digits_run):
    saved = nn.load(digits_run / "model.npz")
    assert "threads" in saved["config"]  # the key that made build_model refuse it
    model = build_model(saved["config"], saved["in_features"], saved["out_features"])
    model.load_state_dict(saved["model"])


def test_predict_prints_one_label_per_row_of_a_csv_with_a_header(tmp_path, capsys, digits_run):
    X, _ = nn.data.load_digits()
    expected = nn.load_model(digits_run / "model.npz")(X[:7]).data.argmax(axis=1)
    samples = tmp_path / "samples.csv"
    np.savetxt(samples, X[:7], delimiter=",", header=",".join(f"p{i}" for i in range(64)),
               comments="")
    code, out, err = _run(capsys, "predict", "--model", str(digits_run / "model.npz"),
                          str(samples))
    assert code == 0, err
    assert out.split() == [str(label) for label in expected]


def test_predict_writes_an_npy_array_or_probabilities(tmp_path, capsys, digits_run):
    X, _ = nn.data.load_digits()
    np.save(tmp_path / "x.npy", X[:4])
    model = str(digits_run / "model.npz")
    code, _, err = _run(capsys, "predict", "--model", model, str(tmp_path / "x.npy"), "--out",
                        str(tmp_path / "labels.npy"))
    assert code == 0 and "wrote 4 predictions" in err
    assert np.load(tmp_path / "labels.npy").shape == (4,)
    code, out, _ = _run(capsys, "predict", "--model", model, str(tmp_path / "x.npy"), "--scores")
    probabilities = np.array([[float(v) for v in line.split(",")] for line in out.split()])
    assert probabilities.shape == (4, 10)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-6)


def test_evaluate_on_a_labelled_csv_and_on_the_test_split(tmp_path, capsys, digits_run):
    metrics = json.loads((digits_run / "metrics.json").read_text())
    model = str(digits_run / "model.npz")
    code, out, _ = _run(capsys, "evaluate", "--model", model, "--data", "digits")
    assert code == 0
    assert out.startswith(f"accuracy {100 * metrics['test_accuracy']:.2f}% ")
    assert f"loss {metrics['test_loss']:.4f} on the digits test split" in out
    test = load_dataset("digits")
    np.savetxt(tmp_path / "labelled.csv", np.column_stack([test.X_test, test.y_test]),
               delimiter=",")
    code, out, _ = _run(capsys, "evaluate", "--model", model, str(tmp_path / "labelled.csv"))
    assert code == 0 and out.startswith(f"accuracy {100 * metrics['test_accuracy']:.2f}% ")


def test_evaluate_a_regression_model_with_targets_in_their_own_file(tmp_path, capsys,
                                                                    lorenz_run):
    metrics = json.loads((lorenz_run / "metrics.json").read_text())
    test = load_dataset("lorenz")
    np.save(tmp_path / "x.npy", test.X_test)
    np.save(tmp_path / "y.npy", test.y_test)
    code, out, err = _run(capsys, "evaluate", "--model", str(lorenz_run / "model.npz"),
                          str(tmp_path / "x.npy"), "--targets", str(tmp_path / "y.npy"))
    assert code == 0, err
    assert out.startswith(f"R² {metrics['test_r2']:.5f}, MSE ")


@pytest.mark.hardening("cli/predict-bad-inputs")
@pytest.mark.parametrize(("make", "argv", "message"), [
    (lambda d: np.save(d / "x.npy", np.zeros((3, 5))), ["predict", "{d}/x.npy"],
     "x.npy has 5 columns; the model expects 64 features per row (64 columns)"),
    (lambda d: np.savetxt(d / "l.csv", np.full((2, 65), 0.5), delimiter=","),
     ["evaluate", "{d}/l.csv"], "the labels must be whole numbers from 0 to 9, found values "
                                "from 0.5 to 0.5"),
    (lambda d: (d / "t.csv").write_text("1,2\n3\n"), ["predict", "{d}/t.csv"],
     "t.csv: not a table of comma-separated numbers"),
    (lambda d: (d / "nan.csv").write_text(",".join(["nan"] * 64) + "\n"),
     ["predict", "{d}/nan.csv"], "row 0 holds a NaN or infinite value"),
    (lambda d: None, ["evaluate"], "give a labelled file (INPUT) or --data NAME"),
])
def test_bad_inputs_name_the_file_and_what_was_expected(tmp_path, capsys, digits_run, make, argv,
                                                        message):
    make(tmp_path)
    command = [a.format(d=tmp_path) for a in argv]
    code, _, err = _run(capsys, *command, "--model", str(digits_run / "model.npz"))
    assert code in (1, 2) and message in err and "Traceback" not in err


@pytest.mark.hardening("cli/predict-bad-inputs")
def test_a_model_file_that_is_not_a_model_is_a_clear_error(tmp_path, capsys):
    nn.save({"weights": np.ones(3)}, tmp_path / "other.npz")
    code, _, err = _run(capsys, "predict", "--model", str(tmp_path / "other.npz"), "x.csv")
    assert code == 1 and "holds no model and config; expected the model.npz" in err
    with pytest.raises(ValueError, match="holds no model and config"):
        nn.load_model(tmp_path / "other.npz")
