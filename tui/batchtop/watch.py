"""Alerts wired to a followed job: `Alerts` (used by the TUI and `--watch`), and `--watch`
itself, which follows with no screen for nohup, systemd or a CI step.

History read at attach is not news. Whatever the source, its history is what arrives before it
first goes quiet for `SETTLE` wall seconds (a local tree's read of what is there, an Azure job's
first download, the backlog of a piped stream). Until then views are taken in silently
(`--notify-history` sends them too); from then on each new condition fires once (alerts.py).
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable

from batchtop.alerts import AlertTracker
from batchtop.ingest import Ingestor
from batchtop.liveness import Liveness, View
from batchtop.notify import Dispatcher
from batchtop.summary import exit_code

SETTLE = 1.0
"""Wall seconds without new data after which what was read counts as the history at attach."""
TICK = 1.0

Follow = Callable[[threading.Event, Callable[[], None]], None]


class Alerts:
    """A tracker and where its events go, for one followed job."""

    def __init__(
        self,
        dispatcher: Dispatcher,
        job: str | None,
        source: str | None,
        history: bool = False,
        settle: float = SETTLE,
    ) -> None:
        self.dispatcher = dispatcher
        self.job = job
        self.source = source
        self.history = history
        self.settle = settle
        self.tracker = AlertTracker()
        self.settled = False
        self._version: int | None = None
        self._changed_at: float | None = None

    def update(self, view: View, wall_now: float) -> None:
        """Take in one view (a new snapshot, or a tick that re-judged states)."""
        snap = view.snapshot
        if snap.version != self._version:
            self._version, self._changed_at = snap.version, wall_now
        events = self.tracker.observe(view)
        if not self.settled:
            assert self._changed_at is not None
            self.settled = wall_now - self._changed_at >= self.settle
            self.tracker.restart_failure_window()  # a burst is measured from attach on
            if not self.history:
                return  # history at attach: taken in, not sent
        for event in events:
            self.dispatcher.send(event.as_dict(view, snap.job_name or self.job, self.source))

    def close(self) -> None:
        self.dispatcher.close()


def watch(
    ingestor: Ingestor,
    follow: Follow,
    alerts: Alerts,
    clock: Callable[[], float] = time.time,
    tick: float = TICK,
) -> int:
    """Follow until the job ends, sending events; return the job's exit code (as --once)."""
    stop = threading.Event()
    changed = threading.Event()
    liveness = Liveness()
    failure: list[BaseException] = []

    def run() -> None:
        try:
            follow(stop, changed.set)
        except BaseException as exc:  # noqa: BLE001 - said on the main thread
            failure.append(exc)
        finally:
            changed.set()

    thread = threading.Thread(target=run, name="batchtop-watch-follow", daemon=True)
    thread.start()
    print(f"batchtop: watching {alerts.source or alerts.job}", file=sys.stderr, flush=True)
    try:
        while True:
            changed.wait(tick)
            changed.clear()
            with ingestor.lock:
                snap = ingestor.snapshot()
            now = clock()
            liveness.observe(snap, now)
            alerts.update(liveness.derive(snap, now, live=True), now)
            if failure:
                raise failure[0]
            if snap.finished and alerts.settled:
                print(f"batchtop: job {snap.status}", file=sys.stderr, flush=True)
                return exit_code(snap)
            if not thread.is_alive() and not changed.is_set():
                # the source ended without a final status (a tree is not a job's end)
                thread.join()
                return exit_code(snap)
    finally:
        stop.set()
        alerts.close()
