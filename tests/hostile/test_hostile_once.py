"""`--once` and `--json` on the hostile corpus: no crash, no hang, no control byte and no secret
in the output, unparsed lines counted per file, exit codes and one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from corpus import CONTROL, ESCAPES, SECRET_VALUES, SECRETS, many_tiny_files, unlock, write_corpus

from batchtop.cli import main
from batchtop.ingest import Ingestor
from batchtop.sources.local import LocalTree
from batchtop.textsafe import safe

C1 = [chr(c) for c in range(0x80, 0xA0)]


def assert_clean(text: str) -> None:
    for ch in (*CONTROL, *C1):
        assert ch not in text, repr(ch)
    for value in SECRET_VALUES:
        assert value not in text, value


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("hostile")
    write_corpus(root, big_line_mb=50)
    yield root
    unlock(root)


@pytest.mark.parametrize("flag", ["--once", "--json"])
def test_once_on_the_corpus_prints_nothing_hostile(corpus, flag, capsys):
    code = main(["--dir", str(corpus), flag])  # time: bench/hostile_inputs.py --corpus
    out, err = capsys.readouterr()
    assert code in (0, 1)
    assert err == ""
    assert_clean(out)
    if flag == "--json":
        data = json.loads(out)
        assert_clean(json.dumps(data, ensure_ascii=False))
        mb = data["mini_batches"]
        assert mb["processed"] == mb["succeeded"] + mb["failed"]
        assert 0 <= mb["processed"] <= mb["total"] == 100
        assert data["unparsed_lines"]  # visible, per file
        assert any("job_progress_overview" in p for p in data["unparsed_lines"])
    else:
        assert "unparsed" in out


def test_the_corpus_tree_is_read_with_notes_for_what_cannot_be(corpus):
    ingestor = Ingestor()
    tree = LocalTree.open(corpus, ingestor)
    tree.read_all()
    ingestor.flush(final=True)
    notes = " ".join(f"{k}: {v}" for k, v in tree.notes.items())
    assert "sys/node/2/process000.txt: not a regular file" in notes  # the FIFO
    assert "loop-a.txt: unreadable" in notes  # the symlink loop
    assert "symlinked folder not followed" in notes
    snap = ingestor.snapshot()
    files = {f.path: f for f in snap.files}
    big = files["logs/user/stdout/0/process000.stdout.txt"]
    assert big.lines_cut == 1 and big.bytes_read > 50_000_000
    assert "logs/job_error.txt" in tree.tails  # the 0-byte file is listed
    assert "logs/job_error.txt" not in tree.notes
    for node in snap.nodes:
        for value in node.latest.values():
            assert value is None or value == value and abs(value) != float("inf")


def test_a_folder_without_read_permission_is_a_note_not_a_crash(tmp_path, monkeypatch):
    write_corpus(tmp_path)
    locked = tmp_path / "logs/user/error/3"
    real = os.scandir

    def scandir(path):  # root reads anything: refuse the locked folder as the kernel would
        if Path(path) == locked:
            raise PermissionError(13, "Permission denied")
        return real(path)

    if os.geteuid() == 0:
        monkeypatch.setattr(os, "scandir", scandir)
    try:
        ingestor = Ingestor()
        tree = LocalTree.open(tmp_path, ingestor)
        tree.read_all()
        assert tree.notes["logs/user/error/3"].startswith("cannot list folder")
    finally:
        unlock(tmp_path)


def test_hostile_text_is_shown_escaped_and_redacted():
    for text in (*ESCAPES, *SECRETS):
        shown = safe(text)
        assert_clean(shown)
    assert safe("\x1b[31m") == "␛[31m"


def test_100k_tiny_files_are_all_read(tmp_path, capsys):
    """100,000 files are read to the end (how fast is bench/'s job, never a timed test: the
    machines here are shared and a wall-clock bound only measured the neighbours)."""
    many_tiny_files(tmp_path)
    code = main(["--dir", str(tmp_path), "--json"])
    out, _ = capsys.readouterr()
    assert code == 0
    assert len(json.loads(out)["nodes"]) == 100


def run_cli(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "batchtop", *args],
        input=stdin,
        capture_output=True,
        timeout=120,
    )


def test_subprocess_exit_codes_and_one_line_errors(tmp_path, corpus):
    done = run_cli("--dir", str(corpus), "--once")
    assert done.returncode in (0, 1) and done.stderr == b""
    assert_clean(done.stdout.decode("utf-8"))
    hostile_dir = tmp_path / "no\x1b]0;x\x07such\nfolder"
    for args, code in [
        (("--dir", str(hostile_dir), "--once"), 2),
        (("--dir", str(tmp_path), "--once"), 2),  # empty folder
        (("--dir", str(corpus / "logs/job_error.txt"), "--once"), 2),  # a file
        (("--stream", str(tmp_path / "missing"), "--once"), 2),
    ]:
        done = run_cli(*args)
        err = done.stderr.decode("utf-8")
        assert done.returncode == code, (args, err)
        assert err.count("\n") == 1 and err.startswith("batchtop: "), err
        assert "Traceback" not in err
        assert_clean(err)


def test_hostile_stream_on_stdin(corpus):
    body = (
        b"RunId: job\x1b]0;t\x07\nWeb View: https://x/?sig=SECRETSIG\n\n"
        b"Streaming logs/job_progress_overview.txt\n========\n\n"
        + (corpus / "logs/job_progress_overview.2023051622.txt").read_bytes()
        + b"\nExecution Summary\n=================\nError:\n{\n"
        + b'  "error": {"message": "\\u001b[2J Bearer abcdefghijklmnop"\n'
    )
    for flag in ("--once", "--json"):
        done = run_cli("--stream", "-", flag, stdin=body)
        assert done.returncode == 1, done.stderr
        out = done.stdout.decode("utf-8")
        assert_clean(out)
        assert "SECRETSIG" not in out and "abcdefghijklmnop" not in out
