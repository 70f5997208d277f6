"""nn.sklearn: MLPClassifier / MLPRegressor inside scikit-learn's own tools (the real package)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

sklearn = pytest.importorskip("sklearn")

from sklearn.base import clone  # noqa: E402
from sklearn.exceptions import NotFittedError  # noqa: E402
from sklearn.model_selection import GridSearchCV, cross_val_score  # noqa: E402

import nn  # noqa: E402
from nn.data import make_moons, make_smooth_function  # noqa: E402
from nn.sklearn import MLPClassifier, MLPRegressor  # noqa: E402

X, Y = make_moons(n_samples=200, noise=0.1, random_state=0, shuffle=True)
SMALL = {"hidden_layer_sizes": (16, 16), "max_iter": 150, "learning_rate_init": 0.02,
         "random_state": 0}


def test_constructor_stores_parameters_only_and_clone_round_trips():
    model = MLPClassifier(hidden_layer_sizes=(0,), activation="nope", max_iter=-1)  # no check yet
    assert model.get_params()["hidden_layer_sizes"] == (0,)
    copy = clone(MLPClassifier(**SMALL))
    assert copy.get_params() == {**MLPClassifier().get_params(), **SMALL}
    assert copy.set_params(alpha=0.5) is copy and copy.alpha == 0.5
    assert not [name for name in vars(copy) if name.endswith("_")]  # nothing fitted yet
    with pytest.raises(NotFittedError):
        copy.predict(X)


def test_classifier_fits_predicts_and_scores_with_any_labels():
    labels = np.array(["left", "right"])[Y]
    model = MLPClassifier(**SMALL).fit(X, labels)
    assert model is not None and list(model.classes_) == ["left", "right"]
    assert model.n_features_in_ == 2 and model.n_iter_ == len(model.loss_curve_) >= 1
    assert isinstance(model.model_, nn.Sequential)
    proba = model.predict_proba(X)
    assert proba.shape == (200, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert set(model.predict(X)) <= {"left", "right"}
    assert model.score(X, labels) > 0.95
    again = MLPClassifier(**SMALL).fit(X, labels)  # random_state makes the fit reproducible
    np.testing.assert_array_equal(again.predict_proba(X), proba)
    with pytest.raises(ValueError, match="X has 3 features, but MLPClassifier is expecting 2"):
        model.predict(np.ones((2, 3)))


def test_grid_search_and_cross_val_score_use_it_like_any_estimator():
    search = GridSearchCV(MLPClassifier(**SMALL), {"learning_rate_init": [1e-5, 0.02]}, cv=3)
    search.fit(X, Y)
    assert search.best_params_ == {"learning_rate_init": 0.02}  # 1e-5 barely moves
    assert search.score(X, Y) > 0.9
    Xr, yr = make_smooth_function(300, 2, seed=0)
    scores = cross_val_score(MLPRegressor(hidden_layer_sizes=(32,), activation="tanh",
                                          max_iter=300, learning_rate_init=0.01,
                                          dtype="float64", random_state=0),
                             Xr, yr.ravel(), cv=3)
    assert scores.shape == (3,) and scores.min() > 0.5  # R²


def test_regressor_keeps_the_shape_of_y():
    Xr, yr = make_smooth_function(120, 2, seed=1)
    one = MLPRegressor(hidden_layer_sizes=(8,), max_iter=5, random_state=0).fit(Xr, yr.ravel())
    assert one.predict(Xr).shape == (120,)
    two = MLPRegressor(hidden_layer_sizes=(8,), max_iter=5, random_state=0)
    assert two.fit(Xr, np.hstack([yr, -yr])).predict(Xr).shape == (120, 2)
    assert two.n_outputs_ == 2


@pytest.mark.parametrize(("params", "name"), [
    ({"hidden_layer_sizes": (0,)}, "hidden_layer_sizes"),
    ({"activation": "swish"}, "activation"),
    ({"solver": "lbfgs"}, "solver"),
    ({"learning_rate_init": 0.0}, "learning_rate_init"),
    ({"alpha": -1.0}, "alpha"),
    ({"max_iter": 0}, "max_iter"),
    ({"batch_size": 0}, "batch_size"),
    ({"dtype": "int64"}, "dtype"),
])
def test_bad_parameters_are_named_when_fit_checks_them(params, name):
    with pytest.raises(ValueError, match=rf"^MLPClassifier: {name} must be"):
        MLPClassifier(**params).fit(X, Y)


def test_one_class_is_refused():
    with pytest.raises(ValueError, match="at least 2 classes"):
        MLPClassifier(max_iter=1).fit(X, np.zeros(len(X)))


@pytest.mark.parametrize("estimator", [MLPClassifier, MLPRegressor])
def test_scikit_learns_own_estimator_checks_pass(estimator):
    pytest.importorskip("sklearn", minversion="1.6")  # check_estimator(on_fail=None)
    from sklearn.utils.estimator_checks import check_estimator

    # Every check scikit-learn applies to its own estimators (cloning, pickling, input
    # validation, n_features_in_, sample order, 1-sample fits, continuous class targets, ...).
    params = {"hidden_layer_sizes": (16,), "max_iter": 60, "learning_rate_init": 0.05,
              "random_state": 0}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # its SkipTestWarnings (pandas, array API)
        results = check_estimator(estimator(**params), on_fail=None)
    failed = [(r["check_name"], repr(r["exception"])[:200])
              for r in results if r["status"] == "failed"]
    assert len(results) > 40 and failed == []
