"""Training workflow: the fit loop, checkpoints, metrics, plots, hyperparameter search, recipes.

    from nn.training import Trainer, EarlyStopping
    trainer = Trainer(model, optimizer, loss_fn, loader, epochs=40, val_data=(X_val, y_val),
                      scheduler=scheduler, callbacks=[EarlyStopping(5)], checkpoint_dir="run")
    history = trainer.fit()            # trainer.fit(resume=True) continues from run/last.npz
    history = nn.fit(model, optimizer, loss_fn, X, y, epochs=10)   # arrays work too
"""

from . import recipes
from .checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from .history import History
from .metrics import accuracy, confusion_matrix, mean_squared_error, r2_score
from .plots import (
    PlotUnavailable,
    new_figure,
    plot_confusion_matrix,
    plot_gradient_health,
    plot_history,
    save_figure,
)
from .search import LogUniform, SearchResult, Uniform, grid_search, random_search
from .trainer import (
    Callback,
    EarlyStopping,
    TerminateOnNaN,
    Trainer,
    TrainingDiverged,
    TrainingInterrupted,
    fit,
)

__all__ = [
    "Callback", "CheckpointError", "EarlyStopping", "History", "LogUniform", "PlotUnavailable",
    "SearchResult", "TerminateOnNaN", "Trainer", "TrainingDiverged", "TrainingInterrupted",
    "Uniform", "accuracy", "confusion_matrix",
    "fit", "grid_search", "load_checkpoint", "mean_squared_error", "new_figure",
    "plot_confusion_matrix", "plot_gradient_health", "plot_history", "r2_score", "random_search",
    "recipes", "save_checkpoint", "save_figure",
]
