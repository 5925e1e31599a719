"""Attach: time to the first useful screen on a 1,000,000 mini-batch tree, and to full history.

    python bench/attach.py [--mini-batches 1000000] [--no-tui] [--trees DIR]

"Useful" = the snapshot shows the job's status, its total and a processed count. Two runs,
each in a fresh process state (same page cache, warm):
- `core`: what the TUI's follower does (`LocalTree.read_all` with progress pokes) with a
  snapshotter polling like the TUI's Pump (every 0.2 s); no Textual;
- `tui` : the real app (built by `make_app`), headless (`App.run_test`), timed from before the
  App is built to the first render_view of a useful snapshot (Textual's own start-up
  included); it stops there.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from _common import add_tree_arguments, files_of, tree, warm  # noqa: E402

from batchtop.ingest import Ingestor  # noqa: E402
from batchtop.sources.local import LocalTree  # noqa: E402


def useful(snap) -> bool:
    counts = snap.mini_batches
    return snap.status != "NotStarted" and counts.total is not None and counts.processed > 0


def read_history(tree_: LocalTree, on_change) -> None:
    """The TUI follower's first step (cli._run_tui_on_tree), without the follow loop."""
    try:
        tree_.read_all(on_progress=on_change)
    except TypeError:  # a batchtop from before read_all took on_progress: no early screen
        tree_.read_all()
    on_change()


def core(root: Path) -> tuple[float, float, str]:
    began = time.perf_counter()
    ingestor = Ingestor()
    tree_ = LocalTree.open(root, ingestor)
    done = threading.Event()
    reader = threading.Thread(target=lambda: (read_history(tree_, lambda: None), done.set()))
    reader.start()
    first = None
    shown = ""
    while not done.is_set() or first is None:
        snap = ingestor.snapshot()
        if first is None and useful(snap):
            first = time.perf_counter() - began
            c = snap.mini_batches
            shown = f"{snap.status}, {c.processed:,} of {c.total:,} processed"
        done.wait(0.2)
    reader.join()
    return first, time.perf_counter() - began, shown


def tui(root: Path) -> tuple[float | None, float, str]:
    from batchtop.app.app import BatchtopApp
    from batchtop.app.source import LocalSource, make_app

    began = time.perf_counter()
    marks: dict[str, float] = {}
    shown = ""

    class TimedApp(BatchtopApp):
        def render_view(self) -> None:
            nonlocal shown
            super().render_view()
            if "first" not in marks and self.latest is not None and useful(self.latest):
                marks["first"] = time.perf_counter() - began
                c = self.latest.mini_batches
                shown = f"{self.latest.status}, {c.processed:,} of {c.total:,} processed"

    ingestor = Ingestor()
    tree_ = LocalTree.open(root, ingestor)

    class HistorySource(LocalSource):
        """The tree as the TUI reads it, stopping once the history is read (timed here)."""

        def follow(self, stop: threading.Event, on_change) -> None:
            read_history(self.tree, on_change)
            marks["history"] = time.perf_counter() - began

    app = make_app(HistorySource(tree_, str(root)), app_class=TimedApp)

    async def drive() -> None:
        async with app.run_test(size=(160, 50)):
            while "first" not in marks and time.perf_counter() - began < 60:
                await asyncio.sleep(0.05)

    asyncio.run(drive())  # the history goes on being read in a daemon thread: not timed here
    return marks.get("first"), None, shown


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mini-batches", type=int, default=1_000_000)
    parser.add_argument("--no-tui", action="store_true")
    add_tree_arguments(parser)
    args = parser.parse_args()
    root = tree(args.trees, args.mini_batches)
    warm(files_of(root))
    runs = {"core": core}
    if not args.no_tui:
        runs["tui"] = tui  # last: its history reader is left running (a daemon thread)
    print(f"tree: {root}")
    for name, run in runs.items():
        first, history, shown = run(root)
        first_text = f"{first:6.2f} s" if first is not None else "  never"
        history_text = f"{history:6.1f} s" if history is not None else "  (see core)"
        print(
            f"{name:5} first useful screen {first_text} (target < 1 s)  "
            f"history complete {history_text}   [{shown}]"
        )


if __name__ == "__main__":
    main()
