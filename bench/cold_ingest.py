"""Cold ingest: `batchtop --dir T --once --json` on a big tree, against two floors.

    python bench/cold_ingest.py [--mini-batches 1000000] [--repeat 3] [--failure-free]
                                [--trees DIR]

Floors, run on the same files in the same run (warm page cache for all three):
- `cat` of every file to /dev/null: the I/O floor;
- a plain Python loop that only splits the files into lines (`for line in file`, UTF-8 text):
  what any per-line Python work costs at the least.
Prints median wall time, MB/s and batchtop's time as a ratio of each floor. The ratio to the
line loop is issue 12's yardstick: <= 4.5x on the failure-free tree (`--failure-free`, stretch
3x), <= 7x on the default tree (5% failed + 1% timed-out attempts).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from _common import (  # noqa: E402
    add_failure_free_argument,
    add_tree_arguments,
    batchtop_argv,
    files_of,
    median,
    run_child,
    size_mb,
    tree,
    warm,
)


def split_lines(list_file: str) -> None:
    """The line-splitting floor (runs in a child process, like batchtop does)."""
    lines = 0
    for path in Path(list_file).read_text().splitlines():
        with open(path, encoding="utf-8", errors="replace", newline="") as fh:
            for _line in fh:
                lines += 1
    print(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mini-batches", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--compare-with",
        type=Path,
        help="also run the batchtop of another checkout's tui/ folder (e.g. a `git archive` of "
        "main), interleaved, so a before/after pair is measured under the same load",
    )
    parser.add_argument("--split-only", help=argparse.SUPPRESS)
    add_tree_arguments(parser)
    add_failure_free_argument(parser)
    args = parser.parse_args()
    if args.split_only:
        return split_lines(args.split_only)

    root = tree(args.trees, args.mini_batches, args.failure_free)
    target = "4.5x, stretch 3x" if args.failure_free else "5x (issue 19; issue 12: 7x)"
    measure(root, args.repeat, args.compare_with, target)


def measure(root: Path, repeat: int, compare_with: Path | None, target: str) -> None:
    """Time cat, the line loop and batchtop (and another checkout's) on `root`, interleaved,
    and print the figures with the load average before and after (the machine is shared)."""
    print(f"load average before: {Path('/proc/loadavg').read_text().strip()}")
    paths = files_of(root)
    mb = size_mb(paths)
    warm(paths)
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as fh:
        fh.write("\n".join(map(str, paths)))
        list_file = fh.name
    commands = {
        "cat (I/O floor)": ["cat", *map(str, paths)],
        "python line split": [sys.executable, __file__, "--split-only", list_file],
        "batchtop --once --json": batchtop_argv("--dir", str(root), "--once", "--json"),
    }
    if compare_with:
        other = f"PYTHONPATH={compare_with.resolve()}"
        commands["compared checkout"] = ["env", other, *commands["batchtop --once --json"]]
    walls: dict[str, list[float]] = {name: [] for name in commands}
    cpus: dict[str, list[float]] = {name: [] for name in commands}
    rss: list[float] = []
    rss_other: list[float] = []
    for _ in range(repeat):
        for name, argv in commands.items():  # interleaved, so noise hits all three alike
            run = run_child(argv)
            walls[name].append(run.wall)
            cpus[name].append(run.cpu)
            if name.startswith("batchtop"):
                rss.append(run.max_rss_mb)
            elif name == "compared checkout":
                rss_other.append(run.max_rss_mb)
    Path(list_file).unlink()

    print(f"tree: {root} ({len(paths)} files, {mb:.0f} MB), median of {repeat} runs")
    print(f"{'':26}{'wall s':>9}{'MB/s':>9}{'CPU s':>9}")
    for name, values in walls.items():
        wall = median(values)
        print(f"{name:26}{wall:9.2f}{mb / wall:9.1f}{median(cpus[name]):9.2f}")
    ours = median(walls["batchtop --once --json"])
    cat = median(walls["cat (I/O floor)"])
    split = median(walls["python line split"])
    print(f"batchtop throughput = {cat / ours:.1%} of cat's (target >= 50%)")
    print(f"batchtop time = {ours / split:.2f} x the line-splitting loop (target <= {target})")
    ours_cpu, split_cpu = median(cpus["batchtop --once --json"]), median(cpus["python line split"])
    print(f"batchtop CPU = {ours_cpu / split_cpu:.2f} x the line-splitting loop's CPU")
    print(f"batchtop peak RSS = {max(rss):.0f} MB")
    if compare_with:
        theirs = median(walls["compared checkout"])
        print(
            f"compared checkout: {theirs / split:.2f} x the loop, CPU "
            f"{median(cpus['compared checkout']) / split_cpu:.2f} x, peak RSS "
            f"{max(rss_other):.0f} MB; this checkout takes {ours / theirs:.2f} x its time"
        )
    print(f"load average after: {Path('/proc/loadavg').read_text().strip()}")


if __name__ == "__main__":
    main()
