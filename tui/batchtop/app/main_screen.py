"""The main screen: header, the four panes, the filter bar and the footer, and their keys.

Keys that only make sense here (filter, sort, pause, enter on a row) are bound here, so the
footer of a detail screen does not advertise them. The screen holds no data of its own: the
app hands it each new View (`show_view`) along with the current filter and sort choices.

Layout, chosen by measuring what each pane needs rather than by fixed fractions:

* Progress spans the screen (its lines pack to the width, so a wide screen spends fewer rows).
* Errors spans the screen too, at the bottom: the message is what a user reads, so it gets the
  width. Its height is what its groups need (two lines for a long message), at most a third of
  the screen, so no half-empty box takes rows from the Nodes table.
* Between them, at WIDE_AT columns and more, Nodes is exactly as wide as its columns need and
  Resources takes the rest; below that they stack, and Resources is hidden when the screen is
  shorter than TALL_AT rows (the Nodes table shows each node's CPU and memory anyway).
"""

from __future__ import annotations

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container
from textual.css.scalar import Scalar, Unit
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Footer, Input

from batchtop.app.errors_pane import SORTS as ERROR_SORTS
from batchtop.app.errors_pane import ErrorsPane
from batchtop.app.header_bar import HeaderBar
from batchtop.app.host import batchtop
from batchtop.app.liveness import View
from batchtop.app.messages import ErrorsGrew, OpenError, OpenNode, TogglePause
from batchtop.app.nodes_pane import SORTS as NODE_SORTS
from batchtop.app.nodes_pane import NodesPane
from batchtop.app.progress_pane import ProgressPane
from batchtop.app.resources_pane import ResourcesPane
from batchtop.app.synced_table import SyncedTable

WIDE_AT = 110
"""Columns from which Nodes and Resources sit side by side (Nodes needs about 76)."""
TALL_AT = 34
"""Rows from which a stacked layout also shows Resources."""
RESOURCES_MIN = 40
"""Columns Resources keeps beside Nodes on a wide screen (Nodes drops columns before that)."""
ERRORS_SHARE = 3
"""Errors takes at most 1/ERRORS_SHARE of the screen's rows."""


def _cells(scalar: Scalar | None) -> float | None:
    """A width or height in cells (None when unset or in another unit)."""
    return scalar.value if scalar is not None and scalar.unit == Unit.CELLS else None


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
    filter_text: reactive[str] = reactive("", init=False)
    """What `/` typed; a change repaints the panes (watch below)."""
    node_sort: reactive[str] = reactive(NODE_SORTS[0], init=False)
    error_sort: reactive[str] = reactive(ERROR_SORTS[0], init=False)

    BINDINGS = [
        Binding("slash", "filter", "filter"),
        Binding("s", "sort", "sort"),
        Binding("p", "pause", "pause"),
        Binding("l", "app.logs", "logs"),
        Binding("q", "app.quit", "quit"),
        Binding("tab", "pane(1)", "pane"),
        Binding("shift+tab", "pane(-1)", "pane", show=False),
        Binding("escape", "clear_filter", "clear"),
    ]

    DEFAULT_CSS = """
    MainScreen #middle {
        height: 1fr;
        layout: horizontal;
    }
    MainScreen #errors {
        height: 8;
    }
    MainScreen.-stacked #middle {
        layout: vertical;
    }
    MainScreen.-stacked #nodes {
        width: 1fr;
        height: 1fr;
    }
    MainScreen.-stacked #resources {
        width: 1fr;
        height: 1fr;
        max-height: 12;
    }
    MainScreen.-stacked.-short #resources {
        height: 1;
        max-height: 1;
        padding: 0 1;
    }
    MainScreen.-wide #resources {
        width: 1fr;
    }
    """

    def __init__(self, label: str) -> None:
        super().__init__()
        self.label = label
        self.ready = False
        """Set once composed: the app may hand over a View before that."""

    def compose(self) -> ComposeResult:
        yield HeaderBar(self.label, id="header")
        yield ProgressPane(id="progress")
        with Container(id="middle"):
            yield NodesPane(id="nodes")
            yield ResourcesPane(id="resources")
        yield ErrorsPane(id="errors")
        yield FilterBar(placeholder="filter nodes, processes, errors", id="filter")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.ready = True
        self._arrange(self.size.width, self.size.height)
        self.query_one(NodesPane).focus()
        self._rerender()

    def on_errors_grew(self, message: ErrorsGrew) -> None:
        self._arrange(self.size.width, self.size.height)

    def on_resize(self, event: events.Resize) -> None:
        self._arrange(event.size.width, event.size.height)

    def _arrange(self, width: int, height: int) -> None:
        """Pick the layout for this size, and size Nodes and Errors to their content."""
        wide = width >= WIDE_AT
        self.set_class(wide, "-wide")
        self.set_class(not wide, "-stacked")
        self.set_class(height < TALL_AT, "-short")
        if not self.ready:
            return
        nodes = self.query_one(NodesPane)
        resources = self.query_one(ResourcesPane)
        compact = not wide and height < TALL_AT
        resources.set_class(compact, "-compact")
        resources.set_class(not compact, "pane")  # one borderless line on a short screen
        # set only on change: a style change asks for a new layout, which repaints every
        # pane, and this runs on every frame
        if wide:
            cells = min(nodes.wanted_width(), width - RESOURCES_MIN)
            if _cells(nodes.styles.width) != cells:
                nodes.styles.width = cells
        elif nodes.styles.width is not None and _cells(nodes.styles.width) is not None:
            nodes.styles.width = None  # stacked: the CSS's full width, not the wide layout's (U14)
        errors = self.query_one(ErrorsPane)
        # header + the table's own header + borders; at least 2 groups, at most a share of
        # the screen, more when Nodes leaves rows unused (U14)
        rows = errors.lines_needed + 3
        progress = self.query_one(ProgressPane).outer_size.height
        chart = len(resources.body.lines(resources.body.content_size.width or 40)) + 2
        if wide:
            middle = max(len(nodes.row_keys) + 3, chart)
        else:
            middle = len(nodes.row_keys) + 3 + (1 if resources.compact else min(12, chart))
        spare = height - 2 - progress - middle  # 2: the header and the footer
        cells = max(5, min(rows, max(height // ERRORS_SHARE, spare)))
        if _cells(errors.styles.height) != cells:
            errors.styles.height = cells

    @property
    def paused(self) -> bool:
        return batchtop(self).paused

    @property
    def source_note(self) -> str | None:
        """The source's own trouble (e.g. Azure throttling), if it reports any."""
        return batchtop(self).source_note_text()

    def on_unmount(self) -> None:
        self.ready = False

    def show_view(self, view: View | None) -> None:
        if not self.ready or not self.query(HeaderBar):
            return  # not composed yet, or shutting down: a 1 s tick may still come
        self.query_one(HeaderBar).show(view, self.paused, self.source_note)
        if view is None:
            return
        self.query_one(ProgressPane).show(view, batchtop(self).replay_live_counts())
        self.query_one(NodesPane).show(view, self.filter_text, self.node_sort)
        self.query_one(ErrorsPane).show(view, self.filter_text, self.error_sort)
        self.query_one(ResourcesPane).show(view, self.filter_text)
        self._arrange(self.size.width, self.size.height)

    def show_header(self, view: View | None) -> None:
        if self.ready:
            for header in self.query(HeaderBar):  # none while the app shuts down
                header.show(view, self.paused, self.source_note)

    def watch_filter_text(self) -> None:
        self._rerender()
        if self.ready:  # a new filter shows its own top
            self.query_one(NodesPane).to_top()
            self.query_one(ErrorsPane).to_top()

    def watch_node_sort(self) -> None:
        self._rerender()
        if self.ready:  # a new sort scrolls to its top (U16)
            self.query_one(NodesPane).to_top()

    def watch_error_sort(self) -> None:
        if self.ready:
            self.query_one(ErrorsPane).restart_order()
        self._rerender()
        if self.ready:
            self.query_one(ErrorsPane).to_top()

    def _rerender(self) -> None:
        self.show_view(batchtop(self).view)

    # ------------------------------------------------------------------ keys
    def action_pane(self, step: int) -> None:
        """tab / shift+tab: Nodes, Errors, Resources (what a user reads first, first), skipping
        a pane the layout hides."""
        panes = [
            p
            for p in (
                self.query_one(NodesPane),
                self.query_one(ErrorsPane),
                self.query_one(ResourcesPane),
            )
            if p.display
        ]
        if not panes:
            return
        current = next((i for i, p in enumerate(panes) if p.has_focus), -1)
        panes[(current + step) % len(panes)].focus()

    def action_filter(self) -> None:
        bar = self.query_one(FilterBar)
        bar.add_class("-shown")
        bar.focus()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value.strip()

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

    def action_expand(self) -> None:
        self.query_one(NodesPane).action_expand()

    def action_pause(self) -> None:
        self.post_message(TogglePause())

    def on_synced_table_row_selected(self, event: SyncedTable.RowSelected) -> None:
        key = event.key
        table = event.table
        if isinstance(table, ErrorsPane):
            error = table.errors.get(key or "")
            if error is not None:
                self.post_message(OpenError(error))
        elif isinstance(table, NodesPane):
            target = table.targets.get(key or "")
            if target is not None:
                self.post_message(OpenNode(*target))
