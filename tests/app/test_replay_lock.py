"""The replay reads the live timeline under the ingestor's lock (issue 16, code-review-3 R13).

The follower thread grows the timeline the replay reads (new buckets; coarsening swaps the
bucket dict). The replay keys rebuilt the past on the UI thread without the lock: a data race.
Checked without threads or timing: a lock that says whether it is held, and a replay that
looks at it while it runs.
"""

from __future__ import annotations

import threading
from pathlib import Path

from batchtop.app import replay_controls
from batchtop.app.replay_controls import ReplayControls
from batchtop.ingest import Ingestor
from batchtop.sources.local import LocalTree
from batchtop.timeline import RecordingState

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


class TellingLock:
    """A re-entrant lock that counts how deeply it is held."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self.depth = 0

    def __enter__(self) -> TellingLock:
        self._lock.acquire()
        self.depth += 1
        return self

    def __exit__(self, *exc: object) -> None:
        self.depth -= 1
        self._lock.release()


class Host(ReplayControls):
    """The few things of BatchtopApp that `replayed` reads."""

    def __init__(self, ingestor: Ingestor) -> None:
        self.ingestor = ingestor
        self.latest = ingestor.snapshot()


def test_the_replay_is_taken_under_the_ingestors_lock(monkeypatch):
    ingestor = Ingestor(RecordingState())
    LocalTree.open(FIXTURES / "v2-running", ingestor).read_all()
    ingestor.flush(final=True)
    lock = TellingLock()
    ingestor.lock = lock  # type: ignore[assignment]
    held_while_replaying: list[int] = []
    real = replay_controls.snapshot_at

    def watched(timeline, final, at):  # type: ignore[no-untyped-def]
        held_while_replaying.append(lock.depth)
        return real(timeline, final, at)

    monkeypatch.setattr(replay_controls, "snapshot_at", watched)
    host = Host(ingestor)
    live = host.latest
    assert live.started_at is not None
    host.replay_at = live.started_at + 30
    past, is_live = host.replayed(live)
    assert not is_live and past is not live
    assert held_while_replaying == [1]
