"""`autograd-mini search`: ranges for random search are checked before any trial runs."""

from __future__ import annotations

import pytest

from nn import cli


@pytest.mark.hardening("cli/search-ranges")
@pytest.mark.parametrize(("option", "value", "message"), [
    ("--lr", "1e-4..inf", "is not finite; expected 0 < LOW <= HIGH"),
    ("--lr", "1e-4..1e400", "is not finite"),
    ("--lr", "nan..1e-2", "is not finite"),
    ("--weight-decay", "0..inf", "is not finite; expected 0 <= LOW"),
    ("--dropout", "0..nan", "expected 0 <= LOW <= HIGH < 1"),
    ("--lr", "1e-1..1e-4", "is out of bounds; expected 0 < LOW <= HIGH"),
])
def test_non_finite_or_reversed_random_ranges_are_usage_errors(capsys, option, value, message):
    code = cli.main(["search", "--random", "2", option, value, "--epochs", "1"])
    err = capsys.readouterr().err
    assert code == 2
    assert f"error: {option}: range {value} " in err and message in err
