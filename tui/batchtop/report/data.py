"""Facts of a post-mortem report, gathered once from the final snapshot and the timeline.

Per-time facts (throughput, node states, resources) come from the timeline's buckets; every
count shown as a total comes from the final snapshot, so the report agrees with `--json`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from batchtop.advice import Advice, advice_for_error, advice_for_snapshot
from batchtop.liveness import DEAD_FACTOR, stale_threshold
from batchtop.snapshot import Snapshot
from batchtop.summary import summary_dict
from batchtop.textsafe import safe
from batchtop.timeline import Timeline

WORKING, STALE, DEAD = "working", "stale", "dead"
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
    """(slice start, mini-batches finished per minute, failed attempts in the slice)."""
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
    data.throughput = [(t, b.processed * 60.0 / width, b.failed_attempts) for t, b in series]
    data.node_states = node_states(final, timeline, data.stale_after)
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


def node_states(
    final: Snapshot, timeline: Timeline, stale_after: float
) -> list[tuple[str, list[Segment]]]:
    """Per node: working while it writes, stale after `stale_after` s of silence, dead when it
    stays silent for good while the job goes on (the same rules as the live view's)."""
    width = timeline.width
    series = timeline.series()
    job_end = timeline.last if timeline.last is not None else final.data_time
    out = []
    for node in final.nodes:
        seen = [(t, b.node_seen[node.name]) for t, b in series if node.name in b.node_seen]
        if not seen:
            continue
        last_ever = seen[-1][1]
        dead_after = stale_after * DEAD_FACTOR
        gone = job_end is not None and job_end - last_ever > dead_after
        segments: list[Segment] = []
        last: float | None = None
        for t, b in series:
            if node.name in b.node_seen:
                last = b.node_seen[node.name]
                state = WORKING
            elif last is None:
                continue
            else:
                silence = t + width - last
                if gone and last >= last_ever and silence > dead_after:
                    state = DEAD
                elif silence > stale_after:
                    state = STALE
                else:
                    state = WORKING
            if segments and segments[-1].state == state and segments[-1].end == t:
                segments[-1] = Segment(segments[-1].start, t + width, state)
            else:
                segments.append(Segment(t, t + width, state))
        out.append((node.name, segments))
    return out


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
