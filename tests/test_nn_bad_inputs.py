"""What a careless user hands to layers, losses and optimizers: an error naming the layer
and the value (catalogue: tests/HARDENING.md)."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_mini as am
import nn

NN_BAD_INPUTS = {
    "Linear(str input)": (lambda nn: nn.Linear(3, 2, rng=0)(np.array([["a", "b", "c"]])),
                          TypeError, r"linear: input must hold numbers, got dtype <U1"),
    "MSELoss(str target)": (lambda nn: nn.MSELoss()(np.ones(2), np.array(["a", "b"])),
                            TypeError, r"mse_loss: target must hold numbers, got dtype <U1"),
    "L1Loss(object target)": (lambda nn: nn.L1Loss()(np.ones(2), [None, 1.0]),
                              TypeError, r"l1_loss: target must hold numbers, got dtype object"),
    "HuberLoss(delta=nan)": (lambda nn: nn.HuberLoss(delta=float("nan")), ValueError,
                             r"HuberLoss: delta must be positive, got nan"),
    "huber_loss(delta='1')": (lambda nn: nn.functional.huber_loss(np.ones(2), np.ones(2),
                                                                 delta="1"),
                              TypeError, r"huber_loss: delta must be a positive number"),
    "Softmax(axis=1.5)": (lambda nn: nn.Softmax(axis=1.5), TypeError,
                          r"Softmax: axis must be an int, got 1\.5"),
    "LogSoftmax(axis='1')": (lambda nn: nn.LogSoftmax(axis="1"), TypeError,
                             r"LogSoftmax: axis must be an int"),
    "Linear(3, 2)(x of 5 features)": (lambda nn: nn.Linear(3, 2, rng=0)(np.ones((4, 5))),
                                      am.ShapeError, r"linear: x \(4, 5\), weight \(3, 2\)"),
    "MSELoss((3, 1) vs (3,))": (lambda nn: nn.MSELoss()(np.ones((3, 1)), np.ones(3)),
                                am.ShapeError, r"reshape the target, e\.g\. target\.reshape"),
    "CrossEntropyLoss(float labels)": (lambda nn: nn.CrossEntropyLoss()(np.ones((2, 3)),
                                                                        np.array([0.5, 1.0])),
                                       ValueError, r"labels must be whole numbers"),
    "BatchNorm1d(batch of 1)": (lambda nn: nn.BatchNorm1d(3)(np.ones((1, 3))), ValueError,
                                r"batch_norm: training needs more than 1 sample"),
    "Dropout(p=nan)": (lambda nn: nn.Dropout(float("nan")), ValueError, r"p must lie in"),
    "SGD(lr=nan)": (lambda nn: nn.optim.SGD(nn.Linear(2, 2).parameters(), lr=float("nan")),
                    ValueError, r"SGD: invalid lr=nan"),
}


@pytest.mark.hardening("engine/nn-bad-inputs")
@pytest.mark.parametrize("case", list(NN_BAD_INPUTS))
def test_nn_refuses_bad_inputs_naming_the_layer_and_value(case):
    make, error, pattern = NN_BAD_INPUTS[case]
    with pytest.raises(error, match=pattern):
        make(nn)
