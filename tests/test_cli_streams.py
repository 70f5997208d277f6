"""The CLI's report streams: a stdout that fails (a full disk under `> log`) loses no result
file and is never a silent success."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from subprocess_env import ROOT, cli_env

SMALL = ["--data", "moons", "--epochs", "1", "--hidden", "4", "--no-plots"]


@pytest.mark.hardening("cli/stdout-full")
@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full (ENOSPC on write)")
@pytest.mark.parametrize("unbuffered", [False, True])
def test_stdout_on_a_full_disk_writes_the_results_and_exits_1(tmp_path, unbuffered):
    env = cli_env()
    env.pop("PYTHONUNBUFFERED", None)
    if unbuffered:  # every print reaches the disk at once: the first one fails, mid-run
        env["PYTHONUNBUFFERED"] = "1"
    with open("/dev/full", "w") as full:
        result = subprocess.run([sys.executable, "-m", "nn.cli", "train", *SMALL, "--out",
                                 str(tmp_path)], env=env, cwd=ROOT, stdout=full,
                                stderr=subprocess.PIPE, text=True, timeout=300)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert "error: could not write to standard output: No space left on device" in result.stderr
    assert "the command finished and wrote its files" in result.stderr
    for name in ("model.npz", "metrics.json", "history.json", "last.npz"):
        assert (tmp_path / name).is_file(), name


def test_a_failing_stream_keeps_its_first_error_and_stops_writing():
    import io

    from nn.cli.streams import GuardedStream

    class Full(io.StringIO):
        def write(self, text: str) -> int:
            if "boom" in text:
                raise OSError(28, "No space left on device")
            return super().write(text)

    inner = Full()
    stream = GuardedStream(inner)
    stream.write("a\n")
    stream.write("boom\n")  # raises nothing: remembered
    stream.write("c\n")  # not written: a report with a hole is worse than a cut one
    assert inner.getvalue() == "a\n" and stream.error.errno == 28
