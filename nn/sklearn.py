"""scikit-learn estimators backed by nn: `MLPClassifier` and `MLPRegressor`.

    from nn.sklearn import MLPClassifier
    from sklearn.model_selection import GridSearchCV
    grid = {"hidden_layer_sizes": [(16,), (32, 16)], "learning_rate_init": [1e-3, 1e-2]}
    search = GridSearchCV(MLPClassifier(max_iter=50, random_state=0), grid).fit(X, y)
    search.predict(X_new)

They follow scikit-learn's conventions: the constructor only stores its arguments (checked in
`fit`), `get_params`/`set_params`/`clone` work, fitted attributes end in `_` (`model_`, the
trained `nn.Sequential`; `classes_`, `loss_curve_`, `n_iter_`, `n_features_in_`), and `score`
is accuracy or R². The parameter names are those of `sklearn.neural_network`'s estimators; the
training loop is `nn.Trainer`'s. Needs scikit-learn (`pip install autograd_mini[sklearn]`).
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

try:
    # scikit-learn ships no type information: its names are Any to a type checker.
    from sklearn.base import (  # type: ignore[import-untyped]
        BaseEstimator,
        ClassifierMixin,
        RegressorMixin,
    )
    from sklearn.utils.multiclass import (  # type: ignore[import-untyped]
        check_classification_targets,
    )
    from sklearn.utils.validation import (  # type: ignore[import-untyped]
        check_array,
        check_is_fitted,
        check_X_y,
    )
except ImportError as error:  # an optional extra: say how to get it
    raise ImportError("nn.sklearn needs scikit-learn: pip install 'autograd_mini[sklearn]' "
                      "(or pip install scikit-learn)") from error

import autograd_mini as am

from .activations import ACTIVATIONS
from .data.loader import DataLoader
from .generators import as_generator
from .layers import Linear
from .losses import CrossEntropyLoss, MSELoss
from .module import Module, Sequential
from .optim import SGD, Adam
from .optim.optimizer import Optimizer
from .training import EarlyStopping, Trainer

__all__ = ["MLPClassifier", "MLPRegressor"]

# scikit-learn's activation names beside nn's own (nn.activations.ACTIVATIONS).
_SKLEARN_ACTIVATIONS = {"logistic": "sigmoid"}
_SOLVERS = ("adam", "sgd")


class _MLP(BaseEstimator):  # type: ignore[misc]
    """What both estimators share: parameters, the network, the training run, prediction."""

    def __init__(
        self,
        hidden_layer_sizes: tuple[int, ...] = (100,),
        activation: str = "relu",
        *,
        solver: str = "adam",
        alpha: float = 0.0001,
        batch_size: int | str = "auto",
        learning_rate_init: float = 0.001,
        max_iter: int = 200,
        shuffle: bool = True,
        random_state: Any = None,
        tol: float = 1e-4,
        n_iter_no_change: int = 10,
        momentum: float = 0.9,
        dtype: str = "float32",
        verbose: bool = False,
    ) -> None:
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate_init = learning_rate_init
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.momentum = momentum
        self.dtype = dtype
        self.verbose = verbose

    # ---- checks (in fit, as scikit-learn asks) ---------------------------------------------
    def _fail(self, name: str, expected: str) -> None:
        raise ValueError(f"{type(self).__name__}: {name} must be {expected}, got "
                         f"{getattr(self, name)!r}")

    def _sizes(self) -> tuple[int, ...]:
        sizes = self.hidden_layer_sizes
        if isinstance(sizes, numbers.Integral) and not isinstance(sizes, bool):
            sizes = (sizes,)
        if not isinstance(sizes, (tuple, list)) or not all(
                isinstance(s, numbers.Integral) and not isinstance(s, bool) and s >= 1
                for s in sizes):
            self._fail("hidden_layer_sizes", "a tuple of positive ints such as (100,)")
        return tuple(int(s) for s in sizes)

    def _check_params(self) -> None:
        name = _SKLEARN_ACTIVATIONS.get(self.activation, self.activation)
        if name not in ACTIVATIONS:
            self._fail("activation", f"one of {sorted({*ACTIVATIONS, *_SKLEARN_ACTIVATIONS})}")
        if self.solver not in _SOLVERS:
            self._fail("solver", f"one of {list(_SOLVERS)} (lbfgs is not offered)")
        for option, low in (("alpha", 0.0), ("learning_rate_init", 0.0), ("tol", 0.0),
                            ("momentum", 0.0)):
            value = getattr(self, option)
            if isinstance(value, bool) or not isinstance(value, numbers.Real) \
                    or not np.isfinite(float(value)) or value < low \
                    or (option == "learning_rate_init" and value == 0):
                self._fail(option, "a finite number " + (
                    "> 0" if option == "learning_rate_init" else ">= 0"))
        for option in ("max_iter", "n_iter_no_change"):
            value = getattr(self, option)
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
                self._fail(option, "an int >= 1")
        if self.batch_size != "auto" and (isinstance(self.batch_size, bool) or not isinstance(
                self.batch_size, numbers.Integral) or self.batch_size < 1):
            self._fail("batch_size", "'auto' or an int >= 1")
        if not isinstance(self.shuffle, bool):
            self._fail("shuffle", "a bool")
        if np.dtype(self.dtype).kind != "f":
            self._fail("dtype", "a floating dtype such as 'float32' or 'float64'")

    # ---- the network and its training -----------------------------------------------------
    def _network(self, n_in: int, n_out: int, rng: np.random.Generator) -> Sequential:
        """Linear → activation per hidden layer, then a Linear output layer (no activation)."""
        activation = ACTIVATIONS[_SKLEARN_ACTIVATIONS.get(self.activation, self.activation)]
        layers: list[Module] = []
        width = n_in
        for size in self._sizes():
            layers += [Linear(width, size, dtype=self.dtype, rng=rng), activation.module()]
            width = size
        layers.append(Linear(width, n_out, dtype=self.dtype, rng=rng))
        return Sequential(*layers)

    def _optimizer(self, model: Module, batch_size: int) -> Optimizer:
        # scikit-learn's alpha adds ½·alpha·‖W‖² / batch to the loss, on weights only: a
        # weight decay of alpha / batch on the weight matrices, none on the biases.
        weights = [p for p in model.parameters() if p.ndim >= 2]
        biases = [p for p in model.parameters() if p.ndim < 2]
        decay = float(self.alpha) / batch_size
        groups = [{"params": weights, "weight_decay": decay},
                  {"params": biases, "weight_decay": 0.0}]
        if self.solver == "sgd":
            return SGD(groups, lr=float(self.learning_rate_init), momentum=float(self.momentum))
        return Adam(groups, lr=float(self.learning_rate_init))

    def _train(self, X: np.ndarray, target: np.ndarray, n_out: int, loss_fn: Any) -> None:
        self._check_params()
        rng = as_generator(self.random_state, "random_state")
        batch_size = min(200, len(X)) if self.batch_size == "auto" else int(self.batch_size)
        batch_size = min(batch_size, len(X))
        self.model_ = self._network(X.shape[1], n_out, rng)
        loader = DataLoader(X, target, batch_size=batch_size, shuffle=self.shuffle, seed=rng)
        trainer = Trainer(
            self.model_, self._optimizer(self.model_, batch_size), loss_fn, loader,
            epochs=int(self.max_iter), metric=None, progress=False,
            log=print if self.verbose else None,
            callbacks=[EarlyStopping(patience=int(self.n_iter_no_change),
                                     min_delta=float(self.tol), restore_best=False)],
        )
        history = trainer.fit()
        self.loss_curve_ = [float(v) for v in history["train_loss"]]
        self.n_iter_ = len(self.loss_curve_)
        self.model_.eval()

    def _inputs(self, X: Any) -> np.ndarray:
        """X checked (2-D, finite, numeric) and cast to the network's dtype."""
        check_is_fitted(self, "model_")
        array: np.ndarray = check_array(X, dtype=[np.float64, np.float32])
        if array.shape[1] != self.n_features_in_:  # scikit-learn's own wording
            raise ValueError(f"X has {array.shape[1]} features, but {type(self).__name__} is "
                             f"expecting {self.n_features_in_} features as input")
        return array.astype(self.dtype, copy=False)

    def _outputs(self, X: Any) -> np.ndarray:
        """The network's outputs for X, in eval mode, without recording a graph."""
        X = self._inputs(X)
        with am.no_grad():
            return np.asarray(self.model_(X).data, dtype=np.float64)


class MLPClassifier(ClassifierMixin, _MLP):  # type: ignore[misc]
    """A multi-layer perceptron trained with cross-entropy; `predict_proba` is its softmax."""

    def fit(self, X: Any, y: Any) -> MLPClassifier:
        """Train a fresh network on (X, y); y holds class labels of any sortable kind."""
        X, y = check_X_y(X, y, dtype=[np.float64, np.float32])
        check_classification_targets(y)  # refuses continuous targets, as classifiers must
        self.classes_, encoded = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError(f"MLPClassifier: y needs at least 2 classes, got 1 class "
                             f"({self.classes_.tolist()})")
        self.n_features_in_ = X.shape[1]
        self._train(X.astype(self.dtype, copy=False), encoded.astype(np.int64),
                    len(self.classes_), CrossEntropyLoss())
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities (n_samples, n_classes), columns in the order of `classes_`."""
        logits = self._outputs(X)
        shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
        return np.asarray(shifted / shifted.sum(axis=1, keepdims=True))

    def predict(self, X: Any) -> np.ndarray:
        """The most probable class label per sample."""
        logits = self._outputs(X)  # checks first that fit has run
        return np.asarray(self.classes_[np.argmax(logits, axis=1)])


class MLPRegressor(RegressorMixin, _MLP):  # type: ignore[misc]
    """A multi-layer perceptron trained with mean squared error; `score` is R²."""

    def __sklearn_tags__(self) -> Any:  # scikit-learn >= 1.6
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def _more_tags(self) -> dict[str, Any]:  # scikit-learn < 1.6
        return {"multioutput": True}

    def fit(self, X: Any, y: Any) -> MLPRegressor:
        """Train a fresh network on (X, y); y of shape (n,) or (n, n_outputs)."""
        X, y = check_X_y(X, y, dtype=[np.float64, np.float32], multi_output=True,
                         y_numeric=True)
        self.n_features_in_ = X.shape[1]
        self._single_output = y.ndim == 1
        target = (y[:, None] if y.ndim == 1 else y).astype(self.dtype)
        self.n_outputs_ = target.shape[1]
        self._train(X.astype(self.dtype, copy=False), target, self.n_outputs_, MSELoss())
        return self

    def predict(self, X: Any) -> np.ndarray:
        """Predictions (n_samples,) for a 1-D y at fit, else (n_samples, n_outputs)."""
        out = self._outputs(X)
        return out[:, 0] if self._single_output else out
