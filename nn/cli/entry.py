"""The entry point: parse the command line, run the command, map errors to exit statuses."""

from __future__ import annotations

import os
import signal
import sys
import traceback
from collections.abc import Sequence
from typing import Any, NoReturn

from ..training.interrupts import caused_by_ctrl_c
from .errors import (
    EXIT_ERROR,
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    CommandError,
    UsageError,
)
from .parser import build_parser
from .streams import guarded_stdout_and_stderr


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
    with guarded_stdout_and_stderr() as (out, err):
        status = _run_command(args, prog)
    if out is not None and out.error is not None:
        if isinstance(out.error, BrokenPipeError):  # the reader left (`| head`): stop quietly
            _discard_stdout()
            return status or EXIT_ERROR
        done = " (the command finished and wrote its files)" if status == 0 else ""
        print(f"{prog}: error: could not write to standard output: "
              f"{out.error.strerror or out.error}; the printed report is incomplete{done}",
              file=sys.stderr)
        return status or EXIT_ERROR
    if err is not None and err.error is not None:  # nowhere left to say it: the status does
        return status or EXIT_ERROR
    return status


def _discard_stdout() -> None:
    """Point stdout's file descriptor at the null device, so the interpreter's final flush
    cannot fail on a closed pipe."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # no real descriptor (e.g. captured output)
        pass


def _run_command(args: Any, prog: str) -> int:
    """The command's handler, with every error it can raise mapped to an exit status."""
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
        _discard_stdout()
        return EXIT_ERROR
    except Exception as error:  # last: only what no clause above handles
        if not caused_by_ctrl_c(error):
            raise
        print(f"\n{prog}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def run() -> NoReturn:
    """The program: `autograd-mini` and `python -m nn.cli`. Runs `main()` on sys.argv and ends
    the process with its status, skipping interpreter finalization.

    Once the command is done its outcome is decided and its files are written (checkpoints and
    results are fsynced and renamed in place). A Ctrl-C that lands during Python's own shutdown
    could otherwise print a traceback from threading._shutdown, kill the process with SIGINT,
    or abort it with "PyThreadState_Get ... finalizing" — each seen about once in 100
    interrupted runs under load. So SIGINT is ignored from here on, the standard streams are
    flushed, and the process exits at once. (atexit handlers do not run; the command registers
    none.)

    A Ctrl-C can also land after the command's own handler has finished: while `main` returns,
    or inside `signal.signal` itself (its wrapper is Python code, where a pending
    KeyboardInterrupt is raised; seen once in CI). Every such landing is caught here, and the
    loop retries until SIGINT is ignored; the run then counts as interrupted (130) unless the
    command had already returned its status."""
    status = EXIT_INTERRUPTED
    try:
        status = main()
    except KeyboardInterrupt:  # landed between the command's handler and the return
        _say_interrupted()
    except SystemExit as exit_request:  # sys.exit() somewhere below: keep its status
        code = exit_request.code
        status = code if isinstance(code, int) else (0 if code is None else EXIT_ERROR)
        if code is not None and not isinstance(code, int):
            print(code, file=sys.stderr)
    except Exception:  # a bug no handler maps to a message: show it as Python would, exit 1
        traceback.print_exc()
        status = EXIT_ERROR
    finally:
        while True:  # every call in here is inside the try, so a late Ctrl-C is caught too
            try:
                signal.signal(signal.SIGINT, signal.SIG_IGN)  # a signal still pending is dropped
                break
            except KeyboardInterrupt:
                continue
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):  # a closed pipe or stream: nothing more can be said
                pass
        os._exit(status)


def _say_interrupted() -> None:
    try:
        print("\nautograd-mini: interrupted", file=sys.stderr)
    except (OSError, ValueError, KeyboardInterrupt):
        pass
