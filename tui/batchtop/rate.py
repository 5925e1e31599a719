"""Rate and ETA of our own, from when mini-batches finished in (log) time.

The runtime prints its own ETA, but only in the overview and only every few seconds; ours works
from any source of completions and looks at a recent window, so a job that slowed down (a dead
node) gets an honest, longer ETA quickly. Time is the logs' time, not the wall clock: a finished
job opened a week later still shows the rate it ran at.

When neither the runtime's own counts nor the attempts give a window rate that stands for the
job (one overview line so far; worker logs in a wording nobody parses, so the only attempt
counted is one old failure), the rate is the job's processed count over its elapsed time: a
job whose overview says 212 done in 10 minutes is not shown as `0.0/min` (U10).

Completions arrive out of order (many worker logs and a CSV read one after another), so they
are counted into fixed time buckets rather than treated as an ordered series; the buckets
older than the window are dropped, keeping memory fixed.
"""

from __future__ import annotations

import bisect

BUCKET_SECONDS = 10
WINDOW_SECONDS = 300.0


class RateEstimator:
    """Mini-batches per minute over the last WINDOW_SECONDS of log time."""

    def __init__(self, window: float = WINDOW_SECONDS) -> None:
        self._window = window
        self._buckets: dict[int, int] = {}
        self._newest: float | None = None
        self._oldest: float | None = None
        self._keep = int(window // BUCKET_SECONDS) + 2
        self._progress: list[tuple[float, int]] = []  # (at, processed) from progress lines
        self._counted = 0
        """Completions ever reported to `completed` (to judge whether they stand for the job)."""

    def completed(self, at: float | None, count: int = 1) -> None:
        """`count` mini-batches finished at `at` (from attempts: CSV rows, worker logs)."""
        if at is None:
            return
        self._counted += count
        bucket = int(at // BUCKET_SECONDS)
        if self._newest is not None and bucket < int(self._newest // BUCKET_SECONDS) - self._keep:
            self._note_time(at)
            return  # older than the window: matters for nothing we show
        self._buckets[bucket] = self._buckets.get(bucket, 0) + count
        self._note_time(at)
        if len(self._buckets) > 2 * self._keep and self._newest is not None:
            newest = int(self._newest // BUCKET_SECONDS)
            for old in [b for b in self._buckets if b < newest - self._keep]:
                del self._buckets[old]

    def completed_many(self, ats: list[float | None]) -> None:
        """One mini-batch finished at each of `ats` (a block of rows at once, issue 19).

        What `completed` row by row would show: a row is counted in its bucket unless it is
        older than the window of the newest time (the newest time grows as rows arrive, but a
        row that was still inside the window when it arrived and is outside the final one is
        never shown), and the oldest and newest times are the same."""
        times = [at for at in ats if at is not None]
        if not times:
            return
        newest = max(times) if self._newest is None else max(self._newest, *times)
        floor = int(newest // BUCKET_SECONDS) - self._keep
        counts: dict[int, int] = {}
        for at in times:
            bucket = int(at // BUCKET_SECONDS)
            if bucket >= floor:
                counts[bucket] = counts.get(bucket, 0) + 1
        buckets = self._buckets
        for bucket, n in counts.items():
            buckets[bucket] = buckets.get(bucket, 0) + n
        self._note_time(min(times))
        self._note_time(newest)
        if len(buckets) > 2 * self._keep:
            for old in [b for b in buckets if b < floor]:
                del buckets[old]

    def progress(self, at: float | None, processed: int) -> None:
        """The runtime's own cumulative count (overview, metrics CSV), in log order."""
        if at is None:
            return
        samples = self._progress
        bisect.insort(samples, (at, processed))  # files arrive in any order: keep time order
        while len(samples) > 2 and samples[-1][0] - samples[1][0] >= self._window:
            samples.pop(0)
        self._note_time(at)

    def _note_time(self, at: float) -> None:
        if self._newest is None or at > self._newest:
            self._newest = at
        if self._oldest is None or at < self._oldest:
            self._oldest = at

    def per_minute(
        self, processed: int | None = None, elapsed: float | None = None
    ) -> float | None:
        """The recent rate; given the job's `processed` count and `elapsed` log seconds, falls
        back to their ratio when the recent evidence does not stand for the job."""
        from_progress = self._from_progress()
        if from_progress is not None:
            return from_progress
        if processed is not None and self._counted * 2 < processed:
            # the attempts seen are a small part of what the job says it did: their window
            # would measure the parsers' blind spot, not the job
            return average_per_minute(processed, elapsed)
        from_buckets = self._from_buckets()
        if from_buckets is None:
            return average_per_minute(processed, elapsed)
        return from_buckets

    def _from_progress(self) -> float | None:
        samples = self._progress
        if len(samples) < 2:
            return None
        (t0, n0), (t1, n1) = samples[0], samples[-1]
        if t1 - t0 < 1.0 or n1 < n0:
            return None
        return (n1 - n0) * 60.0 / (t1 - t0)

    def _from_buckets(self) -> float | None:
        if self._newest is None or not self._buckets or self._oldest is None:
            return None
        newest = int(self._newest // BUCKET_SECONDS)
        first = newest - int(self._window // BUCKET_SECONDS) + 1
        done = sum(n for b, n in self._buckets.items() if b >= first)
        span = min(self._window, self._newest - self._oldest)
        if span < BUCKET_SECONDS:
            return None
        return done * 60.0 / span

    def eta_seconds(
        self, remaining: int | None, processed: int | None = None, elapsed: float | None = None
    ) -> float | None:
        if remaining is None:
            return None
        if remaining <= 0:
            return 0.0
        rate = self.per_minute(processed, elapsed)
        if not rate:
            return None
        return remaining * 60.0 / rate


def average_per_minute(processed: int | None, elapsed: float | None) -> float | None:
    """Mini-batches per minute over the whole run so far; None until something is done and
    a bucket's worth of time has passed (one early burst is not a rate)."""
    if not processed or elapsed is None or elapsed < BUCKET_SECONDS:
        return None
    return processed * 60.0 / elapsed
