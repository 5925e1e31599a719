"""Files whose records start with a timestamp and may continue on following lines.

Shared by the overview, job_result, job_error and execution logs: each subclass only says what
one record's first line means (`on_head`). Lines without a leading timestamp continue the
previous record (tracebacks); they are kept only when the record is an error worth showing.
"""

from __future__ import annotations

import re

from batchtop import events as ev
from batchtop.parsers.base import OpenRecord, Parser
from batchtop.parsers.registry import FileKind
from batchtop.timeparse import parse_stamp

_HEAD = re.compile(r"^\[?(\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?Z?)\]?\s?(.*)$")


class HeadResult:
    """What a record's first line meant: events now, and whether to collect its traceback."""

    __slots__ = ("events", "error_head", "node", "process", "unparsed", "mini_batch")

    def __init__(
        self,
        events: list[ev.Event] | None = None,
        error_head: str | None = None,
        node: str | None = None,
        process: str | None = None,
        unparsed: bool = False,
        mini_batch: int | None = None,
    ):
        self.events = events or []
        self.error_head = error_head
        """If set, collect following lines into an ErrorRecord starting with this text."""
        self.node = node
        self.process = process
        """Where the error happened, when the line says (else the file's own node/process)."""
        self.unparsed = unparsed
        """The line's wording is unknown: counted as unparsed even though `events` (such as
        the text shown as a verdict) are still applied."""
        self.mini_batch = mini_batch
        """The mini-batch the error record is about, when the line names it."""



class TimestampedParser(Parser):
    def __init__(self, path: str, kind: FileKind) -> None:
        super().__init__(path, kind)
        self._unparsed = 0
        self._unparsed_sample = ""

    def on_head(self, at: float | None, message: str) -> HeadResult | None:
        raise NotImplementedError

    def on_loose_line(self, line: str) -> list[ev.Event]:
        """A line with no timestamp and no open record (counted as unparsed by default)."""
        if line.strip():
            self._count_unparsed(line)
        return []

    def feed(self, block: str) -> list[ev.Event]:
        out: list[ev.Event] = []
        for line in block.split("\n")[:-1]:
            m = _HEAD.match(line)
            if m is None:
                if self._open is not None:
                    self._open.extend(line)
                else:
                    out.extend(self.on_loose_line(line))
                continue
            if self._open is not None:
                out.append(self._open.to_event(self.path))
                self._open = None
            at = parse_stamp(m.group(1))
            result = self.on_head(at, m.group(2))
            if result is None:
                self._count_unparsed(line)
                continue
            if result.unparsed:
                self._count_unparsed(line)
            out.extend(result.events)
            if result.error_head is not None:
                self._open = OpenRecord(
                    result.error_head,
                    at,
                    result.node or self.node,
                    result.process or self.process,
                    result.mini_batch,
                )
        if self._unparsed:
            out.append(ev.Unparsed(self.path, self._unparsed, self._unparsed_sample))
            self._unparsed = 0
        return out

    def _count_unparsed(self, line: str) -> None:
        self._unparsed += 1
        self._unparsed_sample = line[:300]
