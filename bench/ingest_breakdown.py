"""Where a cold read's CPU goes: per file kind (line reader + parser + model), and the model.

    python bench/ingest_breakdown.py [--mini-batches 100000] [--failure-free] [--trees DIR]

Feeds every file of a bench tree through one Ingestor in 1 MiB blocks, in path order (as
`--once` does), timing CPU per file kind; the model's share (`JobState.apply_all`) is counted
inside its kinds and printed apart. In-process, so it leaves out start-up and the summary.
"""

from __future__ import annotations

import argparse
import collections
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from _common import add_failure_free_argument, add_tree_arguments, files_of, tree  # noqa: E402

from batchtop import events as ev  # noqa: E402
from batchtop.ingest import Ingestor  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mini-batches", type=int, default=100_000)
    add_tree_arguments(parser)
    add_failure_free_argument(parser)
    args = parser.parse_args()
    root = tree(args.trees, args.mini_batches, args.failure_free)
    ingestor = Ingestor()
    apply_all = ingestor.state.apply_all
    model = [0.0]

    def timed(events: list[ev.Event]) -> None:
        began = time.process_time()
        apply_all(events)
        model[0] += time.process_time() - began

    ingestor.state.apply_all = timed  # type: ignore[method-assign]
    kinds: dict[str, float] = collections.defaultdict(float)
    began_all = time.process_time()
    for path in files_of(root):
        rel = path.relative_to(root).as_posix()
        began = time.process_time()
        with open(path, "rb") as fh:
            while block := fh.read(1 << 20):
                ingestor.feed(rel, block)
        kinds[ingestor.kind_of(rel)] += time.process_time() - began
    began = time.process_time()
    ingestor.flush(final=True)
    kinds["(final flush)"] += time.process_time() - began
    total = time.process_time() - began_all
    print(f"tree: {root}; CPU s in-process: {total:.2f}, of which the model {model[0]:.2f}")
    for kind, seconds in sorted(kinds.items(), key=lambda item: -item[1]):
        if seconds >= 0.005:
            print(f"  {kind:24}{seconds:7.2f}")


if __name__ == "__main__":
    main()
