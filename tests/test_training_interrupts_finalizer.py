"""A Ctrl-C that lands inside a finalizer during training prints no traceback."""

from __future__ import annotations

import contextlib
import io
import sys

from nn.training.interrupts import _catch_sigint, _InterruptFlag


class _RaisesInFinalizer:
    def __del__(self) -> None:
        raise KeyboardInterrupt  # what the second Ctrl-C does when it lands in a __del__


def test_keyboard_interrupt_in_a_finalizer_is_silent_while_training() -> None:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), _catch_sigint(_InterruptFlag()):
        _RaisesInFinalizer()
    assert err.getvalue() == ""


def test_other_unraisable_errors_still_reach_the_previous_hook(monkeypatch) -> None:
    class Broken:
        def __del__(self) -> None:
            raise ValueError("boom")

    seen = []
    monkeypatch.setattr(sys, "unraisablehook", lambda u: seen.append(u.exc_value))
    with _catch_sigint(_InterruptFlag()):
        Broken()
        _RaisesInFinalizer()
    assert [type(e) for e in seen] == [ValueError] and str(seen[0]) == "boom"
