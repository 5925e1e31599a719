"""Bytes of files in, events into the model: the one entry point every source uses.

Sources (local folder, Azure blobs, a piped stream) call `feed(path, new_bytes)` as files grow,
`reset(path)` when a file was truncated or replaced, and `flush()` when the input is quiet.
Per file it keeps a LineReader (partial lines, split UTF-8) and the parser chosen by path.
Re-reading a replaced file is safe: attempts are de-duplicated by the model's ledger.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, replace

from batchtop import events as ev
from batchtop.linereader import LineReader
from batchtop.model import FileStats, JobState
from batchtop.parsers.base import Parser
from batchtop.parsers.csvfiles import AttemptsCsvParser, MetricsCsvParser, PerfCsvParser
from batchtop.parsers.executionlog import ExecutionLogParser
from batchtop.parsers.freetext import DriverLogParser, FreeTextParser
from batchtop.parsers.joberror import JobErrorParser
from batchtop.parsers.overview import JobResultParser, OverviewParser
from batchtop.parsers.perffiles import DiskUsageCsvParser, ProcessUsageCsvParser, PsListingParser
from batchtop.parsers.processexit import ExecutionWrapperParser, NodeMainParser
from batchtop.parsers.registry import FileKind, classify, place
from batchtop.parsers.stream import StreamParser
from batchtop.parsers.syslog import SysLogParser
from batchtop.snapshot import Snapshot

PARSERS: dict[str, Callable[[str, FileKind], Parser]] = {
    "overview": OverviewParser,
    "job_result": JobResultParser,
    "job_error": JobErrorParser,
    "attempts_csv": AttemptsCsvParser,
    "metrics_csv": MetricsCsvParser,
    "perf_csv": PerfCsvParser,
    "syslog": SysLogParser,
    "user_error": FreeTextParser,
    "user_error_summary": FreeTextParser,
    "user_log": FreeTextParser,
    "execution_log": ExecutionLogParser,
    "driver_log": DriverLogParser,
    "process_usage_csv": ProcessUsageCsvParser,
    "disk_usage_csv": DiskUsageCsvParser,
    "ps_listing": PsListingParser,
    "node_main": NodeMainParser,
    "execution_wrapper": ExecutionWrapperParser,
}

ERROR_TIERS = {
    "user_error": 1,
    "job_error": 2,
    "syslog": 3,
    "node_main": 3,
    "attempts_csv": 4,
    "execution_wrapper": 6,
}
"""How directly each kind reports error occurrences (see events.ErrorRecord.tier)."""

MAX_ERROR_KEYS = 500_000
"""Error occurrences remembered to recognise them when a file is read again (about 60 MB at
most); later ones are still counted, but no longer recognised on a re-read."""


@dataclass(slots=True)
class _Followed:
    kind: FileKind
    reader: LineReader
    parser: Parser | None
    stats: FileStats
    untimed: int = 0
    """Error records without a time this reading of the file has given: the next one's
    ordinal, which (with the path and text) recognises it when the file is read again (R8)."""


class Ingestor:
    """Routes each file's new bytes through its reader and parser into one JobState.

    Thread-safe: a source thread feeds while the UI thread takes snapshots (`lock`).
    """

    def __init__(self, state: JobState | None = None) -> None:
        self.state = state if state is not None else JobState()
        self.lock = threading.RLock()
        self._files: dict[str, _Followed] = {}
        self._error_keys: set[int] = set()
        self.skipped: dict[str, str] = {}
        """Files the source could not read, and why (a FIFO, a loop, no permission)."""
        self._history: tuple[int, int] | None = None
        """(bytes read, bytes to read) while a source reads what it found on attach."""

    # -- what sources call ------------------------------------------------------------
    def feed(self, path: str, data: bytes) -> None:
        """New bytes appended to `path` (relative to the job root, `/` separated)."""
        if not data:
            return
        with self.lock:
            followed = self._follow(path)
            followed.stats.bytes_read += len(data)
            block = followed.reader.feed(data)
            self._parse(path, followed, block)

    def feed_text(self, path: str, block: str) -> None:
        """Complete lines of `path` that arrived as text (sections of a piped stream)."""
        with self.lock:
            followed = self._follow(path)
            followed.stats.bytes_read += len(block.encode("utf-8", "replace"))
            self._parse(path, followed, block)

    def skip(self, path: str, why: str | None) -> None:
        """The source cannot read `path` (why), or can again (None): shown with the files."""
        with self.lock:
            if why is None:
                self.skipped.pop(path, None)
            else:
                self.skipped[path] = why

    def reset(self, path: str) -> None:
        """`path` was truncated or replaced: read it again from its start, with a new parser."""
        with self.lock:
            old = self._files.pop(path, None)
            if old is not None and old.parser is not None:
                self._apply(path, old, old.parser.flush())

    def forget(self, path: str) -> None:
        """`path` was deleted: close its open records; what it reported stays counted."""
        self.reset(path)

    def flush(self, path: str | None = None, final: bool = False) -> None:
        """Input is quiet: close open multi-line records (tracebacks).

        With `final` (the input is over, as in --once) an unfinished last line counts too;
        while following, a partial line waits for the rest of its bytes instead.
        """
        with self.lock:
            paths = [path] if path is not None else list(self._files)
            for p in paths:
                followed = self._files.get(p)
                if followed is None:
                    continue
                if final:
                    self._parse(p, followed, followed.reader.finish())
                if followed.parser is not None:
                    self._apply(p, followed, followed.parser.flush())

    def has_open_records(self, path: str) -> bool:
        followed = self._files.get(path)
        return bool(followed and followed.parser and followed.parser.has_open_record)

    def reading_history(self, done: int, total: int) -> None:
        """A source is reading the history it found on attach: `done` of `total` bytes. Every
        snapshot until `history_read()` says so, taken under the same lock as the bytes fed,
        so a frame never shows states judged on a partial read as if they were final."""
        with self.lock:
            self._history = (done, max(total, done))

    def history_read(self) -> None:
        """The history found on attach is in: snapshots are final again."""
        with self.lock:
            self._history = None

    def snapshot(self) -> Snapshot:
        with self.lock:
            snap = self.state.snapshot()
            if self.skipped:
                snap = replace(snap, skipped=tuple(sorted(self.skipped.items())))
            if self._history is not None:
                snap = replace(snap, reading=self._history)
            return snap

    def kind_of(self, path: str) -> str:
        followed = self._files.get(path)
        return followed.kind.kind if followed else classify(path).kind

    # -- inside ------------------------------------------------------------------------
    def _follow(self, path: str) -> _Followed:
        followed = self._files.get(path)
        if followed is None:
            kind = classify(path)
            factory = PARSERS.get(kind.kind)
            parser: Parser | None
            if kind.kind == "stream":
                parser = StreamParser(path, kind, sink=self.feed_text)
            else:
                parser = factory(path, kind) if factory else None
            stats = self.state.files.get(path)
            if stats is None:
                stats = self.state.files[path] = FileStats(kind=kind.kind)
            else:  # read again from its start (truncated, replaced, recreated): count afresh
                stats.lines = stats.unparsed = stats.lines_cut = 0
                stats.unparsed_sample = ""
            stats.kind = kind.kind
            followed = self._files[path] = _Followed(kind, LineReader(), parser, stats)
            if kind.node:
                self.state.name_place(kind.node, kind.process)
        return followed

    def notice(self, path: str) -> None:
        """A source saw `path` (perhaps still empty): the node and process its path names
        exist, whether or not it ever holds a line (issue 9: nodes known only by folders)."""
        node, process = place(path)
        if node:
            with self.lock:
                self.state.name_place(node, process)

    def _parse(self, path: str, followed: _Followed, block: str) -> None:
        if not block:
            return
        stats = followed.stats
        stats.lines += block.count("\n")
        stats.lines_cut = followed.reader.lines_cut
        if followed.parser is None:
            return
        self._apply(path, followed, followed.parser.feed(block))

    def _apply(self, path: str, followed: _Followed, events: list[ev.Event]) -> None:
        if not events:
            return
        tier = ERROR_TIERS.get(self.kind_of(path), 5)
        seen = self._error_keys
        repeated = 0
        for event in events:
            if type(event) is ev.ErrorRecord:
                event.tier = tier
                # the same occurrence read again (a file truncated and rewritten, replaced,
                # rotated to a new name, a folder deleted and recreated) is not a new one.
                # Without a time (v2 user stdout/stderr carry no stamps) it is known by its
                # place in its file instead: the n-th untimed record of this path (R8)
                if event.at is None:
                    key = hash((tier, path, followed.untimed, event.text))
                    followed.untimed += 1
                else:
                    key = hash((tier, event.at, event.node, event.process, event.text))
                if key in seen:
                    event.tier = -1
                    repeated += 1
                elif len(seen) < MAX_ERROR_KEYS:
                    seen.add(key)
        if repeated:
            events = [e for e in events if not (type(e) is ev.ErrorRecord and e.tier == -1)]
        self.state.apply_all(events)
