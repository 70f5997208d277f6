"""nn: neural-network layers, losses, initialisers and checkpoints on top of autograd_mini.

PyTorch-familiar names, numpy vocabulary (`axis`), one sample per row, weights shaped (in, out):

    import nn
    model = nn.Sequential(nn.Linear(2, 16, rng=0), nn.ReLU(), nn.Linear(16, 2, rng=1))
    loss = nn.CrossEntropyLoss()(model(X), labels)
    loss.backward()
"""

from . import data, delta, delta_rnn, functional, init, optim, training, utils
from .activations import (
    ELU,
    GELU,
    Identity,
    LeakyReLU,
    LogSoftmax,
    ReLU,
    Sigmoid,
    SiLU,
    Softmax,
    Softplus,
    Tanh,
)
from .conv import Conv1d, Conv2d, ConvTranspose2d
from .delta_check import DeltaCheckReport, delta_check
from .dropout import Dropout, Dropout2d
from .embedding import Embedding
from .flatten import Flatten, Unflatten
from .generators import manual_seed
from .layers import Dense, Linear
from .losses import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    HuberLoss,
    L1Loss,
    MSELoss,
)
from .module import IncompatibleKeys, Module, ModuleList, Parameter, Sequential
from .monitor import GradientMonitor
from .normalization import BatchNorm1d, BatchNorm2d, LayerNorm
from .pooling import AdaptiveAvgPool2d, AvgPool1d, AvgPool2d, MaxPool1d, MaxPool2d
from .recurrent import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNCell
from .sequence_readout import LastHiddenState
from .serialization import SerializationError, load, save
from .training import EarlyStopping, History, Trainer, TrainingDiverged, TrainingInterrupted, fit
from .training.saved_model import load_model

__all__ = [
    "AdaptiveAvgPool2d", "AvgPool1d", "AvgPool2d", "BatchNorm2d", "Conv1d", "Conv2d",
    "ConvTranspose2d", "Dropout2d", "Embedding", "Flatten", "LayerNorm", "MaxPool1d",
    "MaxPool2d", "Unflatten",
    "BCELoss", "BCEWithLogitsLoss", "BatchNorm1d", "CrossEntropyLoss", "Dense", "DeltaCheckReport",
    "Dropout", "ELU", "GELU", "GradientMonitor", "HuberLoss", "Identity", "IncompatibleKeys",
    "L1Loss", "LeakyReLU", "Linear", "LogSoftmax", "MSELoss", "Module", "ModuleList", "Parameter",
    "ReLU", "SerializationError", "Sequential", "SiLU", "Sigmoid", "Softmax", "Softplus", "Tanh",
    "data", "delta", "EarlyStopping", "History", "Trainer", "TrainingDiverged",
    "TrainingInterrupted", "fit", "training", "delta_check", "functional", "init", "load",
    "load_model", "manual_seed", "optim", "save", "utils",
    "GRU", "GRUCell", "LSTM", "LSTMCell", "RNN", "RNNCell", "delta_rnn", "LastHiddenState",
]


def __getattr__(name: str) -> object:
    """`nn.sklearn` is imported on first use: it needs the optional scikit-learn."""
    if name == "sklearn":
        import importlib

        return importlib.import_module(".sklearn", __name__)
    raise AttributeError(f"module 'nn' has no attribute {name!r}")
