"""The node-aware ETA (eta.py) on scripted throughput: dead nodes' work is spread over the
living at once, a straggler bounds the tail, and the band holds the estimate."""

from __future__ import annotations

from dataclasses import replace

import pytest

from batchtop import eta
from batchtop.liveness import DEAD, IDLE, STALE, WORKING, NodeRow, ProcessRow
from batchtop.snapshot import ItemCounts, MiniBatchCounts, NodeView, ProcessView, Snapshot

T0 = 1_700_000_000.0


def proc(node: str, name: str, done: int, seconds: float) -> ProcessView:
    """A process that finished `done` mini-batches over `seconds` of log time."""
    return ProcessView(
        node=node, name=name, processed=done, failed=0, current=None,
        last_seen=T0 + seconds, first_seen=T0, own_seen=T0 + seconds,
    )


def job(total: int | None, processes: list[tuple[ProcessView, str]], rate: float | None = None,
        status: str = "Running") -> tuple[Snapshot, tuple[NodeRow, ...]]:
    done = sum(p.processed for p, _ in processes)
    by_node: dict[str, list[ProcessRow]] = {}
    for p, state in processes:
        by_node.setdefault(p.node, []).append(ProcessRow(p, state, 0.0, False))
    rows = tuple(
        NodeRow(NodeView(n, tuple(r.view for r in rs), T0), rs[0].state, 0.0, tuple(rs),
                0, 0, 0, 0)
        for n, rs in by_node.items()
    )
    snap = Snapshot(
        status=status, verdict=None, job_name=None, job_url=None,
        mini_batches=MiniBatchCounts(total, done, done, 0, 0),
        items=ItemCounts(None, None, None), rate_per_min=rate, eta_seconds=None,
        runtime_eta_seconds=None, started_at=T0, data_time=T0 + 600, scheduling=None,
        nodes=tuple(r.view for r in rows), errors=(), files=(), error_occurrences=0, version=1,
    )
    return snap, rows


def test_a_dead_nodes_share_goes_to_the_living_at_once():
    # four processes at 1 mini-batch/s each for 100 s; 1,000 left
    alive = [(proc("n0", f"p{i}", 100, 100.0), WORKING) for i in range(3)]
    dead = (proc("n1", "p0", 100, 100.0), DEAD)
    snap, rows = job(1400, alive + [dead], rate=240.0)  # the window still counts the dead one
    est = eta.estimate(snap, rows)
    assert est is not None
    # 1,000 left over 3 living mini-batches/s: 333 s, not 250 s as the window rate says
    assert est.seconds == pytest.approx(1000 / 3)
    assert (est.alive, est.lost) == (3, 1)
    assert est.low <= 250.0 * 0.9 + 1e-9  # the band reaches down to the window's promise
    assert est.low <= est.seconds <= est.high


def test_stale_processes_add_no_pace_either():
    rows_states = [(proc("n0", "p0", 50, 100.0), WORKING), (proc("n0", "p1", 50, 100.0), STALE)]
    snap, rows = job(150, rows_states)
    est = eta.estimate(snap, rows)
    assert est is not None and est.seconds == pytest.approx(50 / 0.5)


def test_a_straggler_bounds_the_tail():
    fast = (proc("n0", "p0", 1000, 100.0), WORKING)  # 10 mini-batches/s
    slow = (proc("n1", "p0", 2, 200.0), IDLE)  # 100 s per mini-batch
    snap, rows = job(1004, [fast, slow])
    est = eta.estimate(snap, rows)
    assert est is not None
    # 2 left at ~10/s is 0.2 s, but the straggler may hold the last one for 100 s
    assert est.seconds == pytest.approx(100.0)
    assert est.high >= 100.0


def test_unknown_pace_says_nothing_and_finished_jobs_get_no_eta():
    no_counts = [(proc("n0", "p0", 0, 100.0), WORKING)]
    assert eta.estimate(*job(100, no_counts)) is None
    running = [(proc("n0", "p0", 10, 100.0), WORKING)]
    assert eta.estimate(*job(None, running)) is None
    assert eta.estimate(*job(100, running, status="Failed")) is None
    snap, rows = job(100, running)
    assert eta.estimate(replace(snap, status="NotResponding"), rows) is None


@pytest.mark.parametrize(
    ("low", "high", "text"),
    [
        (40.2, 55.1, "40-56 s"),
        (44.7, 147.2, "44-148 s"),
        (14 * 60 + 10, 18 * 60 + 30, "14-19 min"),
        (9000, 11000, "2.5-3.1 h"),
    ],
)
def test_band_text(low, high, text):
    assert eta.format_band(low, high) == text
