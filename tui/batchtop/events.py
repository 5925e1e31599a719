"""Typed events: the only thing parsers hand to the model.

Parsers turn lines into these small records and never touch the model; the model applies them
and never sees text it has to parse. Times are UTC seconds since the epoch (floats) because
every log format writes UTC without a zone suffix and the model only ever subtracts them.

Node and process names are kept as the logs spell them (`10.0.0.4` or `0`; `process000` or
`Process-1`): users grep for exactly those strings.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(slots=True)
class StatusHint:
    """The logs imply a job status (e.g. `Running` once the overview talks, `Failed` on threshold).

    `authority` ranks sources: the service's own status (Azure, stream summary) beats anything
    inferred from log wording.
    """

    status: str
    at: float | None
    authority: int = 1


@dataclass(slots=True)
class Verdict:
    """Why the job failed (or stopped), in the runtime's own words."""

    text: str
    at: float | None
    weight: int = 2
    """How telling the wording is: the runtime's own reason (threshold, init timeout) is 3,
    a driver exit code only 1. The most telling verdict wins, then the earliest."""


@dataclass(slots=True)
class Scheduled:
    """Scheduling news: `count` mini-batches scheduled so far; `finished` means it is the total."""

    count: int
    at: float | None
    finished: bool = False
    items: int | None = None


@dataclass(slots=True)
class Progress:
    """The runtime's own progress line: processed of total, its elapsed time and its ETA."""

    processed: int
    total: int | None
    at: float | None
    elapsed: float | None = None
    runtime_eta: float | None = None


@dataclass(slots=True)
class Attempt:
    """One finished processing attempt of one mini-batch (a CSV report row or a worker log line).

    `attempt` is the runtime's dequeue/picked count (1 = first try) when the source says it;
    the model uses it to recognise the same attempt reported by two files.
    """

    mini_batch: int
    ok: bool
    at: float | None
    node: str | None = None
    process: str | None = None
    attempt: int | None = None
    items_total: int | None = None
    items_succeeded: int | None = None
    items_failed: int | None = None
    status: str | None = None


@dataclass(slots=True)
class Picked:
    """A process started working on a mini-batch (its "current mini-batch")."""

    mini_batch: int
    node: str
    process: str
    at: float | None


@dataclass(slots=True)
class Activity:
    """A process or node showed a sign of life (any timestamped line in its own log)."""

    node: str
    process: str | None
    at: float
    user: bool = False
    """Dated by a line of the user's own output (stdout/stderr, entry script log): the date may
    be data the script printed (a time series row, a forecast for 2031), not the time it was
    written. The model never lets such a stamp set the job's clock (model.py, "One clock")."""


@dataclass(slots=True)
class ErrorRecord:
    """One error occurrence with its whole text (message plus traceback lines)."""

    text: str
    at: float | None
    path: str
    node: str | None = None
    process: str | None = None
    truncated_lines: int = 0
    tier: int = 5
    """How directly the file reports occurrences (1 = one full traceback per failure). The same
    failure is often written to several files; a group counts only its best tier's reports."""
    mini_batch: int | None = None
    """The mini-batch that failed, when the record names it (v2 job_error.txt
    `failed on mini batch 784 with error`)."""
    alive: bool = True
    """Whether the record is a sign of life of its process. A kill that the node reports about
    a worker (`_main.txt`) is not: the worker did not write it."""
    user: bool = False
    """Found in the user's own output, its time (if any) taken from a line the script printed:
    never the job's clock (see Activity.user)."""


@dataclass(slots=True)
class ResourceSample:
    """One row of a node's resource CSV. Disk and network figures are cumulative MB counters."""

    node: str
    at: float
    cpu_percent: float | None = None
    memory_percent: float | None = None
    disk_read_mb: float | None = None
    disk_write_mb: float | None = None
    net_sent_mb: float | None = None
    net_recv_mb: float | None = None


@dataclass(slots=True)
class ProcessUsage:
    """One row of processes_resource_usage.csv: one process's CPU and memory at one check.

    `process` is the label the row gives (a worker name such as `process001` when the row names
    one, else the command or `pid N`); `worker` is set only when it names a worker process, so
    the model can put the figures on that process. Columns are known only from screenshots:
    each figure is None where the file has no such column."""

    node: str
    process: str
    at: float | None
    worker: str | None = None
    pid: int | None = None
    cpu_percent: float | None = None
    memory_percent: float | None = None
    memory_mb: float | None = None


@dataclass(slots=True)
class DiskUsage:
    """One row of node_disk_usage.csv: one disk (device or mount) of a node at one check."""

    node: str
    disk: str
    at: float | None
    used_percent: float | None = None
    used_mb: float | None = None
    total_mb: float | None = None
    free_mb: float | None = None


@dataclass(slots=True)
class PsSnapshot:
    """A `ps` (or `tasklist`) listing from perf/<node>/os/<YYYYMMDDHH>/processes_<MM>.

    Kept as text lines: the options `ps` ran with are not documented, so the table is shown as
    the runtime wrote it, not re-interpreted. `lines` holds the listing so far (the file may
    arrive in pieces while followed); `more` counts lines beyond the bound, not kept."""

    node: str
    at: float | None
    path: str
    lines: tuple[str, ...]
    more: int = 0


@dataclass(slots=True)
class ProcessExit:
    """The node's main process reports that a worker process ended (`_main.txt`).

    A non-zero `returncode` is an abnormal end: -N means killed by signal N (-9, SIGKILL, is
    what the out-of-memory killer sends, per the v1 debug doc)."""

    node: str
    process: str
    at: float | None
    returncode: int


@dataclass(slots=True)
class Metrics:
    """A row of logs/sys/metrics/*/progress.csv: the runtime's own counters."""

    at: float | None
    total: int | None
    scheduled: int | None
    completed: int | None
    failed: int | None
    runtime_eta: float | None


@dataclass(slots=True)
class JobInfo:
    """Identity of the job as a header (stream output, Azure) names it."""

    name: str | None = None
    url: str | None = None
    job_type: str | None = None
    compute: str | None = None
    started: float | None = None
    """When the job began to run (the service's start time, after any queueing)."""
    created: float | None = None
    """When the job was submitted: `started - created` is the time it queued."""


@dataclass(slots=True)
class Unparsed:
    """Lines of a known file kind that matched no known shape (counted, a sample kept)."""

    path: str
    count: int
    sample: str


@dataclass(slots=True)
class AttemptColumns:
    """Many finished attempts, in file order, as columns (issue 19).

    Means exactly what `len(self)` `Attempt` events in this order mean; the worker-log and
    attempt-CSV parsers send one per block so that the model can apply a block's attempts in
    one call instead of one Python call per line. The columns are numpy arrays; -1 stands for
    "not said". Row i was reported by `places[place[i]]` (node, process). Most rows' times
    are needed by nobody (the CSV already counted the attempt), so they are parsed on demand:
    `times(rows)`; `low`/`high` hold each place's earliest and latest time (None: none known).
    """

    places: list[tuple[str, str | None]]
    place: Any
    mini_batch: Any
    attempt: Any
    ok: Any
    items_total: Any
    items_succeeded: Any
    items_failed: Any
    times: Callable[[Sequence[int]], list[float | None]]
    low: list[float | None]
    high: list[float | None]
    status: Sequence[str] | None = None
    """Each row's status word; None: `RUN_DONE` for a success, `RUN_FAILED` for a failure."""

    def __len__(self) -> int:
        return len(self.mini_batch)

    def rows(self, indices: Sequence[int]) -> list[Attempt]:
        """The `Attempt` events of these rows (the per-row path and its tests)."""
        ats = self.times(indices)
        out = []
        for i, at in zip(indices, ats, strict=True):
            ok = bool(self.ok[i])
            node, process = self.places[self.place[i]]
            if self.status is not None:
                status: str | None = self.status[i] or None
            else:
                status = "RUN_DONE" if ok else "RUN_FAILED"
            out.append(
                Attempt(
                    int(self.mini_batch[i]),
                    ok,
                    at,
                    node,
                    process,
                    _known(self.attempt[i]),
                    _known(self.items_total[i]),
                    _known(self.items_succeeded[i]),
                    _known(self.items_failed[i]),
                    status,
                )
            )
        return out


def _known(value: Any) -> int | None:
    return None if value < 0 else int(value)


Event = (
    StatusHint
    | Verdict
    | Scheduled
    | Progress
    | Attempt
    | AttemptColumns
    | Picked
    | Activity
    | ErrorRecord
    | ResourceSample
    | ProcessUsage
    | DiskUsage
    | PsSnapshot
    | ProcessExit
    | Metrics
    | JobInfo
    | Unparsed
)
