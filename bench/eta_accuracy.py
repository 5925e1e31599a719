"""The node-aware ETA against the naive ones on a job whose node dies, and against the true end.

    python bench/eta_accuracy.py [--nodes 4] [--mini-batches 4000] [--seed 7]

The simulator runs one job (4 nodes × 4 processes, one node killed once 30% of the mini-batches
are done) and writes its running tree cut at 50% and at 80% of the work. For each cut, batchtop
reads the tree as `--once` does, and three ETAs are compared with the true end of the full run
(same seed, same plan): the runtime's own (overview), our window rate's (the last 5 minutes of
log time), and the node-aware band (eta.py). Printed: each ETA's error in seconds and whether
the band holds the true end. Pure computation on log time: the load average does not change
these figures, and it is printed only for the record.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from dataclasses import replace
from pathlib import Path

from batchtop import eta
from batchtop.ingest import Ingestor
from batchtop.liveness import judge
from batchtop.sim.engine import simulate
from batchtop.simulator import SimConfig, write_tree
from batchtop.sources.local import LocalTree


def read(folder: Path):
    ingestor = Ingestor()
    tree = LocalTree.open(folder, ingestor)
    tree.read_all(tree.scan())
    ingestor.flush(final=True)
    return ingestor.snapshot()


def fmt(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds:8.0f}s"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=4)
    parser.add_argument("--mini-batches", type=int, default=4000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--dead-at", type=float, default=0.3)
    args = parser.parse_args()
    base = SimConfig(
        era="v2",
        nodes=args.nodes,
        processes=4,
        mini_batches=args.mini_batches,
        failure_rate=0.02,
        timeout_rate=0.0,
        dead_node=args.nodes - 1,
        dead_at=args.dead_at,
        seed=args.seed,
    )
    full = simulate(base)
    true_end = base.start.timestamp() + full.t_end
    print(f"load average {os.getloadavg()[0]:.2f}; {args.nodes} nodes x 4, "
          f"{args.mini_batches} mini-batches, node {args.nodes - 1} dies at {args.dead_at:.0%}")
    head = f"{'cut':>4} {'truth':>9} {'runtime':>9} {'window':>9} {'node-aware':>10}"
    print(head + "  band       holds")
    worse = 0
    for cut in (0.5, 0.8):
        cfg = replace(base, stop_at=cut)
        with tempfile.TemporaryDirectory() as name:
            write_tree(Path(name), cfg)
            snap = read(Path(name))
        nodes, _ = judge(snap)
        est = eta.estimate(snap, nodes)
        assert snap.data_time is not None
        truth = true_end - snap.data_time
        holds = est is not None and est.low <= truth <= est.high
        ours = None if est is None else est.seconds
        for naive in (snap.runtime_eta_seconds, snap.eta_seconds):
            if naive is not None and ours is not None and abs(ours - truth) > abs(naive - truth):
                worse += 1
        band = "-" if est is None else f"{est.low:.0f}-{est.high:.0f}s"
        print(f"{cut:>4.0%} {fmt(truth)} {fmt(snap.runtime_eta_seconds)} {fmt(snap.eta_seconds)}"
              f" {fmt(ours):>10}  {band:<10} {'yes' if holds else 'NO'}")
    print("node-aware closer than both naive ETAs at every cut" if not worse
          else f"node-aware farther than a naive ETA {worse} time(s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
