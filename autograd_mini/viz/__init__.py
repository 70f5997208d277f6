"""Seeing the graph: graphviz drawings, backward replay and a terminal view of the tape.

    from autograd_mini.viz import draw_graph, print_graph, replay_backward, trace
    loss, calls = trace(lambda: loss_fn(model(X), y))    # record module calls for clusters
    draw_graph(loss, model=model, calls=calls).render("graph", format="png")
    replay_backward(loss, "backward.html")              # step through the chain rule
    print_graph(loss)                                    # no graphviz needed

Only `graphviz` (the Python package, `pip install "autograd_mini[viz]"`) and the system `dot`
program are needed, and only for drawing; both are imported or called lazily.
"""

from .dot import draw_graph
from .render import DotNotFoundError, save_graph
from .replay import replay_backward
from .scopes import trace
from .steps import backward_steps
from .text import print_graph

__all__ = ["DotNotFoundError", "backward_steps", "draw_graph", "print_graph", "replay_backward",
           "save_graph", "trace"]
