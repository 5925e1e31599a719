"""Simulated Azure ML batch scoring jobs: realistic log trees of every era, with ground truth.

batchtop cannot be tested against real jobs on every change, and real trees are large,
private and of one era each. The simulator writes the log tree of a configurable job (v1
ParallelRunStep 2019/2020/2021 layouts or the v2 parallel job runtime), either whole
(`write_tree`, fast enough for a million mini-batches) or live (`run_live` / `LiveSimulator`,
appending as the real runtime does), and returns `GroundTruth`: the numbers batchtop must
report, counted from the simulation itself rather than by parsing its own output.

Pure stdlib, deterministic for a seed. The pieces live in `batchtop.sim`.

    python -m batchtop.simulator OUT --era v2 --mini-batches 1000 [--live --rate 50]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import threading
from datetime import datetime

from batchtop.sim.config import ERAS, GroundTruth, ProcessTruth, SimConfig
from batchtop.sim.output import LiveSimulator, run_live, write_tree

__all__ = [
    "ERAS",
    "GroundTruth",
    "LiveSimulator",
    "ProcessTruth",
    "SimConfig",
    "run_live",
    "write_tree",
    "main",
]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m batchtop.simulator",
        description="Write a simulated Azure ML batch job log tree and print its ground truth.",
    )
    parser.add_argument("root", help="output folder (should be empty)")
    for f in dataclasses.fields(SimConfig):
        flag = "--" + f.name.replace("_", "-")
        if f.name == "era":
            parser.add_argument(flag, choices=ERAS, default=f.default)
        elif f.name == "start":
            parser.add_argument(flag, type=datetime.fromisoformat, default=f.default)
        elif f.name == "dead_node":
            parser.add_argument(flag, type=int, default=None)
        else:
            parser.add_argument(flag, type=type(f.default), default=f.default)
    parser.add_argument("--live", action="store_true", help="write in real time")
    parser.add_argument("--rate", type=float, default=20.0, help="live: mini-batches per second")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Write a tree (or run live until done / Ctrl-C) and print the ground truth as JSON."""
    args = _parser().parse_args(argv)
    values = {f.name: getattr(args, f.name) for f in dataclasses.fields(SimConfig)}
    cfg = SimConfig(**values)
    if args.live:
        stop = threading.Event()
        try:
            truth = run_live(args.root, cfg, rate=args.rate, stop=stop)
        except KeyboardInterrupt:
            stop.set()
            return 130
    else:
        truth = write_tree(args.root, cfg)
    json.dump(truth.to_summary_dict(), sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
