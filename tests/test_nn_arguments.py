"""Constructors and entry points of nn refuse bad arguments where they enter, naming the
argument, the value and what is expected (no bare comparison TypeError, no ZeroDivisionError)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd_mini as am
import nn
from nn.optim import SGD
from nn.optim.lr_scheduler import (
    CosineAnnealingLR,
    ExponentialLR,
    LinearLR,
    MultiStepLR,
    StepLR,
)
from nn.utils import clip_grad_norm_, clip_grad_value_


def _optimizer() -> SGD:
    return SGD(nn.Linear(2, 2, rng=0).parameters(), lr=0.1)


def _param() -> am.Tensor:
    p = nn.Parameter(np.ones(3, dtype=np.float32))
    p.grad = np.ones(3, dtype=np.float32)
    return p


BAD = {
    'Linear("2", 3)': (lambda: nn.Linear("2", 3), TypeError,
                       r"Linear: in_features must be an int >= 1, got '2' \(str\)"),
    "Linear(2, 3.0)": (lambda: nn.Linear(2, 3.0), TypeError, r"out_features must be an int"),
    "Linear(0, 3)": (lambda: nn.Linear(0, 3), ValueError, r"in_features must be an int >= 1"),
    'Linear(2, 3, bias="no")': (lambda: nn.Linear(2, 3, bias="no"), TypeError,
                                r"Linear: bias must be True or False"),
    'Dropout("0.5")': (lambda: nn.Dropout("0.5"), TypeError,
                       r"Dropout: p must be a number in \[0, 1\), got '0.5'"),
    'BatchNorm1d("4")': (lambda: nn.BatchNorm1d("4"), TypeError,
                         r"BatchNorm1d: num_features must be an int"),
    "BatchNorm1d(4, eps=0)": (lambda: nn.BatchNorm1d(4, eps=0), ValueError, r"eps must be"),
    "BatchNorm1d(4, momentum=2)": (lambda: nn.BatchNorm1d(4, momentum=2), ValueError,
                                   r"momentum must be a real number in \[0, 1\]"),
    'clip_grad_norm_(p, "1")': (lambda: clip_grad_norm_(_param(), "1"), TypeError,
                                r"clip_grad_norm_: max_norm must be a real number >= 0, "
                                r"got '1'"),
    'clip_grad_norm_(p, 1, "two")': (lambda: clip_grad_norm_(_param(), 1, "two"), TypeError,
                                     r"norm_type must be a real number > 0"),
    'clip_grad_value_(p, "1")': (lambda: clip_grad_value_(_param(), "1"), TypeError,
                                 r"clip_grad_value_: clip_value must be a real number"),
    'normal_(w, std="1")': (lambda: nn.init.normal_(np.zeros((2, 2)), std="1"), TypeError,
                            r"normal_: std must be a real number"),
    "uniform_(w, 1, 0)": (lambda: nn.init.uniform_(np.zeros((2, 2)), 1, 0), ValueError,
                          r"uniform_: needs a <= b"),
    'kaiming_uniform_(w, a="0")': (lambda: nn.init.kaiming_uniform_(np.zeros((2, 2)), a="0"),
                                   TypeError, r"kaiming_uniform_: a must be a real number"),
    'StepLR(opt, 2, gamma="0.1")': (lambda: StepLR(_optimizer(), 2, gamma="0.1"), TypeError,
                                    r"StepLR: gamma must be a real number >= 0"),
    'ExponentialLR(opt, "0.9")': (lambda: ExponentialLR(_optimizer(), "0.9"), TypeError,
                                  r"ExponentialLR: gamma"),
    "MultiStepLR(opt, 3)": (lambda: MultiStepLR(_optimizer(), 3), ValueError,
                            r"MultiStepLR: milestones must be a sequence of ints"),
    'CosineAnnealingLR(opt, 5, eta_min="0")': (
        lambda: CosineAnnealingLR(_optimizer(), 5, eta_min="0"), TypeError,
        r"CosineAnnealingLR: eta_min"),
    'LinearLR(opt, start_factor="0.5")': (lambda: LinearLR(_optimizer(), start_factor="0.5"),
                                          TypeError, r"LinearLR: start_factor"),
    "StepLR(opt, 2, last_epoch=1.5)": (lambda: StepLR(_optimizer(), 2, last_epoch=1.5),
                                       TypeError, r"StepLR: last_epoch must be an int >= -1"),
}


@pytest.mark.hardening("training/arguments")
@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_arguments_are_named_where_they_enter(name):
    make, error, message = BAD[name]
    with pytest.raises(error, match=message):
        make()


@pytest.mark.hardening("training/arguments")
def test_wrong_types_are_still_value_errors_for_older_callers():
    """Code written against the earlier ValueError keeps catching them."""
    with pytest.raises(ValueError):
        nn.Linear("2", 3)


@pytest.mark.hardening("training/zero-element-init")
@pytest.mark.parametrize("initialiser", [nn.init.kaiming_uniform_, nn.init.kaiming_normal_,
                                         nn.init.xavier_uniform_, nn.init.xavier_normal_])
@pytest.mark.parametrize("shape", [(0, 5), (5, 0), (0, 0)])
def test_initialising_a_zero_element_weight_is_a_no_op(initialiser, shape):
    """kaiming_uniform_ on (0, 5) raised ZeroDivisionError; PyTorch does nothing."""
    weight = np.empty(shape, dtype=np.float32)
    assert initialiser(weight, rng=0) is weight


def test_accepted_spellings_still_work():
    assert nn.Linear(np.int64(2), 3).in_features == 2
    assert nn.Dropout(np.float32(0.25)).p == 0.25
    assert nn.BatchNorm1d(3, momentum=None).momentum is None
    assert clip_grad_norm_(_param(), 1, "inf") == pytest.approx(1.0, rel=1e-6)
    assert clip_grad_norm_(_param(), np.float32(10.0)) == pytest.approx(math.sqrt(3), rel=1e-6)
