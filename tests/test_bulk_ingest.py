"""Issue 12: the bulk paths give the model the per-line rules give, in blocks of any size.

The heavy files are read in big blocks (the local source reads up to MiBs at a time) and the
parsers scan whole blocks with compiled regexes; a fast path for the common spelling of a line
must answer exactly what the general rule answers, and a block boundary anywhere must not
change a figure."""

from __future__ import annotations

import contextlib
import json
import re
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from batchtop import events as ev
from batchtop.ingest import Ingestor
from batchtop.parsers import syslog, syslog_bulk
from batchtop.parsers.csvfiles import AttemptsCsvParser
from batchtop.parsers.registry import classify
from batchtop.sim.config import ERAS
from batchtop.simulator import SimConfig, write_tree
from batchtop.summary import summary_dict

STAMP = "2023-05-16 22:10:03,456|worker|INFO|1234|140001|process_mini_batch()|"
FINISHES = [
    # the simulator's spelling (the runtime's wording itself has no public evidence: S3)
    '{"id": 7, "dequeue_count": 1, "total": 10, "succeeded": 10, "failed": 0, '
    '"elapsed_seconds": 2.3}.',
    # an agent named after the counts, or first: it overrides the file's process
    '{"id": 8, "dequeue_count": 2, "total": 10, "succeeded": 9, "failed": 1, '
    '"agent": "process003"}.',
    '{"agent": "process001", "id": 9, "dequeue_count": 1, "total": 5, "succeeded": 5, '
    '"failed": 0}.',
    # other spellings: no space, reordered, an id as text, a count too long to be one
    '{"id":10,"dequeue_count":1,"total":10,"succeeded":10,"failed":0}.',
    '{"dequeue_count": 3, "id": 11, "total": 10, "succeeded": 10, "failed": 0}.',
    '{"id": "12", "dequeue_count": 1, "total": 10, "succeeded": 10, "failed": 0}.',
    '{"id": 13, "dequeue_count": 1, "total": 10, "succeeded": 10, "failed": 1234567890123456}.',
    '{"task_id": 14, "dequeue_count": 1, "total": 10, "succeeded": 10, "failed": 0}.',
    '{"id": 0015, "dequeue_count": 1, "total": 10, "succeeded": 10, "failed": 0, "id": 99}.',
]


def finish_events(lines: list[str]) -> list[ev.Event]:
    path = "logs/sys/node/3/process002.txt"
    parser = syslog.SysLogParser(path, classify(path))
    return parser.feed("".join(f"{STAMP}Processed mini batch {d}\n" for d in lines))


def attempts(events: list[ev.Event]) -> list[ev.Attempt]:
    return [e for e in events if isinstance(e, ev.Attempt)]


def test_the_fast_finish_answers_what_the_field_rule_answers(monkeypatch: pytest.MonkeyPatch):
    fast = attempts(finish_events(FINISHES))
    monkeypatch.setattr(syslog, "_DONE_FAST", re.compile(r"(?!)"))  # never matches
    general = attempts(finish_events(FINISHES))
    assert fast == general
    assert [a.mini_batch for a in general] == [7, 8, 9, 10, 11, 12, 13, 14, 15]
    assert [a.process for a in general][:3] == ["process002", "process003", "process001"]


@pytest.fixture(scope="module")
def job_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A v2 job with failures, timeouts and retries whose heavy files span many 64 KiB
    blocks (the CSV ~1.3 MB, each worker log ~400 KB)."""
    root = tmp_path_factory.mktemp("job") / "tree"
    write_tree(root, SimConfig(nodes=2, processes=2, mini_batches=6000, seed=3))
    return root


def model_in_blocks(root: Path, block: int | None) -> str:
    ingestor = Ingestor()
    for p in sorted(q for q in root.rglob("*") if q.is_file()):
        data, rel = p.read_bytes(), p.relative_to(root).as_posix()
        size = block or len(data) or 1
        for start in range(0, len(data), size):
            ingestor.feed(rel, data[start : start + size])
    ingestor.flush(final=True)
    snap = ingestor.snapshot()
    detail = summary_dict(snap)
    detail["tracebacks"] = sorted(e.traceback for e in snap.errors)
    detail["current"] = [p.current for n in snap.nodes for p in n.processes]
    return json.dumps(detail, sort_keys=True)


def test_blocks_of_64k_1m_and_4m_give_the_same_model(job_tree: Path):
    sizes = sorted(p.stat().st_size for p in job_tree.rglob("*") if p.is_file())
    assert sizes[-1] > 1 << 20 and sizes[-6] > 1 << 16  # the cuts do fall inside files
    whole = model_in_blocks(job_tree, None)
    assert json.loads(whole)["mini_batches"]["retried"] > 0
    for block in (64 << 10, 1 << 20, 4 << 20):
        assert model_in_blocks(job_tree, block) == whole, block


PICK = '2023-05-16 22:10:0{s},000|INFO|1234|140001|Start processing mini batch {{"id": {mb}}}.\n'
DONE = (
    '2023-05-16 22:10:0{s},500|INFO|1234|140001|Processed mini batch {{"id": {mb}, '
    '"dequeue_count": 1, "total": 10, "succeeded": 10, "failed": 0}}.\n'
)
QUOTED = "    logger.info('x|Start processing mini batch {\"id\": 99}')\n"
"""A traceback line quoting a pick: not a record's first line, so not a pick."""


@pytest.mark.parametrize(
    ("block", "current"),
    [
        (PICK.format(s=1, mb=7), [7]),
        (PICK.format(s=1, mb=7) + DONE.format(s=2, mb=7), []),
        (PICK.format(s=1, mb=7) + DONE.format(s=2, mb=7) + PICK.format(s=3, mb=8), [8]),
        # the last pick is quoted in a traceback: the current one is the stamped one before it
        (PICK.format(s=1, mb=7) + "Traceback (most recent call last):\n" + QUOTED, [7]),
        (PICK.format(s=1, mb=6) + PICK.format(s=2, mb=7) + QUOTED + QUOTED, [7]),
        # ... and none if a finish came between
        (PICK.format(s=1, mb=7) + DONE.format(s=2, mb=7) + QUOTED, []),
        (DONE.format(s=1, mb=6) + QUOTED + PICK.format(s=3, mb=8) + QUOTED, [8]),
    ],
)
def test_the_current_pick_is_the_last_stamped_one_after_the_last_finish(block, current):
    path = "logs/sys/node/3/process002.txt"
    events = syslog.SysLogParser(path, classify(path)).feed(block)
    assert [e.mini_batch for e in events if isinstance(e, ev.Picked)] == current


# -- issue 19: the column paths against the row paths ---------------------------------------


@contextlib.contextmanager
def rows_only() -> Iterator[None]:
    """Every block takes the per-row path (the bulk paths decline, as for a block they cannot
    vouch for)."""
    with (
        mock.patch.object(syslog_bulk, "feed", lambda *_: False),
        mock.patch.object(AttemptsCsvParser, "_bulk", lambda *_: False),
    ):
        yield


def non_ascii(root: Path) -> None:
    """Put multi-byte characters on the lines the bulk paths read (stamped worker-log lines,
    CSV error cells), so that block cuts fall inside characters next to them."""
    for p in root.rglob("*"):
        if p.is_file() and p.suffix in (".txt", ".csv"):
            text = p.read_text(encoding="utf-8")
            text = text.replace("Setting job stage", "Réglage «étape» 日本").replace(
                "could not convert", "n'a pu convertir «»"
            )
            p.write_text(text, encoding="utf-8")


@settings(max_examples=16, deadline=None)
@given(
    era=st.sampled_from(ERAS),
    seed=st.integers(0, 10_000),
    block=st.one_of(st.integers(16, 4096), st.sampled_from([64 << 10, 1 << 20])),
)
def test_bulk_and_row_paths_give_the_same_model_in_any_blocks(era: str, seed: int, block: int):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "tree"
        config = SimConfig(era=era, nodes=2, processes=2, mini_batches=120, seed=seed)
        write_tree(root, config)
        non_ascii(root)
        taken = {"syslog": 0, "csv": 0}
        real_feed, real_bulk = syslog_bulk.feed, AttemptsCsvParser._bulk
        with mock.patch.object(syslog_bulk, "feed", _counted(real_feed, taken, "syslog")):
            with mock.patch.object(AttemptsCsvParser, "_bulk", _counted(real_bulk, taken, "csv")):
                in_bulk = model_in_blocks(root, block)
        with rows_only():
            by_rows = model_in_blocks(root, block)
        assert in_bulk == by_rows
        if era == "v2":  # the simulator's v2 finishes and CSV are the shapes the bulk reads
            assert taken["syslog"] > 0 and taken["csv"] > 0, taken


def _counted(real: Callable[..., bool], taken: dict[str, int], key: str) -> Callable[..., bool]:
    def wrapper(*args: Any) -> bool:
        took = real(*args)
        taken[key] += took
        return took

    return wrapper


LINE = "2023-05-16 22:10:0{s},{ms}|worker|INFO|9|1|process_mini_batch()|"
FIN = 'Processed mini batch {{"id": {mb}, "dequeue_count": 1, "total": 10, "succeeded": 10, "failed": 0}}.'
START = 'Start processing mini batch {{"id": {mb}, "dequeue_count": 1, "total": 10}}.'
FAIL = (
    'Failed to process {{"id": {mb}, "dequeue_count": 1, "total": 10}} with error KeyError: \'p\''
)


def _line(s: int, text: str) -> str:
    return LINE.format(s=s, ms="000") + text + "\n"


@pytest.mark.parametrize(
    "odd",
    [
        # two messages on one line: the row path reads only the first
        _line(3, START.format(mb=8) + "|" + FIN.format(mb=8)),
        _line(3, FIN.format(mb=8) + "|" + START.format(mb=9)),
        _line(3, FIN.format(mb=8) + "|" + FAIL.format(mb=9)),
        _line(3, START.format(mb=8) + "|" + START.format(mb=9)),
        # a finish that names its process; a finish quoted in a traceback line
        _line(3, FIN.format(mb=8).replace('"failed": 0', '"failed": 0, "agent": "process007"')),
        _line(3, FAIL.format(mb=8)) + "Traceback:\n  log('x|" + FIN.format(mb=9) + "')\n",
        # stamps of another shape on a finish line
        _line(3, FIN.format(mb=8)).replace(",000|", ".000Z|"),
    ],
)
def test_odd_lines_give_the_model_the_row_path_gives(odd: str):
    block = _line(1, START.format(mb=7)) + _line(2, FIN.format(mb=7)) + odd
    block += _line(5, START.format(mb=10))

    def model() -> str:
        ingestor = Ingestor()
        ingestor.feed("logs/sys/node/3/process002.txt", block.encode())
        ingestor.flush(final=True)
        snap = ingestor.snapshot()
        detail = summary_dict(snap)
        detail["current"] = [p.current for n in snap.nodes for p in n.processes]
        return json.dumps(detail, sort_keys=True)

    in_bulk = model()
    with rows_only():
        assert model() == in_bulk
