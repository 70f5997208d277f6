"""Output helpers shared by the commands: messages, descriptions, JSON and the graph SVG."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any


def _say(quiet: bool) -> Callable[[str], None]:
    return (lambda message: None) if quiet else (lambda message: print(message, flush=True))


def _architecture(config: dict[str, Any], dataset: Any) -> str:
    widths = [dataset.in_features, *config["hidden"], dataset.out_features]
    extras = [config["activation"]]
    if config.get("model") == "rnn":  # the first hidden width is the recurrent layer's
        extras.insert(0, f"{config['cell']} on the rows")
    if config["batchnorm"]:
        extras.append("batchnorm")
    if config["dropout"]:
        extras.append(f"dropout {config['dropout']:g}")
    return "-".join(str(w) for w in widths) + f" ({', '.join(extras)})"


def _write_json(path: Path, data: Any) -> Path:
    from ..training.history import write_text_atomic

    return write_text_atomic(path, json.dumps(data, indent=1) + "\n")


def _draw_graph(model: Any, dataset: Any, loss_fn: Any, path: Path) -> str:
    """Draw one tiny forward/loss graph as SVG; returns the path or why it was skipped."""
    if shutil.which("dot") is None:
        return "skipped (graphviz's `dot` program is not installed)"
    from autograd_mini.viz import draw_graph as draw
    from autograd_mini.viz import save_graph as save
    from autograd_mini.viz import trace

    try:
        from autograd_mini import Tensor

        x, y = Tensor(dataset.X_test[:2]), dataset.y_test[:2]
        was_training = model.training
        model.eval()
        try:
            loss, calls = trace(lambda inputs: loss_fn(model(inputs), y), x)
            graph = draw(loss, model=model, calls=calls)
        finally:
            model.train(was_training)
        save(graph, path)
    except ImportError as error:  # the graphviz package; its message says how to install it
        return f"skipped ({error})"
    except Exception as error:  # drawing is a bonus: never fail a finished training run
        return f"skipped (drawing failed: {type(error).__name__}: {error})"
    return str(path)


def _option_text(value: Any) -> str:
    if isinstance(value, list):
        return ",".join(map(str, value)) or "none"
    return str(value)
