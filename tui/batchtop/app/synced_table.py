"""A table drawn through Textual's line API that takes the full list of rows every tick and
repaints only the rows whose cells changed; it never shows a column cut at its edge.

Why not DataTable: its render caches are keyed by an update count that every `update_cell`
bumps, so one changed cell re-renders every visible cell, and a row added or removed asks the
whole screen for a new layout. With a 100-node job updating four times a second that was most
of the TUI's CPU (bench/README.md, issue 11's profile). Here, as in Textualize's toolong, each
row's lines are rendered once into `Strip`s and kept until the row's cells change; `render_line`
only picks strips, and a changed row refreshes just its own lines on screen. A change in the
number of rows changes the virtual height without a layout (the pane's size does not depend on
it). `renders` counts rows rendered, so tests can hold this to account.

Columns are fitted to the pane's width on purpose: a column cut at the edge shows a wrong number
("44%" read as "4"), so when the pane is too narrow the least important columns are dropped
whole (`Column.drop`, highest first) and the one flexible column takes the width left over.

The cursor stays on its row's key across updates. Until the user moves it (a key, a click, the
wheel), it sits on the first row and the top of the list stays in view: a trouble-first list
must not scroll its worst row away. `home` goes back to that state.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widget import Widget

Cells = tuple[Text, ...]
PADDING = 1
_NULL = Style.null()
"""Blank cells on each side of a column."""


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    label: str
    width: int
    """Fixed width; for the flexible column, the least it may get."""
    drop: int = 0
    """0: always shown. Higher numbers are dropped first when the pane is too narrow."""
    flex: bool = False
    """Takes the width the other columns leave (at most `most`)."""
    most: int | None = None
    align: str = "left"
    """How the header label sits: numbers are right-aligned, so are their labels."""


Layout = tuple[tuple[int, int], ...]
"""(index into COLUMNS, width) of each column shown, left to right."""


def fit_columns(columns: Sequence[Column], width: int, flex_wanted: int | None = None) -> Layout:
    """Which columns to show, and how wide, in `width` cells.

    The flexible column counts at the width it wants (`flex_wanted`, capped at `most`; with no
    wish, its minimum): columns are dropped by `drop` (highest first) until everything fits.
    The flexible column then gets the room left, up to its wish (no wish: all of it), and never
    less than its minimum."""
    shown = list(range(len(columns)))

    def least(col: Column) -> int:
        return max(col.width, len(col.label))  # a header is never cut either

    def wish(col: Column) -> int:
        if not col.flex or flex_wanted is None:
            return least(col)
        want = flex_wanted if col.most is None else min(flex_wanted, col.most)
        return max(least(col), want)

    def need(indexes: list[int]) -> int:
        return sum(wish(columns[i]) + 2 * PADDING for i in indexes)

    for level in sorted({c.drop for c in columns if c.drop}, reverse=True):
        if need(shown) <= width:
            break
        shown = [i for i in shown if columns[i].drop != level]
    fixed = sum(least(columns[i]) + 2 * PADDING for i in shown if not columns[i].flex)
    out = []
    for i in shown:
        col = columns[i]
        w = least(col)
        if col.flex:
            room = width - fixed - 2 * PADDING
            if flex_wanted is not None:
                room = min(room, wish(col))
            elif col.most is not None:
                room = min(room, col.most)
            w = max(least(col), room)
        out.append((i, w))
    return tuple(out)


def fit_text(text: Text, width: int) -> Text:
    """One line of a cell at exactly `width` cells: justified as the cell asks, an ellipsis
    where it is too long (a cut number would read as another number)."""
    out = text.copy()
    out.end = ""
    out.overflow = "ellipsis"
    out.align(text.justify if text.justify in ("left", "center", "right") else "left", width)
    return out


class SyncedTable(ScrollView, can_focus=True):
    """Subclasses declare COLUMNS and call `sync(rows)` with a cell for every column."""

    COLUMNS: tuple[Column, ...] = ()

    BINDINGS = [
        Binding("enter", "select_cursor", "open"),
        Binding("up", "cursor(-1)", "up", show=False),
        Binding("down", "cursor(1)", "down", show=False),
        Binding("pageup", "page(-1)", "page up", show=False),
        Binding("pagedown", "page(1)", "page down", show=False),
        Binding("home", "first", "first row", show=False),
        Binding("end", "last", "last row", show=False),
    ]
    """enter is shown in the footer: it is how a user drills in."""

    COMPONENT_CLASSES = {"synced-table--header", "synced-table--cursor"}

    DEFAULT_CSS = """
    SyncedTable {
        height: 1fr;
        overflow-x: hidden;
        overflow-y: scroll;
        background: $surface;
        color: $foreground;
        & > .synced-table--header {
            text-style: bold;
            background: $panel;
            color: $foreground;
        }
        &:ansi > .synced-table--header {
            background: ansi_bright_blue;
            color: ansi_default;
        }
        & > .synced-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
        &:focus > .synced-table--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
    }
    """

    class RowSelected(Message):
        """enter (or a click on the cursor's row) on a row: which table, which row key."""

        def __init__(self, table: SyncedTable, key: str) -> None:
            super().__init__()
            self.table = table
            self.key = key

        @property
        def control(self) -> Widget:
            return self.table

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.add_class("pane")
        self._order: tuple[str, ...] = ()
        self._heights: tuple[int, ...] = ()
        self._starts: list[int] = []
        """First line of each row (0 = the first row under the header)."""
        self._index: dict[str, int] = {}
        self._cells: dict[str, Cells] = {}
        self._sigs: dict[str, tuple[tuple[str, str], ...]] = {}
        self._strips: dict[str, list[Strip]] = {}
        self._header: Strip | None = None
        self._rows: list[tuple[str, Cells]] = []
        self.cursor_row = 0
        self.moved = False
        """The user moved the cursor: until then it stays on the first row, the top in view."""
        self.layout_columns: Layout = ()
        """The columns shown now (tests assert no column is cut)."""
        self.rebuilds = 0
        """How often the set, order or height of the rows changed."""
        self.renders = 0
        """Rows rendered into strips (tests check that an update renders only changed rows)."""

    # ------------------------------------------------------------------ columns
    def available_width(self) -> int:
        """Cells for the columns: the content width less a vertical scrollbar, always kept
        so that a scrollbar appearing never pushes the last column off the edge."""
        return max(0, self.scrollable_content_region.width)

    def flex_wanted(self) -> int | None:
        """How wide the flexible column would like to be (None: as wide as it can)."""
        return None

    def row_height(self, key: str, cells: Cells) -> int:
        """Lines a row takes (1 unless a subclass wraps a cell)."""
        return 1

    def column_width(self, key: str) -> int | None:
        """The width of a shown column, None when it is not shown."""
        for i, w in self.layout_columns:
            if self.COLUMNS[i].key == key:
                return w
        return None

    def _relayout(self) -> bool:
        width = self.available_width()
        if width <= 0:
            return False
        layout = fit_columns(self.COLUMNS, width, self.flex_wanted())
        if layout == self._fitted:
            return False
        self._fitted = layout
        self.layout_columns = layout
        self._forget_strips()
        return True

    _fitted: Layout | None = None
    _width = 0

    def _forget_strips(self) -> None:
        self._strips.clear()
        self._sigs.clear()
        self._header = None
        self.refresh()

    def on_resize(self, event: events.Resize) -> None:
        width = self.available_width()
        if width != self._width:
            self._width = width
            self._forget_strips()
        if self._relayout():
            self.refit()
        self._keep_cursor_in_view()

    def notify_style_update(self) -> None:
        """Focus, theme or NO_COLOR changed the CSS: rendered rows may carry old colours."""
        super().notify_style_update()
        if hasattr(self, "_strips"):  # also called while the widget is being made
            self._forget_strips()

    def refit(self) -> None:
        """The columns changed width: show the rows again (subclasses whose cells depend on
        a column's width rebuild them)."""
        self.sync(self._rows)

    _title: str | None = None

    def set_title(self, title: str) -> None:
        """The border title, set only when it changed: Textual repaints the whole widget on
        every assignment, even of the same text (the idle cost's biggest part)."""
        if title != self._title:
            self._title = title
            self.border_title = title

    # ------------------------------------------------------------------ rows
    def sync(self, rows: list[tuple[str, Cells]]) -> None:
        """Show these rows; repaint only the rows whose text or style changed."""
        self._rows = rows
        self._relayout()
        order = tuple(key for key, _ in rows)
        heights = tuple(self.row_height(key, cells) for key, cells in rows)
        if order != self._order or heights != self._heights:
            self._rebuild(rows, order, heights)
            return
        layout = self.layout_columns
        for key, cells in rows:
            if self._cells.get(key) is cells:
                continue  # the very same cells (a subclass reused them): nothing to compare
            self._cells[key] = cells
            sig = tuple(_sig(cells[i]) for i, _ in layout)
            if self._sigs.get(key) == sig:
                continue
            self._sigs[key] = sig
            if self._strips.pop(key, None) is not None:
                self._refresh_row(self._index[key])

    def _rebuild(
        self, rows: list[tuple[str, Cells]], order: tuple[str, ...], heights: tuple[int, ...]
    ) -> None:
        current = self.current_key()
        above = set(self._order[: self.cursor_row])
        layout = self.layout_columns
        for key, cells in rows:
            if self._cells.get(key) is not cells:
                sig = tuple(_sig(cells[i]) for i, _ in layout)
                if self._sigs.get(key) != sig:
                    self._strips.pop(key, None)
                    self._sigs[key] = sig
            self._cells[key] = cells
        gone = self._cells.keys() - set(order)
        for key in gone:
            self._cells.pop(key, None)
            self._sigs.pop(key, None)
            self._strips.pop(key, None)
        self._order = order
        self._heights = heights
        self._index = {key: n for n, key in enumerate(order)}
        starts, at = [], 0
        for h in heights:
            starts.append(at)
            at += h
        self._starts = starts
        self.rebuilds += 1
        self._set_virtual_height(at + 1)
        if not self.moved or current not in self._index:
            self.cursor_row = 0 if not self.moved else min(self.cursor_row, max(0, len(order) - 1))
            if not self.moved:
                self.scroll_to(y=0, animate=False, immediate=True)
        else:
            self.cursor_row = self._index[current]  # type: ignore[index]
            worse = set(order[: self.cursor_row]) - above
            if worse:
                # a row rose above the cursor (a node turned worse): show the top as far as the
                # cursor's row allows, the cursor staying on screen
                end = self._starts[self.cursor_row] + self._heights[self.cursor_row]
                self.scroll_to(y=max(0, end - self._body_height()), animate=False, immediate=True)
        self._keep_cursor_in_view()
        self.refresh()

    def _set_virtual_height(self, height: int) -> None:
        """A new number of lines, without asking the screen for a layout: the pane's own size
        does not depend on it."""
        size = Size(self.scrollable_content_region.width, height)
        if size != self.virtual_size:
            self.set_reactive(ScrollView.virtual_size, size)
            self._scroll_update(size)
            if self.styles.height is not None and self.styles.height.is_auto:
                self.refresh(layout=True)  # here the pane's height is its rows' (node detail)

    def current_key(self) -> str | None:
        """Row key under the cursor, or None for an empty table."""
        if not self._order or not 0 <= self.cursor_row < len(self._order):
            return None
        return self._order[self.cursor_row]

    @property
    def row_keys(self) -> tuple[str, ...]:
        return self._order

    def get_cell(self, key: str, column: str) -> Text:
        """The cell shown in a row and column (tests read it)."""
        i = next(n for n, c in enumerate(self.COLUMNS) if c.key == column)
        return self._cells[key][i]

    # ------------------------------------------------------------------ drawing
    def _body_height(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)

    def _refresh_row(self, row: int) -> None:
        """Repaint the lines of one row, if any is on screen."""
        top = 1 + self._starts[row] - round(self.scroll_y)
        bottom = top + self._heights[row]
        top, bottom = max(1, top), min(self.scrollable_content_region.height, bottom)
        if top < bottom:
            self.refresh(Region(0, top, self.scrollable_content_region.width, bottom - top))

    def _row_at(self, line: int) -> int | None:
        """The row holding a line (0 = the first line under the header)."""
        if line < 0 or not self._starts or line >= self._starts[-1] + self._heights[-1]:
            return None
        return bisect.bisect_right(self._starts, line) - 1

    def _render_row(self, key: str, row: int) -> list[Strip]:
        self.renders += 1
        cells = self._cells[key]
        height = self._heights[row]
        console = self.app.console
        width = self.scrollable_content_region.width
        pad = " " * PADDING
        columns = []
        for i, w in self.layout_columns:
            cell = cells[i]
            parts = list(cell.split("\n")) if "\n" in cell.plain else [cell]
            for part in parts:
                part.justify = cell.justify
            columns.append((parts, w))
        strips = []
        for n in range(height):
            line = Text(no_wrap=True, end="")
            for parts, w in columns:
                line.append(pad)
                line.append_text(fit_text(parts[n] if n < len(parts) else Text(""), w))
                line.append(pad)
            strip = Strip(_styled(line.render(console)), line.cell_len)
            strips.append(strip.adjust_cell_length(width, _NULL))
        return strips

    def _render_header(self) -> Strip:
        style = self.get_component_rich_style("synced-table--header")
        line = Text(no_wrap=True, end="")
        for i, w in self.layout_columns:
            col = self.COLUMNS[i]
            label = Text(col.label, justify=col.align)  # type: ignore[arg-type]
            line.append(" " * PADDING)
            line.append_text(fit_text(label, w))
            line.append(" " * PADDING)
        strip = Strip(_styled(line.render(self.app.console)), line.cell_len)
        width = self.scrollable_content_region.width
        return strip.adjust_cell_length(width, _NULL).apply_style(style)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        if y == 0:
            if self._header is None:
                self._header = self._render_header()
            return self._header
        line = round(self.scroll_y) + y - 1
        row = self._row_at(line)
        if row is None:
            return Strip.blank(width, _NULL)
        key = self._order[row]
        strips = self._strips.get(key)
        if strips is None:
            strips = self._strips[key] = self._render_row(key, row)
        strip = strips[line - self._starts[row]]
        if row == self.cursor_row:
            cursor = self.get_component_rich_style("synced-table--cursor")
            # under the cell's own style: an alarm keeps its colours on the cursor's row
            strip = Strip(Segment.apply_style(strip, style=cursor), strip.cell_length)
        return strip

    # ------------------------------------------------------------------ cursor
    def _keep_cursor_in_view(self) -> None:
        if not self._order:
            return
        row = min(self.cursor_row, len(self._order) - 1)
        top, height = self._starts[row], self._heights[row]
        body = self._body_height()
        y = round(self.scroll_y)
        if top < y:
            y = top
        elif top + height > y + body:
            y = top + height - body
        if y != round(self.scroll_y):
            self.scroll_to(y=y, animate=False, immediate=True)

    def _set_cursor(self, row: int) -> None:
        if not self._order:
            return
        row = max(0, min(row, len(self._order) - 1))
        if row != self.cursor_row:
            old = self.cursor_row
            self.cursor_row = row
            if old < len(self._order):
                self._refresh_row(old)
            self._refresh_row(row)
        self._keep_cursor_in_view()

    def move_cursor(self, row: int, animate: bool = False, scroll: bool = True) -> None:
        """Put the cursor on a row, as the user does (the top is no longer held in view)."""
        self.moved = True
        self._set_cursor(row)

    def to_top(self) -> None:
        """Cursor on the first row, the top in view, held there while updates come (a new
        sort or filter starts from its top)."""
        self.moved = False
        self._set_cursor(0)
        self.scroll_to(y=0, animate=False, immediate=True)

    def action_cursor(self, step: int) -> None:
        self.move_cursor(self.cursor_row + step)

    def action_page(self, step: int) -> None:
        if not self._order:
            return
        target = self._starts[self.cursor_row] + step * self._body_height()
        row = self._row_at(max(0, target))
        self.move_cursor(len(self._order) - 1 if row is None else row)

    def action_first(self) -> None:
        self.to_top()

    def action_last(self) -> None:
        self.move_cursor(len(self._order) - 1)

    def action_select_cursor(self) -> None:
        key = self.current_key()
        if key is not None:
            self.post_message(self.RowSelected(self, key))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y < 1:
            return
        row = self._row_at(round(self.scroll_y) + offset.y - 1)
        if row is None:
            return
        if row == self.cursor_row and event.chain > 1:
            self.action_select_cursor()
        self.move_cursor(row)

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        self.moved = True

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        self.moved = True


def _styled(segments: Iterable[Segment]) -> list[Segment]:
    """Every segment with a style (Textual's filters, e.g. NO_COLOR's, expect one)."""
    return [seg if seg.style is not None else Segment(seg.text, _NULL) for seg in segments]


def _sig(cell: Text) -> tuple[str, str]:
    return cell.plain, str(cell.style) + "".join(str(s) for s in cell.spans)
