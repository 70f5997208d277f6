"""Environment for tests that run the CLI in a subprocess: this checkout first on the path,
and a non-interactive matplotlib backend."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def cli_env() -> dict[str, str]:
    """os.environ plus PYTHONPATH=<repo root> and MPLBACKEND=Agg."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env["MPLBACKEND"] = "Agg"
    return env
