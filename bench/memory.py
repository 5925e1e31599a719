"""Memory: peak RSS of `batchtop --dir T --once --json` at 100k and 1M mini-batches.

    python bench/memory.py [--sizes 100000,1000000] [--failure-free] [--trees DIR]

RSS must stay near flat as the job grows (bounded by nodes, processes and error groups; the
ledger's two bytes per mini-batch are the one part that grows). For scale, the floors: the
interpreter with batchtop's modules imported, with numpy too (the bulk paths import it when
the first block of attempts arrives), and with Textual (the TUI). Each figure is the peak of
that child alone: trees are written by a child of their own (`_common.tree`), since Linux
gives a child the peak RSS of its parent at fork.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from _common import (  # noqa: E402
    add_failure_free_argument,
    add_tree_arguments,
    batchtop_argv,
    files_of,
    run_child,
    size_mb,
    tree,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="100000,1000000")
    add_tree_arguments(parser)
    add_failure_free_argument(parser)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    floors = {
        "python + batchtop imports": "import batchtop.cli, batchtop.ingest, batchtop.sources.local",
        "... + numpy (the bulk paths)": "import batchtop.cli, batchtop.ingest, numpy",
        "... + textual (the TUI)": "import batchtop.cli, batchtop.ingest, textual.app",
    }
    print(f"{'run':34}{'tree MB':>9}{'peak RSS MB':>13}{'wall s':>8}")
    for name, code in floors.items():
        run = run_child([sys.executable, "-c", code])
        print(f"{name:34}{'':>9}{run.max_rss_mb:13.0f}{run.wall:8.1f}")
    peaks = {}
    for size in sizes:
        root = tree(args.trees, size, args.failure_free)
        run = run_child(batchtop_argv("--dir", str(root), "--once", "--json"))
        peaks[size] = run.max_rss_mb
        label = f"--once --json, {size:,} mini-batches"
        print(f"{label:34}{size_mb(files_of(root)):9.0f}{run.max_rss_mb:13.0f}{run.wall:8.1f}")
    smallest, largest = min(peaks), max(peaks)
    print(
        f"growth {smallest:,} -> {largest:,}: x{peaks[largest] / peaks[smallest]:.2f} "
        f"(target <= 1.5); peak at {largest:,}: {peaks[largest]:.0f} MB (target < 150)"
    )


if __name__ == "__main__":
    main()
