"""Real std_log_0.txt of v2 batch jobs (fixtures/real-stdlogs, N10), answers worked out by hand.

- sdk-31839 (whole file): the driver ends with `SystemExit: 42`, which D1 defines as "the job
  failed": Failed, with the exit code as a weak verdict; its one stamp (`[2024-01-16
  01:56:57.441773]`) is the job's start and its newest time. No line names a mini-batch, a node
  or a process: counts, total and nodes stay unknown; the traceback is the exit, not a worker
  error, so no error group.
- examples-3343-head (cut before the exit): the Start banner says it runs, nothing says how it
  ended: Running, no verdict. The deprecation warnings and banners are known or quiet lines.
"""

from __future__ import annotations

import json
from pathlib import Path

from batchtop.cli import main

REAL = Path(__file__).resolve().parent.parent / "fixtures" / "real-stdlogs"


def summary(capsys, folder: str) -> tuple[int, dict]:
    code = main(["--dir", str(REAL / folder), "--once", "--json"])
    return code, json.loads(capsys.readouterr().out)


def test_a_whole_failed_std_log(capsys):
    code, got = summary(capsys, "sdk-31839")
    assert (code, got["status"]) == (1, "Failed")
    assert "42" in got["verdict"]
    assert got["started_at"] == got["data_time"] == "2024-01-16T01:56:57Z"
    assert got["mini_batches"]["total"] is None and got["nodes"] == [] and got["errors"] == []
    assert got["unparsed_lines"] == {}


def test_a_std_log_cut_before_its_end(capsys):
    code, got = summary(capsys, "examples-3343-head")
    assert (code, got["status"], got["verdict"]) == (0, "Running", None)
    assert got["started_at"] == "2024-08-07T15:04:33Z"
    assert got["nodes"] == [] and got["errors"] == []
    assert got["unparsed_lines"] == {}
