"""Tracebacks in free text: each gets its own time, in any chunking; one that never ends is
bounded and still shown."""

from __future__ import annotations

from batchtop.ingest import Ingestor
from batchtop.timeparse import parse_stamp
from helpers import ingest_files

USER_ERROR = "logs/user/error/1/process000.txt"


def record(stamp: str, mb: int, value: str) -> str:
    return (
        f"{stamp}|ERROR|174|1399|run() raised an exception for mini batch "
        f'{{"id": {mb}, "dequeue_count": 1}}.\n'
        "Traceback (most recent call last):\n"
        '  File "score.py", line 42, in run\n'
        "ValueError: could not convert string to float: " + repr(value) + "\n"
    )


def test_each_traceback_of_a_block_has_its_own_time_in_any_chunking():
    stamps = ["2023-05-16 23:55:18,170", "2023-05-16 23:57:26,377", "2023-05-17 00:03:00,106"]
    text = "".join(record(s, i, "x") for i, s in enumerate(stamps))
    expected = (parse_stamp(stamps[0]), parse_stamp(stamps[-1]))
    for step in (len(text), 1, 7, 64):
        ingestor = Ingestor()
        data = text.encode()
        for k in range(0, len(data), step):
            ingestor.feed(USER_ERROR, data[k : k + step])
        ingestor.flush(final=True)
        (group,) = ingestor.snapshot().errors
        assert group.count == 3
        assert (group.first_seen, group.last_seen) == expected, step


def test_a_traceback_that_never_ends_is_bounded_and_shown():
    text = "Traceback (most recent call last):\n" + '  File "x.py", line 1, in f\n' * 200_000
    snap = ingest_files(
        {USER_ERROR: text, "logs/user/stdout/0/process000.stdout.txt": text}
    ).snapshot()
    assert [e.count for e in snap.errors] == [1]
    assert len(snap.errors[0].traceback) < 70_000
