"""Smoke-run every numbered example with --quick and check the numbers it returns."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from mnist_files import write_mnist
from subprocess_env import cli_env

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def load_example(stem: str) -> ModuleType:
    """Import examples/<stem>.py by path (its name starts with a digit, so no plain import)."""
    path = EXAMPLES / f"{stem}.py"
    spec = importlib.util.spec_from_file_location(f"example_{stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_example(stem: str, *args: str) -> dict[str, Any]:
    """Call the example's main with --quick plus `args` and return its result dict."""
    return load_example(stem).main(["--quick", *args])


def test_01_four_methods_agree_and_the_misprint_does_not() -> None:
    result = run_example("01_two_layer_scalar_by_hand")
    grads = result["grads"]
    assert result["max_diff"] < 1e-8
    for name in ("w1", "b1", "w2", "b2"):
        assert grads["autograd"][name] == pytest.approx(grads["by hand"][name], abs=1e-14)
        assert grads["delta eqs"][name] == pytest.approx(grads["by hand"][name], abs=1e-14)
    assert result["worked_example_diff"] < 1e-14
    # The formula without w2 is off by the factor w2 = -2: wrong sign, half the size.
    assert result["wrong_error"] > 1e-3
    assert result["wrong_dC_dw1"] * result["point"]["w2"] == pytest.approx(grads["by hand"]["w1"])


def test_01_random_point_also_agrees() -> None:
    result = run_example("01_two_layer_scalar_by_hand", "--seed", "7")
    assert result["max_diff"] < 1e-8
    assert result["wrong_error"] > 1e-6


def test_03_delta_equations_match_autograd_to_rounding() -> None:
    result = run_example("03_delta_equations_vs_autograd")
    assert result["layers"] == 5
    assert result["classifier_max_abs"] < 1e-10
    assert result["regressor_max_abs"] < 1e-10
    assert result["classifier_max_rel"] < 1e-12
    assert result["regressor_max_rel"] < 1e-12
    assert result["loss_gap"] < 1e-10
    # The deliberately broken equation (2) is caught: off by order one, not by rounding.
    assert result["bug_rel"] > 1e-2


def test_02_error_falls_as_the_hidden_layer_grows() -> None:
    result = run_example("02_universal_approximation")
    errors = result["test_rmse"]
    assert result["widths"] == [2, 8, 32]
    assert all(later < earlier for earlier, later in zip(errors, errors[1:]))
    assert errors[-1] < errors[0] / 2
    assert errors[-1] < 0.06  # the target's std is about 0.7


def test_05_monitor_flags_sigmoid_and_clears_relu() -> None:
    result = run_example("05_vanishing_gradients")
    sigmoid_normal, sigmoid_glorot = result["sigmoid, N(0,1)"], result["sigmoid, Glorot"]
    relu, elu = result["ReLU, He"], result["ELU, Glorot"]
    # N(0,1) weights saturate the sigmoids; the monitor says their gradients vanish.
    assert sigmoid_normal["saturated"] > 0.3
    assert any("saturated" in f and "vanish" in f for f in sigmoid_normal["findings"])
    # Well-scaled sigmoids still shrink δ by <= 1/4 per layer: 1e-4 after 7 layers.
    assert sigmoid_glorot["first_over_last"] < 1e-3
    assert any("vanishing gradients" in f for f in sigmoid_glorot["findings"])
    # ReLU + He and ELU + Glorot keep the gradient's size from layer to layer.
    for healthy in (relu, elu):
        assert healthy["findings"] == []
        assert 0.3 < healthy["first_over_last"] < 3.0
    assert relu["test_accuracy"] > sigmoid_normal["test_accuracy"]
    assert sigmoid_glorot["test_accuracy"] < 0.2  # stuck near chance (0.1)


def test_07_lorenz_one_step_map_beats_persistence() -> None:
    result = run_example("07_lorenz_regression")
    # Next-state R² is high even for "x_(t+1) = x_t"; the network must do clearly better.
    assert result["r2_persistence"] > 0.99
    assert 1 - result["r2_next_state"] < (1 - result["r2_persistence"]) / 10
    assert result["r2_increment"] > 0.9
    errors = result["rollout_error"]
    assert errors[10] < 0.3  # close to the truth for a short rollout ...
    assert errors[500] > errors[10]  # ... and drifting away later (chaos)


def test_11_lstm_forecasts_lorenz_better_than_the_mlp_and_plots_the_rollouts(
        tmp_path: Path) -> None:
    result = run_example("11_lorenz_lstm", "--plot", str(tmp_path))
    assert Path(result["plot"]) == tmp_path / "11_lorenz_lstm_rollout.png"
    assert Path(result["plot"]).stat().st_size > 10_000  # three panels of three curves
    r2, errors = result["r2_increment"], result["rollout_error"]
    assert r2["LSTM"] > 0.95 and r2["MLP"] > 0.8
    # The window of past states makes the LSTM's short rollouts clearly closer to the truth.
    assert errors["LSTM"][10] < errors["MLP"][10] / 1.5
    assert errors["LSTM"][50] < errors["MLP"][50]
    assert errors["LSTM"][200] > errors["LSTM"][10]  # and chaos still wins in the end


def test_12_spring_chain_forces_from_numpy_code() -> None:
    result = run_example("12_spring_chain_forces")
    # autograd's −∇E equals the hand-derived forces to round-off, for forces of order 1 N.
    assert result["force_error"] < 1e-12 * max(result["force_scale"], 1.0)
    assert result["force_scale"] > 0.1
    # The same numpy-style energy on plain arrays gives numpy's value.
    assert result["plain_energy"] == pytest.approx(result["energy"], rel=1e-14)
    # Relaxed: no net force, and the chain sags symmetrically.
    assert result["residual_force"] < 1e-9
    assert result["sag"] > 0.1 and result["asymmetry"] < 1e-9
    # Verlet with correct forces conserves energy to O(dt²) (a wrong force drifts by O(1)).
    assert result["energy_drift"] < 1e-2


def test_09_two_moons_hinge_classifier_separates_the_moons() -> None:
    result = run_example("09_two_moons_classifier")
    assert result["train_accuracy"] >= 0.97
    assert result["fresh_accuracy"] >= 0.95
    assert result["final_loss"] < 0.1


def test_06_search_ranks_trials_and_tests_the_winner_once() -> None:
    result = run_example("06_hyperparameter_search")
    scores = [trial["score"] for trial in result["trials"]]
    assert len(scores) == 2
    assert scores == sorted(scores, reverse=True)
    assert result["best_val_score"] == scores[0]
    assert result["best"] == result["trials"][0]["params"]
    assert result["best"]["lr"] == 0.01  # 3 epochs: the larger rate gets further
    assert result["test_accuracy"] > 0.85


MNIST_DIR = EXAMPLES.parent.parent / "shared" / "data" / "mnist"


@pytest.mark.skipif(not MNIST_DIR.is_dir(), reason="MNIST files not present in ../shared")
def test_08_mnist_quick_run_learns() -> None:
    result = run_example("08_mnist", "--quiet", "--data-dir", str(MNIST_DIR))
    assert result["n_train"] == 5000 and result["epochs"] == 1
    assert result["test_accuracy"] > 0.8  # one epoch on 5000 images; the full run reaches 98%


@pytest.mark.skipif(not MNIST_DIR.is_dir(), reason="MNIST files not present in ../shared")
def test_10_mnist_cnn_quick_run_learns_and_draws_its_filters(tmp_path: Path) -> None:
    result = run_example("10_mnist_cnn", "--quiet", "--data-dir", str(MNIST_DIR),
                         "--plots", str(tmp_path))
    assert result["n_train"] == 1000 and len(result["curve"]) == 1
    assert result["test_accuracy"] > 0.5  # one epoch on 1000 images; 6 epochs on all: 99.27%
    assert [Path(p).name for p in result["plots"]] == ["10_learning_curve.png",
                                                       "10_first_layer_filters.png"]
    assert all(Path(p).stat().st_size > 5_000 for p in result["plots"])


def test_10_mnist_cnn_quick_run_on_mnist_format_files_draws_its_pictures(tmp_path: Path) -> None:
    """Runs wherever the tests run (no MNIST download needed): random images in MNIST's format."""
    data = write_mnist(tmp_path / "data", n_train=300, n_test=100)
    result = run_example("10_mnist_cnn", "--quick", "--quiet", "--data-dir", str(data),
                         "--plots", str(tmp_path / "plots"))
    assert result["n_train"] == 300 and result["epochs"] == 1
    assert 0.0 <= result["test_accuracy"] <= 1.0  # random labels: nothing to learn
    assert all(Path(p).stat().st_size > 5_000 for p in result["plots"])


def test_10_mnist_cnn_missing_data_says_where_to_put_it(tmp_path: Path) -> None:
    result = run_example("10_mnist_cnn", "--data-dir", str(tmp_path))
    assert "mnist files not found" in result["error"]


def test_08_mnist_missing_data_says_where_to_put_it(tmp_path: Path) -> None:
    result = run_example("08_mnist", "--data-dir", str(tmp_path))
    assert "--data-dir" in result["error"]
    assert "AUTOGRAD_MINI_DATA" in result["error"]
    assert "t10k-images-idx3-ubyte" in result["error"]


def test_08_mnist_without_a_data_dir_names_no_repository_path(monkeypatch) -> None:
    example = load_example("08_mnist")
    monkeypatch.delenv("AUTOGRAD_MINI_DATA", raising=False)
    monkeypatch.setattr(example, "DEVELOPMENT_DATA_DIR", Path("/nonexistent/shared/data/mnist"))
    result = example.main(["--quick"])
    assert "no --data-dir given and AUTOGRAD_MINI_DATA is not set" in result["error"]
    assert "shared" not in result["error"] and str(EXAMPLES.parent) not in result["error"]
    assert "--download" in result["error"]


def test_08_mnist_torch_without_torch_fails_before_training(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)  # `import torch` raises ImportError
    result = run_example("08_mnist", "--torch", "--data-dir", str(tmp_path))
    assert result["error"].startswith("--torch needs PyTorch, which cannot be imported")
    assert "MNIST data not found" not in result["error"]  # checked before anything else


def test_04_momentum_crosses_the_valley_and_beats_plain_descent() -> None:
    result = run_example("04_gradient_descent_momentum_adam")
    valley = result["valley"]
    plain, momentum = valley["gradient descent, η=1e-3"], valley["momentum 0.9, η=1e-3"]
    assert plain["steps_to_tol"] is None  # 2000 steps of plain GD stay in the valley
    assert momentum["steps_to_tol"] is not None and momentum["steps_to_tol"] < 2000
    assert momentum["final_cost"] < 1e-6 < plain["final_cost"]
    digits = result["digits_final_loss"]
    assert digits["momentum 0.9, η=0.01"] < digits["gradient descent, η=0.01"]
    assert digits["Adam, η=1e-3"] < digits["gradient descent, η=0.01"]


def test_08_as_a_script_exits_1_with_the_message_on_stderr(tmp_path: Path) -> None:
    script = EXAMPLES / "08_mnist.py"
    done = subprocess.run(
        [sys.executable, str(script), "--quick", "--data-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        env=cli_env(),  # this checkout importable, installed or not
    )
    assert done.returncode == 1
    assert "MNIST data not found" in done.stderr
    assert done.stdout == ""
