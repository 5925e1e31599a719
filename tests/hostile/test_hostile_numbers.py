"""Numbers in logs that overflow, are negative or are absurd: never an exception, never shown."""

from __future__ import annotations

import pytest

from helpers import ingest_files

HUGE = "9" * 5000  # longer than Python's int() digit limit (4300)
BIG = str(10**30)  # parses, but is no count a job can have


@pytest.mark.parametrize("digits", [HUGE, BIG], ids=["5000-digits", "1e30"])
@pytest.mark.parametrize(
    "template",
    [
        "Processed {n} of 10 mini batches in 0:00:01. Estimated remaining time 0:00:01.",
        "Processed 1 of {n} mini batches in 0:00:01. Estimated remaining time 0:00:01.",
        "Processed {n} mini batches.",
        "Processed {n} of {n} mini batches.",
        "Scheduled {n} mini batches in 3 seconds.",
        "Scheduling finished. Scheduled {n} mini batches in 1 seconds. There are 1 tasks with 5 items.",
        "Scheduling finished. Scheduled 4 mini batches in 1 seconds. There are 1 tasks with {n} items.",
        "All {n} mini batches have been processed.",
        "Processed 1 of 10 mini batches in {n} days, 0:00:01. Estimated remaining time 0:00:01.",
        "Processed 1 of 10 mini batches in 0:00:01. Estimated remaining time {n}:00:01.",
        "Processed 1 of 10 mini batches in 0:00:01.{n}. Estimated remaining time 0:00:01.",
        "The number of failed items is {n}, which exceeds error threshold {n}.",
        "Progress update stopped for reasons: [{n}].",
    ],
)
def test_overview_numbers_that_overflow_are_not_counts(template, digits):
    line = "2023-05-16T22:00:00 " + template.format(n=digits) + "\n"
    snap = ingest_files({"logs/job_progress_overview.txt": line}).snapshot()
    mb = snap.mini_batches
    assert mb.processed <= 10
    assert mb.total is None or mb.total <= 10
    assert snap.items.total is None or snap.items.total <= 5


@pytest.mark.parametrize("digits", [HUGE, BIG], ids=["5000-digits", "1e30"])
@pytest.mark.parametrize("field", ["id", "dequeue_count", "total", "succeeded", "failed"])
def test_syslog_descriptor_numbers_that_overflow_are_ignored(field, digits):
    fields = {"id": "3", "dequeue_count": "1", "total": "5", "succeeded": "5", "failed": "0"}
    fields[field] = digits
    desc = ", ".join(f'"{k}": {v}' for k, v in fields.items())
    text = (
        f"2023-05-16 22:00:20,944|worker|INFO|1|2|f()|Processed mini batch {{{desc}}}.\n"
        f"2023-05-16 22:00:21,944|worker|INFO|1|2|f()|Failed to process {{{desc}}} with error x\n"
    )
    snap = ingest_files({"logs/sys/node/0/process000.txt": text}).snapshot()
    assert snap.mini_batches.processed <= 1
    assert (snap.items.succeeded or 0) <= 5


def test_driver_exit_code_that_overflows_is_not_a_verdict_crash():
    text = f"[2023-05-16 22:00:01.0] Azure Machine Learning Batch Inference Start\nSystemExit: {HUGE}\n"
    snap = ingest_files({"user_logs/std_log_0.txt": text}).snapshot()
    assert snap.status == "Running"


def test_negative_numbers_are_not_counts():
    lines = (
        "2023-05-16T22:00:00 Processed -5 of 10 mini batches.\n"
        "2023-05-16T22:00:01 Processed 5 of -10 mini batches.\n"
        "2023-05-16T22:00:02 Processed 1 of 10 mini batches in -1 day, 23:59:59. "
        "Estimated remaining time -1 day, 0:00:00.\n"
    )
    csv = (
        "Mini-batch Id,Picked Count,Process,Start Time,Total,Succeeded,Failed,Status\n"
        "-1,1,0/process000,2023-05-16T22:00:01,5,5,0,RUN_DONE\n"
        "2,-3,0/process000,2023-05-16T22:00:01,-5,-5,-1,RUN_DONE\n"
    )
    snap = ingest_files(
        {
            "logs/job_progress_overview.txt": lines,
            "logs/sys/job_report/processed_mini-batches.csv": csv,
        }
    ).snapshot()
    # worked out by hand: the overview's one sound line says 1 of 10; the CSV's row -1 names
    # no mini-batch, row 2 is done (RUN_DONE) but its picked count (-3) says nothing about
    # retries and its item counts are no counts, so nothing is known about items
    mb = snap.mini_batches
    assert (mb.total, mb.processed, mb.succeeded, mb.failed, mb.retried) == (10, 1, 1, 0, 0)
    assert (snap.items.total, snap.items.succeeded, snap.items.failed) == (None, None, None)


def test_long_lines_of_repeated_templates_take_linear_time():
    """A 64 KB line repeating the progress template must not make a regex scan quadratic."""
    line = "2023-05-16T22:00:00 " + "Processed 1 of 2 mini batches in " * 2000 + "\n"
    tail = (
        "2023-05-16T22:00:00 "
        + "Processed 1 of 2 mini batches in 0:00:01. Estimated remaining time " * 900
    )
    # finishes (its CPU time is a figure in bench/hostile_inputs.py) and counts no mini-batch
    # from a line that is no progress line
    snap = ingest_files({"logs/job_progress_overview.txt": (line + tail + "\n") * 3}).snapshot()
    assert snap.mini_batches.processed in (0, 1)
