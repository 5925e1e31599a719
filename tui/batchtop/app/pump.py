"""The two background threads that keep blocking work off the UI thread.

* the **follower** (`sources.local.follow` or a stream reader) does all file I/O and parsing,
  woken by watchfiles, and calls `poke()` after each batch of changes;
* the **snapshotter** waits for a poke, takes one `ingestor.snapshot()` (under the ingestor's
  lock, which a long parse may hold: better here than on the UI thread), posts it to the app,
  then sleeps `interval` before it looks again. Pokes that arrive meanwhile coalesce, so a burst
  of 10,000 lines is one snapshot and one repaint, and at most 1/interval repaints a second
  happen however fast the logs grow. With nothing changing, both threads block: no CPU.

Both are daemon threads (a follower blocked in `read()` on a pipe must never hold up exit).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from batchtop.ingest import Ingestor
from batchtop.snapshot import Snapshot

READING_EVERY = 0.5
"""Seconds between snapshots while the history found on attach is read (the percent moves)."""

Follower = Callable[[threading.Event, Callable[[], None]], None]


class Pump:
    def __init__(
        self,
        ingestor: Ingestor,
        follower: Follower | None,
        deliver: Callable[[Snapshot], None],
        on_error: Callable[[str], None] = lambda message: None,
        interval: float = 0.2,
    ) -> None:
        self.ingestor = ingestor
        self.follower = follower
        self.deliver = deliver
        self.on_error = on_error
        self.interval = interval
        self.stop_event = threading.Event()
        self._dirty = threading.Event()
        self.snapshots = 0
        """Snapshots taken (a test checks that a burst of lines makes few of them)."""
        self.follower_done = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        if self.follower is not None:
            self._spawn(self._follow, "batchtop-follow")
        else:
            self.follower_done.set()
        self._spawn(self._snapshotter, "batchtop-snapshot")

    def _spawn(self, target: Callable[[], None], name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        self._threads.append(thread)
        thread.start()

    def poke(self) -> None:
        """Something changed in the model: a snapshot is due (thread-safe, never blocks)."""
        self._dirty.set()

    def stop(self, timeout: float = 0.5) -> None:
        self.stop_event.set()
        self._dirty.set()
        for thread in self._threads:
            if thread is not threading.current_thread():
                thread.join(timeout)

    def _follow(self) -> None:
        assert self.follower is not None
        try:
            self.follower(self.stop_event, self.poke)
        except Exception as exc:  # a source error must not kill the UI: show it, keep the data
            self.on_error(f"{type(exc).__name__}: {exc}")
        finally:
            self.follower_done.set()
            self.poke()

    def _snapshotter(self) -> None:
        last: tuple[int, tuple[int, int] | None] | None = None
        while True:
            self._dirty.wait()
            if self.stop_event.is_set():
                return
            self._dirty.clear()
            snap = self.ingestor.snapshot()
            self.snapshots += 1
            # the end of the first read changes no count but makes the states final: deliver it
            if (snap.version, snap.reading) != last:
                last = (snap.version, snap.reading)
                self.deliver(snap)
            # while history is read, frames hold no states and only the counts move: fewer of
            # them leave the GIL to the reader, so the states come sooner
            wait = self.interval if snap.reading is None else max(self.interval, READING_EVERY)
            if self.stop_event.wait(wait):
                return
