"""Issue 16, R6 and R7: every timestamped line of a process's own log is a sign of life of that
process, whatever follows its stamp; lines of no known shape are counted, not dropped.

The lines are the v2 worker log's (a pick as the simulator and the docs' S3 wording write it)
with the stamp spelled in the shapes code-review-3 probed: trailing `Z`, a space before the
level, brackets. Expected times are worked out by hand: 2023-05-16 22:00:05 UTC is
1,684,274,405 s after the epoch (19,493 days * 86,400 + 22 h 0 min 5 s)."""

from __future__ import annotations

import pytest

from batchtop.ingest import Ingestor

WORKER = "logs/sys/node/1/process000.txt"
AT = 19_493 * 86_400 + 22 * 3600 + 5.0
PICK = 'Start processing mini batch {"id": 7, "dequeue_count": 1, "total": 10}.'


def feed(path: str, text: str) -> Ingestor:
    ingestor = Ingestor()
    ingestor.feed(path, text.encode())
    ingestor.flush(final=True)
    return ingestor


@pytest.mark.parametrize(
    "line",
    [
        f"2023-05-16 22:00:05,000|worker|INFO|100|139967160076032|process_mini_batch()|{PICK}",
        f"2023-05-16T22:00:05.000Z|worker|INFO|100|139967160076032|process_mini_batch()|{PICK}",
        f"2023-05-16 22:00:05,000 |worker|INFO|100|139967160076032|process_mini_batch()|{PICK}",
        f"[2023-05-16 22:00:05,000]|worker|INFO|100|139967160076032|process_mini_batch()|{PICK}",
    ],
)
def test_a_pick_in_any_stamp_shape_is_the_current_mini_batch_and_a_sign_of_life(line: str):
    proc = feed(WORKER, line + "\n").state.nodes["1"].processes["process000"]
    assert (proc.current, proc.last_seen, proc.last_own) == (7, AT, AT)


@pytest.mark.parametrize(
    "line",
    [
        "2023-05-16 22:00:05,000 INFO worker: Setting job stage to RUNNING.",
        "2023-05-16T22:00:05Z worker INFO Setting job stage to RUNNING.",
        "[2023-05-16 22:00:05,000] INFO worker: Setting job stage to RUNNING.",
    ],
)
def test_a_line_of_another_shape_is_a_sign_of_life_not_an_unparsed_line(line: str):
    ingestor = feed(WORKER, line + "\n")
    proc = ingestor.state.nodes["1"].processes["process000"]
    assert (proc.last_seen, proc.last_own) == (AT, AT)
    assert ingestor.state.files[WORKER].unparsed == 0


def test_lines_before_the_first_stamp_are_unparsed_and_a_traceback_after_one_is_not():
    text = (
        "05/16/2023 22:00:04 INFO worker: starting\n"
        "\n"
        "05/16/2023 22:00:05 INFO worker: Setting job stage to INIT.\n"
        "2023-05-16 22:00:05,000|worker|ERROR|100|1399|handle_error()|stderr: boom\n"
        "Traceback (most recent call last):\n"
        '  File "/mnt/score.py", line 20, in run\n'
        "KeyError: 'price'\n"
    )
    stats = feed(WORKER, text).state.files[WORKER]
    assert (stats.unparsed, stats.unparsed_sample) == (
        2,
        "05/16/2023 22:00:05 INFO worker: Setting job stage to INIT.",
    )


CSV = "logs/sys/job_report/processed_mini-batches.csv"
HEADER = (
    "Mini-batch Id,Picked Count,Process,Start Time,Total,Succeeded,Failed,Elapsed Seconds,"
    "Process Seconds,Run Method Seconds,Status,Error Category,Error Message,Mini-batch Detail\n"
)
ROW = "6,1,1/process002,2023-05-16T22:00:16.017499,10,10,0,3.053,2.839,2.686,RUN_DONE,,,{}\n"


@pytest.mark.parametrize(
    "odd",
    [
        "ess001,2023-05-16T22:01:05,5,5,0,RUN_DONE",  # a row cut at its start
        "hello world",
        "N/A,1,1/process002,2023-05-16T22:00:16,10,10,0,3.0,2.8,2.6,RUN_DONE,,,{}",
        "-3,1,1/process002,2023-05-16T22:00:16,10,0,10,3.0,2.8,2.6,RUN_EXCEPTION,User,bad,{}",
    ],
)
def test_an_attempt_row_without_a_mini_batch_number_is_counted_unparsed(odd: str):
    ingestor = feed(CSV, HEADER + ROW + odd + "\n" + ROW.replace("6,", "7,", 1))
    stats = ingestor.state.files[CSV]
    assert (stats.unparsed, stats.unparsed_sample) == (1, odd)
    assert ingestor.state.ledger.processed == 2  # mini-batches 6 and 7, read around it


def test_a_lifecycle_row_without_a_mini_batch_is_known():
    init = "N/A,,1/process002,2023-05-16T22:00:10,,,,,,,LOAD_DONE,,,\n"
    ingestor = feed(CSV, HEADER + init + ROW)
    assert ingestor.state.files[CSV].unparsed == 0
    assert ingestor.state.ledger.processed == 1
