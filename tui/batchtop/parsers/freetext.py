"""Free text written by the user's script or the driver: stdout/stderr, user error logs, std_log.

Anything can be printed here, so the parser looks for only two things: Python tracebacks (one
error record each, from `Traceback (most recent call last):` to the exception line) and the
newest timestamp (a sign of life). Blocks without `Traceback` cost one substring search.
The driver log adds the runtime's start/end banners and its `SystemExit: <code>`.

Whose clock (issue 16, R1): a date at the start of a line the user's script printed may be data
(Python logging writes real times, but a time-series row or a forecast prints any date), so
the events of user output (`user_log`: stdout, stderr, entry script logs) are marked `user` and
never set the job's clock (model.py). In a driver log only the driver's own bracketed stamps
(`[2024-01-16 01:56:57.441773] …`) date its banners; an unbracketed date there is a user line.
"""

from __future__ import annotations

import re

from batchtop import events as ev
from batchtop.parsers.base import OpenRecord, Parser, last_match
from batchtop.parsers.registry import FileKind
from batchtop.timeparse import parse_stamp

TRACEBACK = "Traceback (most recent call last):"
_FRAME_LINE = re.compile(r"^(?:\s|During handling|The above exception|\s*$|\^|~)")
_STAMP_ANYWHERE = re.compile(r"\[?(\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?)")
_LAST_STAMP = re.compile(r"^\[?(\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?)", re.M)
_DRIVER_STAMP = re.compile(r"^\[(\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?)\]", re.M)
"""The driver's own line shape (evidence.md N10, I9): bracketed, so a user's printed date
in the same file is not taken for the driver's time."""
USER_EVENT_KINDS = frozenset({"user_log", "driver_log"})
"""File kinds whose activity and error records come from the user's script (a driver log is
the driver's stdout, where the script prints too): marked `user` (see the module docstring)."""
_EXIT_CODES = {
    42: "the batch job failed (runtime exit code 42)",
    82: "the job was stopped (runtime exit code 82)",
}
_NOT_A_JOB_RESULT = frozenset({41, 71, 72, 73, 74})
"""Exit codes that say nothing about the job. 41: "Worker nodes exit with 41 to notify
compute manager that it terminated independently. It is expected." (the v1 debug doc, D1).
71-74 are the old runtime's *worker process* exit codes (process timeout, init() failed,
some / all run() calls failed; C2 `EXIT_CODES_START_NEW_PROCESS`): a process is restarted,
the job goes on. Only the leader's 0 / 42 (and 82, stopped) are job results."""
_START_BANNER = "Batch Inference Start"
_SYSTEM_EXIT = re.compile(r"^SystemExit: (\d{1,9})(?!\d)", re.M)
TAIL_SCAN = 4096


class FreeTextParser(Parser):
    _CLOCK_STAMP = _LAST_STAMP
    """Which line-start stamps date the file's activity (and `_last_at`)."""

    def __init__(self, path: str, kind: FileKind) -> None:
        super().__init__(path, kind)
        self._in_frames = False
        self._last_at: float | None = None
        self._user = kind.kind in USER_EVENT_KINDS

    def feed(self, block: str) -> list[ev.Event]:
        out: list[ev.Event] = []
        if self._open is not None or TRACEBACK in block:
            self._scan_tracebacks(block, out)
        self._activity(block, out)
        return self._mark(out)

    def flush(self) -> list[ev.Event]:
        return self._mark(super().flush())

    _ACTIVITY_IS_USER = True
    """Whether the file's dated lines (`_CLOCK_STAMP`) are the user's, or the runtime's own."""

    def _mark(self, out: list[ev.Event]) -> list[ev.Event]:
        """Events of user output say so: their stamps are not the job's clock."""
        if self._user:
            for e in out:
                if isinstance(e, ev.ErrorRecord) or (
                    isinstance(e, ev.Activity) and self._ACTIVITY_IS_USER
                ):
                    e.user = True
        return out

    def _scan_tracebacks(self, block: str, out: list[ev.Event]) -> None:
        pos = 0
        if self._open is None:
            pos = block.find(TRACEBACK)
            pos = block.rfind("\n", 0, pos) + 1
        lines = block[pos:].split("\n")[:-1]
        for line in lines:
            start, pos = pos, pos + len(line) + 1  # where this line starts in the block
            if self._open is None:
                if TRACEBACK in line:
                    self._start(line, block, start)
                continue
            if TRACEBACK in line and not self._in_frames:
                self._open.extend(line)
                self._in_frames = True
                continue
            self._open.extend(line)
            if self._in_frames and not _FRAME_LINE.match(line):
                # the exception line ends the traceback (unless a chained one follows; those
                # start with "During handling"/"The above", which are frame-like lines)
                self._in_frames = False
                out.append(self._open.to_event(self.path))
                self._open = None

    def _start(self, line: str, block: str, pos: int) -> None:
        at = self._stamp_before(block, pos, pos + len(line))
        head = line[: line.find(TRACEBACK)].strip()
        self._open = OpenRecord(head or TRACEBACK, at, self.node, self.process)
        if head:
            self._open.extend(TRACEBACK)
        self._in_frames = True

    def _stamp_before(self, block: str, pos: int, end: int) -> float | None:
        """The newest timestamp on or before the traceback's line (the error's time), looked
        for line by line backwards from it (usually on the line just before), at most
        TAIL_SCAN characters back."""
        floor = max(0, pos - TAIL_SCAN)
        line_start, line_end = pos, end
        while True:
            found = last_match(_STAMP_ANYWHERE, block[line_start:line_end])
            if found is not None:
                return parse_stamp(found.group(1))
            if line_start <= floor:
                return self._last_at
            line_end = line_start - 1
            newline = block.rfind("\n", floor, line_end)
            line_start = newline + 1 if newline >= 0 else floor

    def _activity(self, block: str, out: list[ev.Event]) -> None:
        start = max(0, len(block) - TAIL_SCAN)
        last = last_match(self._CLOCK_STAMP, block, start)
        if last is None:
            return
        at = parse_stamp(last.group(1))
        if at is None:
            return
        self._last_at = at
        if self.node:
            out.append(ev.Activity(self.node, self.process, at))


class DriverLogParser(FreeTextParser):
    """70_driver_log.txt / std_log_*.txt: banners, exit code, and tracebacks.

    The driver's stdout also carries what the user's script prints: its tracebacks are marked
    `user`, and only bracketed stamps date the banners."""

    _CLOCK_STAMP = _DRIVER_STAMP
    _ACTIVITY_IS_USER = False  # bracketed stamps are the driver's own lines (N10, I9)

    def _activity(self, block: str, out: list[ev.Event]) -> None:
        """The driver's first and last bracketed stamps of the block: the job's clock, its
        start and its newest time whatever the chunking (the min of the firsts and the max of
        the lasts are the file's). A driver log names no node: the activity is the job's."""
        first = _DRIVER_STAMP.search(block)
        if first is None:
            return
        last = last_match(_DRIVER_STAMP, block, max(0, len(block) - TAIL_SCAN)) or first
        for m in {first.start(): first, last.start(): last}.values():
            at = parse_stamp(m.group(1))
            if at is not None:
                self._last_at = at if self._last_at is None else max(self._last_at, at)
                out.append(ev.Activity(self.node or "", self.process, at))

    def feed(self, block: str) -> list[ev.Event]:
        out = super().feed(block)
        start = block.find(_START_BANNER)
        if start >= 0:
            # dated by the banner's own line, not by the newest stamp of the block (which may
            # be the end banner): a fact's time must not depend on how the file was chunked
            line = block[block.rfind("\n", 0, start) + 1 : start]
            stamp = _LAST_STAMP.match(line)
            at = parse_stamp(stamp.group(1)) if stamp else None
            out.append(ev.StatusHint("Running", at))
        for m in _SYSTEM_EXIT.finditer(block):
            code = int(m.group(1))
            if code == 0 or code in _NOT_A_JOB_RESULT:
                continue
            reason = _EXIT_CODES.get(code, f"the driver exited with code {code}")
            status = "Canceled" if code == 82 else "Failed"
            # `SystemExit: 42` has no time of its own: it belongs to the job's end, never to
            # the newest stamp before it (a start banner), so it is dated None (R3)
            out.append(ev.StatusHint(status, None))
            out.append(ev.Verdict(f"Driver: {reason}", None, weight=1))
        return [e for e in out if not _is_system_exit(e)]


def _is_system_exit(event: ev.Event) -> bool:
    """The driver's own `SystemExit: 42` traceback is the verdict, not an error group."""
    return isinstance(event, ev.ErrorRecord) and "SystemExit" in event.text.rsplit("\n", 2)[-1]
