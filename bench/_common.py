"""Shared by the bench scripts: cached simulator trees, child processes with their CPU and RSS.

Trees are big (1,000,000 mini-batches on 100 nodes x 4 processes is ~870 MB and ~45 s to
write), so each size is written once into a cache folder and reused: `--trees DIR`, else
$BATCHTOP_BENCH_TREES, else a folder in the system temp dir. A tree is complete when its
`.truth.json` sits beside it (written last).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from batchtop.simulator import SimConfig, write_tree

NODES, PROCESSES = 100, 4


def add_tree_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--trees",
        type=Path,
        default=Path(
            os.environ.get("BATCHTOP_BENCH_TREES")
            or Path(tempfile.gettempdir()) / "batchtop-bench-trees"
        ),
        help="cache folder for generated trees (default $BATCHTOP_BENCH_TREES or a temp folder)",
    )


def bench_config(mini_batches: int, **changes) -> SimConfig:
    values = dict(era="v2", nodes=NODES, processes=PROCESSES, mini_batches=mini_batches, seed=1)
    values.update(changes)
    return SimConfig(**values)


FAILURE_FREE = {"failure_rate": 0.0, "timeout_rate": 0.0}
"""The failure-free job of issue 12: no attempt fails or times out, so the cost measured is
the bulk of a healthy job's logs (one pick and one finish per mini-batch), not its errors."""


def add_failure_free_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--failure-free",
        action="store_true",
        help="use the failure-free tree (no failed or timed-out attempt) instead of the "
        "default one (5%% failures + 1%% timeouts per attempt)",
    )


def tree(cache: Path, mini_batches: int, failure_free: bool = False) -> Path:
    """The finished tree of `mini_batches` (100 nodes x 4 processes), written if not cached.

    `failure_free` writes the same job with no failed or timed-out attempt (its own folder)."""
    suffix = "-nofail" if failure_free else ""
    root = cache / f"v2-{NODES}x{PROCESSES}-{mini_batches}{suffix}"
    done = cache / f"{root.name}.truth.json"
    if not done.exists():
        if root.exists():
            raise SystemExit(f"{root} exists but is incomplete: delete it and run again")
        print(f"writing {root} (once; reused next time) ...", file=sys.stderr, flush=True)
        began = time.perf_counter()
        # in a child process: the writer peaks near 1 GB at 1M mini-batches, and Linux gives
        # every later child the peak RSS of this process at fork (issue 19: memory.py showed
        # the writer's 930 MB instead of batchtop's own peak)
        here = str(Path(__file__).parent)
        code = f"import sys; sys.path.insert(0, {here!r}); import _common; " + (
            f"_common.write({str(root)!r}, {str(done)!r}, {mini_batches}, {failure_free})"
        )
        subprocess.run([sys.executable, "-c", code], check=True)
        print(f"  took {time.perf_counter() - began:.0f} s", file=sys.stderr, flush=True)
    return root


def write(root: str, done: str, mini_batches: int, failure_free: bool) -> None:
    """Write one bench tree and its truth (run in a child process by `tree`)."""
    changes = FAILURE_FREE if failure_free else {}
    truth = write_tree(Path(root), bench_config(mini_batches, **changes))
    Path(done).write_text(json.dumps(truth.to_summary_dict()))


def files_of(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def size_mb(paths: list[Path]) -> float:
    return sum(p.stat().st_size for p in paths) / 1e6


def warm(paths: list[Path]) -> None:
    """Read every file once so the page cache holds the tree (the runs compare warm reads)."""
    for p in paths:
        with open(p, "rb") as fh:
            while fh.read(1 << 24):
                pass


@dataclass
class Run:
    wall: float
    cpu: float
    max_rss_mb: float
    stdout: bytes


def run_child(argv: list[str], keep_output: bool = False) -> Run:
    """Run a command to its end; wall time, CPU seconds and peak RSS of that child alone.

    Output goes to /dev/null unless kept: Linux gives a child the peak RSS of its parent at
    fork, so a parent holding `cat`'s 900 MB of output would inflate the next child's peak.
    """
    began = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE if keep_output else subprocess.DEVNULL)
    out = proc.stdout.read() if keep_output else b""
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - began
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{argv[:3]}... exited {proc.returncode}")
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, out)


def batchtop_argv(*args: str) -> list[str]:
    return [sys.executable, "-m", "batchtop", *args]


def median(values: list[float]) -> float:
    return statistics.median(values)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]
