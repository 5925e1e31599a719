"""BatchtopApp: owns the data flow (pump -> snapshot -> View) and the screen stack.

The app never parses and never touches files. Snapshots arrive from the Pump's thread as
`SnapshotReady` messages (already throttled); each becomes one `View` (liveness, stragglers)
handed to every screen in the stack that shows data. A 1 s clock tick re-derives the View for
a live, unfinished job only (a silent process turns stale without new data); a finished or
offline job costs nothing while it sits on screen.

`clock` is injectable (wall seconds), so tests and screenshots freeze time.
"""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import Callable, Iterable

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from batchtop.app.error_detail_screen import ErrorDetailScreen
from batchtop.app.file_picker_screen import FilePickerScreen
from batchtop.app.help_screen import HelpScreen
from batchtop.app.host import ShowsView
from batchtop.app.liveness import Liveness, View
from batchtop.app.loading import provisional
from batchtop.app.log_viewer_screen import LogViewerScreen, ReadFrom
from batchtop.app.main_screen import MainScreen
from batchtop.app.messages import (
    OpenError,
    OpenLog,
    OpenNode,
    SnapshotReady,
    SourceFailed,
    TogglePause,
)
from batchtop.app.node_detail_screen import NodeDetailScreen
from batchtop.app.pump import Follower, Pump
from batchtop.app.replay_controls import REPLAY_BINDINGS, ReplayControls
from batchtop.app.textfmt import use_mono
from batchtop.ingest import Ingestor
from batchtop.snapshot import ErrorView, Snapshot
from batchtop.status import FINAL
from batchtop.watch import Alerts

STATE_EVERY = 5
"""Clock ticks between re-judging process states when no data arrives (idle CPU stays low)."""


class BatchtopApp(ReplayControls, App[None]):
    """Follows one job; `make_app` (source.py) builds it over a `Source`."""

    TITLE = "batchtop"
    ENABLE_COMMAND_PALETTE = True
    """ctrl+p: batchtop's actions and Textual's themes, searchable (get_system_commands)."""

    CSS = """
    * {
        scrollbar-size-vertical: 1;
        scrollbar-size-horizontal: 1;
    }
    .pane {
        border: round $primary 50%;
        border-title-color: $text-accent;
    }
    .pane:focus {
        border: round $accent;
    }
    """

    BINDINGS = [
        Binding("q", "back_or_quit", "quit", show=False),
        Binding("ctrl+c", "quit", "quit", show=False, priority=True),
        Binding("question_mark", "help", "help"),
        Binding("r", "refresh_source", "reload"),
        *REPLAY_BINDINGS,
    ]

    def __init__(
        self,
        ingestor: Ingestor,
        follower: Follower | None = None,
        label: str = "",
        list_files: Callable[[], list[str]] | None = None,
        read_file: Callable[[str], bytes] | None = None,
        bell: bool = False,
        clock: Callable[[], float] = time.time,
        live: bool | None = None,
        interval: float = 0.2,
        tick: float | None = 1.0,
        source_note: Callable[[], str | None] | None = None,
        refresh_source: Callable[[], None] | None = None,
        read_from: ReadFrom | None = None,
    ) -> None:
        super().__init__()
        use_mono(self.no_color)  # NO_COLOR: alarms by weight and reverse video, not colour
        self.source_note = self.with_replay_note(source_note)
        """Called on each header repaint: the source's trouble in a few words, or None."""
        self._refresh_source = refresh_source
        self.ingestor = ingestor
        self.follower = follower
        self.label = label
        self.list_files = list_files
        self.read_file = read_file
        self.read_from = read_from
        """Reads a file from an offset (local trees): the log viewer then tails by offset."""
        self.ring_bell = bell
        self.clock = clock
        self.live = follower is not None if live is None else live
        self.tick = tick
        self.liveness = Liveness()
        self.pump = Pump(
            ingestor,
            follower,
            deliver=self._deliver,
            on_error=self._source_failed,
            interval=interval,
        )
        self.main = MainScreen(label)
        self.latest: Snapshot | None = None
        self.view: View | None = None
        self.paused = False
        self.renders = 0
        self.alerts: Alerts | None = None
        self.back_to_list = False
        """Opened from `batchtop jobs`: esc on the main screen, live, goes back to the list."""
        """--notify / --notify-url: each live view goes to them (watch.py)."""
        """Frames rendered from a View (tests check that bursts coalesce)."""
        self.bells = 0
        self._ticks = 0
        self._signals: list[int] = []

    def get_default_screen(self) -> MainScreen:
        return self.main

    def on_mount(self) -> None:
        if self.follower is None:
            # nothing will move unless fed: show what is there now, synchronously, so the
            # first frame already has data (and snapshot tests are deterministic)
            self._receive(self.ingestor.snapshot())
        else:
            self.main.show_view(None)
        self.pump.start()
        if self.tick:
            self.set_interval(self.tick, self._on_tick)
        self._catch_signals()

    def on_unmount(self) -> None:
        self.pump.stop()
        loop = asyncio.get_running_loop()
        for signum in self._signals:
            loop.remove_signal_handler(signum)

    def _catch_signals(self) -> None:
        """SIGTERM (kill) and SIGHUP (the SSH session dropped) end the app the normal way, so
        the terminal leaves the alternate screen and mouse mode instead of being left raw."""
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGHUP):
            try:
                loop.add_signal_handler(signum, self._on_signal, signum)
            except (NotImplementedError, RuntimeError, ValueError):
                continue  # not the main thread, or no such signal here
            self._signals.append(signum)

    def _on_signal(self, signum: int) -> None:
        self.exit(return_code=128 + signum)

    # ------------------------------------------------------------------ data in
    def poke(self) -> None:
        """The model was fed outside a follower (tests, a reader thread): take a snapshot."""
        self.pump.poke()

    def _deliver(self, snap: Snapshot) -> None:
        """On the pump's thread: hand the snapshot to the UI thread."""
        self.post_message(SnapshotReady(snap))

    def _source_failed(self, text: str) -> None:
        self.post_message(SourceFailed(text))

    def on_snapshot_ready(self, message: SnapshotReady) -> None:
        self._receive(message.snapshot)

    def on_source_failed(self, message: SourceFailed) -> None:
        self.notify(message.text, title="source stopped", severity="error", timeout=30)

    def _receive(self, snap: Snapshot) -> None:
        previous = self.latest
        self.liveness.observe(snap, self.clock())
        self.latest = snap
        if (
            previous is not None
            and previous.status not in FINAL
            and snap.status in FINAL
        ):
            self._job_ended(snap)
        if not self.paused:
            self.render_view()

    def _job_ended(self, snap: Snapshot) -> None:
        if self.ring_bell:
            self.bells += 1
            self.bell()
        failed = snap.status == "Failed"
        self.notify(
            f"job {snap.status.lower()}", severity="error" if failed else "information", timeout=10
        )

    def render_view(self) -> None:
        """Derive a View from the latest snapshot and show it on every screen that shows data."""
        snap = self.latest
        if snap is None:
            return
        snap, live = self.replayed(snap)  # the moment `[`/`]` chose, if any (replay_controls)
        # one View per frame; while history is read its states are held back (loading.py)
        view = provisional(self.liveness.derive(snap, self.clock(), self.live and live))
        self.view = view
        if self.alerts is not None and live:  # alerts follow the live job, not a replay
            self.alerts.update(view, self.clock())
        for screen in self.screen_stack:
            if isinstance(screen, ShowsView):
                screen.show_view(view)
        self.renders += 1

    def _on_tick(self) -> None:
        """Once a second, for a live unfinished job only: the header's "n s ago" moves on, and
        every STATE_EVERY ticks states are judged again (a silent process turns stale
        without new data). The rest of the time the app sleeps."""
        view = self.view
        if view is None or self.paused or not self.live or view.snapshot.finished:
            return
        self._ticks += 1
        if self._ticks % STATE_EVERY == 0:
            self.render_view()
            return
        self.view = self.liveness.view(view, self.clock())
        self.main.show_header(self.view)

    def toggle_pause(self) -> None:
        self.paused = not self.paused
        if self.paused:
            self.main.show_view(self.view)  # header shows PAUSED, panes keep their frame
            self.notify("paused: the view is frozen, reading goes on (p resumes)", timeout=3)
        else:
            self.render_view()

    def action_refresh_source(self) -> None:
        """`r`: ask the source to look for new data now (Azure polls at once)."""
        if self._refresh_source is None:
            self.notify("this source follows changes by itself", timeout=2)
            return
        self._refresh_source()
        self.notify("refreshing…", timeout=2)

    # ------------------------------------------------------------------ screens
    def _leaves_for_list(self) -> bool:
        """esc goes back to `batchtop jobs`: opened from it, live, on the main screen, with no
        filter to clear first (then esc is the filter's, as the main screen binds it)."""
        from textual.widgets import Input

        replaying = self.replay_at is not None or self.replay_pending is not None
        return (self.back_to_list and not replaying and self.screen is self.main
                and not self.main.filter_text and not isinstance(self.focused, Input))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # ReplayControls disables esc while live; from the jobs list, live esc leaves for it
        if action == "replay_live" and self._leaves_for_list():
            return True
        return super().check_action(action, parameters)

    def action_replay_live(self) -> None:
        """esc: back to live from a replay; from live, back to the jobs list if it opened us."""
        if self._leaves_for_list():
            from batchtop.azure.jobs_cli import BACK_TO_LIST

            self.exit(return_code=BACK_TO_LIST)
            return
        super().action_replay_live()

    async def action_back_or_quit(self) -> None:
        """`q`: in a viewer or detail screen, back (as `less` does); on the main screen, quit."""
        if self.screen is self.main:
            await self.action_quit()
        else:
            self.pop_screen()

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """The command palette (ctrl+p): Textual's own (themes, keys, quit) and batchtop's."""
        yield from super().get_system_commands(screen)
        yield SystemCommand(
            "Pause / resume", "Freeze the view; reading goes on (p)", self.toggle_pause
        )
        yield SystemCommand(
            "Open a log file", "Pick any file of the job and tail it (l)", self.action_logs
        )
        yield SystemCommand(
            "Refresh", "Look for new data now; Azure polls at once (r)", self.action_refresh_source
        )
        yield SystemCommand("Help", "Keys, states, columns and glyphs (?)", self.action_help)
        if screen is self.main:
            yield SystemCommand(
                "Filter", "Filter nodes, processes and errors (/)", self.main.action_filter
            )
            yield SystemCommand("Sort", "Sort the focused pane (s)", self.main.action_sort)
            yield SystemCommand(
                "Unfold node",
                "Show every process of the node under the cursor (right)",
                self.main.action_expand,
            )

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def on_open_error(self, message: OpenError) -> None:
        self.open_error(message.error)

    def on_open_node(self, message: OpenNode) -> None:
        self.open_node(message.node, message.process)

    def on_open_log(self, message: OpenLog) -> None:
        self.open_log(message.path, message.find)

    def on_toggle_pause(self, message: TogglePause) -> None:
        self.toggle_pause()

    def source_note_text(self) -> str | None:
        """The source's own trouble (e.g. Azure throttling), if it reports any."""
        return self.source_note() if self.source_note is not None else None

    def open_error(self, error: ErrorView) -> None:
        self.push_screen(ErrorDetailScreen(error))

    def open_node(self, node: str, process: str | None = None) -> None:
        self.push_screen(NodeDetailScreen(node, process))

    def action_logs(self) -> None:
        if self.read_file is None:
            self.notify("this source has no files to open", severity="warning")
            return
        self._list_files()

    @work(thread=True, exclusive=True, group="list-files")
    def _list_files(self) -> None:
        paths: list[str] = []
        if self.list_files is not None:
            for _ in range(3):  # the follower may be adding files while we copy the list
                try:
                    paths = list(self.list_files())
                    break
                except RuntimeError:
                    continue
        if not paths and self.latest is not None:
            paths = [f.path for f in self.latest.files]
        self.call_from_thread(self._pick_file, paths)

    def _pick_file(self, paths: list[str]) -> None:
        def chosen(path: str | None) -> None:
            if path:
                self.open_log(path)

        skipped = self.latest.skipped if self.latest is not None else ()
        self.push_screen(FilePickerScreen(paths, skipped), chosen)

    def open_log(self, path: str, find: str | None = None) -> None:
        if self.read_file is None:
            self.notify("this source has no files to open", severity="warning")
            return
        screen = LogViewerScreen(path, self.read_file, find=find, read_from=self.read_from)
        if self.view is not None:
            screen.known_size = next(
                (f.bytes_read for f in self.view.snapshot.files if f.path == path), None
            )
        self.push_screen(screen)
