"""Pipe-separated system logs: master_role, per-process worker logs, sys/error, 2019 worker logs.

`2023-05-16 22:10:01,123|INFO|1234|140001234|message` (several field variants coexist; the
message may itself contain `|`). These files are the biggest of a job (a line or two per
mini-batch attempt), so the parser does not loop over lines in Python: one regex scans the
whole block for the few messages that matter, and everything else is skipped at C speed.
"""

from __future__ import annotations

import re

from batchtop import events as ev
from batchtop.parsers import syslog_bulk as bulk
from batchtop.parsers.base import OpenRecord, Parser, last_match, split_continuation
from batchtop.parsers.registry import FileKind
from batchtop.timeparse import parse_stamp

_RARE_MESSAGES = (
    r"Failed to process (?P<fail>\{[^\n]*)"
    r"|(?P<tout>Stop for run\(\) unable to finish within[^\n]*)"
    r"|The master role failed with error:?\s?(?P<master>[^\n]*)"
    r"|(?P<visible>Failed to set task visible because of[^\n]*)"
)
_INTERESTING = re.compile(
    # The regex engine jumps from `|` to `|` (a literal first character) and tries the
    # messages only there; the line's timestamp is read afterwards (`_stamp_of`), only for
    # the lines that matched. Testing every position of every line was the bulk of the time.
    r"\|(?:"
    r"Start processing mini batch (?P<pick>\{[^\n]*)"
    r"|Processed mini batch (?P<done>\{[^\n]*)"
    r"|" + _RARE_MESSAGES + r")"
)
RARE = re.compile(r"\|(?:" + _RARE_MESSAGES + r")")
"""The messages of `_INTERESTING` other than picks and finishes (the bulk path's rare lines)."""
_STAMP = r"\[?(\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(?:[.,]\d+)?)Z?\]?"
"""A line's leading timestamp in any shape the runtime writes: `stamp|`, but also a trailing
`Z`, brackets, or a space before the level (issue 16, R6): a timestamped line of a process's
own log is a sign of life of that process, whatever follows its stamp."""
_LINE_STAMP = re.compile(_STAMP)
_CONTINUATION = re.compile(r"(?:\n(?!\[?\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d)[^\n]*)*")
_LAST_STAMP = re.compile("^" + _STAMP, re.M)
_N = r"(\d{1,15})(?!\d)"  # a count; longer digit runs are garbage, not a number to show
_ID = re.compile(r'"(?:id|task_id)":\s*' + _N)
_FIELD = re.compile(
    r'"(id|task_id|dequeue_count|total|succeeded|failed|agent)":\s*(?:' + _N + r'|"([^"]+)")'
)
"""The descriptor fields batchtop reads, all found in one pass over the JSON text."""
_DONE_FAST = re.compile(
    r'\{"id": (\d{1,15}), "dequeue_count": (\d{1,15}), "total": (\d{1,15}), '
    r'"succeeded": (\d{1,15}), "failed": (\d{1,15})(?!\d)'
)
"""The v2 runtime's finish descriptor as it writes it (fields in this order, one space after
each colon): read with one match instead of a scan for every field name. Equivalent to
`_fields` + `_num` because these five are then the first occurrences of their names (the text
starts with them) and each is a digit run of the same `_N` shape; `agent` can appear anywhere,
so a descriptor naming one takes the general path, as does any other spelling."""
_TIMEOUT_SECONDS = re.compile(r"within (\d+) seconds")
_WITH_ERROR = re.compile(r"\} with error:?\s?(.*)$")
TAIL_SCAN = 4096


def _int(pattern: re.Pattern[str], text: str) -> int | None:
    m = pattern.search(text)
    return int(m.group(1)) if m else None


def _fields(desc: str) -> dict[str, str]:
    """`{"id": 7, "agent": "process001", ...}` -> {"id": "7", "agent": "process001", ...};
    the first occurrence of a name wins (an error text after the JSON may repeat names)."""
    found: dict[str, str] = {}
    for name, number, text in _FIELD.findall(desc):
        found.setdefault(name, number or text)
    return found


def _num(fields: dict[str, str], name: str) -> int | None:
    value = fields.get(name)
    return int(value) if value and value.isdigit() else None


class SysLogParser(Parser):
    def __init__(self, path: str, kind: FileKind) -> None:
        super().__init__(path, kind)
        self._started = False
        self._stamped = False
        """A timestamped line was seen: later lines without one continue a line above."""

    def feed(self, block: str) -> list[ev.Event]:
        out: list[ev.Event] = []
        if self._open is not None:
            continuation, block = split_continuation(block)
            if continuation:  # its last newline ends a line; it is not one more (empty) line
                self._open.extend(continuation)
            if not block:
                return out
            out.extend(self.flush())
        if not self._stamped:
            self._unstamped_head(block, out)
        if not self._started:
            self._first_activity(block, out)
        if not bulk.feed(self, block, out):
            self._feed_rows(block, out)
        self._activity(block, out)
        return out

    def _feed_rows(self, block: str, out: list[ev.Event]) -> None:
        """The row path: one Python step per interesting line (blocks the bulk path cannot
        vouch for, see syslog_bulk)."""
        open_pick: re.Match[str] | None = None
        picks_from = 0  # just after the last finish: where the current pick can be
        for m in _INTERESTING.finditer(block):
            kind = m.lastgroup
            if kind == "pick":
                # A worker runs one mini-batch at a time: only a pick that no finish follows
                # is its current one. Earlier picks carry nothing else (their times are
                # covered by the finishes and the block's activity), so they are skipped,
                # and whether the last one starts a record is checked once (_current_pick).
                open_pick = m
                continue
            stamp = _LINE_STAMP.match(block, block.rfind("\n", 0, m.start()) + 1)
            if stamp is None:
                continue  # not a record's first line (a traceback line quoting a message)
            at = parse_stamp(stamp.group(1))
            if kind == "done":
                open_pick, picks_from = None, m.end()
                desc = m.group("done")
                fast = _DONE_FAST.match(desc)
                if fast is None or '"agent"' in desc:
                    self._finished(desc, at, True, out)
                else:
                    mb, attempt, total, succeeded, failed = map(int, fast.groups())
                    out.append(
                        ev.Attempt(
                            mb, True, at, self.node, self.process, attempt, total, succeeded,
                            failed, "RUN_DONE",
                        )
                    )  # fmt: skip
            else:
                if kind in ("fail", "tout"):
                    open_pick, picks_from = None, m.end()
                self.rare(block, m, at, out)
        if open_pick is not None:
            self.current_pick(block, open_pick, picks_from, out)

    def rare(self, block: str, m: re.Match[str], at: float | None, out: list[ev.Event]) -> None:
        """A stamped error message (failure, timeout, master role, task visibility): its
        attempt, if any, and the error record it starts, with its traceback lines."""
        head, process = self._error_head(m.lastgroup, m, at, out)
        cont = _CONTINUATION.match(block, m.end())
        cont_end = m.end() if cont is None else cont.end()  # never None: matches ''
        record = OpenRecord(head, at, self.node, process)
        if cont_end > m.end():  # (extend: a block's last newline adds no empty line)
            record.extend(block[m.end() + 1 : cont_end])
        if cont_end >= len(block) - 1:
            self._open = record  # the traceback may go on in the next chunk
        else:
            out.append(record.to_event(self.path))

    def _unstamped_head(self, block: str, out: list[ev.Event]) -> None:
        """Lines before the file's first timestamped line are of no shape we know: counted
        as unparsed (issue 16, R7). Later lines without a stamp continue the line above
        (tracebacks, multi-line messages) and are known."""
        first = _LAST_STAMP.search(block)
        head = block if first is None else block[: first.start()]
        lines = [line for line in head.split("\n") if line.strip()]
        if lines:
            out.append(ev.Unparsed(self.path, len(lines), lines[-1][:300]))
        self._stamped = first is not None

    def current_pick(
        self, block: str, last: re.Match[str], since: int, out: list[ev.Event]
    ) -> None:
        """Report the last pick after the last finish that starts a record line. Checked here
        for the last pick only, not for every pick of the block: same answer, since a pick
        changes nothing but which one is current. When the last one is quoted inside a
        traceback (rare), the picks since the last finish are scanned again, as `feed` does
        (a scan resumed at a match's end finds the same matches)."""
        stamp = _LINE_STAMP.match(block, block.rfind("\n", 0, last.start()) + 1)
        if stamp is None:
            found: re.Match[str] | None = None
            for m in _INTERESTING.finditer(block, since):
                if m.start() >= last.start():
                    break
                if m.lastgroup == "pick":
                    line = _LINE_STAMP.match(block, block.rfind("\n", 0, m.start()) + 1)
                    if line is not None:
                        found, stamp = m, line
            if found is None or stamp is None:
                return
            last = found
        self._picked(last.group("pick"), parse_stamp(stamp.group(1)), out)

    def _first_activity(self, block: str, out: list[ev.Event]) -> None:
        """The file's first timestamp: when this process was first seen."""
        first = _LAST_STAMP.search(block)
        if first is None or not self.node:
            return
        self._started = True
        at = parse_stamp(first.group(1))
        if at is not None:
            out.append(ev.Activity(self.node, self.process, at))

    def _picked(self, desc: str, at: float | None, out: list[ev.Event]) -> None:
        mb = _int(_ID, desc)
        if mb is not None and self.node and self.process:
            out.append(ev.Picked(mb, self.node, self.process, at))

    def _finished(self, desc: str, at: float | None, ok: bool, out: list[ev.Event]) -> str | None:
        """Emit the Attempt a finish/fail line reports; returns the process it names."""
        fields = _fields(desc)
        process = fields.get("agent") or self.process
        mb = _num(fields, "id")
        if mb is None:
            mb = _num(fields, "task_id")
        if mb is None:
            return process
        out.append(
            ev.Attempt(
                mb,
                ok,
                at,
                self.node,
                process,
                _num(fields, "dequeue_count"),
                _num(fields, "total"),
                _num(fields, "succeeded") if ok else 0,
                _num(fields, "failed") if ok else None,
                "RUN_DONE" if ok else "RUN_FAILED",
            )
        )
        return process

    def _error_head(
        self, kind: str | None, m: re.Match[str], at: float | None, out: list[ev.Event]
    ) -> tuple[str, str | None]:
        """First line of the error record an error message starts, and whose error it is."""
        if kind == "fail":
            desc = m.group("fail")
            process = self._finished(desc, at, False, out)
            err = _WITH_ERROR.search(desc)
            return (err.group(1) if err else m.group(0).split("|")[-1]), process
        if kind == "tout":
            # Lead with the runtime's own short wording, as processed_mini-batches.csv writes
            # it, so the two reports of one timeout fall into one error group.
            text = m.group("tout")
            seconds = _TIMEOUT_SECONDS.search(text)
            short = (
                f"run() unable to finish within {seconds.group(1)} seconds." if seconds else text
            )
            return f"{short}\n{text}", self._finished(text, at, False, out)
        if kind == "master":
            text = m.group("master") or "The master role failed"
            out.append(ev.StatusHint("Failed", at))
            out.append(ev.Verdict(f"The master role failed with error: {text}".strip(), at))
            return text, self.process
        return m.group("visible"), self.process

    def _activity(self, block: str, out: list[ev.Event]) -> None:
        """Last sign of life in this block: one regex over the block's tail, not every line."""
        if not self.node:
            return
        start = max(0, len(block) - TAIL_SCAN)
        last = last_match(_LAST_STAMP, block, start)
        if last is None and start:
            last = last_match(_LAST_STAMP, block)
        if last is not None:
            at = parse_stamp(last.group(1))
            if at is not None:
                out.append(ev.Activity(self.node, self.process, at))
