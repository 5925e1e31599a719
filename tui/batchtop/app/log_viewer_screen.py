"""Tailing viewer for one log file of the tree: the full text of every line, nothing interpreted.

Bytes come from the source in a thread worker, never on the UI thread, and only when the
snapshot says the file grew (its `bytes_read` changed). With a `read_from` (local trees), only
the bytes after what is already shown are read: a 150 MB CSV growing by a line costs one line,
not 150 MB (issue 10). Without one (a pipe, Azure), the whole file is read and the new tail
appended. A file that shrank was truncated or replaced: it is shown afresh.

Every line goes through `safe()`: secrets are redacted and escape sequences shown as symbols; the
Log widget does not parse markup, so `[bold]` stays text. `/` searches (n, N next and previous),
`w` wraps long lines to the width (the viewer keeps the lines as read, and re-lays them out).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from rich.cells import chop_cells
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Input, Log, Static

from batchtop.app.liveness import View
from batchtop.textsafe import safe, safe_lines

SHOW_BYTES = 4 * 1024 * 1024
"""A huge file (a 150 MB CSV) shows its last 4 MB; the viewer is for reading, not for grep."""
MAX_LINES = 100_000

ReadFrom = Callable[[str, int], tuple[int, bytes]]
"""`read_from(path, offset)` -> (the file's size now, its bytes from `offset` to the end)."""


def read_tail(path: Path, offset: int) -> tuple[int, bytes]:
    """A local file's size and the bytes after `offset` (none when it shrank below it)."""
    with open(path, "rb") as handle:
        size = handle.seek(0, 2)
        if size <= offset:
            return size, b""
        handle.seek(offset)
        return size, handle.read(size - offset)


class SearchBar(Input):
    """`/` shows it; enter searches; esc hides it."""

    BINDINGS = [Binding("escape", "screen.close_search", "close")]

    DEFAULT_CSS = """
    SearchBar {
        dock: bottom;
        display: none;
        height: 3;
        border: round $accent;
    }
    SearchBar.-shown {
        display: block;
    }
    """


class LogViewerScreen(Screen[None]):
    """Shows `path`, follows its growth; optionally scrolled to the last line containing `find`."""

    BINDINGS = [
        Binding("escape,q", "app.pop_screen", "back"),
        Binding("f", "toggle_follow", "follow"),
        Binding("slash", "search", "search"),
        Binding("n", "next_match(1)", "next", show=False),
        Binding("N", "next_match(-1)", "previous", show=False),
        Binding("w", "toggle_wrap", "wrap"),
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
        self,
        path: str,
        read_file: Callable[[str], bytes],
        find: str | None = None,
        read_from: ReadFrom | None = None,
    ) -> None:
        super().__init__()
        self.path = path
        self.read_file = read_file
        self.read_from = read_from
        self.find = find
        self.consumed = 0
        """Bytes of the file already shown."""
        self.known_size: int | None = None
        self.follow = find is None
        self.wrap = False
        self.loads = 0
        self.bytes_fetched = 0
        """Bytes asked of the source so far (a test checks that growth reads only the tail)."""
        self.error: str | None = None
        self.lines: list[str] = []
        """Every line shown, as read (safe, unwrapped): search and wrap work on these."""
        self._open_last = False
        """The last line had no newline yet (first load only): the next read continues it."""
        self._row_of: list[int] = []
        """First screen row of each line (differs from the index only when wrapping)."""
        self.needle = ""
        self.match = -1
        """Index into `lines` of the current match, -1 for none."""

    def compose(self) -> ComposeResult:
        yield Static(id="title")
        log = Log(max_lines=None, auto_scroll=self.follow)
        log.can_focus = True
        yield log
        yield SearchBar(
            placeholder="search this file (enter: find, n / N: next / previous)", id="search"
        )
        yield Footer()

    def on_mount(self) -> None:
        self._title()
        self.reload()

    def _title(self, note: str = "") -> None:
        mode = "following" if self.follow else "not following (f)"
        text = f"{safe(self.path, 200)} · {self.consumed:,} bytes · {mode}"
        if self.wrap:
            text += " · wrapped"
        if self.needle:
            # first, so a narrow screen cuts the path, not which match this is (U18, U15)
            hits = [i for i, line in enumerate(self.lines) if self.needle in line.lower()]
            if self.match in hits:
                where = f"{hits.index(self.match) + 1:,}/{len(hits):,}, line {self.match + 1:,}"
            else:
                where = f"{len(hits):,} found" if hits else "no match"
            text = f"“{safe(self.needle, 30)}” {where} · {text}"
        if self.error:
            text += f" · {safe(self.error, 100)}"
        if note:
            text += f" · {note}"
        self.query_one("#title", Static).update(text)

    # ------------------------------------------------------------------ reading
    def reload(self) -> None:
        self.run_worker(self._read, thread=True, exclusive=True, group="read")

    def _read(self) -> None:
        try:
            start, size, data = self._fetch()
        except Exception as exc:  # the file vanished, a network error: say so, keep the screen
            self.app.call_from_thread(self._failed, str(exc))
            return
        self.app.call_from_thread(self._apply, start, size, data)

    def _fetch(self) -> tuple[int, int, bytes]:
        """(offset of `data` in the file, the file's size, data)."""
        if self.read_from is None:
            data = self.read_file(self.path)
            self.bytes_fetched += len(data)
            return 0, len(data), data
        offset = self.consumed
        if offset == 0:
            size, _ = self.read_from(self.path, 1 << 62)  # its size only
            offset = max(0, size - SHOW_BYTES)
        size, data = self.read_from(self.path, offset)
        if size < self.consumed:  # truncated or replaced: from the start (or its last 4 MB)
            offset = max(0, size - SHOW_BYTES)
            size, data = self.read_from(self.path, offset)
        self.bytes_fetched += len(data)
        return offset, size, data

    def _failed(self, message: str) -> None:
        self.error = message
        self._title()

    def _apply(self, start: int, size: int, data: bytes) -> None:
        """Show `data` (found at offset `start` of a file now `size` bytes long)."""
        self.error = None
        note = ""
        if size < self.consumed:
            self._clear()  # truncated or replaced: start over
        if self.consumed == 0:
            # a fresh view: a huge file shows its last SHOW_BYTES, from a line start
            if start == 0 and len(data) > SHOW_BYTES:
                data, start = data[len(data) - SHOW_BYTES :], len(data) - SHOW_BYTES
            if start > 0:
                cut = data.find(b"\n") + 1
                data, start = data[cut:], start + cut
                note = f"showing the last {SHOW_BYTES // (1024 * 1024)} MB"
        elif start < self.consumed:
            data, start = data[self.consumed - start :], self.consumed  # keep only what is new
        end = data.rfind(b"\n") + 1
        if self.loads == 0 and end < len(data):
            end = len(data)  # first load: show an unfinished last line too
        chunk = data[:end]
        self.consumed = start + end
        self.loads += 1
        if chunk:
            self._add(chunk.decode("utf-8", "replace").replace("\r\n", "\n"))
        self._title(note)
        if self.find and self.loads == 1:
            self._jump_to(self.find)

    def _clear(self) -> None:
        self.query_one(Log).clear()
        self.lines = []
        self._row_of = []
        self._open_last = False
        self.consumed = 0

    def _add(self, text: str) -> None:
        """New text (made safe as a whole, then per line: a secret or an escape is judged whole)."""
        closed = text.endswith("\n")
        new = safe_lines(text[:-1] if closed else text)
        continued = self._open_last and bool(new)
        if continued:
            self.lines[-1] += new.pop(0)
        self.lines.extend(new)
        self._open_last = not closed
        dropped = len(self.lines) - MAX_LINES
        if dropped > 0 or continued:
            if dropped > 0:
                del self.lines[:dropped]
            self._layout()  # rows moved: lay every line out again
            return
        self._write(new)

    def _write(self, lines: list[str]) -> None:
        log = self.query_one(Log)
        width = max(10, log.scrollable_content_region.width or 80)
        rows: list[str] = []
        row = len(self._row_of) and (
            self._row_of[-1] + self._height_of(len(self._row_of) - 1, width)
        )
        for line in lines:
            self._row_of.append(row)
            parts = chop_cells(line, width) if self.wrap and line else [line]
            rows += parts
            row += len(parts)
        if rows:
            log.write_lines(rows)

    def _height_of(self, index: int, width: int) -> int:
        line = self.lines[index]
        return len(chop_cells(line, width)) if self.wrap and line else 1

    def _layout(self) -> None:
        self.query_one(Log).clear()
        self._row_of = []
        self._write(self.lines)

    def _jump_to(self, record: str) -> None:
        """Scroll so the last occurrence of the record's final line (the exception) shows,
        with as much of its traceback above it as fits."""
        log = self.query_one(Log)
        lines = [line for line in record.strip().split("\n") if line.strip()]
        if not lines:
            return
        probe = safe(lines[-1].strip())[:200]
        for index in range(len(self.lines) - 1, -1, -1):
            if probe in self.lines[index]:
                above = min(len(lines), max(1, log.size.height - 3))
                log.scroll_to(y=max(0, self._row_of[index] - above), animate=False, immediate=True)
                break

    def show_view(self, view: View) -> None:
        """Called by the app on each new snapshot: read again only if the file grew."""
        for f in view.snapshot.files:
            if f.path == self.path:
                if f.bytes_read != self.known_size:
                    self.known_size = f.bytes_read
                    if self.loads:
                        self.reload()
                return

    # ------------------------------------------------------------------ keys
    def action_toggle_follow(self) -> None:
        self.follow = not self.follow
        log = self.query_one(Log)
        log.auto_scroll = self.follow
        if self.follow:
            log.scroll_end(animate=False)
        self._title()

    def action_toggle_wrap(self) -> None:
        """`w`: wrap long lines to the width, or show them whole (scroll right)."""
        log = self.query_one(Log)
        top = self._line_at(log.scroll_y)
        self.wrap = not self.wrap
        self._layout()
        if not self.follow and self._row_of:
            log.scroll_to(y=self._row_of[top], animate=False, immediate=True)
        self._title()

    def on_resize(self) -> None:
        if self.wrap and self.lines:
            self.call_after_refresh(self._layout)

    def _line_at(self, row: float) -> int:
        """Index of the line shown at screen row `row` of the log."""
        import bisect

        return max(0, bisect.bisect_right(self._row_of, int(row)) - 1)

    def action_search(self) -> None:
        bar = self.query_one(SearchBar)
        bar.add_class("-shown")
        bar.focus()

    def action_close_search(self) -> None:
        self.query_one(SearchBar).remove_class("-shown")
        self.query_one(Log).focus()

    @on(Input.Submitted, "#search")
    def _search_submitted(self, event: Input.Submitted) -> None:
        self.needle = event.value.strip().lower()
        self.query_one(SearchBar).remove_class("-shown")
        self.query_one(Log).focus()
        self.match = self._line_at(self.query_one(Log).scroll_y) - 1
        self.action_next_match(1)

    def action_next_match(self, step: int) -> None:
        """n / N: the next (or previous) line holding the search text, wrapping around."""
        if not self.needle:
            self.notify("press / to search first", timeout=2)
            return
        hits = [i for i, line in enumerate(self.lines) if self.needle in line.lower()]
        if not hits:
            self.match = -1
            self._title()
            return
        if step > 0:
            after = [i for i in hits if i > self.match]
            self.match = after[0] if after else hits[0]
        else:
            before = [i for i in hits if i < self.match]
            self.match = before[-1] if before else hits[-1]
        if self.follow:
            self.action_toggle_follow()  # reading a match: do not jump to the end under it
        log = self.query_one(Log)
        log.scroll_to(y=max(0, self._row_of[self.match] - 2), animate=False, immediate=True)
        self._title()

    def action_top(self) -> None:
        self.query_one(Log).scroll_home(animate=False)

    def action_bottom(self) -> None:
        self.query_one(Log).scroll_end(animate=False)
