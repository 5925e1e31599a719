"""The workspace's batch scoring jobs at a glance: rows, their order, the filter, and their
text and JSON forms. Pure: the Azure listing (azure/workspace_jobs.py) fills the rows, and
the screen (app/jobs_app.py), `batchtop jobs --once` and `--json` show the same ones.

Running and failing jobs come first, because they are the ones a user opens the list for; then
the rest, newest first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from batchtop import status as statuses
from batchtop.textsafe import safe
from batchtop.timeparse import format_duration, format_stamp

BATCH_ENDPOINT = "batch endpoint"
PARALLEL_PIPELINE = "pipeline (parallel step)"


@dataclass(frozen=True, slots=True)
class JobRow:
    name: str
    """The job's name: what `batchtop NAME` follows."""
    display_name: str | None
    kind: str
    """BATCH_ENDPOINT or PARALLEL_PIPELINE."""
    where: str | None
    """`endpoint/deployment` of a batch job, else the experiment."""
    status: str
    created: float | None
    started: float | None
    ended: float | None
    compute: str | None
    progress: str | None = None
    """Mini-batch progress (`1,200/4,000`) when it was cheap to know; None: not known."""

    def age(self, now: float) -> float | None:
        return None if self.created is None else max(0.0, now - self.created)

    def duration(self, now: float) -> float | None:
        """Running time so far, or in all once ended (None: not started, as far as we know)."""
        if self.started is None:
            return None
        end = self.ended if self.ended is not None else (
            None if statuses.is_final(self.status) else now
        )
        return None if end is None else max(0.0, end - self.started)


def _urgency(row: JobRow) -> int:
    """0 failing, 1 running (or about to), 2 stuck or stopped, 3 done."""
    if row.status in statuses.FAILURE:
        return 0
    if not statuses.is_final(row.status) and row.status not in statuses.STOPPED:
        return 1
    if row.status in statuses.SUCCESS:
        return 3
    return 2


def sort_rows(rows: list[JobRow]) -> list[JobRow]:
    """Failing, then running, then stopped or stuck, then completed; newest first in each."""
    return sorted(rows, key=lambda r: (_urgency(r), -(r.created or 0.0), r.name))


def matches(row: JobRow, text: str) -> bool:
    """The `/` filter: every word of `text` appears in one of the row's words (any case)."""
    hay = " ".join(
        x for x in (row.name, row.display_name, row.kind, row.where, row.status, row.compute) if x
    ).lower()
    return all(word in hay for word in text.lower().split())


_SINCE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$")
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_since(text: str) -> float:
    """`2d`, `12h`, `30m`, `1w`: seconds. Raises ValueError with a usable message."""
    m = _SINCE.match(text)
    if not m:
        raise ValueError(f"--since wants an age such as 2d, 12h or 30m, not {text!r}")
    return float(m.group(1)) * _UNIT[m.group(2)]


def keep(row: JobRow, now: float, since: float | None, status: str | None) -> bool:
    """`--since` and `--status` (any case; `running` also keeps Preparing/Queued/...)."""
    if since is not None and row.created is not None and now - row.created > since:
        return False
    if status:
        wanted = status.lower()
        if wanted == "running":
            return _urgency(row) == 1
        return row.status.lower() == wanted
    return True


def row_dict(row: JobRow, now: float) -> dict[str, Any]:
    return {
        "name": safe(row.name),
        "display_name": safe(row.display_name) if row.display_name else None,
        "kind": row.kind,
        "where": safe(row.where) if row.where else None,
        "status": row.status,
        "created": format_stamp(row.created),
        "age_seconds": _round(row.age(now)),
        "duration_seconds": _round(row.duration(now)),
        "compute": safe(row.compute) if row.compute else None,
        "progress": row.progress,
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


COLUMNS = ("display name", "name", "endpoint / experiment", "status", "age", "duration",
           "compute", "progress")


def cells(row: JobRow, now: float) -> tuple[str, ...]:
    """One row as the screen and `--once` show it; `-` where nothing is known."""
    return (
        safe(row.display_name or "-"),
        safe(row.name),
        safe(row.where or "-"),
        row.status,
        _short_age(row.age(now)),
        format_duration(row.duration(now)) if row.duration(now) is not None else "-",
        safe(row.compute or "-"),
        row.progress or "-",
    )


def _short_age(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{int(seconds // size)}{unit}"
    return f"{int(seconds)}s"


def rows_text(rows: list[JobRow], now: float) -> str:
    """`batchtop jobs --once`: an aligned table, or one line saying there is none."""
    if not rows:
        return "no batch scoring jobs (batch endpoint jobs, pipelines with a parallel step)"
    table = [COLUMNS] + [cells(r, now) for r in rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(COLUMNS))]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip()
        for line in table
    )
