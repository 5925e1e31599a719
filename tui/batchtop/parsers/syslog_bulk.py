"""Worker logs in bulk: a block's finished mini-batches as columns, not one Python step a line.

The worker logs are the biggest files of a job, and most of their lines are the same two
messages (a pick and a finish per mini-batch). For a block of complete lines this module finds
all canonical finish lines with one regex (`findall` over the block, C speed), their
timestamps with one more over the reversed block (a pattern that starts with a literal is fast;
one anchored at a line start tries every line), converts the numbers with numpy, and hands
the model one `AttemptColumns` for the block. The rare messages (failures with tracebacks,
timeouts, the master role) go through the parser's own per-line code.

It only takes a block it can vouch for: every finish literal must be a canonical finish on a
line that starts with `stamp|`, no line may hold two of the messages, and no finish may name
an `agent` (a failure or timeout may: its attempt is then that process's). Any other block
returns False and takes the row path (`SysLogParser`), so both paths give the same events'
effect on the model, whatever the block size (tested).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import chain
from typing import TYPE_CHECKING, Any

from batchtop import events as ev
from batchtop.parsers import syslog as rows
from batchtop.timeparse import parse_stamp

if TYPE_CHECKING:
    from batchtop.parsers.syslog import SysLogParser

_DONE = "|Processed mini batch {"
_PICK = "|Start processing mini batch {"
_AGENT = '"agent"'
_DONE_ROW = re.compile(
    # ... and no `|` after it on its line: no other message follows it there
    r'\|Processed mini batch \{"id": (\d{1,15}), "dequeue_count": (\d{1,15}), '
    r'"total": (\d{1,15}), "succeeded": (\d{1,15}), "failed": (\d{1,15})(?!\d)(?=[^\n|]*$)',
    re.M,
)
_DONE_STAMP_REVERSED = re.compile(
    # `stamp|...|Processed mini batch {` read backwards: the literal first, then back to the
    # line's first `|` with no `{` on the way (no pick or failure before it on its line),
    # then the `YYYY-MM-DD hh:mm:ss,fff` stamp that must start the line (one shape only, so
    # that the earliest and latest stamps sort as text)
    r"\{ hctab inim dessecorP\|[^\n{]*\|(\d+,\d\d:\d\d:\d\d \d\d-\d\d-\d{4})(?![^\n])"
)
_LITERALS = (
    _PICK,
    _DONE,
    "|Failed to process {",
    "|Stop for run() unable to finish within",
    "|The master role failed with error",
    "|Failed to set task visible because of",
)


def feed(parser: SysLogParser, block: str, out: list[ev.Event]) -> bool:
    """Parse `block` in bulk into `out` (as the row path would), or return False untouched."""
    count = block.count(_DONE)
    if not count or not parser.node:
        return False
    done = _DONE_ROW.findall(block)
    if len(done) != count:
        return False
    stamps = _DONE_STAMP_REVERSED.findall(block[::-1])
    if len(stamps) != count:
        return False
    stamps = [s[::-1] for s in stamps]
    first, last = parse_stamp(min(stamps)), parse_stamp(max(stamps))
    if first is None or last is None:
        return False  # an impossible date at an end: the row path knows what to skip
    rare: list[ev.Event] = []
    failed: list[tuple[int, ev.Attempt]] = []  # (finishes before it, its attempt)
    picks_from = 0
    seen, counted = 0, 0
    agents = block.count(_AGENT)  # a finish naming its process takes the row path
    rare_lines = rows.RARE.finditer(block) if _has_rare(block) else ()
    for m in rare_lines:
        start = block.rfind("\n", 0, m.start()) + 1
        line = block[start : m.end()]
        if sum(line.count(literal) for literal in _LITERALS) != 1:
            return _undo(parser)
        agents -= line.count(_AGENT)
        stamp = rows._LINE_STAMP.match(block, start)
        if stamp is None:
            continue  # a traceback line quoting a message
        at = parse_stamp(stamp.group(1))
        if m.lastgroup in ("fail", "tout"):
            picks_from = m.end()
        counted += block.count(_DONE, seen, m.start())
        seen = m.start()
        before = len(rare)
        parser.rare(block, m, at, rare)
        for e in rare[before:]:
            if type(e) is ev.Attempt:
                failed.append((counted, e))
        rare[before:] = [e for e in rare[before:] if type(e) is not ev.Attempt]
    if agents:
        return _undo(parser)
    last_done = block.rfind(_DONE)
    line_end = block.find("\n", last_done)
    picks_from = max(picks_from, line_end if line_end >= 0 else len(block))
    out.append(_columns(parser, done, stamps, failed, first, last))
    out.extend(rare)
    pick = block.rfind(_PICK)
    line_start = block.rfind("\n", 0, pick) + 1
    if pick >= picks_from and _PICK in block[line_start:pick]:
        return _undo(parser)  # two picks on its line: the row path reads the first one
    if pick >= picks_from:
        last_pick = rows._INTERESTING.match(block, pick)
        if last_pick is not None:
            parser.current_pick(block, last_pick, picks_from, out)
    return True


def _has_rare(block: str) -> bool:
    """Does any message other than a pick or a finish occur (a C-speed `in` per message)?"""
    return any(literal in block for literal in _LITERALS[2:])


def _undo(parser: SysLogParser) -> bool:
    """Give up on the block after some rare lines were read: forget a record they opened."""
    parser._open = None
    return False


def _columns(
    parser: SysLogParser,  # with a node (checked by `feed`)
    done: list[tuple[str, ...]],
    stamps: list[str],
    failed: list[tuple[int, ev.Attempt]],
    first: float,
    last: float,
) -> ev.AttemptColumns:
    import numpy as np

    table = np.fromstring(" ".join(chain.from_iterable(done)), dtype=np.int64, sep=" ")
    columns = table.reshape(-1, 5).T  # id, attempt, total, succeeded, failed
    count = len(done)
    rows = count + len(failed)
    where = np.array([rank + k for k, (rank, _) in enumerate(failed)], dtype=np.intp)
    is_done = np.ones(rows, dtype=bool)
    is_done[where] = False
    places = {(parser.node, parser.process): 0}
    es = [e for _, e in failed]
    rare = [
        [e.mini_batch for e in es],
        [_or_minus(e.attempt) for e in es],
        [_or_minus(e.items_total) for e in es],
        [_or_minus(e.items_succeeded) for e in es],
        [_or_minus(e.items_failed) for e in es],
    ]
    mb, attempt, total, succeeded, items_failed = (
        _merge(np.int64, is_done, where, d, f) for d, f in zip(columns, rare, strict=True)
    )
    who = [places.setdefault((e.node, e.process), len(places)) for e in es]
    place = _merge(np.intp, is_done, where, 0, who)
    # row -> its finish line's stamp (found from the block's end), or `count`: a failure
    which = _merge(np.intp, is_done, where, np.arange(count - 1, -1, -1), count)
    ats = {int(i): e.at for i, e in zip(where, es, strict=True)}
    low: list[float | None] = [first] + [None] * (len(places) - 1)
    high: list[float | None] = [last] + [None] * (len(places) - 1)
    for _, e in failed:
        k = places[(e.node, e.process)]
        if e.at is not None:
            low[k] = e.at if low[k] is None else min(low[k], e.at)  # type: ignore[type-var]
            high[k] = e.at if high[k] is None else max(high[k], e.at)  # type: ignore[type-var]

    def times(indices: Sequence[int]) -> list[float | None]:
        out: list[float | None] = []
        for i in indices:
            j = int(which[i])
            out.append(ats[i] if j == count else parse_stamp(stamps[j]))
        return out

    assert parser.node is not None
    return ev.AttemptColumns(
        list(places),  # type: ignore[arg-type]
        place,
        mb,
        attempt,
        is_done,
        total,
        succeeded,
        items_failed,
        times,
        low,
        high,
    )


def _or_minus(value: int | None) -> int:
    return -1 if value is None else value


def _merge(dtype: Any, is_done: Any, where: Any, done: Any, failed: Any) -> Any:
    """One column of the block in file order: the finishes' values, the failures' at `where`."""
    import numpy as np

    column = np.empty(len(is_done), dtype=dtype)
    column[is_done] = done
    column[where] = failed
    return column
