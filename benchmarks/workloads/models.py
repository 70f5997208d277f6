"""The dense ReLU classifier (softmax cross-entropy) written idiomatically in each framework.

`build_classifier(framework, weights, optimizer, lr)` returns a `Classifier` whose `step(x, y)`
runs forward, loss, backward and the optimizer update on numpy inputs, and whose `predict(x)`
returns logits as a numpy array. The MLP and MNIST workloads share it.

autograd_mini is written with `nn` (Sequential, Linear, ReLU, CrossEntropyLoss, nn.optim) when
the tree has it, else with raw ops (`am.linear`, `am.relu`, `am.cross_entropy`) and the numpy
optimizers of `common`: `am_style()` decides, and `_autograd_mini_nn` is the one function to
edit when `nn`'s API changes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .common import Weights, numpy_optimizer


@dataclass
class Classifier:
    """A training step and a forward pass over numpy arrays, in some framework."""

    step: Callable[[np.ndarray, np.ndarray], Any]
    predict: Callable[[np.ndarray], np.ndarray]
    style: str = ""
    optimizer: Any = None  # has `param_groups` (PyTorch, nn.optim) or `lr` (numpy optimizers)

    def set_lr(self, lr: float) -> None:
        """Change the learning rate of every parameter group (for schedules)."""
        if hasattr(self.optimizer, "param_groups"):
            for group in self.optimizer.param_groups:
                group["lr"] = lr
        else:
            self.optimizer.lr = lr


def am_style(requested: str = "auto") -> tuple[str, str]:
    """('nn' | 'raw', why): use `nn` when it imports and has what the benchmark needs."""
    if requested == "raw":
        return "raw", "requested"
    try:
        import nn
    except Exception as exc:  # noqa: BLE001 - a half-written nn package must not stop a run
        reason = f"nn does not import ({type(exc).__name__}: {exc})"
    else:
        missing = [name for name in ("Sequential", "Linear", "ReLU", "optim") if
                   not hasattr(nn, name)]
        missing += [f"optim.{name}" for name in ("SGD", "Adam") if
                    hasattr(nn, "optim") and not hasattr(nn.optim, name)]
        if not missing:
            return "nn", "nn has Sequential, Linear, ReLU, optim.SGD and optim.Adam"
        reason = f"nn lacks {', '.join(missing)}"
    if requested == "nn":
        raise RuntimeError(f"--am-style nn: {reason}")
    return "raw", reason


def build_classifier(framework: str, weights: Weights, optimizer: str, lr: float,
                     am_style_name: str = "auto") -> Classifier:
    """The classifier for `framework`, starting from copies of `weights`."""
    weights = [w.copy() for w in weights]
    if framework == "autograd_mini":
        style, _ = am_style(am_style_name)
        if style == "nn":
            return _autograd_mini_nn(weights, optimizer, lr)
        return _autograd_mini_raw(weights, optimizer, lr)
    builders = {"torch": _torch, "mygrad": _mygrad, "autograd": _hips_autograd}
    if framework not in builders:
        raise ValueError(f"no classifier for framework {framework!r}")
    return builders[framework](weights, optimizer, lr)


def _autograd_mini_raw(weights: Weights, optimizer: str, lr: float) -> Classifier:
    import autograd_mini as am

    params = [am.tensor(w, requires_grad=True) for w in weights]
    opt = numpy_optimizer(optimizer, [p.data for p in params], lr)
    last = len(params) - 2

    def forward(x: np.ndarray) -> Any:
        h = am.Tensor(x)
        for i in range(0, len(params), 2):
            h = am.linear(h, params[i], params[i + 1])  # (batch, out)
            if i < last:
                h = am.relu(h)
        return h

    def step(x: np.ndarray, y: np.ndarray) -> Any:
        for p in params:
            p.grad = None
        loss = am.cross_entropy(forward(x), y)
        loss.backward()
        with am.no_grad():
            opt.step([p.grad.data for p in params])
        return loss

    def predict(x: np.ndarray) -> np.ndarray:
        with am.no_grad():
            return forward(x).data

    return Classifier(step, predict, "raw", opt)


def _autograd_mini_nn(weights: Weights, optimizer: str, lr: float) -> Classifier:
    import autograd_mini as am
    import nn

    layers: list[Any] = []
    for i in range(0, len(weights), 2):
        linear = nn.Linear(*weights[i].shape, dtype=weights[i].dtype)
        linear.weight.data[...] = weights[i]
        linear.bias.data[...] = weights[i + 1]
        layers += [linear, nn.ReLU()]
    model = nn.Sequential(*layers[:-1])
    loss_fn = nn.CrossEntropyLoss() if hasattr(nn, "CrossEntropyLoss") else am.cross_entropy
    optimizers = {"sgd": nn.optim.SGD, "adam": nn.optim.Adam}
    opt = optimizers[optimizer](model.parameters(), lr=lr)

    def step(x: np.ndarray, y: np.ndarray) -> Any:
        opt.zero_grad()
        loss = loss_fn(model(am.Tensor(x)), y)
        loss.backward()
        opt.step()
        return loss

    def predict(x: np.ndarray) -> np.ndarray:
        with am.no_grad():
            return model(am.Tensor(x)).data

    return Classifier(step, predict, "nn", opt)


def _torch(weights: Weights, optimizer: str, lr: float) -> Classifier:
    import torch
    import torch.nn.functional as F  # noqa: N812 - PyTorch's conventional name

    layers: list[torch.nn.Module] = []
    for i in range(0, len(weights), 2):
        linear = torch.nn.Linear(*weights[i].shape, dtype=torch.float32)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(weights[i].T.astype(np.float32)))
            linear.bias.copy_(torch.from_numpy(weights[i + 1].astype(np.float32)))
        layers += [linear, torch.nn.ReLU()]
    model = torch.nn.Sequential(*layers[:-1])
    optimizers = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam}
    opt = optimizers[optimizer](model.parameters(), lr=lr)

    def step(x: np.ndarray, y: np.ndarray) -> Any:
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(torch.from_numpy(x)), torch.from_numpy(y))
        loss.backward()
        opt.step()
        return loss

    def predict(x: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            return model(torch.from_numpy(x)).numpy()

    return Classifier(step, predict, "torch.nn", opt)


def _mygrad(weights: Weights, optimizer: str, lr: float) -> Classifier:
    import mygrad as mg
    from mygrad.nnet.activations import relu
    from mygrad.nnet.losses import softmax_crossentropy

    params = [mg.tensor(w) for w in weights]
    opt = numpy_optimizer(optimizer, [p.data for p in params], lr)
    last = len(params) - 2

    def forward(x: Any) -> Any:
        h = x
        for i in range(0, len(params), 2):
            h = mg.matmul(h, params[i]) + params[i + 1]  # (batch, out)
            if i < last:
                h = relu(h)
        return h

    def step(x: np.ndarray, y: np.ndarray) -> Any:
        loss = softmax_crossentropy(forward(x), y)
        loss.backward()  # mygrad replaces (does not accumulate) .grad on each backward
        opt.step([p.grad for p in params])
        return loss

    def predict(x: np.ndarray) -> np.ndarray:
        with mg.no_autodiff:
            return np.asarray(forward(x))

    return Classifier(step, predict, "mygrad ops", opt)


def _hips_autograd(weights: Weights, optimizer: str, lr: float) -> Classifier:
    import autograd.numpy as anp
    from autograd import value_and_grad

    params = list(weights)
    opt = numpy_optimizer(optimizer, params, lr)
    last = len(params) - 2

    def logits(params: list[Any], x: np.ndarray) -> Any:
        h = x
        for i in range(0, len(params), 2):
            h = anp.dot(h, params[i]) + params[i + 1]  # (batch, out)
            if i < last:
                h = anp.maximum(h, 0.0)
        return h

    def loss(params: list[Any], x: np.ndarray, y: np.ndarray) -> Any:
        z = logits(params, x)
        z = z - anp.max(z, axis=1, keepdims=True)  # stable log-softmax
        log_probs = z - anp.log(anp.sum(anp.exp(z), axis=1, keepdims=True))
        return -anp.mean(log_probs[np.arange(len(y)), y])

    loss_and_grad = value_and_grad(loss)

    def step(x: np.ndarray, y: np.ndarray) -> Any:
        value, grads = loss_and_grad(params, x, y)
        opt.step(grads)
        return value

    def predict(x: np.ndarray) -> np.ndarray:
        return logits(params, x)

    return Classifier(step, predict, "autograd.numpy", opt)
