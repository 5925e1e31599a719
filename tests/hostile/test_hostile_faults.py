"""Live faults while following a simulated job: files truncated and rewritten, replaced by a new
inode, rotated to a new name, the whole log folder deleted and recreated. After every step the
numbers never go backwards, equal the simulator's step-by-step truth (what the files written so
far say, recounted from its attempt list: Plan.truth_at) and equal what a fresh read of the
same tree says (so nothing was counted twice); at the end they equal the final truth."""

from __future__ import annotations

import os
import random
import shutil
from pathlib import Path

from batchtop.ingest import Ingestor
from batchtop.simulator import LiveSimulator, SimConfig
from batchtop.sources.local import LocalTree


def _files(root: Path, rng: random.Random, n: int = 3) -> list[Path]:
    files = sorted(p for p in root.rglob("*") if p.is_file())
    return rng.sample(files, min(n, len(files)))


def truncate_and_rewrite(root: Path, tree: LocalTree, rng: random.Random) -> None:
    for path in _files(root, rng):
        data = path.read_bytes()
        path.write_bytes(b"")
        tree.read_all()  # the follower sees the file empty...
        path.write_bytes(data)  # ...then rewritten by its writer


def replace_inode(root: Path, tree: LocalTree, rng: random.Random) -> None:
    for path in _files(root, rng):
        tmp = path.with_name(path.name + ".tmp")
        shutil.copyfile(path, tmp)
        os.replace(tmp, path)


def rotate(root: Path, tree: LocalTree, rng: random.Random) -> None:
    for path in _files(root, rng, 5):
        if path.suffix != ".txt":
            continue  # a rotated CSV report has a name no reader knows: its rows would be lost
        k = 1
        while (target := path.with_name(f"{path.stem}.r{k}.txt")).exists():
            k += 1
        os.rename(path, target)
        path.write_bytes(b"")  # the writer starts a new file under the old name


def delete_and_recreate(root: Path, tree: LocalTree, rng: random.Random) -> None:
    aside = root.parent / (root.name + "-aside")
    shutil.copytree(root / "logs", aside)
    shutil.rmtree(root / "logs")
    tree.read_all()
    shutil.copytree(aside, root / "logs")
    shutil.rmtree(aside)


def nothing(root: Path, tree: LocalTree, rng: random.Random) -> None:
    pass


FAULTS = (truncate_and_rewrite, replace_inode, rotate, delete_and_recreate, nothing)


def reading(ingestor: Ingestor) -> dict:
    snap = ingestor.snapshot()
    mb = snap.mini_batches
    return {
        "processed": mb.processed,
        "succeeded": mb.succeeded,
        "failed": mb.failed,
        "retried": mb.retried,
        "items_ok": snap.items.succeeded or 0,
        "items_failed": snap.items.failed or 0,
        "errors": snap.error_occurrences,
        "groups": {e.signature: e.count for e in snap.errors},
        "procs": {(p.node, p.name): p.processed for n in snap.nodes for p in n.processes},
        "lines": {f.path: (f.lines, f.unparsed) for f in snap.files},
    }


def fresh(root: Path) -> dict:
    ingestor = Ingestor()
    LocalTree.open(root, ingestor).read_all()
    ingestor.flush()
    return reading(ingestor)


MONOTONE = ("processed", "succeeded", "retried", "items_ok", "errors")


def assert_step_truth(now: dict, sim: LiveSimulator, where: object) -> None:
    """The counts equal what the simulator wrote up to its clock (not merely "add up")."""
    step = sim.plan.truth_at(sim.clock)
    expected = {
        "processed": step.processed,
        "succeeded": step.succeeded,
        "failed": step.failed,
        "retried": step.retried,
        "items_ok": step.items_succeeded,
        "items_failed": step.items_failed,
    }
    assert {k: now[k] for k in expected} == expected, where
    procs = {key: n for key, (n, _) in step.processes.items()}
    assert {k: v for k, v in now["procs"].items() if v} == procs, where


def test_numbers_survive_every_fault_while_following(tmp_path):
    root = tmp_path / "job"
    cfg = SimConfig(
        era="v2",
        nodes=2,
        processes=2,
        mini_batches=120,
        failure_rate=0.15,
        timeout_rate=0.03,
        seed=11,
    )
    sim = LiveSimulator(root, cfg)
    truth = sim.truth
    ingestor = Ingestor()
    rng = random.Random(5)
    tree: LocalTree | None = None
    before = reading(ingestor)
    step = 0
    while not sim.done:
        sim.step(25.0)
        if tree is None:
            tree = LocalTree.open(root, ingestor)
        fault = FAULTS[step % len(FAULTS)]
        step += 1
        tree.read_all()
        fault(root, tree, rng)
        tree.read_all()
        ingestor.flush()
        now = reading(ingestor)
        reference = fresh(root)
        where = f"step {step} after {fault.__name__}"
        for key in MONOTONE:
            assert now[key] >= before[key], (where, key)
        for group, count in before["groups"].items():
            assert now["groups"].get(group, 0) >= count, (where, group)
        for proc, count in before["procs"].items():
            assert now["procs"].get(proc, 0) >= count, (where, proc)
        assert_step_truth(now, sim, where)
        for key in ("processed", "succeeded", "failed", "retried", "items_ok", "groups", "procs"):
            assert now[key] == reference[key], (where, key)
        for path, counted in reference["lines"].items():
            assert now["lines"].get(path) == counted, (where, path)
        before = now
    assert step >= 2 * len(FAULTS)
    sim.finish()
    tree.read_all()
    ingestor.flush(final=True)
    snap = ingestor.snapshot()
    mb = snap.mini_batches
    assert (mb.total, mb.processed, mb.succeeded, mb.failed, mb.retried) == (
        truth.total,
        truth.processed,
        truth.succeeded,
        truth.failed,
        truth.retried,
    )
    assert (
        sum(e.count for e in snap.errors if not e.signature.startswith("Stop for"))
        >= sum(truth.error_groups.values()) - truth.timeouts
    )


def test_files_truncated_for_good_never_take_numbers_back(tmp_path):
    root = tmp_path / "job"
    cfg = SimConfig(era="2021", nodes=2, processes=2, mini_batches=60, failure_rate=0.2, seed=2)
    sim = LiveSimulator(root, cfg)
    sim.step(120.0)
    ingestor = Ingestor()
    tree = LocalTree.open(root, ingestor)
    tree.read_all()
    ingestor.flush()
    before = reading(ingestor)
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        path.write_bytes(b"")
        tree.read_all()
        now = reading(ingestor)
        for key in MONOTONE:
            assert now[key] >= before[key], (path, key)
    assert_step_truth(before, sim, "before truncating")
    sim.finish()
    tree.read_all()
    ingestor.flush(final=True)
    assert_step_truth(reading(ingestor), sim, "after the rest was written")
