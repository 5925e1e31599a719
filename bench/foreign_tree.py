"""Cold ingest on a tree the simulator did not write, so that a gain is not fitted to its output.

    python bench/foreign_tree.py [--mini-batches 200000] [--repeat 3] [--compare-with DIR]

100 nodes named by address x 4 processes; each process's worker log holds a pick and a finish
per mini-batch in the pipe shape with four fields (`stamp|INFO|pid|tid|message`, not the
simulator's seven), a few informational lines, and for 3% of attempts a failure with a short
traceback followed by a second, successful attempt; `processed_mini-batches.csv` holds one row
per attempt with the 14 documented columns (C3), in finishing order. Then the same figures as
`cold_ingest.py` (cat, the line loop, batchtop, and another checkout if given).
"""

from __future__ import annotations

import argparse
import csv
import random
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from _common import add_tree_arguments  # noqa: E402
from cold_ingest import measure  # noqa: E402

NODES, PROCESSES = 100, 4
START = datetime(2024, 3, 1, 8, 0, 0, tzinfo=timezone.utc)
HEADER = [
    "Mini-batch Id", "Picked Count", "Process", "Start Time", "Total", "Succeeded", "Failed",
    "Elapsed Seconds", "Process Seconds", "Run Method Seconds", "Status", "Error Category",
    "Error Message", "Mini-batch Detail",
]  # fmt: skip


def stamp(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M:%S,") + f"{at.microsecond // 1000:03d}"


def write(root: Path, mini_batches: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    workers = [(f"10.0.1.{n + 4}", f"process{p:03d}") for n in range(NODES) for p in range(4)]
    clocks = [START + timedelta(seconds=rng.uniform(0, 30)) for _ in workers]
    logs: list[list[str]] = [[] for _ in workers]
    rows: list[tuple[datetime, list[str]]] = []
    for w, (_, proc) in enumerate(workers):
        logs[w].append(f"{stamp(clocks[w])}|INFO|{100 + w}|{7000 + w}|Worker {proc} started.")
    for mb in range(mini_batches):
        w = rng.randrange(len(workers))
        node, proc = workers[w]
        pid = f"|INFO|{100 + w}|{7000 + w}|"
        attempts = 2 if rng.random() < 0.03 else 1
        for attempt in range(1, attempts + 1):
            began = clocks[w]
            took = rng.uniform(2.0, 8.0)
            ended = began + timedelta(seconds=took)
            clocks[w] = ended + timedelta(milliseconds=rng.randrange(5, 60))
            desc = f'{{"id": {mb}, "dequeue_count": {attempt}, "total": 20'
            logs[w].append(f"{stamp(began)}{pid}Start processing mini batch {desc}}}.")
            failed = attempt < attempts
            if failed:
                logs[w].append(
                    f"{stamp(ended)}|ERROR|{100 + w}|{7000 + w}|Failed to process {desc}}} "
                    "with error OSError: [Errno 5] Input/output error\n"
                    "Traceback (most recent call last):\n"
                    '  File "/mnt/code/score.py", line 31, in run\n'
                    "OSError: [Errno 5] Input/output error"
                )
            else:
                logs[w].append(
                    f'{stamp(ended)}{pid}Processed mini batch {desc}, "succeeded": 20, '
                    f'"failed": 0, "elapsed_seconds": {took:.3f}}}.'
                )
                if rng.random() < 0.1:
                    logs[w].append(f"{stamp(ended)}{pid}Heartbeat: {proc} alive.")
            rows.append(
                (
                    ended,
                    [
                        str(mb), str(attempt), f"{node}/{proc}",
                        began.strftime("%Y-%m-%dT%H:%M:%S.%f"), "20",
                        "0" if failed else "20", "20" if failed else "0", f"{took:.3f}",
                        f"{took * 0.95:.3f}", f"{took * 0.9:.3f}",
                        "RUN_EXCEPTION" if failed else "RUN_DONE",
                        "UserError" if failed else "",
                        "OSError: [Errno 5] Input/output error" if failed else "",
                        f'{{"id": {mb}, "dequeue_count": {attempt}, "total": 20}}',
                    ],
                )
            )  # fmt: skip
    for (node, proc), lines in zip(workers, logs, strict=True):
        path = root / "logs" / "sys" / "node" / node / f"{proc}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(lines) + "\n")
    report = root / "logs" / "sys" / "job_report" / "processed_mini-batches.csv"
    report.parent.mkdir(parents=True, exist_ok=True)
    with open(report, "w", newline="") as fh:
        out = csv.writer(fh, lineterminator="\n")
        out.writerow(HEADER)
        out.writerows(row for _, row in sorted(rows, key=lambda r: r[0]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mini-batches", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--compare-with", type=Path)
    parser.add_argument("--write-only", action="store_true", help=argparse.SUPPRESS)
    add_tree_arguments(parser)
    args = parser.parse_args()
    root = args.trees / f"foreign-100x4-{args.mini_batches}"
    if args.write_only:
        return write(root, args.mini_batches)
    if not (root / "logs").exists():  # in a child: a child inherits its parent's peak RSS
        argv = [sys.executable, __file__, "--write-only", "--trees", str(args.trees)]
        subprocess.run([*argv, "--mini-batches", str(args.mini_batches)], check=True)
    measure(root, args.repeat, args.compare_with, "none set; issue 19 asks for the figure")


if __name__ == "__main__":
    main()
