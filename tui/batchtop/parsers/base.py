"""What every parser shares: the interface, and multi-line records that may span chunks.

A parser is fed blocks of complete lines (from LineReader) and returns events. Records that
continue over several lines (a message and its traceback) are held until the next record starts
or the file is flushed, so the same bytes give the same events in any chunking.
"""

from __future__ import annotations

import re
from collections import deque

from batchtop import events as ev
from batchtop.parsers.registry import FileKind

MAX_RECORD_LINES = 400
MAX_RECORD_CHARS = 64 * 1024

STAMP_AT_LINE_START = re.compile(r"^\[?\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d", re.M)
"""A line that starts a new record in every timestamped format (ISO, pipe, bracketed)."""


class Parser:
    """Base class: one instance per followed file (recreated when the file is replaced)."""

    def __init__(self, path: str, kind: FileKind) -> None:
        self.path = path
        self.node = kind.node
        self.process = kind.process
        self._open: OpenRecord | None = None
        """The error record still collecting continuation lines (tracebacks), if any."""

    def feed(self, block: str) -> list[ev.Event]:
        """Parse a block of complete lines (ends with a newline)."""
        raise NotImplementedError

    def flush(self) -> list[ev.Event]:
        """No more lines for now: close any record still open."""
        if self._open is None:
            return []
        record, self._open = self._open, None
        return [record.to_event(self.path)]

    @property
    def has_open_record(self) -> bool:
        return self._open is not None


class OpenRecord:
    """An error record being collected: head line plus continuation lines, bounded."""

    __slots__ = ("head", "lines", "chars", "dropped", "at", "node", "process", "mini_batch")

    def __init__(
        self,
        head: str,
        at: float | None,
        node: str | None,
        process: str | None,
        mini_batch: int | None = None,
    ):
        self.head = head
        self.lines: list[str] = []
        self.chars = len(head)
        self.dropped = 0
        self.at = at
        self.node = node
        self.process = process
        self.mini_batch = mini_batch

    def extend(self, text: str) -> None:
        """Add continuation lines (a block of them, newline separated). A block that ends
        with its last line's newline adds no empty line after it: the record may go on in the
        next chunk, and a phantom blank line there would make the text depend on chunking."""
        if not text:
            return
        if text.endswith("\n"):
            text = text[:-1]
        for line in text.split("\n"):
            if len(self.lines) >= MAX_RECORD_LINES or self.chars >= MAX_RECORD_CHARS:
                self.dropped += 1
                continue
            self.lines.append(line)
            self.chars += len(line) + 1

    def to_event(self, path: str) -> ev.ErrorRecord:
        lines = self.lines
        while lines and not lines[-1].strip():
            lines.pop()
        text = "\n".join([self.head, *lines])
        if self.dropped:
            text += f"\n… {self.dropped} more lines not kept"
        return ev.ErrorRecord(
            text, self.at, path, self.node, self.process, self.dropped, mini_batch=self.mini_batch
        )


def split_continuation(block: str) -> tuple[str, str]:
    """Split a block into its leading continuation lines (no timestamp) and the rest."""
    m = STAMP_AT_LINE_START.search(block)
    if m is None:
        return block, ""
    return block[: m.start()], block[m.start() :]


def last_match(pattern: re.Pattern[str], text: str, pos: int = 0) -> re.Match[str] | None:
    """The last match of `pattern` in `text[pos:]` (the newest timestamp of a block)."""
    found = deque(pattern.finditer(text, pos), maxlen=1)
    return found[0] if found else None
