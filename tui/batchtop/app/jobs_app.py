"""`batchtop jobs`: the workspace's batch scoring jobs in one table, to pick the one to follow.

Failing and running jobs first (jobslist.sort_rows); `/` filters, `enter` follows the job under
the cursor, `q` quits, `r` refreshes now. The app returns the chosen job's name; the CLI runs
the follow screen and, when the user presses esc there, opens the list again with the cursor
on the same job. The list refreshes every `REFRESH` seconds in a worker thread (one list call),
backing off to `MAX_BACKOFF` while the service fails, as a followed job does.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.timer import Timer
from textual.widgets import DataTable, Footer, Input, Static

from batchtop.jobslist import COLUMNS, JobRow, cells, matches, sort_rows
from batchtop.textsafe import safe

REFRESH = 30.0
MAX_BACKOFF = 300.0

Lister = Callable[[], list[JobRow]]


class JobsApp(App[str | None]):
    CSS = """
    #title { height: 1; background: $panel; padding: 0 1; }
    #jobs { height: 1fr; }
    #filter { dock: bottom; display: none; }
    #filter.-shown { display: block; }
    """
    BINDINGS = [
        Binding("q", "quit_list", "quit"),
        Binding("enter", "follow", "follow", priority=True),
        Binding("slash", "filter", "filter"),
        Binding("escape", "clear_filter", "clear", show=False),
        Binding("r", "refresh_now", "refresh"),
    ]

    def __init__(
        self,
        lister: Lister,
        workspace: str,
        cursor: str | None = None,
        clock: Callable[[], float] = time.time,
        refresh_every: float | None = REFRESH,
    ) -> None:
        super().__init__()
        self.lister = lister
        self.workspace = workspace
        self.cursor_name = cursor
        self.clock = clock
        self.refresh_every = refresh_every
        self.rows: list[JobRow] = []
        self.shown: list[JobRow] = []
        self.filter_text = ""
        self.note: str | None = "listing jobs…"
        self.refreshed_at: float | None = None
        self.backoff = refresh_every or REFRESH
        self.loads = 0
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="title")
        table: DataTable[str] = DataTable(id="jobs", cursor_type="row", zebra_stripes=True)
        yield table
        yield Input(placeholder="filter: words of name, endpoint, status, compute", id="filter")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns(*COLUMNS)
        table.focus()
        self._show_title()
        self.load()

    @work(thread=True, exclusive=True)
    def load(self) -> None:
        """One list call, off the UI thread; then schedule the next with back-off on failure."""
        try:
            rows = self.lister()
        except Exception as exc:  # noqa: BLE001 - said in the title; the list stays usable
            self.backoff = min(MAX_BACKOFF, self.backoff * 2)
            self.call_from_thread(self._failed, f"{type(exc).__name__}: {exc}")
        else:
            self.backoff = self.refresh_every or REFRESH
            self.call_from_thread(self._loaded, rows)
        if self.refresh_every:
            self.call_from_thread(self._schedule)

    def _schedule(self) -> None:
        """One pending refresh at a time (`r` replaces it)."""
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(self.backoff, self.load)

    def _failed(self, message: str) -> None:
        self.note = f"list failed: {safe(message)[:120]}; again in {self.backoff:.0f}s"
        self._show_title()

    def _loaded(self, rows: list[JobRow]) -> None:
        self.loads += 1
        self.rows = sort_rows(rows)
        self.refreshed_at = self.clock()
        self.note = None
        self._fill()

    def _fill(self) -> None:
        table = self.query_one(DataTable)
        keep = self._name_under_cursor() or self.cursor_name
        self.shown = [r for r in self.rows if matches(r, self.filter_text)]
        now = self.clock()
        table.clear()
        for row in self.shown:
            table.add_row(*cells(row, now), key=row.name)
        names = [r.name for r in self.shown]
        if keep in names:
            table.move_cursor(row=names.index(keep))
        self._show_title()

    def _name_under_cursor(self) -> str | None:
        table = self.query_one(DataTable)
        if not self.shown or table.cursor_row < 0 or table.cursor_row >= len(self.shown):
            return None
        return self.shown[table.cursor_row].name

    def _show_title(self) -> None:
        total = len(self.rows)
        shown = f"{len(self.shown)} of {total}" if self.filter_text else str(total)
        parts = [f"batch scoring jobs in {safe(self.workspace)}", f"{shown} shown"]
        if self.filter_text:
            parts.append(f"filter '{safe(self.filter_text)}'")
        if self.refreshed_at is not None:
            parts.append(time.strftime("listed %H:%M:%S", time.localtime(self.refreshed_at)))
        if self.note:
            parts.append(self.note)
        elif not self.rows and self.refreshed_at is not None:
            parts.append("none found (batch endpoint jobs, pipelines with a parallel step)")
        self.query_one("#title", Static).update(" · ".join(parts))

    def action_follow(self) -> None:
        if self.focused is self.query_one(Input):
            self.query_one(DataTable).focus()  # enter in the filter: back to the list
            return
        name = self._name_under_cursor()
        if name is not None:
            self.exit(name)

    def action_quit_list(self) -> None:
        if self.focused is self.query_one(Input):
            return
        self.exit(None)

    def action_filter(self) -> None:
        box = self.query_one(Input)
        box.add_class("-shown")
        box.focus()

    def action_clear_filter(self) -> None:
        box = self.query_one(Input)
        box.value = ""
        box.remove_class("-shown")
        self.query_one(DataTable).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value.strip()
        self._fill()

    def action_refresh_now(self) -> None:
        self.note = "listing jobs…"
        self._show_title()
        self.load()
