"""The main screen: header, the four panes, the filter bar and the footer, and their keys.

Keys that only make sense here (filter, sort, pause, enter on a row) are bound here, so the
footer of a detail screen does not advertise them. The screen holds no data of its own: the
app hands it each new View (`show_view`) along with the current filter and sort choices.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input

from batchtop.app.errors_pane import SORTS as ERROR_SORTS
from batchtop.app.errors_pane import ErrorsPane
from batchtop.app.header_bar import HeaderBar
from batchtop.app.liveness import View
from batchtop.app.nodes_pane import SORTS as NODE_SORTS
from batchtop.app.nodes_pane import NodesPane
from batchtop.app.progress_pane import ProgressPane
from batchtop.app.resources_pane import ResourcesPane


class FilterBar(Input):
    """`/` shows it; typing filters live; enter keeps the filter, esc clears it."""

    BINDINGS = [Binding("escape", "screen.clear_filter", "clear filter")]

    DEFAULT_CSS = """
    FilterBar {
        dock: bottom;
        display: none;
        height: 3;
        border: round $accent;
    }
    FilterBar.-shown {
        display: block;
    }
    """


class MainScreen(Screen[None]):
    BINDINGS = [
        Binding("slash", "filter", "filter"),
        Binding("s", "sort", "sort"),
        Binding("p", "pause", "pause"),
        Binding("l", "app.logs", "logs"),
        Binding("tab", "app.focus_next", "pane", show=False),
        Binding("shift+tab", "app.focus_previous", "pane", show=False),
        Binding("escape", "clear_filter", "clear filter", show=False),
    ]

    DEFAULT_CSS = """
    MainScreen #main {
        height: 1fr;
    }
    MainScreen.-wide #left {
        width: 3fr;
    }
    MainScreen.-wide #right {
        width: 2fr;
    }
    MainScreen.-narrow #main {
        layout: vertical;
    }
    MainScreen.-narrow #left {
        height: 1fr;
    }
    MainScreen.-narrow #right {
        layout: horizontal;
        height: 8;
    }
    MainScreen.-narrow #right > * {
        width: 1fr;
        height: 1fr;
    }
    """

    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]

    def __init__(self, label: str) -> None:
        super().__init__()
        self.label = label
        self.filter_text = ""
        self.node_sort = NODE_SORTS[0]
        self.error_sort = ERROR_SORTS[0]
        self.ready = False
        """Set once composed: the app may hand over a View before that."""

    def compose(self) -> ComposeResult:
        yield HeaderBar(self.label, id="header")
        with Horizontal(id="main"):
            with Vertical(id="left"):
                yield ProgressPane(id="progress")
                yield NodesPane(id="nodes")
            with Vertical(id="right"):
                yield ErrorsPane(id="errors")
                yield ResourcesPane(id="resources")
        yield FilterBar(placeholder="filter nodes, processes, errors", id="filter")
        yield Footer()

    def on_mount(self) -> None:
        self.ready = True
        self.query_one(NodesPane).focus()
        self._rerender()

    @property
    def paused(self) -> bool:
        return bool(getattr(self.app, "paused", False))

    @property
    def source_note(self) -> str | None:
        """The source's own trouble (e.g. Azure throttling), if it reports any."""
        note = getattr(self.app, "source_note", None)
        return note() if callable(note) else None

    def show_view(self, view: View | None) -> None:
        if not self.ready:
            return
        self.query_one(HeaderBar).show(view, self.paused, self.source_note)
        if view is None:
            return
        self.query_one(ProgressPane).show(view)
        self.query_one(NodesPane).show(view, self.filter_text, self.node_sort)
        self.query_one(ErrorsPane).show(view, self.filter_text, self.error_sort)
        self.query_one(ResourcesPane).show(view, self.filter_text)

    def show_header(self, view: View | None) -> None:
        if self.ready:
            self.query_one(HeaderBar).show(view, self.paused, self.source_note)

    def _rerender(self) -> None:
        self.show_view(getattr(self.app, "view", None))

    # ------------------------------------------------------------------ keys
    def action_filter(self) -> None:
        bar = self.query_one(FilterBar)
        bar.add_class("-shown")
        bar.focus()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value.strip()
        self._rerender()

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        if not self.filter_text:
            self.query_one(FilterBar).remove_class("-shown")
        self.query_one(NodesPane).focus()

    def action_clear_filter(self) -> None:
        bar = self.query_one(FilterBar)
        was_focused = bar.has_focus
        bar.value = ""
        self.filter_text = ""
        bar.remove_class("-shown")
        if was_focused:
            self.query_one(NodesPane).focus()
        self._rerender()

    def action_sort(self) -> None:
        if isinstance(self.focused, ErrorsPane):
            i = (ERROR_SORTS.index(self.error_sort) + 1) % len(ERROR_SORTS)
            self.error_sort = ERROR_SORTS[i]
            self.notify(f"errors sorted by {self.error_sort}", timeout=2)
        else:
            i = (NODE_SORTS.index(self.node_sort) + 1) % len(NODE_SORTS)
            self.node_sort = NODE_SORTS[i]
            self.notify(f"nodes sorted by {self.node_sort}", timeout=2)
        self._rerender()

    def action_pause(self) -> None:
        self.app.toggle_pause()  # type: ignore[attr-defined]

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        key = event.row_key.value
        table = event.data_table
        if isinstance(table, ErrorsPane):
            error = table.errors.get(key or "")
            if error is not None:
                self.app.open_error(error)  # type: ignore[attr-defined]
        elif isinstance(table, NodesPane):
            target = table.targets.get(key or "")
            if target is not None:
                self.app.open_node(*target)  # type: ignore[attr-defined]
