"""Immutable views of the job model, handed to the UI and the --once/--json report.

The UI never reads the live model: it gets one of these on each throttled tick, so the model can
keep changing in a worker thread while a frame is drawn from a consistent picture.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from batchtop import status as statuses

SERIES_NAMES = ("cpu", "memory", "disk_read", "disk_write", "net_sent", "net_recv")
"""Per-node resource series: percents for cpu/memory, MB/s for disk and network."""


@dataclass(frozen=True, slots=True)
class MiniBatchCounts:
    total: int | None
    processed: int
    succeeded: int
    failed: int
    retried: int


@dataclass(frozen=True, slots=True)
class ItemCounts:
    total: int | None
    succeeded: int | None
    failed: int | None


@dataclass(frozen=True, slots=True)
class ProcessView:
    node: str
    name: str
    processed: int
    failed: int
    current: int | None
    """Mini-batch it is working on now (picked and not finished), if the logs say."""
    last_seen: float | None
    first_seen: float | None
    cpu_percent: float | None = None
    """Latest CPU share from processes_resource_usage.csv (None: no such row or column)."""
    memory_percent: float | None = None
    memory_mb: float | None = None
    exits: int = 0
    """Abnormal ends `_main.txt` reported (non-zero return code; -9 = likely out of memory)."""
    exit_code: int | None = None
    """Return code of the latest abnormal end."""
    exit_at: float | None = None
    after_exit: str | None = None
    """After its latest abnormal end: `restarted` (its own log went on later), `dead` (it did
    not), `unknown` (the end has no time). None when it never ended abnormally."""
    own_seen: float | None = None
    """Newest sign of life from the process's own log (picks, activity). A process known only
    from error records (job_error.txt says nothing while work goes well) has none, and its
    silence tells nothing: liveness does not judge it by silence."""
    ended_at: float | None = None
    """Its latest normal end (`_main.txt`: `process000 exits with returncode 0.`), if any."""

    @property
    def key(self) -> str:
        return f"{self.node}/{self.name}"

    @property
    def ended_normally(self) -> bool:
        """It wrote a normal end and nothing of its own (nor an abnormal end) after it: its
        silence since is the end of its work, not death."""
        end = self.ended_at
        if end is None:
            return False
        return (self.own_seen is None or self.own_seen <= end) and (
            self.exit_at is None or self.exit_at <= end
        )

    @property
    def judged_by_silence(self) -> bool:
        """Whether the logs give this process a rhythm to be silent against: it finished or
        picked a mini-batch, or its own log spoke."""
        return self.processed > 0 or self.current is not None or self.own_seen is not None


@dataclass(frozen=True, slots=True)
class ProcessUsageView:
    """One process of processes_resource_usage.csv (a worker or any other process)."""

    name: str
    worker: str | None
    """The worker process (`process001`) the row names, if it names one."""
    pid: int | None
    at: float | None
    cpu_percent: float | None
    memory_percent: float | None
    memory_mb: float | None
    cpu_series: tuple[float, ...] = ()
    memory_series: tuple[float, ...] = ()
    """Recent values, oldest first, bounded: memory in percent where the file has it, else MB."""


@dataclass(frozen=True, slots=True)
class DiskView:
    """One disk of node_disk_usage.csv, its latest row. Sizes in MB."""

    name: str
    at: float | None
    used_percent: float | None
    used_mb: float | None
    total_mb: float | None
    free_mb: float | None


@dataclass(frozen=True, slots=True)
class PsView:
    """The latest `ps` listing of a node (perf/<node>/os/…/processes_MM), as written."""

    at: float | None
    path: str
    lines: tuple[str, ...]
    more: int
    """Lines beyond the bound, not kept."""


@dataclass(frozen=True, slots=True)
class NodeView:
    name: str
    processes: tuple[ProcessView, ...]
    last_seen: float | None
    latest: dict[str, float | None] = field(default_factory=dict)
    """Latest value of each SERIES_NAMES entry (None where the logs have no such column)."""
    series: dict[str, tuple[float, ...]] = field(default_factory=dict)
    """Recent values of each series, oldest first, bounded length."""
    sampled_at: float | None = None
    """Log time of the newest resource sample: where the series ends on the job's clock."""
    sample_every: float | None = None
    """Mean seconds between resource samples (None before two)."""
    process_usage: tuple[ProcessUsageView, ...] = ()
    """Every process of the latest processes_resource_usage.csv rows, workers or not."""
    disks: tuple[DiskView, ...] = ()
    ps: PsView | None = None


@dataclass(frozen=True, slots=True)
class ErrorView:
    signature: str
    message: str
    count: int
    first_seen: float | None
    last_seen: float | None
    where: tuple[str, ...]
    """`node/process` places (or file paths), most frequent first; bounded."""
    files: tuple[str, ...]
    traceback: str
    """Full text of the latest occurrence (message and traceback)."""
    path: str
    """File the latest occurrence came from."""
    mini_batches: tuple[int, ...] = ()
    """Mini-batches it struck, where the logs name them (bounded)."""
    other_places: int = 0
    """Occurrences at places beyond those kept in `where` (which is bounded)."""
    title: str = ""
    """`KeyError: '…' (e.g. 'feature_46')` for a group of many values, else the message
    (errorgroups.group_title): what the screen and the text report call the group."""


@dataclass(frozen=True, slots=True)
class FileView:
    path: str
    kind: str
    bytes_read: int
    lines: int
    unparsed: int
    unparsed_sample: str
    lines_cut: int


@dataclass(frozen=True, slots=True)
class Snapshot:
    status: str
    verdict: str | None
    job_name: str | None
    job_url: str | None
    mini_batches: MiniBatchCounts
    items: ItemCounts
    rate_per_min: float | None
    eta_seconds: float | None
    runtime_eta_seconds: float | None
    started_at: float | None
    data_time: float | None
    """Newest timestamp seen in any log line: the job's "now" as far as the logs tell."""
    scheduling: str | None
    nodes: tuple[NodeView, ...]
    errors: tuple[ErrorView, ...]
    files: tuple[FileView, ...]
    error_occurrences: int
    version: int
    """Grows whenever the model changed: the UI skips repaints when it did not."""
    queued_seconds: float | None = None
    """Time between submission and start, by the service's clock (Azure only)."""
    notes: tuple[str, ...] = ()
    compute: str | None = None
    """The compute the job (or its scoring step) runs on, as the service names it (Azure)."""
    """Things the user must know to read the numbers right, e.g. nodes the tree names two ways
    without saying which is which (nodenames.py)."""
    skipped: tuple[tuple[str, str], ...] = ()
    """(path, why) of files the source could not read: FIFOs, symlinked folders, unreadable
    files and folders. They hold no counts, and must not vanish silently (R18)."""
    reading: tuple[int, int] | None = None
    """While a source reads the history it found on attach (a cold tree, the first download
    of a job): bytes read so far and bytes it found to read. None once that read is over.
    States judged before then are provisional: silences measured against a partial read
    (U2: 31 dead, 69 stale where the truth was 1 dead)."""

    @property
    def elapsed_seconds(self) -> float | None:
        if self.started_at is None or self.data_time is None:
            return None
        return max(0.0, self.data_time - self.started_at)

    @property
    def per_process_counts(self) -> bool:
        """Whether the logs give per-process counts that stand for the job's progress. Worker
        logs in a wording no parser knows, or a tree with only the overview, leave every
        process at 0 beside thousands processed: those zeros are "not known", and the view
        draws them as `-` with a note (U8). Nothing processed anywhere: 0 is the truth."""
        done = self.mini_batches.processed
        if done <= 0:
            return True
        logged = sum(p.processed for n in self.nodes for p in n.processes)
        return logged * 2 >= done  # attempts include retries: a full log has at least `done`

    @property
    def finished(self) -> bool:
        return statuses.is_final(self.status)

    @property
    def work_ended(self) -> bool:
        """No process works any more (final, except NotResponding: see status.STUCK)."""
        return statuses.ends_work(self.status)

    @property
    def has_eta(self) -> bool:
        return statuses.has_eta(self.status)


