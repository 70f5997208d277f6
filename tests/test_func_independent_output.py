"""An output that does not depend on a differentiated argument: zeros of the argument's shape
and kind, and an IndependentOutputWarning that is ignored unless the user opts in (HIPS
autograd always warns "Output seems independent of input")."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini.func import (
    IndependentOutputWarning,
    elementwise_grad,
    grad,
    hessian,
    jacfwd,
    jacobian,
    jvp,
    vjp,
)


def constant(x, y=None):
    return am.tensor([1.0, 2.0]).sum() * 3.0


CALLS = {
    "grad": lambda: grad(constant)(np.ones(3)),
    "elementwise_grad": lambda: elementwise_grad(lambda x: am.tensor(np.ones(2)))(np.ones(2)),
    "jacobian": lambda: jacobian(lambda x: am.tensor(np.ones(2)))(np.ones(3)),
    "jacfwd": lambda: jacfwd(lambda x: am.tensor(np.ones(2)))(np.ones(3)),
    "jvp": lambda: jvp(constant, (np.ones(3),), (np.ones(3),))[1],
    "vjp": lambda: vjp(constant, np.ones(3))[1](1.0)[0],
    "hessian": lambda: hessian(lambda x: (x * 2.0).sum())(np.ones(3)),
}
EXPECTED_SHAPES = {"grad": (3,), "elementwise_grad": (2,), "jacobian": (2, 3), "jacfwd": (2, 3),
                   "jvp": (), "vjp": (3,), "hessian": (3, 3)}


def _independent_warnings(seen: list[warnings.WarningMessage]) -> list[str]:
    return [str(w.message) for w in seen if issubclass(w.category, IndependentOutputWarning)]


@pytest.mark.parametrize("name", CALLS)
def test_zeros_come_back_silently_by_default(name):
    with warnings.catch_warnings(record=True) as seen:  # the default filters decide
        result = CALLS[name]()
    assert isinstance(result, np.ndarray) and result.shape == EXPECTED_SHAPES[name]
    assert not result.any()
    assert _independent_warnings(seen) == []


@pytest.mark.parametrize("name", CALLS)
def test_the_warning_is_seen_when_enabled(name):
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always", IndependentOutputWarning)
        CALLS[name]()
    messages = _independent_warnings(seen)
    assert messages and "does not depend on argument 0" in messages[0]
    assert seen[0].filename == __file__  # blamed on the caller, not on the library


def test_zeros_keep_the_kind_and_structure_of_each_argument():
    assert grad(constant)(2.0) == 0.0 and isinstance(grad(constant)(2.0), float)
    t = grad(constant)(am.tensor([1.0, 2.0], requires_grad=True))
    assert isinstance(t, am.Tensor) and t.shape == (2,) and not t.data.any()
    P = [np.ones((2, 3)), np.ones(3, dtype=np.float32)]
    gs = grad(lambda P, x: (x * 2.0).sum(), 0)(P, np.ones(2))
    assert isinstance(gs, list) and [g.shape for g in gs] == [(2, 3), (3,)]
    assert gs[1].dtype == np.float32 and not any(g.any() for g in gs)


def test_the_warning_names_only_the_parts_not_reached():
    with pytest.warns(IndependentOutputWarning, match=r"grad: .* on argument 0\[1\];"):
        gs = grad(lambda P: (P[0] ** 2).sum())([np.ones(2), np.ones(3)])
    np.testing.assert_array_equal(gs[0], [2.0, 2.0])
    with pytest.warns(IndependentOutputWarning, match=r"jacfwd: .* on argument 1;"):
        jacfwd(lambda x, y: x * 2.0, (0, 1))(np.ones(2), np.ones(3))


def test_an_error_filter_stops_there():
    with warnings.catch_warnings():
        warnings.simplefilter("error", IndependentOutputWarning)
        with pytest.raises(IndependentOutputWarning):
            grad(constant)(np.ones(3))


def test_still_ignored_after_a_catch_warnings_block_dropped_the_default_filter():
    """The default filter is put back at the next warning, so a `catch_warnings` block that
    restored an older filter list (pytest wraps every test in one) does not unsilence it."""
    with warnings.catch_warnings(record=True) as seen:
        warnings.resetwarnings()  # no filters at all: an unfiltered warning would be recorded
        grad(constant)(np.ones(3))
    assert _independent_warnings(seen) == []
