"""The entry point: parse the command line, run the command, map errors to exit statuses."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from .errors import (
    EXIT_ERROR,
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    CommandError,
    UsageError,
)
from .parser import build_parser


def _caused_by_ctrl_c(error: BaseException) -> bool:
    """True if `error` stands for a Ctrl-C: Python re-raises a KeyboardInterrupt that lands
    inside a module import as ImportError, and inside a class body's __set_name__ (e.g. while
    matplotlib is imported for the plots) as RuntimeError, keeping it as the cause."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, KeyboardInterrupt):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 ok, 1 error, 2 usage, 130 interrupted)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_request:  # --help (0) or a usage error (2), already printed
        return exit_request.code if isinstance(exit_request.code, int) else EXIT_USAGE
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    prog = f"autograd-mini {args.command}"
    try:
        return int(args.handler(args))
    except UsageError as error:
        print(f"{prog}: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except CommandError as error:
        print(f"{prog}: error: {error}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print(f"\n{prog}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except MemoryError as error:  # e.g. --hidden 2000000000: numpy says how much it wanted
        print(f"{prog}: error: out of memory ({error or 'no details'}); use smaller --hidden "
              "widths or --batch-size", file=sys.stderr)
        return EXIT_ERROR
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)  # stop the interpreter's flush from failing
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_ERROR
    except Exception as error:  # last: only what no clause above handles
        if not _caused_by_ctrl_c(error):
            raise
        print(f"\n{prog}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
