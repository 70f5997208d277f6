"""History: one record per epoch (losses, metrics, learning rate, time), saved as JSON."""

from __future__ import annotations

import json
import math
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

__all__ = ["History", "write_text_atomic"]

COLUMNS = ("epoch", "train_loss", "train_metric", "val_loss", "val_metric", "lr", "time")


def _clean(value: Any) -> Any:
    """Python floats/ints; NaN and inf stay (a diverged epoch must show as nan)."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return int(value)
    return float(value)


def _json_value(value: Any) -> Any:
    """NaN and inf become None: JSON has neither."""
    return None if isinstance(value, float) and not math.isfinite(value) else value


def write_text_atomic(path: str | os.PathLike[str], text: str | bytes) -> Path:
    """Write `text` (str as UTF-8, or bytes) to a temporary file beside `path`, fsync it and
    rename it over `path`: a crash leaves the old file or the new one, never a partial one."""
    target = Path(path)
    temp = target.with_name(f".{target.name}.{secrets.token_hex(6)}.tmp")
    data = text.encode("utf-8") if isinstance(text, str) else text
    try:
        with open(temp, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return target


class History:
    """Per-epoch training records; `history["val_loss"]` is one column as a list.

    Columns: epoch (1-based), train_loss, train_metric, val_loss, val_metric, lr (the rate used
    during the epoch) and time (seconds). `metric` names what the metric columns hold. A loss
    that became NaN stays NaN here (and is saved as null: JSON has no NaN). `history.history`
    is the same as Keras's dict, `history.plot()` draws the learning curves.
    """

    def __init__(self, metric: str | None = None) -> None:
        self.metric = metric
        self.records: list[dict[str, Any]] = []

    def append(self, **record: Any) -> None:
        """Add one epoch's record; unknown columns raise, missing ones are None."""
        unknown = set(record) - set(COLUMNS)
        if unknown:
            raise ValueError(f"History.append: unknown columns {sorted(unknown)}; "
                             f"expected some of {COLUMNS}")
        self.records.append({key: _clean(record.get(key)) for key in COLUMNS})

    def __len__(self) -> int:
        return len(self.records)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.records)

    def __getitem__(self, column: str) -> list[Any]:
        if column not in COLUMNS:
            raise KeyError(f"History has no column {column!r}; columns are {COLUMNS}")
        return [record[column] for record in self.records]

    def best(self, column: str = "val_loss", mode: str = "min") -> dict[str, Any] | None:
        """The record with the smallest (mode='min') or largest ('max') value in `column`."""
        if mode not in ("min", "max"):
            raise ValueError(f"mode must be 'min' or 'max', got {mode!r}")
        candidates = [r for r in self.records
                      if r[column] is not None and not math.isnan(r[column])]
        if not candidates:
            return None
        sign = 1.0 if mode == "min" else -1.0
        return min(candidates, key=lambda r: sign * r[column])

    def to_dict(self) -> dict[str, Any]:
        """{'metric': name, column: [values per epoch], ...}: JSON-ready (NaN as None)."""
        return {"metric": self.metric,
                **{key: [_json_value(v) for v in self[key]] for key in COLUMNS}}

    @property
    def history(self) -> dict[str, list[Any]]:
        """Keras's `History.history`: {'loss': [...], 'accuracy': [...], 'val_loss': [...],
        'val_accuracy': [...], 'lr': [...]}, one value per epoch; columns never filled are
        left out."""
        metric = self.metric or "metric"
        names = {"train_loss": "loss", "train_metric": metric, "val_loss": "val_loss",
                 "val_metric": f"val_{metric}", "lr": "lr"}
        return {name: self[column] for column, name in names.items()
                if any(value is not None for value in self[column])}

    @property
    def epoch(self) -> list[int]:
        """The epoch numbers (1-based), as Keras's `History.epoch` lists them (0-based there)."""
        return self["epoch"]

    def plot(self, path: str | os.PathLike[str] | None = None, title: str | None = None) -> Any:
        """The learning curves as a matplotlib Figure, shown inline when it is a notebook
        cell's value; saved as a PNG too when `path` is given. Needs matplotlib (optional)."""
        from .plots import history_figure, save_figure

        figure = history_figure(self, title, inline=True)
        if path is not None:
            save_figure(figure, path)
        return figure

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> History:
        """Rebuild from `to_dict()` output."""
        history = cls(data.get("metric"))
        columns = {key: list(data.get(key) or []) for key in COLUMNS}
        lengths = {len(values) for values in columns.values() if values}
        if len(lengths) > 1:
            raise ValueError(f"History.from_dict: columns have different lengths {lengths}")
        for i in range(lengths.pop() if lengths else 0):
            history.append(**{key: values[i] if values else None
                              for key, values in columns.items()})
        return history

    def to_json(self) -> str:
        """The history as indented JSON text."""
        return json.dumps(self.to_dict(), indent=1, allow_nan=False)

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the JSON atomically (a crash leaves the old file or the new one)."""
        return write_text_atomic(path, self.to_json() + "\n")

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> History:
        """Read a history saved with `save`."""
        with open(path, encoding="utf-8") as file:
            return cls.from_dict(json.load(file))

    def __repr__(self) -> str:
        last = self.records[-1] if self.records else {}
        shown = ", ".join(f"{k}={v:.4g}" for k, v in last.items()
                          if k != "epoch" and isinstance(v, float))
        return f"History({len(self)} epochs, metric={self.metric!r}{', last: ' if shown else ''}" \
               f"{shown})"
