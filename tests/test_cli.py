"""The command line beyond --dir: --stream from a file and from a pipe, --demo --once."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

STREAMS = Path(__file__).parent / "data" / "stream"


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "batchtop", *args], input=stdin, capture_output=True, text=True,
        timeout=120,
    )


def test_stream_from_a_pipe(tmp_path):
    proc = run("--stream", "-", "--json", stdin=(STREAMS / "pipeline-failed.stream").read_text())
    assert proc.returncode == 1, proc.stderr
    data = json.loads(proc.stdout)
    assert data["job"] == "placid_pot_bdcyntnkvn"
    assert data["status"] == "Failed"


def test_stream_from_a_file_and_a_missing_file(tmp_path):
    proc = run("--stream", str(STREAMS / "pipeline-completed.stream"), "--once")
    assert proc.returncode == 6  # the stream never says how the job ended
    assert "placid_pot_bdcyntnkvn" in proc.stdout
    assert "Stream ended (outcome unknown)" in proc.stdout
    missing = run("--stream", str(tmp_path / "nope.txt"), "--once")
    assert missing.returncode == 2
    assert "No such file" in missing.stderr and "Traceback" not in missing.stderr


def test_demo_once_summarises_a_simulated_job():
    proc = run("--demo", "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["status"] == "Completed"
    assert data["mini_batches"]["processed"] == data["mini_batches"]["total"] == 2000
    assert len(data["nodes"]) == 4


def test_two_sources_is_bad_usage(tmp_path):
    proc = run("--dir", str(tmp_path), "--demo", "--once")
    assert proc.returncode == 2
    assert "exactly one" in proc.stderr
