"""Immutable views of the job model, handed to the UI and the --once/--json report.

The UI never reads the live model: it gets one of these on each throttled tick, so the model can
keep changing in a worker thread while a frame is drawn from a consistent picture.
"""

from __future__ import annotations

from dataclasses import dataclass, field

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

    @property
    def key(self) -> str:
        return f"{self.node}/{self.name}"


@dataclass(frozen=True, slots=True)
class NodeView:
    name: str
    processes: tuple[ProcessView, ...]
    last_seen: float | None
    latest: dict[str, float | None] = field(default_factory=dict)
    """Latest value of each SERIES_NAMES entry (None where the logs have no such column)."""
    series: dict[str, tuple[float, ...]] = field(default_factory=dict)
    """Recent values of each series, oldest first, bounded length."""


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
    other_places: int = 0
    """Occurrences at places beyond those kept in `where` (which is bounded)."""


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
    notes: tuple[str, ...] = ()
    """Things the user must know to read the numbers right, e.g. nodes the tree names two ways
    without saying which is which (nodenames.py)."""

    @property
    def elapsed_seconds(self) -> float | None:
        if self.started_at is None or self.data_time is None:
            return None
        return max(0.0, self.data_time - self.started_at)

    @property
    def finished(self) -> bool:
        return self.status in FINAL_STATUSES


FINAL_STATUSES = frozenset({"Completed", "Failed", "Canceled", "Finished", "NotResponding"})
