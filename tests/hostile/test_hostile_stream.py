"""A piped `az ml job stream` that never closes its Error: JSON, or is cut anywhere."""

from __future__ import annotations

from helpers import ingest_files

HEAD = "RunId: job_1\nWeb View: https://ml.azure.com/runs/job_1\n\n"
SUMMARY = "\nExecution Summary\n=================\nRunId: job_1\n"


def test_error_block_that_never_closes_is_read_in_linear_time():
    body = HEAD + SUMMARY + "Error:\n{\n" + '  "error": {\n' * 20000
    snap = ingest_files({"x.stream": body}).snapshot()  # CPU time: bench/hostile_inputs.py
    assert snap.status == "Failed"
    assert snap.verdict is not None and len(snap.verdict) <= 2000


def test_error_json_spread_over_lines_still_gives_its_message():
    error = (
        '{\n  "error": {\n    "code": "UserError",\n'
        '    "message": "Execution failed: a \\"quoted\\" {brace",\n'
        '    "details": []\n  }\n}\n'
    )
    snap = ingest_files({"x.stream": HEAD + SUMMARY + "Error:\n" + error}).snapshot()
    assert snap.status == "Failed"
    assert snap.verdict == 'Execution failed: a "quoted" {brace'


def test_stream_cut_at_every_byte_never_raises():
    whole = (
        HEAD
        + "Streaming logs/job_progress_overview.2023051622.txt\n"
        + "=" * 51  # len(path) + 10, as the SDK writes it
        + "\n\n2023-05-16T22:00:22 Processed 5 of 120 mini batches.\n"
        + SUMMARY
        + 'Error:\n{\n  "error": {"message": "boom \\u001b[31m"}\n}\n'
    )
    for cut in range(0, len(whole), 7):
        snap = ingest_files({"x.stream": whole[:cut]}).snapshot()
        assert 0 <= snap.mini_batches.processed <= 5
