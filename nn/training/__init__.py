"""Training workflow: the fit loop, checkpoints, metrics, plots, hyperparameter search, recipes."""

from .checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from .history import History
from .metrics import accuracy, confusion_matrix, mean_squared_error, r2_score
from .trainer import Callback, EarlyStopping, Trainer, TrainingInterrupted, fit

__all__ = [
    "Callback", "CheckpointError", "EarlyStopping", "History", "Trainer", "TrainingInterrupted",
    "accuracy", "confusion_matrix", "fit", "load_checkpoint", "mean_squared_error", "r2_score",
    "save_checkpoint",
]
