"""LastHiddenState: a recurrent layer read out as its final hidden state, for classifiers.

`nn.RNN`, `nn.LSTM` and `nn.GRU` return (output, state), which `Sequential` cannot pass on;
wrapped here they return the last layer's h_T alone, so a sequence classifier is a plain
`Sequential(LastHiddenState(LSTM(...)), Linear(...))`.
"""

from __future__ import annotations

from typing import Any

import autograd_mini as am
from autograd_mini import Tensor

from .module import Module
from .recurrent import GRU, LSTM, RNN

__all__ = ["LastHiddenState"]


class LastHiddenState(Module):
    """h_T of the last layer of `recurrent` (both directions side by side if bidirectional).

    x (batch, seq, input) with batch_first ((seq, batch, input) otherwise) -> (batch,
    directions·hidden); an unbatched (seq, input) -> (directions·hidden,).
    """

    def __init__(self, recurrent: RNN | LSTM | GRU) -> None:
        super().__init__()
        if not isinstance(recurrent, (RNN, LSTM, GRU)):
            raise TypeError(f"LastHiddenState: expected an nn.RNN, nn.LSTM or nn.GRU, got "
                            f"{type(recurrent).__name__}")
        self.recurrent = recurrent

    def forward(self, x: Any) -> Tensor:
        _, state = self.recurrent(x)
        h_n = state[0] if isinstance(state, tuple) else state  # LSTM: (h_n, c_n)
        directions = 2 if getattr(self.recurrent, "bidirectional", False) else 1
        last = h_n[h_n.shape[0] - directions:]  # (directions, batch, hidden) or unbatched
        if last.ndim == 2:  # unbatched: (directions, hidden)
            return am.reshape(last, (last.shape[0] * last.shape[1],))
        # (batch, directions·hidden): forward then backward, as PyTorch's output concatenates
        return am.reshape(am.swapaxes(last, 0, 1), (last.shape[1], directions * last.shape[2]))
