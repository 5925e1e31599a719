"""CSV reports: attempts (processed_mini-batches.csv and older), metrics progress, node perf.

Columns are mapped by header name, loosely (case, spaces and punctuation ignored; the runtime's
exact spelling was never documented), so reordered or extra columns are fine and a missing
column only makes that figure unknown. `N/A` and empty cells are "unknown". Rows that cannot be
read are counted as unparsed, never fatal. The stdlib csv module does the quoting (JSON with
commas and quotes inside `Mini-batch Detail`).
"""

from __future__ import annotations

import csv
import io
import math
import operator
import re
from collections.abc import Callable, Iterator, Sequence
from functools import lru_cache
from typing import Any

from batchtop import events as ev
from batchtop.parsers import columns
from batchtop.parsers.base import Parser
from batchtop.parsers.registry import PROCESS_NAME, FileKind
from batchtop.timeparse import parse_duration, parse_stamp

_NOT_ALNUM = re.compile(r"[^a-z0-9%]")
MAX_CELL = 4096
MAX_RECORD_LINES = 200
"""A quoted cell may span lines (tracebacks in `Error Message`); a quote still open after this
many lines is a stray one, and its line is read on its own."""
_ROW_START = re.compile(r"\d+,")
csv.field_size_limit(1 << 24)


def _last_line(block: str) -> str:
    return block[block.rfind("\n", 0, len(block) - 1) + 1 :]


def _open_quote(text: str) -> bool:
    return text.count('"') % 2 == 1


def _read_row(text: str) -> list[str] | None:
    try:
        return next(csv.reader([text], strict=False), [])
    except csv.Error:
        return None


def normalise(name: str) -> str:
    return _NOT_ALNUM.sub("", name.strip().lower())


def to_int(cell: str | None) -> int | None:
    if cell is None:
        return None
    try:
        value = int(cell)  # the common case first: a plain number (whitespace allowed)
    except ValueError:
        return _to_int_slow(cell)
    return value if 0 <= value < 1 << 53 else None


def _to_int_slow(cell: str | None) -> int | None:
    """`N/A`, empty, `12.0`, `1e3`, garbage: unknown unless it reads as a finite number."""
    if cell is None:
        return None
    cell = cell.strip()
    if not cell or cell in ("N/A", "None", "nan"):
        return None
    try:
        value = int(cell)
    except ValueError:
        try:
            as_float = float(cell)
        except ValueError:
            return None
        if not math.isfinite(as_float):
            return None
        value = int(as_float)
    return value if 0 <= value < 1 << 53 else None


def to_float(cell: str | None) -> float | None:
    if cell is None:
        return None
    cell = cell.strip()
    if not cell or cell in ("N/A", "None"):
        return None
    try:
        value = float(cell)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


class CsvParser(Parser):
    """Header-mapped CSV: subclasses name the columns they want and handle one row."""

    COLUMNS: dict[str, Sequence[str]] = {}
    """field -> accepted normalised header names (first one found wins)."""

    def __init__(self, path: str, kind: FileKind) -> None:
        super().__init__(path, kind)
        self._index: dict[str, int] | None = None
        self._width = 0
        self._carry = ""  # lines of a record whose quoted cell goes on in the next block
        self._bad = 0
        self._sample = ""
        self._getter: Callable[[list[str]], tuple[str, ...]] | None = None

    def feed(self, block: str) -> list[ev.Event]:
        return self._feed(block, final=False)

    def flush(self) -> list[ev.Event]:
        """The file is over (or replaced): a record still waiting for its closing quote is
        read as it stands."""
        return self._feed("", final=True) if self._carry else []

    def _feed(self, block: str, final: bool) -> list[ev.Event]:
        out: list[ev.Event] = []
        rows: list[list[str]] = []
        for row in self._rows(block, final):
            if not row:
                continue
            if self._index is None:
                self._index = self._map_header(row)
                self._width = len(row)
                fields = [self._index.get(f, -1) for f in self.COLUMNS]
                self._getter = operator.itemgetter(*fields) if len(fields) > 1 else None
                continue
            rows.append(row)
        if rows:
            self.on_rows(rows, out)
        if self._bad:
            out.append(ev.Unparsed(self.path, self._bad, self._sample))
            self._bad = 0
        return out

    def _unparsed(self, sample: str) -> None:
        self._bad += 1
        self._sample = sample[:300]

    def _rows(self, block: str, final: bool) -> Iterator[list[str]]:
        """Records of complete lines. The csv module reads the block at C speed; only when a
        record spans lines, or the block ends inside quotes, are lines looked at one by one,
        so that a stray quote cannot swallow the rows after it, and a quoted cell cut by the
        end of a chunk waits for the rest instead of being read in two broken halves."""
        if self._carry:
            block, self._carry = self._carry + block, ""
        if not block:
            return
        if not block.endswith("\n"):
            block += "\n"
        lines_in_block = block.count("\n")
        try:  # the common case at once: one record per line, no quote left open at the end
            every = list(csv.reader(io.StringIO(block), strict=False))
        except csv.Error:
            every = []
        if len(every) == lines_in_block and not _open_quote(_last_line(block)):
            yield from every
            return
        reader = csv.reader(io.StringIO(block), strict=False)
        done = 0
        try:
            for row in reader:
                n = reader.line_num
                if n - done > 1 or (n == lines_in_block and _open_quote(_last_line(block))):
                    break  # the careful way, from the first line of this record on
                done = n
                yield row
            else:
                return
        except csv.Error:
            pass  # the careful way reads each line on its own and counts what it cannot
        yield from self._careful_rows(block.split("\n")[done:-1], final)

    def _careful_rows(self, lines: list[str], final: bool) -> Iterator[list[str]]:
        i, count = 0, len(lines)
        while i < count:
            j, quotes = i, lines[i].count('"')
            while quotes % 2 and j + 1 < count and j - i < MAX_RECORD_LINES:
                j += 1
                quotes += lines[j].count('"')
            if quotes % 2 and j + 1 == count and j - i < MAX_RECORD_LINES and not final:
                self._carry = "\n".join(lines[i:]) + "\n"  # the quoted cell goes on
                return
            row = _read_row("\n".join(lines[i : j + 1])) if not quotes % 2 else None
            if row is None or any(self._looks_like_row(x) for x in lines[i + 1 : j + 1]):
                # a quote that never closes, or one that swallowed whole rows up to another
                # stray quote: this line is read alone and counted, the next lines are rows
                self._unparsed("unbalanced quote: " + lines[i])
                row, j = _read_row(lines[i]), i
            if row is not None:
                yield row
            i = j + 1

    def _looks_like_row(self, line: str) -> bool:
        """A whole row of this file (an id, then as many cells as the header) inside what
        claims to be one quoted cell: the quote that opened it was a stray one."""
        return _ROW_START.match(line) is not None and line.count(",") >= self._width - 1

    def _map_header(self, header: list[str]) -> dict[str, int]:
        names = {normalise(cell): i for i, cell in reversed(list(enumerate(header)))}
        index = {}
        for field, accepted in self.COLUMNS.items():
            for name in accepted:
                if name in names:
                    index[field] = names[name]
                    break
        return index

    def values(self, row: list[str]) -> tuple[str, ...]:
        """All COLUMNS cells of a row at once, in COLUMNS order ('' where absent): one C call
        instead of a lookup per cell. A short row is padded; a missing column reads the pad."""
        if len(row) < self._width:
            row.extend([""] * (self._width - len(row)))
        row.append("")  # index -1: what a column the header lacks reads as
        if self._getter is None:  # one column or none: itemgetter would not give a tuple
            return tuple(row[self._index.get(f, -1)] if self._index else "" for f in self.COLUMNS)
        return self._getter(row)

    def cell(self, row: list[str], field: str) -> str | None:
        i = self._index.get(field) if self._index else None
        if i is None or i >= len(row):
            return None
        value = row[i]
        return value if len(value) <= MAX_CELL else value[:MAX_CELL]

    def on_rows(self, rows: list[list[str]], out: list[ev.Event]) -> None:
        """A block's rows, in order (a subclass may read them in bulk)."""
        for row in rows:
            try:
                self.on_row(row, out)
            except (ValueError, IndexError, OverflowError):
                self._unparsed(",".join(row))

    def on_row(self, row: list[str], out: list[ev.Event]) -> None:
        raise NotImplementedError


_PROCESS_CELL = re.compile(
    rf"^(?:(?P<node>[^/:\s]+)[/:\s_]+)?(?P<proc>{PROCESS_NAME})$", re.IGNORECASE
)
OK, FAILED, FAILED_UNNUMBERED, PICKED, LIFECYCLE = "ok", "failed", "poisoned", "picked", "life"
STATUSES: dict[str, str] = {
    # processed_mini-batches.csv (2020+): the doc table (D3) and the widget code (C3)
    "RUN_DONE": OK,
    "RUN_EXCEPTION": FAILED,
    "RUN_TIMEOUT": FAILED,
    "LOAD_TIMEOUT": FAILED,  # the mini-batch could not be loaded in time: a failed attempt
    "LOAD_DONE": LIFECYCLE,
    # <proc>.task.csv (2019/2020): `ProgressStatus` enum names (I7 real; C2 progress_status)
    "ENTRY_SCRIPT_RUN_DONE": OK,
    "TASK_PROCESSED": OK,  # unless its Failed column says otherwise (see on_row)
    "ENTRY_SCRIPT_RUN_EXCEPTION": FAILED,
    "ENTRY_SCRIPT_RUN_TIMEOUT": FAILED,
    "TASK_PROCESS_TIMEOUT": FAILED,
    # "poisoned on the fourth pick up" (C2): given up, not run again, so not an attempt of
    # its own; it fails the mini-batch if nothing else reported it
    "TASK_POISONED": FAILED_UNNUMBERED,
    "TASK_PICKED": PICKED,
    "ENTRY_SCRIPT_INIT_START": LIFECYCLE,
    "ENTRY_SCRIPT_INIT_DONE": LIFECYCLE,
    "ENTRY_SCRIPT_INIT_EXCEPTION": LIFECYCLE,
    "ENTRY_SCRIPT_INIT_TIMEOUT": LIFECYCLE,
    "ENTRY_SCRIPT_RUN_START": LIFECYCLE,
    "ENTRY_SCRIPT_SHUTDOWN_START": LIFECYCLE,
    "ENTRY_SCRIPT_SHUTDOWN_DONE": LIFECYCLE,
    "ENTRY_SCRIPT_SHUTDOWN_EXCEPTION": LIFECYCLE,
    "ENTRY_SCRIPT_SHUTDOWN_TIMEOUT": LIFECYCLE,
}
"""Every Status value known from evidence, and what it means. Any other value is counted as
unparsed: guessing would put a wrong number on the screen."""
_ENUM_VALUES = {
    "11": "ENTRY_SCRIPT_INIT_START", "12": "ENTRY_SCRIPT_INIT_EXCEPTION",
    "13": "ENTRY_SCRIPT_INIT_TIMEOUT", "14": "ENTRY_SCRIPT_INIT_DONE",
    "21": "ENTRY_SCRIPT_RUN_START", "22": "ENTRY_SCRIPT_RUN_EXCEPTION",
    "23": "ENTRY_SCRIPT_RUN_TIMEOUT", "24": "ENTRY_SCRIPT_RUN_DONE",
    "31": "ENTRY_SCRIPT_SHUTDOWN_START", "32": "ENTRY_SCRIPT_SHUTDOWN_EXCEPTION",
    "33": "ENTRY_SCRIPT_SHUTDOWN_TIMEOUT", "34": "ENTRY_SCRIPT_SHUTDOWN_DONE",
    "50": "TASK_PICKED", "51": "TASK_POISONED", "60": "TASK_PROCESS_TIMEOUT",
    "99": "TASK_PROCESSED",
}  # fmt: skip
"""`ProgressStatus` is an IntEnum (C2) written with `str(status)`: on Python 3.11+ that is the
number, not the name. The numbers are the enum's own values."""
_STATUS_PREFIX = "PROGRESSSTATUS."


@lru_cache(maxsize=1024)
def status_meaning(raw: str) -> tuple[str, str | None]:
    """(normalised status, meaning); meaning None = unknown status, '' = no status at all.
    Cached: a report repeats a handful of values over millions of rows."""
    status = raw.strip().upper()
    if not status:
        return "", ""
    if status.startswith(_STATUS_PREFIX):
        status = status[len(_STATUS_PREFIX) :]
    status = _ENUM_VALUES.get(status, status)
    return status, STATUSES.get(status)


_MEANINGS: dict[str, tuple[str, str | None]] = {}
"""`status_meaning` of the Status cells seen: a file repeats a handful of values on every row,
and the function is pure, so remembering it changes no answer. Cleared when full."""


def _meaning_of(raw: str) -> tuple[str, str | None]:
    known = _MEANINGS.get(raw)
    if known is None:
        if len(_MEANINGS) >= 256:
            _MEANINGS.clear()
        known = _MEANINGS[raw] = status_meaning(raw)
    return known


class AttemptsCsvParser(CsvParser):
    """One row per attempt: processed_mini-batches.csv, processed_tasks.csv, *.task.csv."""

    def __init__(self, path: str, kind: FileKind) -> None:
        super().__init__(path, kind)
        self._who_cache: dict[tuple[str, str], tuple[str | None, str | None]] = {}

    COLUMNS = {
        "id": ("minibatchid", "taskid", "minibatch"),
        "attempt": ("pickedcount", "dequeuecount"),
        "process": ("process", "processname", "agent"),
        "node": ("ipaddress", "node", "nodeid", "noderank"),
        "start": ("starttime",),
        "total": ("total",),
        "succeeded": ("succeeded",),
        "failed": ("failed",),
        "elapsed": ("elapsedseconds",),
        "status": ("status",),
        "category": ("errorcategory",),
        "error": ("errormessage", "error"),
    }

    def on_row(self, row: list[str], out: list[ev.Event]) -> None:
        cells = len(row)
        (
            raw_id,
            raw_attempt,
            raw_process,
            raw_node,
            raw_start,
            raw_total,
            raw_succeeded,
            raw_failed,
            raw_elapsed,
            raw_status,
            _category,
            raw_error,
        ) = self.values(row)
        del row[cells:]  # the padding `values` added: an unparsed sample shows the row as read
        mb = to_int(raw_id)
        status, meaning = _meaning_of(raw_status)
        start = parse_stamp(raw_start.strip())
        elapsed = to_float(raw_elapsed)
        at = start + elapsed if start is not None and elapsed is not None else start
        node, process = self._who(raw_node, raw_process)
        if meaning is None:
            self._unparsed(",".join(row))  # a status never seen: counted, not guessed
            return
        if meaning == LIFECYCLE:
            if node and at is not None:
                out.append(ev.Activity(node, process, at))  # INIT_START, ... (no mini-batch)
            message = raw_error[:MAX_CELL].strip()
            if message and status.endswith(("_EXCEPTION", "_TIMEOUT")):  # init() failed
                out.append(ev.ErrorRecord(message, at, self.path, node, process))
            return
        if mb is None:
            self._unparsed(",".join(row))  # an attempt of no mini-batch (issue 16, R7)
            return
        if meaning == PICKED:
            if node and process:
                out.append(ev.Picked(mb, node, process, start))
            return
        failed_items = to_int(raw_failed)
        if meaning == OK:
            ok = not failed_items if status == "TASK_PROCESSED" else True
        elif meaning == "":
            ok = not failed_items  # processed_tasks.csv has no Status column
        else:
            ok = False
        attempt = to_int(raw_attempt)
        if meaning == FAILED_UNNUMBERED:
            attempt, node, process = None, None, None
        out.append(
            ev.Attempt(
                mb,
                ok,
                at,
                node,
                process,
                attempt,
                to_int(raw_total),
                to_int(raw_succeeded),
                failed_items,
                status or None,
            )
        )
        if not ok:
            message = raw_error[:MAX_CELL].strip()
            if message:
                out.append(ev.ErrorRecord(message, at, self.path, node, process))

    def on_rows(self, rows: list[list[str]], out: list[ev.Event]) -> None:
        if not self._bulk(rows, out):
            super().on_rows(rows, out)

    def _bulk(self, rows: list[list[str]], out: list[ev.Event]) -> bool:
        """The block's rows as columns, in one `AttemptColumns` (issue 19), when every row is
        a numbered-or-not attempt of a known mini-batch with a success or failure status and
        a node; otherwise False, and the rows take `on_row` one by one. Same events' effect:
        the cells go through the same conversions (parsers/columns.py)."""
        import numpy as np

        index = self._index
        width = self._width
        if not index or not {"id", "status", "start"} <= index.keys() or not rows:
            return False
        if min(map(len, rows)) < width:
            return False  # short rows: on_row pads them
        present = [f for f in self.COLUMNS if f in index]
        cells = dict(
            zip(
                present,
                zip(*map(operator.itemgetter(*present_index(index, present)), rows), strict=True),
                strict=True,
            )
        )
        blank = ("",) * len(rows)
        raw = {f: cells.get(f, blank) for f in self.COLUMNS}
        meanings = {r: _meaning_of(r) for r in dict.fromkeys(raw["status"])}
        if any(meaning not in (OK, FAILED) for _, meaning in meanings.values()):
            return False
        mb = columns.ints(raw["id"], to_int)
        if (mb < 0).any():
            return False
        who = {
            pair: self._who(*pair)
            for pair in dict.fromkeys(zip(raw["node"], raw["process"], strict=True))
        }
        if not all(node for node, _ in who.values()):
            return False
        places: dict[tuple[str, str | None], int] = {}
        code = {pair: places.setdefault(found, len(places)) for pair, found in who.items()}  # type: ignore[arg-type]
        place = np.fromiter(
            map(code.__getitem__, zip(raw["node"], raw["process"], strict=True)), np.intp, len(rows)
        )
        failed_items = columns.ints(raw["failed"], to_int)
        words = list(meanings)
        word_code = {raw_word: k for k, raw_word in enumerate(words)}
        codes = np.fromiter(map(word_code.__getitem__, raw["status"]), np.intp, len(rows))
        good = np.array([meanings[w][1] == OK for w in words])[codes]
        processed = np.array([meanings[w][0] == "TASK_PROCESSED" for w in words])[codes]
        status = _Lookup([meanings[w][0] for w in words], codes)
        ok = good & ~(processed & (failed_items > 0))
        start = columns.stamps(raw["start"])
        elapsed = columns.floats(raw["elapsed"], to_float)
        at = np.where(np.isnan(elapsed), start, start + elapsed)
        low, high = _per_place(at, place, len(places))

        def times(indices: Sequence[int]) -> list[float | None]:
            return [None if math.isnan(v) else v for v in at[list(indices)].tolist()]

        out.append(
            ev.AttemptColumns(
                list(places),  # type: ignore[arg-type]
                place,
                mb,
                columns.ints(raw["attempt"], to_int),
                ok,
                columns.ints(raw["total"], to_int),
                columns.ints(raw["succeeded"], to_int),
                failed_items,
                times,
                low,
                high,
                status,
            )
        )
        names = list(places)
        for i in np.flatnonzero(~ok).tolist():
            message = raw["error"][i][:MAX_CELL].strip()
            if message:
                node, process = names[place[i]]
                out.append(ev.ErrorRecord(message, times([i])[0], self.path, node, process))
        return True

    def _who(self, raw_node: str, raw_process: str) -> tuple[str | None, str | None]:
        """(node, process) named by a row; the same few cells repeat on every row: cached."""
        key = (raw_node, raw_process)
        known = self._who_cache.get(key)
        if known is None:
            if len(self._who_cache) > 4096:
                self._who_cache.clear()
            known = self._who_cache[key] = self._read_who(raw_node, raw_process)
        return known

    def _read_who(self, raw_node: str, raw_process: str) -> tuple[str | None, str | None]:
        node = raw_node[:MAX_CELL].strip() or self.node
        raw = raw_process[:MAX_CELL].strip()
        process = self.process
        if raw:
            m = _PROCESS_CELL.match(raw)
            if m:
                process = m.group("proc")
                node = m.group("node") or node
            else:
                process = raw[:64]
        # a bare OS pid (processed_tasks.csv) names no process a user knows: leave it out
        return (node or None), process


class MetricsCsvParser(CsvParser):
    """logs/sys/metrics/*/progress.csv: the runtime's own counters, last row = now."""

    COLUMNS = {
        "at": ("datetime", "time", "utctime"),
        "total": ("totaltasks", "totalminibatches"),
        "scheduled": ("scheduledtasks", "scheduledminibatches"),
        "completed": ("completedtasks", "completedminibatches", "processedtasks"),
        "failed": ("failedtasks", "failedminibatches"),
        "eta": ("estimatedremainingtime",),
    }

    def on_row(self, row: list[str], out: list[ev.Event]) -> None:
        cell = self.cell
        eta_text = (cell(row, "eta") or "").strip()
        out.append(
            ev.Metrics(
                parse_stamp((cell(row, "at") or "").strip()),
                to_int(cell(row, "total")),
                to_int(cell(row, "scheduled")),
                to_int(cell(row, "completed")),
                to_int(cell(row, "failed")),
                parse_duration(eta_text) if eta_text else None,
            )
        )


def _loose(*words: str) -> Callable[[str], bool]:
    return lambda name: all(w in name for w in words)


class PerfCsvParser(CsvParser):
    """Per-node resource usage (node_resource_usage.csv, 2019 sys_resource_monitor_*.csv)."""

    LOOSE: dict[str, tuple[Callable[[str], bool], ...]] = {
        "at": (_loose("utctime"), _loose("time"), _loose("date")),
        "cpu": (_loose("cpu", "percent"), _loose("cpu", "%"), _loose("cpu")),
        "mem_pct": (
            _loose("memory", "used", "percent"),
            _loose("memory", "percent"),
            _loose("mem", "%"),
        ),
        "mem_used": (_loose("memory", "used", "mb"),),
        "mem_total": (_loose("memory", "total"),),
        "disk_read": (_loose("disk", "read", "mb"),),
        "disk_write": (_loose("disk", "write", "mb"),),
        "net_sent": (_loose("net", "sent"),),
        "net_recv": (_loose("net", "recv"),),
    }

    def _map_header(self, header: list[str]) -> dict[str, int]:
        return loose_columns([normalise(cell) for cell in header], self.LOOSE)

    def on_row(self, row: list[str], out: list[ev.Event]) -> None:
        cell = self.cell
        at = parse_stamp((cell(row, "at") or "").strip())
        if at is None or not self.node:
            raise ValueError("row without a time")
        mem = to_float(cell(row, "mem_pct"))
        if mem is None:
            used, total = to_float(cell(row, "mem_used")), to_float(cell(row, "mem_total"))
            if used is not None and total:
                mem = 100.0 * used / total
        out.append(
            ev.ResourceSample(
                self.node,
                at,
                to_float(cell(row, "cpu")),
                mem,
                to_float(cell(row, "disk_read")),
                to_float(cell(row, "disk_write")),
                to_float(cell(row, "net_sent")),
                to_float(cell(row, "net_recv")),
            )
        )


class _Lookup(Sequence[str]):
    """Row i's status word without a Python list of a million strings: words[codes[i]]."""

    def __init__(self, words: list[str], codes: Any) -> None:
        self._words, self._codes = words, codes

    def __len__(self) -> int:
        return len(self._codes)

    def __getitem__(self, i):  # type: ignore[no-untyped-def, override]
        return self._words[self._codes[i]]


def present_index(index: dict[str, int], fields: list[str]) -> list[int]:
    return [index[f] for f in fields]


def _per_place(at: Any, place: Any, count: int) -> tuple[list[float | None], list[float | None]]:
    """Each place's earliest and latest time (None where it has none)."""
    import numpy as np

    order = np.argsort(place, kind="stable")
    sorted_place, sorted_at = place[order], at[order]
    starts = np.flatnonzero(np.r_[True, sorted_place[1:] != sorted_place[:-1]])
    low: list[float | None] = [None] * count
    high: list[float | None] = [None] * count
    lows = np.fmin.reduceat(sorted_at, starts).tolist()
    highs = np.fmax.reduceat(sorted_at, starts).tolist()
    for k, lo, hi in zip(sorted_place[starts].tolist(), lows, highs, strict=True):
        low[k] = None if math.isnan(lo) else lo
        high[k] = None if math.isnan(hi) else hi
    return low, high


def loose_columns(
    names: list[str], loose: dict[str, tuple[Callable[[str], bool], ...]]
) -> dict[str, int]:
    """field -> column index, matching column names by tests rather than exact headers (the
    headers of the perf CSVs are known only from documentation screenshots): per field the
    first test that hits a column not taken by an earlier field wins."""
    index: dict[str, int] = {}
    for field, tests in loose.items():
        for test in tests:
            hit = next(
                (i for i, n in enumerate(names) if test(n) and i not in index.values()), None
            )
            if hit is not None:
                index[field] = hit
                break
    return index
