"""One front door: what the app needs from a source, and one factory that builds the app over it.

"App over a local tree" used to be wired by hand in the CLI, the screenshot script and the test
helpers, each repeating the follower closure (`read_all`, `on_change`, `follow`) and the
`list_files` / `read_file` lambdas. A `Source` states that contract once (as harlequin's
adapter does); `LocalSource` implements it for a folder, `LiveAzure` (azure/cli.py) for a job in
a workspace, and `make_app` is the one factory the CLI, the screenshot script, the tests and the
benches call (as posting's `make_posting`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Protocol

from batchtop.app.app import BatchtopApp
from batchtop.app.log_viewer_screen import read_tail
from batchtop.ingest import Ingestor
from batchtop.sources.local import LocalTree, follow
from batchtop.watch import Alerts


class Source(Protocol):
    """Where a job's bytes come from. Moves bytes only: the ingestor parses them."""

    label: str
    ingestor: Ingestor
    live: bool
    """False for a tree read once (a finished job, a snapshot): nothing will move."""

    def follow(self, stop: threading.Event, on_change: Callable[[], None]) -> None:
        """Feed the ingestor until `stop` (a live source; called on a background thread)."""

    def files(self) -> list[str]:
        """Paths the log viewer may open."""

    def read(self, path: str) -> bytes:
        """A file's bytes (the log viewer, in a worker thread)."""

    def read_from(self, path: str, offset: int) -> tuple[int, bytes]:
        """A file's size and its bytes from `offset` (tailing without re-reading)."""

    def note(self) -> str | None:
        """The source's own trouble for the header (Azure throttling, a sign-in waiting), or
        None; called on each header repaint, so it must be cheap."""

    can_refresh: bool
    """Whether `refresh` does anything: a local tree follows changes by itself, so `r` says so."""

    def refresh(self) -> None:
        """`r`: look for new data now (Azure polls at once)."""


class LocalSource:
    """A log tree on disk: followed with watchfiles, or read once and frozen (`live=False`)."""

    can_refresh = False

    def __init__(self, tree: LocalTree, label: str, live: bool = True) -> None:
        self.tree = tree
        self.label = label
        self.ingestor = tree.ingestor
        self.live = live
        if not live:
            tree.read_all()
            tree.ingestor.flush(final=True)

    def follow(self, stop: threading.Event, on_change: Callable[[], None]) -> None:
        # the first screen shows before all history, with `reading history… N%` and no states
        self.tree.read_history(on_progress=on_change)
        on_change()
        follow(self.tree, stop, on_change)

    def files(self) -> list[str]:
        return sorted(self.tree.tails)

    def read(self, path: str) -> bytes:
        return self.tree.full_path(path).read_bytes()

    def read_from(self, path: str, offset: int) -> tuple[int, bytes]:
        return read_tail(self.tree.full_path(path), offset)

    def note(self) -> None:
        return None  # a folder has no trouble of its own to report: unreadable files raise

    def refresh(self) -> None:
        """Nothing to do: watchfiles wakes the follower (`can_refresh` is False)."""


def make_app(
    source: Source,
    bell: bool = False,
    clock: Callable[[], float] = time.time,
    tick: float | None = 1.0,
    interval: float = 0.2,
    app_class: type[BatchtopApp] = BatchtopApp,
    at: str | None = None,
    alerts: Alerts | None = None,
) -> BatchtopApp:
    """The app over `source`: the one way the CLI, the screenshots, the tests and the benches
    build it. `app_class` lets a bench time a subclass without wiring the app by hand; `at`
    (`--at` text) opens it replaying that moment of log time."""
    app = app_class(
        source.ingestor,
        follower=source.follow if source.live else None,
        label=source.label,
        list_files=source.files,
        read_file=source.read,
        read_from=source.read_from,
        source_note=source.note,
        refresh_source=source.refresh if source.can_refresh else None,
        bell=bell,
        clock=clock,
        tick=tick,
        interval=interval,
    )
    if at:
        app.start_replay_at(at)
    app.alerts = alerts
    return app
