"""The job model: reconciliation of sources, de-duplication, invariants, bounded memory."""

from __future__ import annotations

import tracemalloc

from batchtop import events as ev
from batchtop.ingest import Ingestor
from batchtop.model import JobState
from test_parsers import ATTEMPTS_CSV, SYSLOG_PROCESS

T0 = 1_684_274_400.0  # 2023-05-16 22:00:00 UTC


def test_same_attempt_from_csv_and_worker_log_counts_once():
    ingestor = Ingestor()
    csv = (
        "Mini-batch Id,Picked Count,Process,Start Time,Total,Succeeded,Failed,Elapsed Seconds,"
        "Status\n"
        "7,1,3/process002,2023-05-16T22:10:01,10,10,0,2.3,RUN_DONE\n"
        "8,1,3/process002,2023-05-16T22:10:04,10,0,10,1.0,RUN_EXCEPTION\n"
    )
    ingestor.feed("logs/sys/node/3/process002.txt", SYSLOG_PROCESS.encode())
    ingestor.feed("logs/sys/job_report/processed_mini-batches.csv", csv.encode())
    ingestor.flush(final=True)
    snap = ingestor.snapshot()
    assert (snap.mini_batches.processed, snap.mini_batches.failed) == (2, 1)
    (proc,) = snap.nodes[0].processes
    assert (proc.processed, proc.failed) == (2, 1)


def test_re_reading_a_replaced_file_does_not_double_count():
    ingestor = Ingestor()
    path = "logs/sys/job_report/processed_mini-batches.csv"
    ingestor.feed(path, ATTEMPTS_CSV.encode())
    before = ingestor.snapshot()
    ingestor.reset(path)
    ingestor.feed(path, ATTEMPTS_CSV.encode())  # the same rows again (re-download, rotation)
    after = ingestor.snapshot()
    assert after.mini_batches == before.mini_batches
    assert [(p.processed, p.failed) for n in after.nodes for p in n.processes] == [
        (p.processed, p.failed) for n in before.nodes for p in n.processes
    ]


def test_retry_that_succeeds_moves_a_mini_batch_from_failed_to_succeeded():
    state = JobState()
    state.apply(ev.Attempt(5, False, T0, "0", "process000", 1, 4, 0, 4))
    assert (state.counts().failed, state.snapshot().items.failed) == (1, 4)
    state.apply(ev.Attempt(5, True, T0 + 10, "1", "process000", 2, 4, 4, 0))
    counts = state.counts()
    assert (counts.processed, counts.succeeded, counts.failed, counts.retried) == (1, 1, 0, 1)
    items = state.snapshot().items
    assert (items.succeeded, items.failed) == (4, 0)


def test_overview_ahead_of_the_csv_wins_and_invariant_holds():
    state = JobState()
    state.apply(ev.Attempt(1, False, T0, "0", "process000", 1))
    state.apply(ev.Progress(50, 100, T0 + 60))
    c = state.counts()
    assert (c.total, c.processed, c.failed, c.succeeded) == (100, 50, 1, 49)


def test_total_never_below_processed_and_latest_total_wins():
    state = JobState()
    state.apply(ev.Scheduled(80, T0, finished=True))
    state.apply(ev.Progress(90, 100, T0 + 5))
    assert state.counts().total == 100
    state.apply(ev.Scheduled(50, T0 - 100, finished=True))  # an older file read late
    assert state.counts().total == 100


def test_service_status_beats_log_wording_and_failed_beats_completed():
    state = JobState()
    state.apply(ev.StatusHint("Completed", T0))
    state.apply(ev.StatusHint("Failed", T0 + 1))
    assert state.status == "Failed"
    state.apply(ev.StatusHint("Running", T0 + 2))
    assert state.status == "Failed"
    state.apply(ev.StatusHint("Canceled", None, authority=2))
    assert state.status == "Canceled"


def test_first_verdict_is_kept():
    state = JobState()
    state.apply(ev.Verdict("The number of failed items is 3, which exceeds error threshold 2.", 1))
    state.apply(ev.Verdict("Driver: the batch job failed (runtime exit code 42)", 2))
    assert state.verdict.startswith("The number of failed items")


def test_garbage_ids_do_not_allocate():
    state = JobState()
    state.apply(ev.Attempt(10**12, True, T0))
    state.apply(ev.Attempt(-5, True, T0))
    assert state.ledger.tracked == 0
    assert state.counts().processed == 0


def test_memory_is_bounded_by_processes_not_attempts():
    """Attempts cost the ledger's 2 bytes each, no objects per mini-batch."""
    state = JobState()
    nodes = [str(i) for i in range(10)]
    tracemalloc.start()
    for mb in range(50_000):
        state.apply(
            ev.Attempt(
                mb, mb % 97 != 0, T0 + mb * 0.01, nodes[mb % 10], f"process00{mb % 4}", 1, 3, 3, 0
            )
        )
    current, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert state.counts().processed == 50_000
    assert current < 600_000, current  # 50k mini-batches: 0.1 MB of ledger, not 50k objects
    assert sum(len(n.processes) for n in state.nodes.values()) == 20  # (mb % 10, mb % 4) pairs


def test_resource_rates_ignore_rows_read_twice_and_counter_resets():
    state = JobState()
    state.apply(ev.ResourceSample("0", T0, 10, 20, 100, 0, 0, 0))
    state.apply(ev.ResourceSample("0", T0 + 10, 20, 20, 200, 0, 0, 0))
    state.apply(ev.ResourceSample("0", T0 + 10, 20, 20, 200, 0, 0, 0))  # duplicate
    state.apply(ev.ResourceSample("0", T0 + 20, 30, 20, 5, 0, 0, 0))  # node rebooted: reset
    node = state.snapshot().nodes[0]
    assert node.series["cpu"] == (10, 20, 30)
    assert node.series["disk_read"] == (10.0,)
