"""CSV reports with hostile shapes: stray quotes, columns missing, extra or reordered, NUL
bytes, header only, cells cut by a chunk boundary. Rows around a bad one are still counted."""

from __future__ import annotations

import pytest

from batchtop.ingest import Ingestor
from helpers import ingest_files

CSV = "logs/sys/job_report/processed_mini-batches.csv"
HEADER = (
    "Mini-batch Id,Picked Count,Process,Start Time,Total,Succeeded,Failed,Status,Error Message\n"
)


def row(mb: int, status: str = "RUN_DONE", error: str = "") -> str:
    failed = 0 if status == "RUN_DONE" else 5
    return f"{mb},1,0/process000,2023-05-16T22:00:{mb % 60:02d},5,{5 - failed},{failed},{status},{error}\n"


def counts(text: str | bytes, path: str = CSV):
    ingestor = ingest_files({path: text})
    snap = ingestor.snapshot()
    unparsed = sum(f.unparsed for f in snap.files)
    return snap.mini_batches, unparsed


def test_a_stray_quote_does_not_swallow_the_rows_after_it():
    text = (
        HEADER
        + row(0, "RUN_EXCEPTION", '"ValueError: oops')
        + "".join(row(i) for i in range(1, 300))
    )
    mb, unparsed = counts(text)
    assert (mb.processed, mb.failed) == (300, 1)
    assert unparsed == 1


def test_two_stray_quotes_do_not_merge_the_rows_between_them():
    text = (
        HEADER
        + row(0, "RUN_EXCEPTION", '"bad one')
        + "".join(row(i) for i in range(1, 5))
        + row(5, "RUN_EXCEPTION", 'bad" two')
        + "".join(row(i) for i in range(6, 10))
    )
    mb, unparsed = counts(text)
    assert (mb.processed, mb.failed) == (10, 2)
    assert unparsed >= 1


def test_a_traceback_in_a_quoted_cell_is_one_row_in_any_chunking():
    tb = '"ValueError: bad\nTraceback (most recent call last):\n  File ""score.py"", line 3\nValueError: bad"'
    text = HEADER + row(0) + row(1, "RUN_EXCEPTION", tb) + row(2)
    data = text.encode()
    for cut in range(1, len(data)):
        ingestor = Ingestor()
        ingestor.feed(CSV, data[:cut])
        ingestor.feed(CSV, data[cut:])
        ingestor.flush(final=True)
        snap = ingestor.snapshot()
        assert (snap.mini_batches.processed, snap.mini_batches.failed) == (3, 1), cut
        assert [e.count for e in snap.errors] == [1], cut
        assert not any(f.unparsed for f in snap.files), cut


def test_a_quote_left_open_at_the_end_of_the_file_is_read_when_the_file_ends():
    mb, unparsed = counts(HEADER + row(0) + row(1, "RUN_EXCEPTION", '"never closed'))
    assert (mb.processed, mb.failed) == (2, 1)
    assert unparsed == 1


@pytest.mark.parametrize(
    "header",
    [
        "Mini-batch Id,Status\n",  # missing columns
        "Status,Junk,Mini-batch Id,More Junk\n",  # reordered, extra
        "\ufeffMini-batch Id,Status,,,,\n",  # BOM, empty names
        "mini_batch_id;status\n",  # wrong separator: nothing is a row
    ],
)
def test_odd_headers_never_raise_and_never_invent_counts(header):
    lines = "".join(f"{i},RUN_DONE,x,y\n" for i in range(5))
    mb, _ = counts(header + lines)
    assert mb.processed <= 5
    assert mb.failed == 0


@pytest.mark.parametrize(
    "text",
    [
        "",
        HEADER,
        HEADER.rstrip("\n"),
        HEADER + "\n\n\n",
        HEADER + "\x00\x00\x00\n" + row(1),
        HEADER + row(1).replace("RUN_DONE", "RUN_\x00DONE") + row(2),
        HEADER + "1,1,0/process000\n" + "2,1,0/process000,2023,5,5,0,RUN_DONE,,extra,extra,extra\n",
        HEADER + '""""""""""""""""""""""""""""""\n' + row(1),
        HEADER + '"' * 10001 + "\n" + row(1),
        b"\xff\xfe" + HEADER.encode() + b"1,\xc3\x28,\xa0\xa1\n",
    ],
    ids=[
        "empty",
        "header-only",
        "header-no-newline",
        "blank-lines",
        "nul-line",
        "nul-cell",
        "short-and-long-rows",
        "quotes",
        "10001-quotes",
        "invalid-utf8",
    ],
)
def test_hostile_csv_never_raises(text):
    mb, _ = counts(text)
    assert 0 <= mb.failed <= mb.processed <= 2
