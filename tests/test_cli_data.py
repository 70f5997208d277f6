"""The CLI's data sets: well-formed MNIST files that cannot be trained on, and which files
--data picks."""

from __future__ import annotations

import re

import pytest
from mnist_files import write_mnist

from nn import cli


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.hardening("files/mnist-empty")
@pytest.mark.parametrize(("n_train", "n_test", "message"), [
    (0, 50, "train-images-idx3-ubyte and .* are well-formed but hold no images"),
    (50, 0, "t10k-images-idx3-ubyte and .* are well-formed but hold no images"),
    (5, 5, "the 5 training images leave no validation samples"),
])
def test_mnist_files_with_an_empty_split_are_a_clear_error(tmp_path, capsys, n_train, n_test,
                                                           message):
    data = write_mnist(tmp_path / "data", n_train, n_test)
    code, _, err = _run(capsys, "train", "--data", "mnist", "--data-dir", str(data), "--out",
                        str(tmp_path / "out"), "--epochs", "1", "--quiet", "--no-plots")
    assert code == 1
    assert "Traceback" not in err
    assert re.search(r"error: cannot train on these mnist files: .*" + message, err), err


@pytest.mark.hardening("files/wrong-dataset")
@pytest.mark.parametrize(("asked", "files"), [("fashion-mnist", "mnist"),
                                             ("mnist", "fashion-mnist")])
def test_the_other_data_sets_files_are_refused_not_trained_on(tmp_path, capsys, asked, files):
    from nn.data.mnist import FIRST_TRAIN_LABELS

    # Both sets use the same file names: a directory of MNIST files passed for Fashion-MNIST
    # was read as Fashion-MNIST without a word.
    data = write_mnist(tmp_path / "data", 200, 20, first_labels=FIRST_TRAIN_LABELS[files])
    code, _, err = _run(capsys, "train", "--data", asked, "--data-dir", str(data), "--out",
                        str(tmp_path / "out"), "--epochs", "1", "--quiet", "--no-plots")
    assert code == 1
    assert f"cannot train on these {asked} files: {data} holds the {files} files, not {asked}" \
        in err
    assert not (tmp_path / "out" / "model.npz").exists()
