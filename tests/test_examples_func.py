"""Smoke runs of the function-transform examples (20-24) with --quick, each writing its plot."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from test_examples import run_example


def _run_and_plot(stem: str, directory: Path) -> dict:
    """The example's result; its one plot written to `directory` (when matplotlib is there)."""
    result = run_example(stem, "--plot", str(directory))
    if importlib.util.find_spec("matplotlib") is not None:
        plots = list(directory.glob("*.png"))
        assert len(plots) == 1 and plots[0].stat().st_size > 10_000, plots
    return result


def test_20_diffusion_network_approaches_the_analytic_solution(tmp_path: Path) -> None:
    result = _run_and_plot("20_diffusion_equation", tmp_path)
    assert result["cost"][-1] < result["cost"][0] / 10
    # The untrained trial (N = 0) is (1 − t) sin(πx), 0.67 away from e^{−π²t} sin(πx).
    assert result["max_error"] < result["untrained_error"] / 3


def test_21_forward_and_reverse_jacobians_agree(tmp_path: Path) -> None:
    rows = _run_and_plot("21_forward_vs_reverse_mode", tmp_path)["rows"]
    assert [(r["n"], r["m"]) for r in rows] == [(1, 20), (5, 5), (20, 1)]
    for r in rows:
        assert r["shape"] == (r["m"], r["n"])
        assert r["max_difference"] < 1e-12


def test_22_ode_trial_solutions_learn_both_equations(tmp_path: Path) -> None:
    result = _run_and_plot("22_ode_trial_solutions", tmp_path)
    for name in ("decay", "logistic"):
        assert result[name]["final_cost"] < result[name]["start_cost"] / 10
    assert result["logistic"]["error"] < 0.05
    assert result["decay"]["error"] < 1.0  # of g(0) = 10, after 300 quick steps


def test_23_poisson_trial_solutions_match_both_analytic_solutions(tmp_path: Path) -> None:
    result = _run_and_plot("23_poisson_equation", tmp_path)
    for name in ("sine", "exponential"):
        assert result[name]["final_cost"] < result[name]["start_cost"] / 100
    assert result["sine"]["error"] < 0.01  # of u's peak 1
    assert result["exponential"]["error"] < 0.1  # of u's peak 0.67, after 300 quick steps
    assert result["second_derivative_check"] < 1e-10


def test_24_wave_network_approaches_the_standing_wave(tmp_path: Path) -> None:
    result = _run_and_plot("24_wave_equation", tmp_path)
    assert result["cost"][-1] < result["cost"][0] / 10
    # The untrained trial is (1 − t²) sin(πx) + x(1 − x) t² N, 1.2 away from sin(πx) cos(πt).
    assert result["max_error"] < result["untrained_error"] / 10
    assert result["hessian_check"] < 1e-10
