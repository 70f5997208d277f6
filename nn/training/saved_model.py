"""Using a trained model: `load_model(path)` rebuilds the network a run saved, weights and all.

`autograd-mini train` writes model.npz (the weights, the recipe's config, the input and output
widths and the task); its best.npz and last.npz checkpoints hold the weights and the config
too, and the widths follow from the first and last weight matrices.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..module import Sequential
from ..serialization import load
from .recipes import REGRESSION_DATASETS, build_model, validate_config

__all__ = ["SavedModel", "load_model", "read_saved_model"]


@dataclass
class SavedModel:
    """A trained model with what is needed to feed it and read its outputs."""

    model: Sequential
    task: str  # 'classification' (outputs are class scores) or 'regression'
    in_features: int
    out_features: int
    config: dict[str, Any]


def read_saved_model(path: str | os.PathLike[str]) -> SavedModel:
    """The model in `path` (model.npz, best.npz or last.npz of a run) with its task and widths;
    SerializationError for an unreadable file, ValueError for one that holds no such model."""
    name = os.fspath(path)
    state = load(name)
    if not isinstance(state, dict) or not isinstance(state.get("model"), dict) \
            or not isinstance(state.get("config"), dict):
        raise ValueError(f"load_model: {name} holds no model and config; expected the "
                         "model.npz (or best.npz, last.npz) written by autograd-mini train")
    weights: dict[str, Any] = state["model"]
    try:
        config = validate_config(state["config"])
    except ValueError as error:
        raise ValueError(f"load_model: {name} holds an invalid config: {error}") from None
    matrices = [w for w in weights.values() if isinstance(w, np.ndarray) and w.ndim == 2]
    if not matrices:
        raise ValueError(f"load_model: {name} holds no weight matrix")
    in_features = int(state.get("in_features", matrices[0].shape[0]))
    out_features = int(state.get("out_features", matrices[-1].shape[1]))
    task = state.get("task", "regression" if config["data"] in REGRESSION_DATASETS
                     else "classification")
    model = build_model(config, in_features, out_features)
    try:
        model.load_state_dict(weights)
    except (ValueError, KeyError, TypeError) as error:
        raise ValueError(f"load_model: the weights in {name} do not fit the model its config "
                         f"describes: {error}") from None
    model.eval()
    return SavedModel(model, task, in_features, out_features, config)


def load_model(path: str | os.PathLike[str]) -> Sequential:
    """The network saved by `autograd-mini train` (model.npz, best.npz or last.npz), with its
    trained weights, in eval mode: `load_model("runs/digits/model.npz")(X).data.argmax(axis=1)`.
    """
    return read_saved_model(path).model
