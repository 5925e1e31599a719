"""The job over time: a compact timeline of what the model counted, bucketed by log time.

The model (`JobState`) keeps only "now". A post-mortem report needs throughput per minute and
per-node activity over time, and a replay needs the job as it stood at 09:41. Keeping every event
would cost memory in proportion to the job; instead `RecordingState` (a JobState that also
records) adds what each event changed to one bucket of `width` seconds of log time.

A change is dated by the time of the event that caused it, whatever order the files were read
in (code-review-3 R2). For the mini-batch counts that takes more than the model's own deltas:
the ledger counts a retry when the second-*read* attempt arrives, and a success read before an
earlier failure hides the failure. So the counts come from per mini-batch milestones (its
earliest attempt, success, failure and second attempt: milestones.py), which are minima and do
not depend on arrival order; when one moves earlier its count moves to the earlier bucket.
A fact without a time of its own (an untimed attempt, `SystemExit: 42`, a job_result.txt line,
the service's status) is not put in any bucket: it belongs to the job's end, which a replay
shows as the final snapshot itself.

Bounded: at most MAX_BUCKETS buckets; when the job's span outgrows them the width doubles and
neighbours merge (every field is a sum, a max or a newest-by-time pick, so merging is exact).
Each bucket holds a few counters plus one small entry per node, process and error group that was
active in it; the milestones cost 33-41 bytes per mini-batch id (milestones.py).

Resolution: a replay at time T includes whole buckets up to the one holding T, so it can be up
to `width` seconds ahead of T; `Replay.resolution` says how much.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from batchtop import events as ev
from batchtop import status as statuses
from batchtop.errorgroups import ErrorBook, ErrorGroup
from batchtop.milestones import MilestoneBook, Milestones
from batchtop.model import MAX_EXIT_MARKS, JobState

BASE_WIDTH = 1.0
"""Seconds of log time per bucket to start with (doubled as the job's span grows)."""
MAX_BUCKETS = 240
"""Buckets kept at most: a chart of 240 points, and for a 100-node x 4-process job at most
about 240 x 400 small process entries (a few MB) whatever the job's length."""


@dataclass(slots=True)
class ProcBucket:
    processed: int = 0
    failed: int = 0
    first: float = math.inf
    last: float = -math.inf
    pick: tuple[float, int] | None = None
    """Newest (time, mini-batch) picked in this bucket."""
    done_at: float = -math.inf
    """Newest time an attempt of this process finished in this bucket."""
    own: float = -math.inf
    """Newest sign of life from the process's own log (activity, picks) in this bucket: what
    tells a restart after a kill (model.ProcessState.last_own)."""

    def merge(self, other: ProcBucket) -> None:
        self.processed += other.processed
        self.failed += other.failed
        self.first = min(self.first, other.first)
        self.last = max(self.last, other.last)
        self.done_at = max(self.done_at, other.done_at)
        self.own = max(self.own, other.own)
        if other.pick is not None and (self.pick is None or other.pick > self.pick):
            self.pick = other.pick


@dataclass(slots=True)
class Bucket:
    """What changed in the model during one slice of log time."""

    processed: int = 0
    """Mini-batches whose earliest attempt falls in this slice (milestones.py)."""
    succeeded: int = 0
    """Mini-batches whose earliest success falls in this slice..."""
    failed: int = 0
    """...and the change of the failed count: +1 at a first failure, -1 when that mini-batch
    then succeeds (the ledger's failed count may shrink)."""
    retried: int = 0
    """Mini-batches whose second attempt is first known in this slice."""
    failed_attempts: int = 0
    """Attempts that failed (every one, retried or not): the failure marks on a chart."""
    items_ok: int = 0
    items_failed: int = 0
    overview: int | None = None
    """Largest `processed` the runtime's own progress reported in this slice..."""
    overview_at: float = -math.inf
    """...and the log time of that reading (the replayed rate is measured from it)."""
    total: tuple[float, int] | None = None
    runtime_eta: tuple[float, float] | None = None
    node_seen: dict[str, float] = field(default_factory=dict)
    procs: dict[tuple[str, str], ProcBucket] = field(default_factory=dict)
    resources: dict[str, tuple[float, float | None, float | None]] = field(default_factory=dict)
    """node -> newest (time, cpu %, memory %) sample in this slice."""
    errors: dict[tuple[str, int], int] = field(default_factory=dict)
    """(signature, tier) -> occurrences in this slice."""
    error_times: dict[str, tuple[float, float]] = field(default_factory=dict)

    def note_overview(self, processed: int | None, at: float) -> None:
        """Keep the largest reading, and the earliest time it was reached (order-free)."""
        if processed is None:
            return
        if self.overview is None or processed > self.overview:
            self.overview, self.overview_at = processed, at
        elif processed == self.overview and at < self.overview_at:
            self.overview_at = at

    def merge(self, other: Bucket) -> None:
        self.processed += other.processed
        self.succeeded += other.succeeded
        self.failed += other.failed
        self.retried += other.retried
        self.failed_attempts += other.failed_attempts
        self.items_ok += other.items_ok
        self.items_failed += other.items_failed
        self.note_overview(other.overview, other.overview_at)
        self.total = _newest(self.total, other.total)
        self.runtime_eta = _newest(self.runtime_eta, other.runtime_eta)
        for node, at in other.node_seen.items():
            self.node_seen[node] = max(at, self.node_seen.get(node, at))
        for key, proc in other.procs.items():
            mine = self.procs.get(key)
            if mine is None:
                self.procs[key] = replace(proc)  # its own copy: `other` stays as it was
            else:
                mine.merge(proc)
        for node, sample in other.resources.items():
            mine_res = self.resources.get(node)
            if mine_res is None or sample[0] >= mine_res[0]:
                self.resources[node] = sample
        for err_key, count in other.errors.items():
            self.errors[err_key] = self.errors.get(err_key, 0) + count
        for sig, (first, last) in other.error_times.items():
            have = self.error_times.get(sig)
            self.error_times[sig] = (
                (first, last) if have is None else (min(first, have[0]), max(last, have[1]))
            )


def _newest(a, b):  # type: ignore[no-untyped-def]
    if b is None:
        return a
    return b if a is None or b >= a else a


class Timeline:
    """Buckets of model changes by log time, plus the few status and verdict changes."""

    def __init__(self, width: float = BASE_WIDTH, max_buckets: int = MAX_BUCKETS) -> None:
        self.width = width
        self.max_buckets = max_buckets
        self.buckets: dict[int, Bucket] = {}
        self.statuses: dict[tuple[str, int], float] = {}
        """(status, authority) -> first log time it was hinted."""
        self.verdicts: dict[str, tuple[float, int]] = {}
        """verdict text -> (first log time, weight); bounded by MAX_VERDICTS."""
        self.first: float | None = None
        self.last: float | None = None
        self._low = self._high = 0
        self.milestones = MilestoneBook(self._move_mini_batch)
        self.exits: dict[tuple[str, str], dict[float, int]] = {}
        """(node, process) -> {log time: return code} of its abnormal ends (bounded as the
        model's exit marks are); an end without a time belongs to the job's end, not here."""

    MAX_VERDICTS = 64

    def bucket(self, at: float) -> Bucket:
        """The bucket holding log time `at` (made, and the timeline coarsened, as needed)."""
        self.touch(at)
        index = int(at // self.width)
        found = self.buckets.get(index)
        if found is not None:
            return found
        if self.buckets:
            while max(index, self._high) - min(index, self._low) + 1 > self.max_buckets:
                self._coarsen()
                index = int(at // self.width)
            found = self.buckets.get(index)
            if found is not None:
                return found
            self._low, self._high = min(index, self._low), max(index, self._high)
        else:
            self._low = self._high = index
        found = self.buckets[index] = Bucket()
        return found

    def _move_mini_batch(self, before: Milestones, after: Milestones) -> None:
        """A mini-batch's milestones moved earlier (or happened): move its counts with them.
        Only what changed is moved (this runs for about every mini-batch once)."""
        inf = math.inf
        p0, s0, f0, r0, ok0, bad0 = before
        p1, s1, f1, r1, ok1, bad1 = after
        if p0 != p1:
            if p0 != inf:
                self.bucket(p0).processed -= 1
            self.bucket(p1).processed += 1
        if s0 != s1 or ok0 != ok1:
            if s0 != inf:
                b = self.bucket(s0)
                b.succeeded -= 1
                b.items_ok -= ok0
            if s1 != inf:
                b = self.bucket(s1)
                b.succeeded += 1
                b.items_ok += ok1
        if f0 != f1 or (f1 != inf and (s0 != s1 or bad0 != bad1)):
            self._failed_marks(f0, s0, bad0, -1)
            self._failed_marks(f1, s1, bad1, 1)
        if r0 != r1:
            if r0 != inf:
                self.bucket(r0).retried -= 1
            self.bucket(r1).retried += 1

    def _failed_marks(self, failed: float, succeeded: float, items: int, sign: int) -> None:
        """Failed from its first failure until it succeeds (if it does): +1 then -1."""
        if failed == math.inf:
            return
        b = self.bucket(failed)
        b.failed += sign
        b.items_failed += sign * items
        if succeeded != math.inf:
            b = self.bucket(max(failed, succeeded))
            b.failed -= sign
            b.items_failed -= sign * items

    def touch(self, at: float) -> None:
        """Note a log time that belongs to the job (its span) without a bucket."""
        if self.first is None or at < self.first:
            self.first = at
        if self.last is None or at > self.last:
            self.last = at

    def _coarsen(self) -> None:
        """Double the width: merge each pair of neighbouring buckets."""
        self.width *= 2
        merged: dict[int, Bucket] = {}
        for index in sorted(self.buckets):
            new = index // 2
            have = merged.get(new)
            if have is None:
                merged[new] = self.buckets[index]
            else:
                have.merge(self.buckets[index])
        self.buckets = merged
        self._low, self._high = min(merged), max(merged)

    def upto(self, at: float) -> Iterator[tuple[float, Bucket]]:
        """(start time, bucket) of every bucket starting at or before `at`, oldest first."""
        last = int(at // self.width)
        for index in sorted(self.buckets):
            if index > last:
                break
            yield index * self.width, self.buckets[index]

    def series(self) -> list[tuple[float, Bucket]]:
        """Every slice from the first to the last, empty ones included, oldest first."""
        if not self.buckets:
            return []
        return [
            (i * self.width, self.buckets.get(i) or Bucket())
            for i in range(self._low, self._high + 1)
        ]


_RUNNING = (next(word for word, r in statuses.RANK.items() if r == statuses.RUNNING_RANK), 1)
"""The Running that log evidence implies (authority 1, as in model._on_attempt)."""


class _RecordingErrorBook(ErrorBook):
    def __init__(self, timeline: Timeline) -> None:
        super().__init__()
        self._timeline = timeline

    def add(
        self,
        text: str,
        at: float | None,
        path: str,
        node: str | None,
        process: str | None,
        tier: int = 5,
        mini_batch: int | None = None,
    ) -> ErrorGroup:
        group = super().add(text, at, path, node, process, tier, mini_batch)
        if at is not None:
            b = self._timeline.bucket(at)
            key = (group.signature, tier)
            b.errors[key] = b.errors.get(key, 0) + 1
            have = b.error_times.get(group.signature)
            b.error_times[group.signature] = (
                (at, at) if have is None else (min(at, have[0]), max(at, have[1]))
            )
        return group


class RecordingState(JobState):
    """A JobState that also fills a Timeline with what each event changed.

    It wraps the model's event handlers rather than changing them, so the model stays the one
    place that decides what counts; the timeline only notes the difference it made, and when.
    """

    def __init__(self, timeline: Timeline | None = None) -> None:
        super().__init__()
        self.timeline = timeline if timeline is not None else Timeline()
        self.errors = _RecordingErrorBook(self.timeline)
        handlers: dict[type, Any] = self._handlers
        wrap: dict[type, Any] = {
            ev.Attempt: self._rec_attempt,
            ev.Picked: self._rec_picked,
            ev.Activity: self._rec_activity,
            ev.ErrorRecord: self._rec_error,
            ev.ResourceSample: self._rec_resource,
            ev.Progress: self._rec_progress,
            ev.Metrics: self._rec_metrics,
            ev.Scheduled: self._rec_scheduled,
            ev.Verdict: self._rec_verdict,
            ev.ProcessUsage: self._rec_node_fact,
            ev.DiskUsage: self._rec_node_fact,
            ev.PsSnapshot: self._rec_node_fact,
            ev.ProcessExit: self._rec_exit,
        }
        self._inner: dict[type, Callable[[Any], None]] = {kind: handlers[kind] for kind in wrap}
        self._inner_attempt = self._inner[ev.Attempt]
        handlers.update(wrap)

    # -- helpers ---------------------------------------------------------------------
    def _proc_bucket(self, b: Bucket, node: str, process: str) -> ProcBucket:
        key = (node, process)
        found = b.procs.get(key)
        if found is None:
            found = b.procs[key] = ProcBucket()
        return found

    def _note_seen(self, b: Bucket, node: str | None, process: str | None, at: float) -> None:
        if not node:
            return
        b.node_seen[node] = max(at, b.node_seen.get(node, at))
        if process:
            proc = self._proc_bucket(b, node, process)
            proc.first = min(proc.first, at)
            proc.last = max(proc.last, at)

    # -- wrapped handlers ------------------------------------------------------------
    def _rec_attempt(self, e: ev.Attempt) -> None:
        # the hot path (one call per CSV row and worker line): plain locals, early exits
        node, process = e.node, e.process
        proc_state = None
        if node and process:
            node_state = self.nodes.get(node)
            if node_state is not None:
                proc_state = node_state.processes.get(process)
        p0, pf0 = (proc_state.processed, proc_state.failed) if proc_state else (0, 0)
        f0 = self.ledger.failed
        self._inner_attempt(e)
        at = e.at
        if at is None:
            return  # no time of its own: it belongs to the job's end (the final snapshot)
        timeline = self.timeline
        if e.ok:
            items = e.items_succeeded if e.items_succeeded is not None else e.items_total
        else:
            items = e.items_total
        timeline.milestones.record(e.mini_batch, e.attempt, e.ok, at, items)
        # a finished attempt implies Running from its time on; the model applies that only
        # for the first attempt it reads, which may not be the earliest: note every one
        if at < timeline.statuses.get(_RUNNING, math.inf):
            timeline.statuses[_RUNNING] = at
        b = timeline.bucket(at)
        if node:
            seen = b.node_seen.get(node)
            if seen is None or at > seen:
                b.node_seen[node] = at
        proc = None
        if node and process:
            if proc_state is None:
                node_state = self.nodes.get(node)
                proc_state = node_state.processes.get(process) if node_state else None
            proc = self._proc_bucket(b, node, process)
            if at < proc.first:
                proc.first = at
            if at > proc.last:
                proc.last = at
            if at > proc.done_at:
                proc.done_at = at
        if proc is not None and proc_state is not None:
            proc.processed += proc_state.processed - p0
            proc.failed += proc_state.failed - pf0
            b.failed_attempts += proc_state.failed - pf0
        else:
            b.failed_attempts += max(0, self.ledger.failed - f0)  # no process: newly failed

    def _rec_picked(self, e: ev.Picked) -> None:
        self._inner[ev.Picked](e)
        if e.at is None:
            return
        b = self.timeline.bucket(e.at)
        self._note_seen(b, e.node, e.process, e.at)
        proc = self._proc_bucket(b, e.node, e.process)
        if proc.pick is None or (e.at, e.mini_batch) > proc.pick:
            proc.pick = (e.at, e.mini_batch)
        proc.own = max(proc.own, e.at)

    def _rec_activity(self, e: ev.Activity) -> None:
        self._inner[ev.Activity](e)
        if e.user:  # a date the script printed is no log time (model.py, "One clock")
            return
        b = self.timeline.bucket(e.at)
        if not e.node:
            return  # the job's clock only (a driver log's stamp): the bucket holds its time
        self._note_seen(b, e.node, e.process, e.at)
        if e.process:
            proc = self._proc_bucket(b, e.node, e.process)
            proc.own = max(proc.own, e.at)

    def _rec_error(self, e: ev.ErrorRecord) -> None:
        self._inner[ev.ErrorRecord](e)  # the error book records the occurrence itself
        if e.at is not None and e.node and not e.user:
            # a kill the node reports about a worker is no sign of life of that worker
            process = e.process if e.alive else None
            self._note_seen(self.timeline.bucket(e.at), e.node, process, e.at)

    def _rec_node_fact(self, e: ev.ProcessUsage | ev.DiskUsage | ev.PsSnapshot) -> None:
        """Rows of a node's perf files: a sign of life of the node, as in the model."""
        self._inner[type(e)](e)
        if e.at is not None:
            self._note_seen(self.timeline.bucket(e.at), e.node, None, e.at)

    def _rec_exit(self, e: ev.ProcessExit) -> None:
        self._inner[ev.ProcessExit](e)
        if e.at is None:
            return
        self._note_seen(self.timeline.bucket(e.at), e.node, None, e.at)
        if e.returncode != 0:
            marks = self.timeline.exits.setdefault((e.node, e.process), {})
            if len(marks) < MAX_EXIT_MARKS or e.at in marks:
                marks[e.at] = e.returncode

    def _rec_resource(self, e: ev.ResourceSample) -> None:
        self._inner[ev.ResourceSample](e)
        b = self.timeline.bucket(e.at)
        self._note_seen(b, e.node, None, e.at)
        have = b.resources.get(e.node)
        if have is None or e.at >= have[0]:
            b.resources[e.node] = (e.at, e.cpu_percent, e.memory_percent)

    def _note_progress(
        self, at: float | None, processed: int | None, total: int | None, eta: float | None
    ) -> None:
        if at is None:
            return
        b = self.timeline.bucket(at)
        b.note_overview(processed, at)
        if total is not None:
            b.total = _newest(b.total, (at, total))
        if eta is not None:
            b.runtime_eta = _newest(b.runtime_eta, (at, eta))

    def _rec_progress(self, e: ev.Progress) -> None:
        self._inner[ev.Progress](e)
        self._note_progress(e.at, e.processed, e.total, e.runtime_eta)
        if e.at is not None and e.elapsed is not None:
            self.timeline.touch(e.at - e.elapsed)

    def _rec_metrics(self, e: ev.Metrics) -> None:
        self._inner[ev.Metrics](e)
        self._note_progress(e.at, e.completed, e.total, e.runtime_eta)

    def _rec_scheduled(self, e: ev.Scheduled) -> None:
        self._inner[ev.Scheduled](e)
        if e.finished:
            self._note_progress(e.at, None, e.count, None)

    def _note_status(self, status: str, authority: int, at: float | None) -> None:
        key = (status, authority)
        when = math.inf if at is None else at  # the service's word (no log time) counts last
        statuses = self.timeline.statuses
        if key not in statuses or when < statuses[key]:
            statuses[key] = when

    def _on_status(self, e: ev.StatusHint) -> None:
        # overrides the model's handler itself, not its entry in the table: the model also
        # calls it directly (an attempt implies Running), and that must be recorded too (R4)
        super()._on_status(e)
        self._note_status(e.status, e.authority, e.at)

    def _rec_verdict(self, e: ev.Verdict) -> None:
        self._inner[ev.Verdict](e)
        verdicts = self.timeline.verdicts
        when = math.inf if e.at is None else e.at
        have = verdicts.get(e.text)
        if have is None and len(verdicts) >= Timeline.MAX_VERDICTS:
            return
        if have is None or when < have[0]:
            verdicts[e.text] = (when, e.weight)
