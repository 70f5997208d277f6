"""`python -m nn.cli ...`: the same as the `autograd-mini` command."""

from . import run

run()
