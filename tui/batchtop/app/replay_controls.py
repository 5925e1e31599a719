"""Scrubbing through a job's past in the TUI: `[`/`]` one minute, `{`/`}` ten, home/end, esc.

A mixin for BatchtopApp, kept apart from the screens: while a replay time is set, the app hands
every screen a snapshot rebuilt for that moment (replay.py) instead of the live one, and the
header says "replay at 09:41:07 (live: 10:12:40)". Needs an Ingestor over a RecordingState;
without one (a source that keeps no history) the keys do nothing and say why.

`batchtop --dir T --at TIME` opens the screen already replaying: the time is kept as text until
the logs give what it needs (a `+25m` offset needs the job's start, which a followed tree may
only reveal after its first reads), then becomes the cursor; esc returns to live as usual.

The keys are priority bindings so that they work whichever pane has focus, but `check_action`
lets them through to the focused widget (the filter box, a table's home/end) unless they are
meant for the replay: `[ ] { }` on the main screen only, home/end/esc only while replaying.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from textual.binding import Binding
from textual.widgets import Input

from batchtop.replay import ReplayTimeError, parse_at, snapshot_at
from batchtop.snapshot import MiniBatchCounts, Snapshot
from batchtop.timeline import RecordingState, Timeline
from batchtop.timeparse import format_stamp

RECOMPUTE_EVERY = 1.0
"""Seconds between rebuilding the replayed moment while new data keeps arriving (a big job's
replay costs a fifth of a second; its past hardly changes)."""

REPLAY_BINDINGS = [
    Binding("left_square_bracket", "replay_step(-60)", "-1 min", show=False, priority=True),
    Binding("right_square_bracket", "replay_step(60)", "+1 min", show=False, priority=True),
    Binding("left_curly_bracket", "replay_step(-600)", "-10 min", show=False, priority=True),
    Binding("right_curly_bracket", "replay_step(600)", "+10 min", show=False, priority=True),
    Binding("home", "replay_home", "job start", show=False, priority=True),
    Binding("end", "replay_live", "live", show=False, priority=True),
    Binding("escape", "replay_live", "live", show=False, priority=True),
]


def _clock(t: float | None) -> str:
    stamp = format_stamp(t)
    return stamp[11:19] if stamp else "-"


class ReplayControls:
    """Replay state and key actions; BatchtopApp supplies `ingestor`, `latest`, `main`,
    `screen`, `focused`, `notify` and `render_view`."""

    replay_at: float | None = None
    replay_pending: str | None = None
    """`--at` text not yet turned into a time (an offset waits for the job's start)."""
    _replay_cache: tuple[float, int, float, Snapshot] | None = None

    # -- what the app calls -------------------------------------------------------------
    def start_replay_at(self, text: str) -> None:
        """Open at `text` (an `--at` value, checked by the CLI): the cursor is set as soon as
        the logs say when the job started (at once for an ISO time)."""
        self.replay_pending = text

    def _resolve_pending(self, snap: Snapshot) -> None:
        text = self.replay_pending
        if text is None or self.replay_timeline() is None:
            return
        try:
            self.replay_at = parse_at(text, snap.started_at)
        except ReplayTimeError:
            return  # no start time yet: wait for more of the logs
        self.replay_pending = None
        self._replay_cache = None

    def replay_timeline(self) -> Timeline | None:
        state = self.ingestor.state  # type: ignore[attr-defined]
        return state.timeline if isinstance(state, RecordingState) else None

    def replayed(self, snap: Snapshot) -> tuple[Snapshot, bool]:
        """The snapshot to show and whether it is the live one."""
        self._resolve_pending(snap)
        at, timeline = self.replay_at, self.replay_timeline()
        if at is None or timeline is None:
            return snap, True
        cache = self._replay_cache
        now = time.monotonic()
        if (
            cache is not None
            and cache[0] == at
            and (cache[1] == snap.version or now - cache[2] < RECOMPUTE_EVERY)
        ):
            return cache[3], False
        # the follower thread grows the same timeline (new buckets, coarsening swaps them):
        # read it under the ingestor's lock, as snapshots are taken (R13)
        with self.ingestor.lock:  # type: ignore[attr-defined]
            past = snapshot_at(timeline, snap, at)
        self._replay_cache = (at, snap.version, now, past)
        return past, False

    def replay_live_counts(self) -> MiniBatchCounts | None:
        """The live mini-batch counts while replaying (the progress bar marks the gap between
        the replayed moment and live); None when live."""
        latest: Snapshot | None = self.latest  # type: ignore[attr-defined]
        if self.replay_at is None or latest is None or self.replay_timeline() is None:
            return None
        return latest.mini_batches

    def replay_note(self) -> str | None:
        latest = self.latest  # type: ignore[attr-defined]
        if self.replay_pending is not None and self.replay_timeline() is not None:
            return f"replay at {self.replay_pending} (waiting for the job's start time)"
        if self.replay_at is None or latest is None:
            return None
        return f"replay at {_clock(self.replay_at)} (live: {_clock(latest.data_time)})"

    def with_replay_note(
        self, source_note: Callable[[], str | None] | None
    ) -> Callable[[], str | None]:
        """The header's note: the replay first, then the source's own trouble."""

        def note() -> str | None:
            parts = [self.replay_note(), source_note() if source_note else None]
            return " · ".join(p for p in parts if p) or None

        return note

    # -- keys -----------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("replay_step", "replay_home", "replay_live"):
            if self.screen is not self.main or isinstance(self.focused, Input):  # type: ignore[attr-defined]
                return False
            replaying = self.replay_at is not None or self.replay_pending is not None
            if action != "replay_step" and not replaying:
                return False  # home/end/esc stay the panes' own while live
        return super().check_action(action, parameters)  # type: ignore[misc]

    def _span(self) -> tuple[float, float] | None:
        latest: Snapshot | None = self.latest  # type: ignore[attr-defined]
        if latest is None or latest.started_at is None or latest.data_time is None:
            return None
        return latest.started_at, latest.data_time

    def _move(self, at: float | None) -> None:
        self.replay_at = at
        self._replay_cache = None
        self.render_view()  # type: ignore[attr-defined]

    def action_replay_step(self, seconds: float) -> None:
        if self.replay_timeline() is None:
            self.notify("this source keeps no history to replay", timeout=3)  # type: ignore[attr-defined]
            return
        span = self._span()
        if span is None:
            return
        start, end = span
        at = (self.replay_at if self.replay_at is not None else end) + seconds
        self._move(None if at >= end else max(start, at))

    def action_replay_home(self) -> None:
        span = self._span()
        if span is not None:
            self._move(span[0])

    def action_replay_live(self) -> None:
        self.replay_pending = None
        self._move(None)


def replay_bindings() -> list[Any]:
    return list(REPLAY_BINDINGS)
