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
from collections.abc import Iterator
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
    fold = _Fold()
    for begin, b in timeline.upto(at):
        fold.add(begin, b)
    return fold.snapshot(timeline, final, at)


def snapshots_over(timeline: Timeline, final: Snapshot) -> Iterator[tuple[float, float, Snapshot]]:
    """(slice start, slice end, the job replayed at the slice's end) for every slice of the
    timeline, oldest first, in one pass over the buckets: the report judges every slice, and a
    replay per slice from scratch would cost the square of the slices. The slice that holds
    the job's newest data ends there, with the final snapshot itself."""
    if final.data_time is None:
        return
    fold = _Fold()
    begin = None
    for begin, b in timeline.series():
        fold.add(begin, b)
        end = begin + timeline.width
        if end > final.data_time:
            break
        yield begin, end, fold.snapshot(timeline, final, end - _EPSILON)
    else:
        begin = begin + timeline.width if begin is not None else final.data_time
    yield begin, final.data_time, final


_EPSILON = 1e-6
"""Just before a slice's end: the moment that holds the whole slice and nothing after it."""


class _Fold:
    """Buckets added oldest first, summed as they come: what the logs had said by then."""

    def __init__(self) -> None:
        self.slices: list[tuple[float, Bucket]] = []
        self.total = Bucket()
        self.samples: dict[str, list[tuple[float, float | None, float | None]]] = {}

    def add(self, begin: float, b: Bucket) -> None:
        self.slices.append((begin, b))
        self.total.merge(b)  # the sum keeps copies: the timeline's buckets stay as they are
        for node, sample in b.resources.items():
            self.samples.setdefault(node, []).append(sample)

    def snapshot(self, timeline: Timeline, final: Snapshot, at: float) -> Snapshot:
        total = self.total
        counts = _counts(total)
        status, verdict = _status_and_verdict(timeline, at)
        items = final.items
        if items.succeeded is not None:
            items = ItemCounts(
                total=items.total,
                succeeded=total.items_ok,
                failed=max(0, total.items_failed),
            )
        rate = _rate(self.slices, at, timeline.width)
        remaining = None if counts.total is None else counts.total - counts.processed
        has_eta = statuses.has_eta(status)
        eta_reading = total.runtime_eta if has_eta else None
        errors = _errors(total, final, at)
        assert final.data_time is not None
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
            nodes=self._nodes(timeline, final, at),
            errors=errors,
            files=final.files,
            error_occurrences=sum(e.count for e in errors),
            version=hash(("replay", at)),
            queued_seconds=final.queued_seconds,
            notes=final.notes,
            compute=final.compute,  # facts of the job, not of a moment
            skipped=final.skipped,
        )

    def _nodes(self, timeline: Timeline, final: Snapshot, at: float) -> tuple[NodeView, ...]:
        seen, parts = self.total.node_seen, self.total.procs
        views = []
        for node in final.nodes:
            if node.name not in seen:
                continue  # not yet heard of at `at`
            procs = []
            for proc in node.processes:
                part = parts.get((node.name, proc.name))
                if part is None:
                    continue
                exits = timeline.exits.get((node.name, proc.name), {})
                procs.append(_process_at(node.name, proc.name, part, exits, at, timeline.width))
            samples = self.samples.get(node.name, [])
            latest: dict[str, float | None] = {name: None for name in SERIES_NAMES}
            series: dict[str, tuple[float, ...]] = {name: () for name in SERIES_NAMES}
            if samples:
                latest["cpu"], latest["memory"] = samples[-1][1], samples[-1][2]
                for name, column in (("cpu", 1), ("memory", 2)):
                    values = [s[column] for s in samples[-SERIES_LENGTH:] if s[column] is not None]
                    series[name] = tuple(values)  # type: ignore[arg-type]
            views.append(
                NodeView(
                    name=node.name,
                    processes=tuple(procs),
                    last_seen=min(seen[node.name], at),
                    latest=latest,
                    series=series,
                )
            )
        return tuple(views)


def resolution(timeline: Timeline) -> float:
    """How far past `at` a replay may see: one bucket's width."""
    return timeline.width


def _counts(total: Bucket) -> MiniBatchCounts:
    """The model's counts (JobState.counts) from the milestones up to the moment: no clamp to
    the final counts, so a test that no moment exceeds them can fail."""
    processed = max(total.overview or 0, total.processed)
    failed = min(total.failed, processed)
    total_count = None if total.total is None else max(total.total[1], processed)
    return MiniBatchCounts(
        total=total_count,
        processed=processed,
        succeeded=processed - failed,
        failed=failed,
        retried=total.retried,
    )


def _status_and_verdict(timeline: Timeline, at: float) -> tuple[str, str | None]:
    """Replay the status and verdict hints said in the slices up to the one holding `at`
    (as the counts are) through the model's own rules."""
    state = JobState()
    horizon = (at // timeline.width + 1) * timeline.width
    hints = sorted(
        (when, status, authority)
        for (status, authority), when in timeline.statuses.items()
        if when < horizon
    )
    for when, status, authority in hints:
        state.apply(ev.StatusHint(status, when, authority))
    for text, (when, weight) in timeline.verdicts.items():
        if when < horizon:
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


def _process_at(
    node: str, name: str, part: ProcBucket, exits: dict[float, int], at: float, width: float
) -> ProcessView:
    """The process as the model would show it at `at`: its counts, its current mini-batch,
    and its abnormal ends with what followed them (restarted or dead), by the model's rules."""
    pick, first, last, own = part.pick, part.first, part.last, part.own
    state = ProcessState(
        processed=part.processed,
        failed=part.failed,
        current=pick[1] if pick is not None and pick[0] > part.done_at else None,
        last_seen=None if last == -math.inf else min(last, at),
        first_seen=None if first == math.inf else first,
        last_own=None if own == -math.inf else min(own, at),
    )
    if exits:
        horizon = (at // width + 1) * width  # an end is a fact of its slice, as counts are
        state.exit_marks = {when for when in exits if when < horizon}
        if state.exit_marks:
            state.exit_at = max(state.exit_marks)
            state.exit_code = exits[state.exit_at]
    return process_view(node, name, state, None)


def _errors(total: Bucket, final: Snapshot, at: float) -> tuple[ErrorView, ...]:
    per_tier: dict[str, dict[int, int]] = {}
    for (signature, tier), count in total.errors.items():
        per_tier.setdefault(signature, {})[tier] = count
    times = total.error_times
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
                mini_batches=error.mini_batches,
                other_places=error.other_places,
                title=error.title,
            )
        )
    views.sort(key=lambda e: (e.last_seen or 0.0, e.count), reverse=True)
    return tuple(views)
