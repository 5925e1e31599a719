"""The replay equals the live model at that moment (issue 16, code-review-3 R2-R4), as properties.

- Reading a tree's files in any order, cut into any chunks and interleaved, gives the same
  replay at every moment (R2: forward and reverse reads used to give `retried` 3 vs 0).
- On simulated trees of every era, the replay at a moment equals the simulator's own truth
  (`Plan.truth_at`, recounted from its attempt list, not from the files) at some moment within
  one slice of it: counts, items and every process's counts.
- No moment shows a count above the final one. Nothing in the replay clamps to the final
  counts any more, so this can fail.
"""

from __future__ import annotations

import bisect
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from batchtop.ingest import Ingestor
from batchtop.liveness import states_of
from batchtop.replay import snapshot_at, snapshots_over
from batchtop.sim.engine import Plan, simulate
from batchtop.simulator import ERAS, SimConfig, write_tree
from batchtop.snapshot import Snapshot
from batchtop.timeline import RecordingState

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
FIXTURE_TREES = sorted(p.name for p in FIXTURES.iterdir() if (p / "expected.json").exists())
SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def sim_config(era: str) -> SimConfig:
    """Retries, timeouts and a node that dies half way: every kind of count moves."""
    return SimConfig(
        era=era,
        nodes=3,
        processes=2,
        mini_batches=120,
        failure_rate=0.1,
        timeout_rate=0.03,
        dead_node=2,
        dead_at=0.5,
        seed=7,
    )


def files_of(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name not in ("expected.json", "NOTES.md")
    }


@pytest.fixture(scope="module")
def sims(tmp_path_factory) -> dict[str, tuple[dict[str, bytes], Plan]]:
    out = {}
    for era in ERAS:
        root = tmp_path_factory.mktemp(f"sim-{era}")
        cfg = sim_config(era)
        write_tree(root, cfg)
        out[era] = (files_of(root), simulate(cfg))
    return out


FIXTURE_FILES = {name: files_of(FIXTURES / name) for name in FIXTURE_TREES}


def read(files: dict[str, bytes], rnd: random.Random | None = None, pieces: int = 1) -> Ingestor:
    """All files into a recording model: whole and in sorted order without `rnd`; else each
    file cut at random byte offsets into up to `pieces` chunks (a cut may split a line or a
    UTF-8 character), the chunks of all files interleaved in a random order that keeps each
    file's own order."""
    ingestor = Ingestor(RecordingState())
    if rnd is None:
        for path, data in files.items():
            ingestor.feed(path, data)
    else:
        queues = {}
        for path, data in files.items():
            cuts = sorted(rnd.sample(range(1, len(data)), min(pieces - 1, max(len(data) - 1, 0))))
            bounds = [0, *cuts, len(data)]
            queues[path] = [data[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]
        while queues:
            path = rnd.choice(sorted(queues))
            ingestor.feed(path, queues[path].pop(0))
            if not queues[path]:
                del queues[path]
    ingestor.flush(final=True)
    return ingestor


def moments(final: Snapshot, width: float) -> list[float]:
    """From a slice before the job's first stamp to just before its newest, every half slice."""
    assert final.started_at is not None and final.data_time is not None
    out, t = [], final.started_at - width
    while t < final.data_time:
        out.append(t)
        t += width / 2
    return out


def counts(snap: Snapshot) -> dict:
    """What a replayed moment says that must not depend on how the files were read."""
    mb, items = snap.mini_batches, snap.items
    return {
        "status": snap.status,
        "verdict": snap.verdict,
        "mini_batches": (mb.total, mb.processed, mb.succeeded, mb.failed, mb.retried),
        "items": (items.succeeded, items.failed),
        "processes": sorted(
            (p.node, p.name, p.processed, p.failed, p.exits, p.exit_code, p.after_exit)
            for n in snap.nodes
            for p in n.processes
        ),
        "errors": sorted((e.signature, e.count) for e in snap.errors),
    }


def replay_of(ingestor: Ingestor) -> list[tuple[float, dict]]:
    """The replay at every distinct moment: the end of every slice (a replay at any time
    inside a slice is the replay at its end; checked below)."""
    final = ingestor.snapshot()
    timeline = ingestor.state.timeline
    return [(end, counts(snap)) for _, end, snap in snapshots_over(timeline, final)]


_BASELINE: dict[str, list[tuple[float, dict]]] = {}


def baseline(key: str, files: dict[str, bytes]) -> list[tuple[float, dict]]:
    if key not in _BASELINE:
        _BASELINE[key] = replay_of(read(files))
    return _BASELINE[key]


@SETTINGS
@given(
    era=st.sampled_from(ERAS),
    rnd=st.randoms(use_true_random=False),
    pieces=st.integers(min_value=1, max_value=40),
)
def test_simulated_replay_is_the_same_in_any_read_order_and_chunking(sims, era, rnd, pieces):
    files = sims[era][0]
    assert replay_of(read(files, rnd, pieces)) == baseline(era, files)


@SETTINGS
@given(
    name=st.sampled_from(FIXTURE_TREES),
    rnd=st.randoms(use_true_random=False),
    pieces=st.integers(min_value=1, max_value=12),
)
def test_fixture_replay_is_the_same_in_any_read_order_and_chunking(name, rnd, pieces):
    files = FIXTURE_FILES[name]
    assert replay_of(read(files, rnd, pieces)) == baseline(name, files)


def truth_tuple(plan: Plan, t: float) -> tuple:
    truth = plan.truth_at(t)
    return (
        truth.processed,
        truth.succeeded,
        truth.failed,
        truth.retried,
        truth.items_succeeded,
        truth.items_failed,
        sorted((node, proc, n, f) for (node, proc), (n, f) in truth.processes.items()),
    )


def replay_tuple(snap: Snapshot) -> tuple:
    mb = snap.mini_batches
    return (
        mb.processed,
        mb.succeeded,
        mb.failed,
        mb.retried,
        snap.items.succeeded,
        snap.items.failed,
        sorted(
            (p.node, p.name, p.processed, p.failed)
            for n in snap.nodes
            for p in n.processes
            if p.processed
        ),
    )


@SETTINGS
@given(
    era=st.sampled_from(ERAS),
    rnd=st.randoms(use_true_random=False),
    pieces=st.integers(min_value=1, max_value=40),
)
def test_replay_equals_the_simulators_truth_within_one_slice(sims, era, rnd, pieces):
    """The truth only changes when an attempt ends, so "within one slice" means: equal to the
    truth at some moment within a slice either side of the replayed one (just before or just
    after an attempt's end). Every replayed slice is checked, with the files read in a random
    order and chunking."""
    files, plan = sims[era]
    ingestor = read(files, rnd, pieces)
    final = ingestor.snapshot()
    timeline = ingestor.state.timeline
    width = timeline.width
    base = plan.cfg.start.timestamp()
    ends = sorted(plan.a_end)
    for _, end, snap in snapshots_over(timeline, final):
        said = replay_tuple(snap)
        rel = end - base
        lo, hi = bisect.bisect_left(ends, rel - 2 * width), bisect.bisect_right(ends, rel + width)
        candidates = [rel] + [e + d for e in ends[lo:hi] for d in (-1e-6, 1e-6)] + [rel - width]
        assert any(truth_tuple(plan, c) == said for c in candidates), (era, rel, said)


def growing(snap: Snapshot) -> dict[str, int]:
    mb = snap.mini_batches
    out = {"processed": mb.processed, "succeeded": mb.succeeded, "retried": mb.retried}
    if snap.items.succeeded is not None:
        out["items_ok"] = snap.items.succeeded
    for node in snap.nodes:
        for proc in node.processes:
            out[f"{proc.key} processed"] = proc.processed
            out[f"{proc.key} failed"] = proc.failed
    return out


@pytest.mark.parametrize("name", FIXTURE_TREES)
def test_no_moment_shows_a_count_above_the_final_one(name):
    ingestor = read(FIXTURE_FILES[name])
    final = ingestor.snapshot()
    timeline = ingestor.state.timeline
    top = growing(final)
    for t in moments(final, timeline.width):
        snap = snapshot_at(timeline, final, t)
        assert snap is not final
        for key, value in growing(snap).items():
            assert value <= top.get(key, 0), (name, t, key, value, top.get(key))


def test_no_simulated_moment_shows_a_count_above_the_final_one(sims):
    for era, (files, _) in sims.items():
        ingestor = read(files)
        final = ingestor.snapshot()
        top = growing(final)
        for _, end, snap in snapshots_over(ingestor.state.timeline, final):
            for key, value in growing(snap).items():
                assert value <= top.get(key, 0), (era, end, key, value)


def test_node_states_replayed_are_the_same_in_reverse_read_order(sims):
    """Liveness judges a replayed moment the same whichever way the files were read."""
    for era, (files, _) in sims.items():
        forward = read(files)
        backward = read(dict(reversed(list(files.items()))))
        a = [
            (end, states_of(snap))
            for _, end, snap in snapshots_over(forward.state.timeline, forward.snapshot())
        ]
        b = [
            (end, states_of(snap))
            for _, end, snap in snapshots_over(backward.state.timeline, backward.snapshot())
        ]
        assert a == b, era


@pytest.mark.parametrize("name", ["v2-failed", "2020-taskcsv", "oom-kill", "2021-running"])
def test_a_replay_inside_a_slice_is_the_replay_at_its_end(name):
    """What the order properties compare (snapshots_over, one pass) is what --at and the
    replay keys show (snapshot_at, one moment)."""
    ingestor = read(FIXTURE_FILES[name])
    final = ingestor.snapshot()
    timeline = ingestor.state.timeline
    for begin, end, snap in snapshots_over(timeline, final):
        if snap is final:
            continue
        for t in (begin, (begin + end) / 2, end - 1e-3):
            assert counts(snapshot_at(timeline, final, t)) == counts(snap), (name, t)
