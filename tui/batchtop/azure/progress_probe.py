"""Mini-batch progress for the workspace list (issue 20): the tail of a running job's overview.

The list must stay cheap (one job list per refresh), so progress is read only where it costs
little: for a running job, once per process its parallel step and log location are resolved
(steps.py's `list_steps`/`choose_step`, store.py's `locate_logs`: a children listing and a
datastore lookup), and the step's `logs/` folder is listed (one delimited listing) to find the
newest overview file (`job_progress_overview.*.txt` of the v2 runtime, `overview*.txt` of
older eras). Then, at most every `PROBE_EVERY` seconds per job, one ranged read of
`TAIL_BYTES` near the file's end is parsed by the overview parser; its last `Processed p of t`
is the cell. The file is listed again only every `FIND_EVERY` seconds (the v2 runtime starts
a new overview file each day).

Anything that fails for a job (no step yet, several parallel steps, a refused read, no progress
line in the tail) leaves that job's cell unknown (`-`), never an error for the list.
New resolutions are bounded per refresh (`RESOLVE_PER_REFRESH`) so a workspace with many
running jobs fills its column over a few refreshes instead of stalling the list.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

from batchtop import events as ev
from batchtop import status as statuses
from batchtop.azure.jobs import JobRef
from batchtop.azure.session import Session
from batchtop.azure.steps import choose_step, list_steps
from batchtop.azure.store import container_client, locate_logs
from batchtop.jobslist import JobRow
from batchtop.parsers.overview import OverviewParser
from batchtop.parsers.registry import classify

PROBE_EVERY = 30.0
"""Seconds between two reads of one job's overview (the issue's budget)."""
FIND_EVERY = 300.0
"""Seconds between two listings of a step's `logs/` folder (the overview file rotates daily;
while none exists yet, the listing is retried every PROBE_EVERY instead)."""
TAIL_BYTES = 8 * 1024
"""Size of the one ranged read per probe."""
BACK_BYTES = 2 * 1024
"""How far before the last known end the read starts: the window covers the last line read
before and up to TAIL_BYTES - BACK_BYTES of growth (the overview grows by a line every few
seconds at most, far less in 30 s)."""
RESOLVE_PER_REFRESH = 5
"""New step resolutions (a children listing, a datastore lookup, a folder listing) per refresh."""
_OVERVIEW_NAMES = ("job_progress_overview", "overview")


@dataclass
class _Job:
    """What is known of one running job's overview, kept for the life of the process."""

    resolved_at: float
    client: Any = None
    """ContainerClient of the step's logs; None: no step (yet), or it could not be resolved."""
    logs: str = ""
    blob: str | None = None
    found_at: float = 0.0
    size: int = 0
    read_at: float | None = None
    progress: str | None = None


def is_running(row: JobRow) -> bool:
    """Running or finalizing: a job whose parallel step may be writing its overview."""
    rank = statuses.RANK.get(row.status, -1)
    return (
        rank >= statuses.RUNNING_RANK
        and not statuses.is_final(row.status)
        and row.status not in statuses.STOPPED
    )


def format_progress(progress: ev.Progress) -> str:
    total = "-" if progress.total is None else f"{progress.total:,}"
    return f"{progress.processed:,}/{total}"


def last_progress(path: str, data: bytes, whole: bool) -> ev.Progress | None:
    """The last progress event of an overview's tail (`whole`: the file from its start; else
    the first, partial line is dropped). The parser itself leaves an unfinished last line."""
    text = data.decode("utf-8", errors="replace")
    if not whole:
        text = text.split("\n", 1)[1] if "\n" in text else ""
    parser = OverviewParser(path, classify(path))
    found = [e for e in parser.feed(text) if isinstance(e, ev.Progress)]
    return found[-1] if found else None


class ProgressProbe:
    """Fills `JobRow.progress` of running rows; one instance per list (its cache)."""

    def __init__(self, session: Session, clock: Callable[[], float] = time.monotonic) -> None:
        self.session = session
        self.clock = clock
        self.jobs: dict[str, _Job] = {}
        self.reads = 0
        """Ranged reads made (for tests and the report)."""

    def fill(self, pairs: Iterable[tuple[JobRow, JobRef]]) -> list[JobRow]:
        now = self.clock()
        budget = RESOLVE_PER_REFRESH
        rows = []
        for row, ref in pairs:
            if is_running(row):
                job = self.jobs.get(row.name)
                stale = job is not None and job.client is None and (
                    now - job.resolved_at >= PROBE_EVERY
                )
                if (job is None or stale) and budget > 0:
                    budget -= 1
                    job = self.jobs[row.name] = self._resolve(ref, now)
                if job is not None:
                    row = replace(row, progress=self._probe(job, now))
            rows.append(row)
        return rows

    def _resolve(self, parent: JobRef, now: float) -> _Job:
        job = _Job(resolved_at=now)
        try:
            step = choose_step(parent, list_steps(self.session, parent))
            if step is not None:
                location = locate_logs(self.session, step)
                job.client = container_client(location)
                job.logs = location.prefix + "logs/"
        except Exception:  # noqa: BLE001 - any failure leaves this job's cell unknown
            job.client = None
        return job

    def _probe(self, job: _Job, now: float) -> str | None:
        if job.client is None:
            return None
        if job.read_at is not None and now - job.read_at < PROBE_EVERY:
            return job.progress
        job.read_at = now
        try:
            self._find(job, now)
            if job.blob is not None:
                job.progress = self._read(job)
        except Exception:  # noqa: BLE001 - a failed read: unknown now, the file found again
            job.blob, job.size, job.progress = None, 0, None
        return job.progress

    def _find(self, job: _Job, now: float) -> None:
        """The newest overview file directly under the step's `logs/` (one delimited list)."""
        if job.blob is not None and now - job.found_at < FIND_EVERY:
            return
        newest: tuple[Any, str, int] | None = None
        for item in job.client.walk_blobs(name_starts_with=job.logs, delimiter="/"):
            name = str(item.name)
            leaf = name[len(job.logs):]
            if "/" in leaf or not leaf.endswith(".txt") or not leaf.startswith(_OVERVIEW_NAMES):
                continue
            if classify(name).kind != "overview":
                continue
            stamp = getattr(item, "last_modified", None)
            if newest is None or (stamp is not None and stamp > newest[0]):
                newest = (stamp, name, int(getattr(item, "size", 0) or 0))
        if newest is not None:
            if newest[1] != job.blob:
                job.blob, job.size = newest[1], newest[2]
            job.found_at = now

    def _read(self, job: _Job) -> str | None:
        """One ranged read near the known end; the answer's Content-Range gives the new end."""
        assert job.blob is not None
        offset = max(0, job.size - BACK_BYTES)
        self.reads += 1
        stream = job.client.get_blob_client(job.blob).download_blob(
            offset=offset, length=TAIL_BYTES
        )
        data = stream.readall()
        total = str(getattr(stream.properties, "content_range", "") or "").rsplit("/", 1)[-1]
        job.size = int(total) if total.isdigit() else offset + len(data)
        progress = last_progress(job.blob, data, whole=offset == 0)
        if progress is not None:
            return format_progress(progress)
        return job.progress
