"""Reading history (issue 16, U2): the sources say how far the first read is, every snapshot
taken meanwhile says so, and the View of such a snapshot holds every state back."""

from __future__ import annotations

import threading
from pathlib import Path

from batchtop.app.liveness import DEAD, Liveness
from batchtop.app.loading import READING, provisional, reading_words
from batchtop.app.pump import Pump
from batchtop.app.trouble import count_trouble
from batchtop.azure.cli import _HistorySink
from batchtop.azure.follow import FollowStatus
from batchtop.ingest import Ingestor
from batchtop.simulator import SimConfig, write_tree
from batchtop.snapshot import Snapshot
from batchtop.sources.local import LocalTree
from screenshots import FIXTURES


def test_every_snapshot_taken_during_the_first_read_says_how_far_it_is(tmp_path: Path):
    write_tree(tmp_path, SimConfig(era="v2", nodes=3, processes=2, mini_batches=300, seed=1))
    total = sum(p.stat().st_size for p in tmp_path.rglob("*") if p.is_file())
    ingestor = Ingestor()
    tree = LocalTree.open(tmp_path, ingestor)
    seen: list[tuple[int, int] | None] = []
    tree.read_history(on_progress=lambda: seen.append(ingestor.snapshot().reading))
    assert len(seen) > 3 and all(r is not None for r in seen)
    done = [r[0] for r in seen if r is not None]
    assert done == sorted(done) and done[-1] == total
    assert {r[1] for r in seen if r is not None} == {total}
    assert ingestor.snapshot().reading is None  # the read is over: states are final


def test_a_view_of_a_partial_read_holds_every_state_back():
    """fixtures/v2-running (node 2 dead), as if its history were still being read."""
    ingestor = Ingestor()
    LocalTree.open(FIXTURES / "v2-running", ingestor).read_all()
    ingestor.reading_history(400, 1000)
    snap = ingestor.snapshot()
    assert snap.reading == (400, 1000)
    view = Liveness().derive(snap, 0.0, live=False)
    assert any(n.state == DEAD for n in view.nodes)  # what the screen used to show
    held = provisional(view)
    assert {n.state for n in held.nodes} == {READING}
    assert {p.state for n in held.nodes for p in n.processes} == {READING}
    assert all(n.silence is None and not n.stragglers for n in held.nodes)
    assert [n.done for n in held.nodes] == [n.done for n in view.nodes]  # counts are facts
    found = count_trouble(held.nodes)
    assert (found.dead, found.stale, found.failing, found.slow, found.killed) == (0, 0, 0, 0, ())
    assert found.worst is None
    assert reading_words(snap) == "reading history… 40%"
    ingestor.history_read()
    final = ingestor.snapshot()
    assert final.reading is None and reading_words(final) is None
    assert provisional(Liveness().derive(final, 0.0, live=False)).nodes[2].state == DEAD


def test_the_snapshot_that_ends_the_read_is_delivered_though_no_count_changed():
    ingestor = Ingestor()
    ingestor.feed("logs/job_progress_overview.2023051622.txt", b"")
    ingestor.reading_history(5, 10)
    got: list[Snapshot] = []
    arrived = threading.Event()

    def deliver(snap: Snapshot) -> None:
        got.append(snap)
        arrived.set()

    pump = Pump(ingestor, None, deliver=deliver, interval=0.0)
    pump.start()
    try:
        pump.poke()
        assert arrived.wait(30)
        arrived.clear()
        ingestor.history_read()  # the same version: nothing was fed
        pump.poke()
        assert arrived.wait(30)
    finally:
        pump.stop()
    assert [s.reading for s in got] == [(5, 10), None]
    assert got[0].version == got[1].version


class _FakeSource:
    def __init__(self) -> None:
        self.listed_bytes = 0
        self.pending = True


class _FakeTarget:
    def __init__(self) -> None:
        self.source = _FakeSource()


def status(ok: bool = True) -> FollowStatus:
    return FollowStatus(ok, None, None, 1.0, 0)


def test_an_azure_first_download_is_history_until_a_poll_leaves_nothing_pending():
    ingestor = Ingestor()
    target = _FakeTarget()
    sink = _HistorySink(ingestor, lambda: None, target)
    assert reading_words(ingestor.snapshot()) == "reading history…"  # before any listing
    target.source.listed_bytes = 200
    sink.feed("logs/job_progress_overview.2023051622.txt", b"x" * 50 + b"\n")
    assert ingestor.snapshot().reading == (51, 200)
    sink.on_status(status())  # files bigger than one read: more to fetch
    assert ingestor.snapshot().reading == (51, 200)
    target.source.pending = False
    sink.on_status(status(ok=False))  # a failed poll ends nothing
    assert ingestor.snapshot().reading is not None
    sink.on_status(status())
    assert ingestor.snapshot().reading is None
    sink.feed("logs/job_progress_overview.2023051622.txt", b"y\n")  # live from now on
    assert ingestor.snapshot().reading is None
    target.source = _FakeSource()  # the pipeline's scoring step appeared: a new first read
    target.source.listed_bytes = 10
    sink.feed("logs/job_progress_overview.2023051622.txt", b"z\n")
    assert ingestor.snapshot().reading == (2, 10)
