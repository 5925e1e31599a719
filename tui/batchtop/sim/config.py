"""What to simulate (`SimConfig`) and the exact answers the simulation promises (`GroundTruth`).

The ground truth is computed by the simulator from its own event list, never by reading the
files back: it is the reference that parsers and the model are tested against, so it must not
share their code or their mistakes.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

ERAS: tuple[str, ...] = ("2019", "2020", "2021", "v2", "2020-agent")
"""Simulated layouts; `2020-agent` is the about-2020 runtime whose readme calls workers agents
(evidence.md N6). Appended last: fixtures/make_fixtures.py seeds each era by its index."""
DEFAULT_START = datetime(2023, 5, 16, 22, 0, 0, tzinfo=timezone.utc)

STATUS_COMPLETED = "Completed"
STATUS_RUNNING = "Running"
STATUS_FAILED = "Failed"


@dataclass(frozen=True)
class SimConfig:
    """Shape of one simulated batch job. Every default is deterministic (fixed seed and start).

    Rates are per attempt: an attempt times out with probability `timeout_rate`, else raises in
    run() with probability `failure_rate`, else succeeds. A failed attempt is re-queued until the
    mini-batch has had `max_attempts` attempts. `error_threshold` counts failed ITEMS (-1 = no
    limit). `dead_node` stops writing once `dead_at` of the mini-batches are processed; its
    in-flight mini-batches are re-queued (with `oom_kill`, its workers' ends are written as
    out-of-memory kills). `stop_at` < 1 cuts a *running* snapshot once that
    fraction of mini-batches is processed.
    """

    era: str = "v2"
    nodes: int = 2
    processes: int = 2
    mini_batches: int = 100
    items_per_batch: int = 10
    failure_rate: float = 0.05
    timeout_rate: float = 0.01
    max_attempts: int = 3
    error_threshold: int = -1
    dead_node: int | None = None
    dead_at: float = 0.5
    stop_at: float = 1.0
    perf_interval: float = 60.0
    seed: int = 0
    start: datetime = DEFAULT_START
    mb_seconds: float = 5.0
    run_timeout: float = 60.0
    oom_kill: bool = False
    """The dead node's workers end as out-of-memory kills in `_main.txt` (sim/perf.py)."""

    def __post_init__(self) -> None:
        if self.era not in ERAS:
            raise ValueError(f"era must be one of {ERAS}, not {self.era!r}")
        if self.nodes < 1 or self.processes < 1 or self.mini_batches < 1:
            raise ValueError("nodes, processes and mini_batches must be >= 1")
        if self.items_per_batch < 1 or self.max_attempts < 1:
            raise ValueError("items_per_batch and max_attempts must be >= 1")
        if not 0.0 <= self.failure_rate + self.timeout_rate <= 1.0:
            raise ValueError("failure_rate + timeout_rate must be within 0..1")
        if not 0.0 < self.stop_at <= 1.0 or not 0.0 <= self.dead_at <= 1.0:
            raise ValueError("stop_at must be in (0, 1] and dead_at in [0, 1]")
        if self.dead_node is not None and not 0 <= self.dead_node < self.nodes:
            raise ValueError("dead_node must be a node index or None")
        if self.start.tzinfo is None:
            object.__setattr__(self, "start", self.start.replace(tzinfo=timezone.utc))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (start as ISO text), so a fixture records how it was made."""
        data = dataclasses.asdict(self)
        data["start"] = self.start.isoformat()
        if not self.oom_kill:
            del data["oom_kill"]  # recorded only when used: older fixtures' configs stay exact
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SimConfig:
        """Inverse of `to_dict`: rebuild the config recorded in a fixture's expected.json."""
        values = dict(data)
        if isinstance(values.get("start"), str):
            values["start"] = datetime.fromisoformat(values["start"])
        return cls(**values)


@dataclass
class ProcessTruth:
    """One worker process: attempts it finished (ok or not) and how many of those failed."""

    processed: int = 0
    failed: int = 0


@dataclass
class GroundTruth:
    """The exact answers batchtop must report for a simulated tree.

    Mini-batch counts: `processed` = distinct mini-batches with at least one finished attempt,
    `succeeded` = distinct mini-batches with a RUN_DONE attempt, `failed` = processed -
    succeeded (this includes mini-batches whose retry is still queued), `retried` = distinct
    mini-batches with more than one finished attempt (= more than one CSV row). Items follow the
    mini-batches: items of succeeded / failed mini-batches. `attempts` = finished attempts =
    rows of the per-attempt CSV report. `error_groups` counts failed *exception* attempts per
    exception type + message shape; `timeouts` counts timed-out attempts (not in the groups).
    """

    era: str
    status: str
    verdict: str | None
    total: int
    processed: int
    succeeded: int
    failed: int
    retried: int
    items_total: int
    items_succeeded: int
    items_failed: int
    attempts: int
    timeouts: int
    processes: dict[str, dict[str, ProcessTruth]]
    error_groups: dict[str, int]
    started: datetime
    ended: datetime
    dead_node: str | None
    config: SimConfig
    overview_files: list[str] = field(default_factory=list)

    def to_summary_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict: what fixtures store in expected.json."""
        return {
            "era": self.era,
            "status": self.status,
            "verdict": self.verdict,
            "mini_batches": {
                "total": self.total,
                "processed": self.processed,
                "succeeded": self.succeeded,
                "failed": self.failed,
                "retried": self.retried,
            },
            "items": {
                "total": self.items_total,
                "succeeded": self.items_succeeded,
                "failed": self.items_failed,
            },
            "attempts": self.attempts,
            "timeouts": self.timeouts,
            "nodes": {
                node: {
                    proc: {"processed": pt.processed, "failed": pt.failed}
                    for proc, pt in procs.items()
                }
                for node, procs in self.processes.items()
            },
            "error_groups": dict(sorted(self.error_groups.items())),
            "started": self.started.isoformat(),
            "ended": self.ended.isoformat(),
            "dead_node": self.dead_node,
            "overview_files": list(self.overview_files),
            "config": self.config.to_dict(),
        }
