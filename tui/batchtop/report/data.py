"""Facts of a post-mortem report, gathered once from the final snapshot and the timeline.

Per-time facts come from the job replayed at the end of every slice (replay.snapshots_over):
the node timeline is `liveness.judge` of each replayed moment, the very judgement the live
view and `--json` make, so the report's last state of a node is the one `--json` gives (R5);
throughput is the change of the replayed processed count, the model's own (the overview's
count when the logs carry no per mini-batch reports), in mini-batches per minute (U6).
Every count shown as a total comes from the final snapshot.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from batchtop.advice import Advice, advice_for_error, advice_for_snapshot
from batchtop.liveness import judge, stale_threshold
from batchtop.replay import snapshots_over
from batchtop.snapshot import Snapshot
from batchtop.summary import summary_dict
from batchtop.textsafe import safe
from batchtop.timeline import Timeline

TIMEOUT_ADVICE = {"run-timeout", "no-progress-update"}
SLOWEST = 10


@dataclass(frozen=True, slots=True)
class Segment:
    start: float
    end: float
    state: str


@dataclass(slots=True)
class ReportData:
    summary: dict[str, Any]
    started: float | None
    ended: float | None
    finished: bool
    width: float
    """Seconds of log time per point of the per-time series."""
    throughput: list[tuple[float, float, int]] = field(default_factory=list)
    """(slice start, mini-batches processed per minute, failed attempts in the slice)."""
    node_states: list[tuple[str, list[Segment]]] = field(default_factory=list)
    resources: dict[str, dict[str, list[tuple[float, float]]]] = field(default_factory=dict)
    """node -> {"cpu": [(t, %)], "memory": [(t, %)]}."""
    errors: list[dict[str, Any]] = field(default_factory=list)
    slowest: list[dict[str, Any]] = field(default_factory=list)
    timeouts: list[dict[str, Any]] = field(default_factory=list)
    advice: list[Advice] = field(default_factory=list)
    stale_after: float = 0.0


def gather(final: Snapshot, timeline: Timeline, source: str) -> ReportData:
    summary = summary_dict(final, source)
    series = timeline.series()
    width = timeline.width
    data = ReportData(
        summary=summary,
        started=final.started_at,
        ended=final.data_time,
        finished=final.finished,
        width=width,
        stale_after=stale_threshold(final),
    )
    data.throughput, data.node_states = over_time(final, timeline)
    for t, b in series:
        for node, (_, cpu, memory) in b.resources.items():
            per = data.resources.setdefault(node, {"cpu": [], "memory": []})
            if cpu is not None:
                per["cpu"].append((t, cpu))
            if memory is not None:
                per["memory"].append((t, memory))
    for error, shown in zip(final.errors, summary["errors"], strict=True):
        advice = advice_for_error(error)
        entry = dict(shown)
        entry["traceback"] = safe(error.traceback or error.message)
        entry["advice"] = [a.id for a in advice]
        data.errors.append(entry)
        if TIMEOUT_ADVICE & set(entry["advice"]):
            data.timeouts.append(entry)
    data.errors.sort(key=lambda e: -e["count"])
    data.slowest = slowest_processes(final)
    data.advice = advice_for_snapshot(final)
    return data


def over_time(
    final: Snapshot, timeline: Timeline
) -> tuple[list[tuple[float, float, int]], list[tuple[str, list[Segment]]]]:
    """Throughput per slice and each node's states, from the job replayed slice by slice.

    A node's state in a slice is `liveness.judge`'s on the job as it stood at the slice's end
    (the last slice: the final snapshot itself); before its first sign of life a node has no
    segment."""
    width = timeline.width
    failed_marks = {t: b.failed_attempts for t, b in timeline.series()}
    throughput: list[tuple[float, float, int]] = []
    strips: dict[str, list[Segment]] = {node.name: [] for node in final.nodes}
    done = 0
    for begin, end, snap in snapshots_over(timeline, final):
        processed = snap.mini_batches.processed
        rate = (processed - done) * 60.0 / width
        throughput.append((begin, rate, failed_marks.get(begin, 0)))
        done = processed
        rows, _ = judge(snap)
        for row in rows:
            segments = strips.get(row.view.name)
            if segments is None:
                continue
            if segments and segments[-1].state == row.state and segments[-1].end == begin:
                segments[-1] = Segment(segments[-1].start, end, row.state)
            else:
                segments.append(Segment(begin, end, row.state))
    return throughput, [(name, segments) for name, segments in strips.items() if segments]


def slowest_processes(final: Snapshot) -> list[dict[str, Any]]:
    """Processes by seconds per mini-batch, slowest first (those that finished at least one)."""
    rows: list[dict[str, Any]] = []
    for node in final.nodes:
        for proc in node.processes:
            if proc.processed <= 0 or proc.first_seen is None or proc.last_seen is None:
                continue
            span = proc.last_seen - proc.first_seen
            if span <= 0:
                continue
            rows.append(
                {
                    "process": safe(proc.key),
                    "processed": proc.processed,
                    "failed": proc.failed,
                    "seconds_per_batch": round(span / proc.processed, 2),
                }
            )
    rows.sort(key=lambda r: -float(r["seconds_per_batch"]))
    return rows[:SLOWEST]
