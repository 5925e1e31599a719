"""Tailing viewer for one log file of the tree: the full text of every line, nothing interpreted.

Bytes come from the source's `read_file` (local disk, or the Azure mirror) in a thread worker,
never on the UI thread. The file is read again only when the snapshot says it grew (its
`bytes_read` changed), and only the new bytes are appended. Every line goes through `safe()`:
secrets are redacted and escape sequences shown as symbols; the Log widget does not parse
markup, so `[bold]` stays text.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Log, Static

from batchtop.app.liveness import View
from batchtop.textsafe import safe

SHOW_BYTES = 4 * 1024 * 1024
"""A huge file (a 150 MB CSV) shows its last 4 MB; the viewer is for reading, not for grep."""
MAX_LINES = 100_000


class LogViewerScreen(Screen[None]):
    """Shows `path`, follows its growth; optionally scrolled to the last line containing `find`."""

    BINDINGS = [
        Binding("escape", "app.pop_screen", "back"),
        Binding("f", "toggle_follow", "follow"),
        Binding("home", "top", "top", show=False),
        Binding("end", "bottom", "bottom", show=False),
        Binding("question_mark", "app.help", "help"),
    ]

    DEFAULT_CSS = """
    LogViewerScreen #title {
        dock: top;
        height: 1;
        background: $panel;
        padding: 0 1;
    }
    LogViewerScreen Log {
        height: 1fr;
    }
    """

    def __init__(
        self, path: str, read_file: Callable[[str], bytes], find: str | None = None
    ) -> None:
        super().__init__()
        self.path = path
        self.read_file = read_file
        self.find = find
        self.consumed = 0
        """Bytes of the file already shown."""
        self.known_size: int | None = None
        self.follow = find is None
        self.loads = 0
        self.error: str | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="title")
        log = Log(max_lines=MAX_LINES, auto_scroll=self.follow)
        log.can_focus = True
        yield log
        yield Footer()

    def on_mount(self) -> None:
        self._title()
        self.reload()

    def _title(self, note: str = "") -> None:
        mode = "following" if self.follow else "not following (f)"
        text = f"{safe(self.path, 200)} · {self.consumed:,} bytes · {mode}"
        if self.error:
            text += f" · {safe(self.error, 100)}"
        if note:
            text += f" · {note}"
        self.query_one("#title", Static).update(text)

    def reload(self) -> None:
        self.run_worker(self._read, thread=True, exclusive=True, group="read")

    def _read(self) -> None:
        try:
            data = self.read_file(self.path)
        except Exception as exc:  # the file vanished, a network error: say so, keep the screen
            self.app.call_from_thread(self._failed, str(exc))
            return
        self.app.call_from_thread(self._apply, data)

    def _failed(self, message: str) -> None:
        self.error = message
        self._title()

    def _apply(self, data: bytes) -> None:
        log = self.query_one(Log)
        self.error = None
        note = ""
        if len(data) < self.consumed:
            log.clear()  # truncated or replaced: start over
            self.consumed = 0
        start = self.consumed
        if start == 0 and len(data) > SHOW_BYTES:
            start = len(data) - SHOW_BYTES
            start = data.find(b"\n", start) + 1 or start
            note = f"showing the last {SHOW_BYTES // (1024 * 1024)} MB"
        new = data[start:]
        cut = new.rfind(b"\n") + 1
        if self.consumed == 0 and cut < len(new):
            cut = len(new)  # first load: show an unfinished last line too
        chunk = new[:cut]
        self.consumed = start + cut
        self.loads += 1
        if chunk:
            text = chunk.decode("utf-8", "replace").replace("\r\n", "\n")
            # per line, so a secret or an escape sequence is judged whole; "\n" kept so an
            # unfinished last line is continued by the next read, as Log.write does
            log.write("\n".join(safe(line) for line in text.split("\n")))
        self._title(note)
        if self.find and self.loads == 1:
            self._jump_to(self.find)

    def _jump_to(self, record: str) -> None:
        """Scroll so the last occurrence of the record's final line (the exception) shows,
        with as much of its traceback above it as fits."""
        log = self.query_one(Log)
        lines = [line for line in record.strip().split("\n") if line.strip()]
        if not lines:
            return
        probe = safe(lines[-1].strip())[:200]
        for index in range(len(log.lines) - 1, -1, -1):
            if probe in log.lines[index]:
                above = min(len(lines), max(1, log.size.height - 3))
                log.scroll_to(y=max(0, index - above), animate=False, immediate=True)
                break

    def show_view(self, view: View) -> None:
        """Called by the app on each new snapshot: re-read only if the file grew."""
        for f in view.snapshot.files:
            if f.path == self.path:
                if f.bytes_read != self.known_size:
                    self.known_size = f.bytes_read
                    if self.loads:
                        self.reload()
                return

    def action_toggle_follow(self) -> None:
        self.follow = not self.follow
        log = self.query_one(Log)
        log.auto_scroll = self.follow
        if self.follow:
            log.scroll_end(animate=False)
        self._title()

    def action_top(self) -> None:
        self.query_one(Log).scroll_home(animate=False)

    def action_bottom(self) -> None:
        self.query_one(Log).scroll_end(animate=False)
