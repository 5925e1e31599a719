"""The job as it stood at a moment of log time, rebuilt from the final snapshot and a Timeline.

`snapshot_at(timeline, final, at)` returns an ordinary Snapshot, so every view (the --once text,
--json, the panes, the report's node timeline) shows a past moment without knowing it is one.
Counts come from summing the timeline's buckets up to `at`; names, messages and tracebacks come
from the final snapshot.

What a replay says, and how close it is to the live model at that moment:
- counts (mini-batches, items, per process) are dated by the time of the attempt that caused
  them, whatever order the files were read in (timeline.py, milestones.py), and include the
  whole bucket holding `at`: the replay equals the live model at some moment within one slice
  after `at` (`resolution`). Nothing is clamped to the final counts;
- the status and verdict are those the logs had said by `at`, through the model's own rules;
  facts without a time of their own (the service's status, `SystemExit: 42`, job_result.txt
  lines) belong to the job's end and show only there;
- the rate is the model's own estimator fed what the logs had said by `at`;
- processes keep their abnormal ends and whether they restarted (dead stays dead), and their
  own signs of life, so liveness judges a replayed moment as it judged it live;
- not replayed: per-process resource usage, disks and the `ps` listing (the newest only), and
  nodes known only by their folders; an error group shows its final message, places and
  latest traceback.
At or after the job's newest log time the final snapshot itself is returned.
"""

from __future__ import annotations

import math
import re
from datetime import datetime, timezone

from batchtop import events as ev
from batchtop import status as statuses
from batchtop.model import SERIES_LENGTH, JobState, ProcessState
from batchtop.model import _process_view as process_view  # the model's own view of a process
from batchtop.rate import RateEstimator
from batchtop.snapshot import (
    SERIES_NAMES,
    ErrorView,
    ItemCounts,
    MiniBatchCounts,
    NodeView,
    ProcessView,
    Snapshot,
)
from batchtop.timeline import Bucket, ProcBucket, Timeline

RATE_WINDOW = 300.0
"""Seconds of log time before `at` that the replayed rate is measured over."""

_OFFSET = re.compile(r"^\+\s*(?:(\d+)h)?\s*(?:(\d+)m)?\s*(?:(\d+)s)?$")


class ReplayTimeError(ValueError):
    """--at text that names no time; the message says what is accepted."""


def parse_at(text: str, started_at: float | None) -> float:
    """`2023-05-16T22:01:30` (UTC unless a zone is given) or `+25m` / `+1h30m` / `+90s` from
    the job's start, to seconds since the epoch."""
    text = text.strip()
    m = _OFFSET.match(text)
    if m and any(m.groups()):
        if started_at is None:
            raise ReplayTimeError("the logs give no start time, so +offsets cannot be used")
        hours, minutes, seconds = (int(g or 0) for g in m.groups())
        return started_at + hours * 3600 + minutes * 60 + seconds
    try:
        stamp = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ReplayTimeError(
            f"--at {text!r}: give an ISO time such as 2023-05-16T22:01:30 (UTC) "
            "or an offset from the job's start such as +25m, +1h30m, +90s"
        ) from None
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=timezone.utc)
    return stamp.timestamp()


def snapshot_at(timeline: Timeline, final: Snapshot, at: float) -> Snapshot:
    """The job as the logs told it up to log time `at` (see the module docstring)."""
    if final.data_time is None or at >= final.data_time:
        return final
    slices = list(timeline.upto(at))
    counts = _counts(slices)
    status, verdict = _status_and_verdict(timeline, at)
    items = final.items
    if items.succeeded is not None:
        items = ItemCounts(
            total=items.total,
            succeeded=sum(b.items_ok for _, b in slices),
            failed=max(0, sum(b.items_failed for _, b in slices)),
        )
    rate = _rate(slices, at, timeline.width)
    remaining = None if counts.total is None else counts.total - counts.processed
    has_eta = statuses.has_eta(status)
    eta_reading = _newest_of(b.runtime_eta for _, b in slices) if has_eta else None
    errors = _errors(slices, final, at)
    data_time = max(min(at, final.data_time), timeline.first or at)
    return Snapshot(
        status=status,
        verdict=verdict,
        job_name=final.job_name,
        job_url=final.job_url,
        mini_batches=counts,
        items=items,
        rate_per_min=rate.per_minute(),
        eta_seconds=rate.eta_seconds(remaining) if has_eta else None,
        runtime_eta_seconds=None if eta_reading is None else eta_reading[1],
        started_at=final.started_at,
        data_time=data_time,
        scheduling=final.scheduling if counts.total is not None else None,
        nodes=_nodes(timeline, slices, final, at),
        errors=errors,
        files=final.files,
        error_occurrences=sum(e.count for e in errors),
        version=hash(("replay", at)),
        notes=final.notes,
    )


def resolution(timeline: Timeline) -> float:
    """How far past `at` a replay may see: one bucket's width."""
    return timeline.width


def _counts(slices: list[tuple[float, Bucket]]) -> MiniBatchCounts:
    """The model's counts (JobState.counts) from the milestones up to the moment: no clamp to
    the final counts, so a test that no moment exceeds them can fail."""
    ledger = sum(b.processed for _, b in slices)
    failed_ledger = sum(b.failed for _, b in slices)
    overview = max((b.overview for _, b in slices if b.overview is not None), default=0)
    processed = max(overview, ledger)
    failed = min(failed_ledger, processed)
    total_reading = _newest_of(b.total for _, b in slices)
    total = None if total_reading is None else max(total_reading[1], processed)
    return MiniBatchCounts(
        total=total,
        processed=processed,
        succeeded=processed - failed,
        failed=failed,
        retried=sum(b.retried for _, b in slices),
    )


def _newest_of(readings):  # type: ignore[no-untyped-def]
    best = None
    for reading in readings:
        if reading is not None and (best is None or reading >= best):
            best = reading
    return best


def _status_and_verdict(timeline: Timeline, at: float) -> tuple[str, str | None]:
    """Replay the status and verdict hints said by `at` through the model's own rules."""
    state = JobState()
    hints = sorted(
        (when, status, authority)
        for (status, authority), when in timeline.statuses.items()
        if when <= at
    )
    for when, status, authority in hints:
        state.apply(ev.StatusHint(status, when, authority))
    for text, (when, weight) in timeline.verdicts.items():
        if when <= at:
            state.apply(ev.Verdict(text, when, weight))
    return state.status, state.verdict


def _rate(slices: list[tuple[float, Bucket]], at: float, width: float) -> RateEstimator:
    """The model's own estimator (rate.py), fed what the logs had said by `at`: the runtime's
    progress readings, else completions (each slice's at its middle, never after `at`)."""
    rate = RateEstimator()
    for begin, b in slices:
        if b.processed:
            rate.completed(min(begin + width / 2, at), b.processed)
        if b.overview is not None:
            rate.progress(b.overview_at, b.overview)
    return rate


def _nodes(
    timeline: Timeline, slices: list[tuple[float, Bucket]], final: Snapshot, at: float
) -> tuple[NodeView, ...]:
    views = []
    for node in final.nodes:
        seen = [b.node_seen[node.name] for _, b in slices if node.name in b.node_seen]
        if not seen:
            continue  # not yet heard of at `at`
        procs = []
        for proc in node.processes:
            parts = [p for p in (b.procs.get((node.name, proc.name)) for _, b in slices) if p]
            if not parts:
                continue
            exits = timeline.exits.get((node.name, proc.name), {})
            procs.append(_process_at(node.name, proc.name, parts, exits, at))
        samples = [b.resources[node.name] for _, b in slices if node.name in b.resources]
        latest: dict[str, float | None] = {name: None for name in SERIES_NAMES}
        series: dict[str, tuple[float, ...]] = {name: () for name in SERIES_NAMES}
        if samples:
            latest["cpu"], latest["memory"] = samples[-1][1], samples[-1][2]
            for name, column in (("cpu", 1), ("memory", 2)):
                values = [s[column] for s in samples if s[column] is not None]
                series[name] = tuple(values[-SERIES_LENGTH:])  # type: ignore[arg-type]
        views.append(
            NodeView(
                name=node.name,
                processes=tuple(procs),
                last_seen=min(max(seen), at),
                latest=latest,
                series=series,
            )
        )
    return tuple(views)


def _process_at(
    node: str, name: str, parts: list[ProcBucket], exits: dict[float, int], at: float
) -> ProcessView:
    """The process as the model would show it at `at`: its counts, its current mini-batch,
    and its abnormal ends with what followed them (restarted or dead), by the model's rules."""
    pick = max((p.pick for p in parts if p.pick is not None), default=None)
    done_at = max(p.done_at for p in parts)
    first = min(p.first for p in parts)
    last = max(p.last for p in parts)
    own = max(p.own for p in parts)
    state = ProcessState(
        processed=sum(p.processed for p in parts),
        failed=sum(p.failed for p in parts),
        current=pick[1] if pick is not None and pick[0] > done_at else None,
        last_seen=None if last == -math.inf else min(last, at),
        first_seen=None if first == math.inf else first,
        last_own=None if own == -math.inf else min(own, at),
    )
    ends = sorted(when for when in exits if when <= at)
    state.exit_marks = set(ends)
    if ends:
        state.exit_at = ends[-1]
        state.exit_code = exits[ends[-1]]
    return process_view(node, name, state, None)


def _errors(
    slices: list[tuple[float, Bucket]], final: Snapshot, at: float
) -> tuple[ErrorView, ...]:
    per_tier: dict[str, dict[int, int]] = {}
    times: dict[str, tuple[float, float]] = {}
    for _, b in slices:
        for (signature, tier), count in b.errors.items():
            tiers = per_tier.setdefault(signature, {})
            tiers[tier] = tiers.get(tier, 0) + count
        for signature, (first, last) in b.error_times.items():
            have = times.get(signature)
            times[signature] = (
                (first, last) if have is None else (min(first, have[0]), max(last, have[1]))
            )
    views = []
    for error in final.errors:
        reports = per_tier.get(error.signature)
        if not reports:
            continue
        # as many as the fullest report so far, never more than the final count: grows with
        # `at` even when the most direct kind of file reports later than another
        count = min(max(reports.values()), error.count)
        first, last = times[error.signature]
        views.append(
            ErrorView(
                signature=error.signature,
                message=error.message,
                count=count,
                first_seen=first,
                last_seen=min(last, at),
                where=error.where,
                files=error.files,
                traceback=error.traceback,
                path=error.path,
            )
        )
    views.sort(key=lambda e: (e.last_seen or 0.0, e.count), reverse=True)
    return tuple(views)
