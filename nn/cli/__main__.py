"""`python -m nn.cli ...`: the same as the `autograd-mini` command."""

import sys

from . import main

sys.exit(main())
