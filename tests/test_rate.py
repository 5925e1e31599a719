"""Rate (rate.py): the recent window when it stands for the job, else processed over elapsed
(issue 16, U10: `rate 0.0/min` / `rate -` beside 212 done in 10 minutes)."""

from __future__ import annotations

from batchtop.rate import RateEstimator, average_per_minute
from helpers import ingest_files

OVERVIEW = """2023-05-16T22:00:00.000000 Start the simulator.
2023-05-16T22:00:31.000000 Scheduling finished. Scheduled 900 mini batches in 17 seconds. \
There are 900 tasks with 900 items.
2023-05-16T22:10:00.000000 Processed 212 of 900 mini batches in 0:09:29. \
Estimated remaining time 0:30:47.
"""


def test_one_overview_count_gives_the_average_rate_and_an_eta():
    """A single `Processed 212 of 900` line, 10 minutes after the start: 21.2 a minute, and
    the 688 left take 688 / 21.2 minutes (the window needs two counts; it had `-`)."""
    snap = ingest_files({"logs/job_progress_overview.2023051622.txt": OVERVIEW}).snapshot()
    assert snap.elapsed_seconds == 600.0
    assert snap.rate_per_min == 21.2
    assert snap.eta_seconds is not None and abs(snap.eta_seconds - 688 * 60 / 21.2) < 1e-6


def test_a_few_attempts_do_not_stand_for_a_job_that_says_it_did_far_more():
    """Worker logs the parsers cannot read: the only attempt counted is one failure at the
    start, so the window saw 0 in its last 5 minutes; the job says 212 in 600 s."""
    rate = RateEstimator()
    rate.completed(1000.0)
    rate.completed(1005.0)
    rate.progress(1600.0, 212)
    assert rate.per_minute() == 0.0  # the window alone: what the screen used to say
    assert rate.per_minute(processed=212, elapsed=600.0) == 21.2


def test_attempts_that_cover_the_job_keep_the_recent_window():
    """A job that slowed down: the recent window (10 in the last 100 s) wins over the
    average, which would hide the slowdown."""
    rate = RateEstimator()
    for i in range(100):
        rate.completed(1000.0 + i)  # 100 in the first 100 s
    for i in range(10):
        rate.completed(1100.0 + 10 * i)  # then 10 in 100 s
    window = rate.per_minute(processed=110, elapsed=200.0)
    assert window == rate.per_minute()
    assert window is not None and window != average_per_minute(110, 200.0)


def test_no_average_before_anything_is_done_or_time_has_passed():
    assert average_per_minute(0, 600.0) is None
    assert average_per_minute(5, None) is None
    assert average_per_minute(5, 3.0) is None
