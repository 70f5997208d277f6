"""`autograd-mini check`: delta equations per layer and gradchecks per layer type."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

import numpy as np

from .errors import EXIT_ERROR, EXIT_OK


def _gradcheck_cases(seed: int) -> list[tuple[str, Callable[..., Any], list[Any]]]:
    """(name, function, inputs) for one check per layer type, in float64."""
    from autograd_mini import Tensor

    from ..activations import ACTIVATIONS
    from ..dropout import dropout
    from ..layers import linear
    from ..losses import cross_entropy, huber_loss, mse_loss
    from ..normalization import batch_norm

    rng = np.random.default_rng(seed)

    def leaf(*shape: int, away_from_zero: bool = False) -> Tensor:
        values = rng.standard_normal(shape)
        if away_from_zero:  # keep finite differences off the kink at 0
            values = np.sign(values) * (np.abs(values) + 0.1)
        return Tensor(values, requires_grad=True)

    labels = rng.integers(0, 3, size=4)
    target = rng.standard_normal((4, 3))
    cases: list[tuple[str, Callable[..., Any], list[Any]]] = [
        ("Linear", lambda x, w, b: linear(x, w, b), [leaf(4, 3), leaf(3, 2), leaf(2)]),
        ("BatchNorm1d (train)",
         lambda x, g, b: batch_norm(x, None, None, g, b, training=True),
         [leaf(5, 3), leaf(3), leaf(3)]),
        ("Dropout (fixed mask)",
         lambda x: dropout(x, 0.3, True, np.random.default_rng(seed)), [leaf(4, 3)]),
        ("CrossEntropyLoss", lambda z: cross_entropy(z, labels), [leaf(4, 3)]),
        ("MSELoss", lambda p: mse_loss(p, target), [leaf(4, 3)]),
        ("HuberLoss", lambda p: huber_loss(p, target), [leaf(4, 3, away_from_zero=True)]),
    ]
    for name, activation in ACTIVATIONS.items():
        if name != "identity":  # nothing to check
            cases.append((name, activation.function, [leaf(3, 4, away_from_zero=True)]))
    return cases


def _conv_and_rnn_models(rng: np.random.Generator) -> list[tuple[str, Any, int]]:
    """(title, model, input width): a small CNN and a two-layer tanh RNN, float64, 3 classes;
    nn.delta_check compares them with nn/delta_conv.py and nn/delta_rnn.py."""
    from ..activations import ReLU, Tanh
    from ..conv import Conv2d
    from ..flatten import Flatten, Unflatten
    from ..layers import Linear
    from ..module import Sequential
    from ..pooling import MaxPool2d
    from ..recurrent import RNN
    from ..sequence_readout import LastHiddenState

    cnn = Sequential(Unflatten(1, (1, 6, 6)),
                     Conv2d(1, 2, 3, padding=1, dtype=np.float64, rng=rng), ReLU(),
                     MaxPool2d(2), Flatten(), Linear(18, 3, dtype=np.float64, rng=rng))
    rnn = Sequential(Unflatten(1, (5, 4)),
                     LastHiddenState(RNN(4, 6, num_layers=2, batch_first=True,
                                         dtype=np.float64, rng=rng)),
                     Tanh(), Linear(6, 3, dtype=np.float64, rng=rng))
    return [("conv 3×3 + max-pool 2×2 on 6×6 images", cnn, 36),
            ("two tanh RNN layers over 5 steps, read out by h_T", rnn, 20)]


def cmd_check(args: argparse.Namespace) -> int:
    """`autograd-mini check`: delta equations per layer, then gradchecks per layer type."""
    import autograd_mini as am

    from ..activations import ReLU, Sigmoid, Tanh
    from ..delta_check import delta_check
    from ..layers import Linear
    from ..module import Sequential

    ok = True
    rng = np.random.default_rng(args.seed)
    n_in, n_out, batch = 4, 3, 8
    X = rng.standard_normal((batch, n_in))
    problems = (("mse_half_sum", Sigmoid, rng.random((batch, n_out))),
                ("softmax_cross_entropy", Tanh, rng.integers(0, n_out, size=batch)),
                ("mse_mean", ReLU, rng.standard_normal((batch, n_out))))
    for loss_name, activation, y in problems:
        layers: list[Any] = []
        width = n_in
        for hidden in args.hidden:
            layers += [Linear(width, hidden, dtype=np.float64, rng=rng), activation()]
            width = hidden
        layers.append(Linear(width, n_out, dtype=np.float64, rng=rng))
        report = delta_check(Sequential(*layers), X, y, loss=loss_name)
        passed = report.ok(1e-8)
        ok &= passed
        print(f"{report}\n=> {'ok' if passed else 'MISMATCH'}\n")
    for title, model, width in _conv_and_rnn_models(rng):
        report = delta_check(model, rng.standard_normal((batch, width)),
                             rng.integers(0, n_out, size=batch), loss="softmax_cross_entropy")
        passed = report.ok(1e-8)
        ok &= passed
        print(f"{title}: {report}\n=> {'ok' if passed else 'MISMATCH'}\n")

    rows = [("layer", "mode", "max abs err", "max rel err", "result")]
    for name, fn, inputs in _gradcheck_cases(args.seed):
        result = am.gradcheck(fn, inputs, raise_exception=False)
        ok &= bool(result)
        rows.append((name, result.mode, f"{result.max_abs_error:.2e}",
                     f"{result.max_rel_error:.2e}", "ok" if result else "MISMATCH"))
        if not result:
            print(result)
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    print("gradcheck (float64 central differences):")
    for i, row in enumerate(rows):
        print("  " + "  ".join(c.ljust(w) for c, w in zip(row, widths)))
        if i == 0:
            print("  " + "  ".join("-" * w for w in widths))
    print(f"\n{'all checks passed' if ok else 'MISMATCH: some gradients disagree'}")
    return EXIT_OK if ok else EXIT_ERROR
