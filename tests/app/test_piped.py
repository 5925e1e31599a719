"""ux-review D16: `batchtop --dir X > out.txt` started the full-screen app on a pipe and never
exited. With stdout not a terminal, batchtop prints the --once summary and exits."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from screenshots import FIXTURES

TUI = Path(__file__).resolve().parents[2] / "tui"


def test_piped_output_prints_the_summary_and_exits():
    env = {**os.environ, "PYTHONPATH": f"{TUI}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    proc = subprocess.run(
        [sys.executable, "-m", "batchtop", "--dir", str(FIXTURES / "v2-failed")],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert proc.returncode == 1  # a failed job, as --once says
    assert "status   Failed" in proc.stdout
    assert "exceeds error threshold 40." in proc.stdout
    assert "\x1b[" not in proc.stdout + proc.stderr  # no terminal codes on the pipe
