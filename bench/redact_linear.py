"""Redaction on long hostile lines: CPU seconds for a line of N and of 10 N characters.

Linear patterns take ~10x for a 10x longer line; a pattern retried from every position of a
run (quadratic) takes ~100x. Each line is a run that keeps some pattern of textsafe's table
busy without ever completing a secret. CPU time (`time.process_time`), best of `--repeat`,
the load average printed beside each figure: the machine is shared.

    python bench/redact_linear.py [--size 100000] [--repeat 3] [--old]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "hostile"))
from corpus import REDOS_RUNS  # noqa: E402

from batchtop.textsafe import redact  # noqa: E402


def cpu(text: str, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        redact(text)
        best = min(best, time.process_time() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000, help="characters of the short line")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"{'run':<34} {'N s':>9} {'10N s':>9} {'ratio':>6}  loadavg")
    for run in REDOS_RUNS:
        short = run * (args.size // len(run))
        long = run * (10 * args.size // len(run))
        a, b = cpu(short, args.repeat), cpu(long, args.repeat)
        load = Path("/proc/loadavg").read_text().split()[0]
        print(f"{run[:32]!r:<34} {a:9.4f} {b:9.4f} {b / max(a, 1e-9):6.1f}  {load}")


if __name__ == "__main__":
    main()
