"""The command line beyond --dir: --stream from a file and from a pipe, --demo --once."""

from __future__ import annotations

import json
import subprocess
import sys

from test_parsers import STREAM


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "batchtop", *args], input=stdin, capture_output=True, text=True,
        timeout=120,
    )


def test_stream_from_a_pipe(tmp_path):
    proc = run("--stream", "-", "--json", stdin=STREAM)
    assert proc.returncode == 1, proc.stderr
    data = json.loads(proc.stdout)
    assert data["job"] == "blue_sky_1234"
    assert data["mini_batches"]["processed"] == 4
    assert data["status"] == "Failed"


def test_stream_from_a_file_and_a_missing_file(tmp_path):
    saved = tmp_path / "stream.txt"
    saved.write_text(STREAM)
    proc = run("--stream", str(saved), "--once")
    assert proc.returncode == 1
    assert "blue_sky_1234" in proc.stdout
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
