"""The rest of a node's resource monitor: per-process usage, disk usage and `ps` listings.

`logs/perf/<node>/` (`logs/sys/perf/<node>/` in the 2020 tuning guide) holds, besides
node_resource_usage.csv (csvfiles.PerfCsvParser), three kinds of file (D1, D3 in
shared/formats/evidence.md):

- `processes_resource_usage.csv`: "resource usage overview of each process" (D1, D3);
- `node_disk_usage.csv`: "detailed disk usage of the node" (D1, D3);
- `os/<%Y%m%d%H>/processes_<%M>`: the output of `ps` (`tasklist` on Windows) at each check (D1).

No header line of the two CSVs is public (the docs show screenshots only), so every column is
found by words in its name, loosely (case, spaces, punctuation ignored), and any column left
over is reported once as "columns not read" (counted as one unparsed line) instead of failing.
A size is only read when its header names its unit (MB, GB, KB, bytes): a guessed unit would
show a wrong figure. The `ps` listing is kept as the text the runtime wrote: which options `ps`
ran with is not documented either.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timezone

from batchtop import events as ev
from batchtop.parsers.base import Parser
from batchtop.parsers.csvfiles import CsvParser, loose_columns, normalise, to_float, to_int
from batchtop.parsers.registry import PROCESS_NAME, FileKind
from batchtop.timeparse import parse_stamp

Test = Callable[[str], bool]
_WORKER = re.compile(rf"\b({PROCESS_NAME})\b")
"""A worker process name inside a cell (`process001`, 2019's `Process-1`, `agent001`)."""
MAX_LABEL = 80
_PID_IN_NAME = re.compile(r"process_resource[^/]*_(\d{1,9})\.csv$", re.IGNORECASE)


def _has(*words: str) -> Test:
    return lambda name: all(w in name for w in words)


def _is(*names: str) -> Test:
    return lambda name: name in names


def _time_column(name: str) -> bool:
    """A time-of-row column, not a process's CPU time or run time."""
    return ("time" in name or "date" in name) and not any(
        w in name for w in ("cpu", "user", "system", "elapsed", "run", "create", "start")
    )


def _cpu_share(name: str) -> bool:
    return "cpu" in name and not any(
        w in name for w in ("time", "count", "num", "core", "affinity", "second")
    )


def _percent(name: str) -> bool:
    return "percent" in name or "%" in name


_UNIT = re.compile(r"\b(bytes|tib|tb|gib|gb|mib|mb|kib|kb)\b", re.IGNORECASE)
_MB_PER = {
    "bytes": 1 / 1048576,
    "tib": 1048576.0,
    "tb": 1048576.0,
    "gib": 1024.0,
    "gb": 1024.0,
    "mib": 1.0,
    "mb": 1.0,
    "kib": 1 / 1024,
    "kb": 1 / 1024,
}


def column_name(header_cell: str) -> str:
    """Normalised header name, plus `|<unit>` when the header names a size unit as a word:
    `Memory Used (GB)` -> `memoryusedgb|gb`. (Matching the unit in the squeezed name would
    read `Number` as `…mb…`.)"""
    unit = _UNIT.search(header_cell)
    name = normalise(header_cell)
    return f"{name}|{unit.group(1).lower()}" if unit else name


def _unit(name: str) -> float | None:
    """MB per unit of a column named by column_name(); None when it names no unit."""
    _, bar, unit = name.partition("|")
    return _MB_PER.get(unit) if bar else None


def _sized(*words: str) -> Test:
    """A size column: all `words` in its name, a unit named, and not a percent."""
    return lambda name: all(w in name for w in words) and not _percent(name) and bool(_unit(name))


def _stamp_of_cell(cell: str | None) -> float | None:
    return parse_stamp(cell.strip()) if cell else None


class LooseCsvParser(CsvParser):
    """Columns by words in their names; columns left over are reported once, not fatal."""

    LOOSE: dict[str, tuple[Test, ...]] = {}
    """field -> tests on column_name(); per field the first test that hits a column wins."""

    def _map_header(self, header: list[str]) -> dict[str, int]:
        names = [column_name(cell) for cell in header]
        index = loose_columns(names, self.LOOSE)
        self._units = {field: _unit(names[i]) for field, i in index.items()}
        used = set(index.values())
        left = [c.strip() for i, c in enumerate(header) if i not in used and c.strip()]
        if left:
            self._unparsed("columns not read: " + ", ".join(left)[:250])
        return index

    def size_mb(self, row: list[str], field: str) -> float | None:
        value = to_float(self.cell(row, field))
        factor = self._units.get(field)
        if value is None or factor is None:
            return None
        return value * factor

    def at(self, row: list[str]) -> float | None:
        """The row's time; a time cell that is there but unreadable makes the row unparsed."""
        cell = self.cell(row, "at")
        if self._index and "at" not in self._index:
            return None  # the file has no time column: rows are "as of the check"
        at = _stamp_of_cell(cell)
        if at is None:
            raise ValueError("row without a readable time")
        return at


class ProcessUsageCsvParser(LooseCsvParser):
    """processes_resource_usage.csv: CPU and memory of each process at each check."""

    LOOSE: dict[str, tuple[Test, ...]] = {
        "at": (_has("utctime"), _is("time", "timestamp", "datetime", "date"), _time_column),
        "name": (
            _is("processname", "process", "name", "agent", "agentname", "workername"),
            _is("command", "cmd", "commandline", "cmdline", "image", "imagename", "exe"),
        ),
        "pid": (_is("pid", "processid", "osprocessid"),),
        "cpu": (
            lambda n: _cpu_share(n) and _percent(n),
            lambda n: _cpu_share(n) and "usage" in n,
            _is("cpu"),
        ),
        "mem_pct": (
            lambda n: "mem" in n and _percent(n),
            _is("mem", "memory"),
        ),
        "mem_mb": (
            _sized("rss"),
            _sized("mem", "used"),
            _sized("mem"),
            _sized("workingset"),
        ),
    }

    def __init__(self, path: str, kind: FileKind) -> None:
        super().__init__(path, kind)
        pid = _PID_IN_NAME.search(path)
        self._file_pid = int(pid.group(1)) if pid else None
        """2019 wrote one file per process, `process_resource_monitor_<node>_<pid>.csv`."""

    def on_row(self, row: list[str], out: list[ev.Event]) -> None:
        if not self.node:
            raise ValueError("no node in the path")
        at = self.at(row)
        name = (self.cell(row, "name") or "").strip()
        pid = to_int(self.cell(row, "pid"))
        if pid is None:
            pid = self._file_pid
        label = name[:MAX_LABEL] or (f"pid {pid}" if pid is not None else "")
        cpu = to_float(self.cell(row, "cpu"))
        mem_pct = to_float(self.cell(row, "mem_pct"))
        mem_mb = self.size_mb(row, "mem_mb")
        if not label or (cpu is None and mem_pct is None and mem_mb is None):
            raise ValueError("a row naming no process or no figure")
        worker = _WORKER.search(name)
        out.append(
            ev.ProcessUsage(
                self.node,
                label,
                at,
                worker.group(1) if worker else None,
                pid,
                cpu,
                mem_pct,
                mem_mb,
            )
        )


class DiskUsageCsvParser(LooseCsvParser):
    """node_disk_usage.csv: used, free and total space of each disk of a node."""

    LOOSE: dict[str, tuple[Test, ...]] = {
        "at": (_has("utctime"), _is("time", "timestamp", "datetime", "date"), _time_column),
        "disk": (
            _is("device", "mount", "mountpoint", "path", "disk", "diskname", "drive"),
            _is("filesystem", "partition", "volume", "name", "mountedon"),
        ),
        "used_pct": (
            lambda n: ("used" in n or "usage" in n) and _percent(n),
            lambda n: _percent(n),
        ),
        "total": (_sized("total"), _sized("size")),
        "used": (_sized("used"),),
        "free": (_sized("free"), _sized("avail")),
    }

    def on_row(self, row: list[str], out: list[ev.Event]) -> None:
        if not self.node:
            raise ValueError("no node in the path")
        at = self.at(row)
        disk = (self.cell(row, "disk") or "").strip()[:MAX_LABEL] or "(disk)"
        pct = to_float(self.cell(row, "used_pct"))
        used, total, free = (self.size_mb(row, f) for f in ("used", "total", "free"))
        if used is None and total is not None and free is not None:
            used = total - free
        if pct is None and used is not None and total:
            pct = 100.0 * used / total
        if pct is None and used is None and free is None:
            raise ValueError("a row with no figure")
        out.append(ev.DiskUsage(self.node, disk, at, pct, used, total, free))


_PS_PATH = re.compile(r"/os/(\d{4})(\d\d)(\d\d)(\d\d)/processes_(\d\d)(?:[^/]*)$")
MAX_PS_LINES = 400
MAX_PS_LINE = 400


def ps_time(path: str) -> float | None:
    """`…/os/2022111610/processes_05` -> 2022-11-16 10:05 UTC (the check's minute), or None."""
    m = _PS_PATH.search("/" + path.replace("\\", "/"))
    if m is None:
        return None
    try:
        year, month, day, hour, minute = (int(g) for g in m.groups())
        return datetime(year, month, day, hour, minute, tzinfo=timezone.utc).timestamp()
    except ValueError:
        return None


class PsListingParser(Parser):
    """One `ps` listing per file: its lines, bounded, as one snapshot of the node's processes.

    Lines holding NUL bytes or undecodable bytes are not text a user can read: they are counted
    as unparsed and left out of the listing."""

    def __init__(self, path: str, kind: FileKind) -> None:
        super().__init__(path, kind)
        self._at = ps_time(path)
        self._lines: list[str] = []
        self._more = 0

    def feed(self, block: str) -> list[ev.Event]:
        out: list[ev.Event] = []
        bad, sample = 0, ""
        for line in block.split("\n")[:-1]:
            if "\x00" in line or "\ufffd" in line:
                bad += 1
                sample = line
                continue
            if not line.strip() and not self._lines:
                continue  # leading blank lines
            if len(self._lines) >= MAX_PS_LINES:
                self._more += 1
                continue
            self._lines.append(line.rstrip()[:MAX_PS_LINE])
        if bad:
            out.append(ev.Unparsed(self.path, bad, sample[:300]))
        if self.node and self._lines:
            while self._lines and not self._lines[-1].strip():
                self._lines.pop()
            out.append(
                ev.PsSnapshot(self.node, self._at, self.path, tuple(self._lines), self._more)
            )
        return out
