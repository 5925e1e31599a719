"""A DataTable that takes the full list of rows every tick, touches only what changed, and never
shows a column cut at its edge.

Rebuilding a 3,200-row table four times a second would eat the CPU of a big job's monitor;
instead rows keep their keys, unchanged cells are left alone, changed cells are updated in
place, and the table is rebuilt only when the set, order or height of rows changed (new
process, filter, sort). The cursor stays on the same row key across rebuilds.

Columns are fitted to the pane's width on purpose: a column cut at the edge shows a wrong number
("44%" read as "4"), so when the pane is too narrow the least important columns are dropped
whole (`Column.drop`, highest first) and the one flexible column takes the width left over.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.widgets import DataTable

Cells = tuple[Text, ...]
PADDING = 1
"""DataTable's cell padding on each side of a column."""


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


class SyncedTable(DataTable):
    """Subclasses declare COLUMNS and call `sync(rows)` with a cell for every column."""

    COLUMNS: tuple[Column, ...] = ()

    BINDINGS = [Binding("enter", "select_cursor", "open")]
    """Shown in the footer: enter is how a user drills in."""

    DEFAULT_CSS = """
    SyncedTable {
        height: 1fr;
    }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=False, **kwargs)
        self.add_class("pane")
        self._order: tuple[str, ...] = ()
        self._heights: tuple[int, ...] = ()
        self._sigs: dict[str, tuple[tuple[str, str], ...]] = {}
        self._shown: dict[str, Cells] = {}
        self._rows: list[tuple[str, Cells]] = []
        self.layout_columns: Layout = ()
        """The columns shown now (tests assert no column is cut)."""
        self.rebuilds = 0
        """How often the rows were rebuilt (tests check that idle ticks do not rebuild)."""

    # ------------------------------------------------------------------ columns
    def available_width(self) -> int:
        """Cells for the columns: the content width less a vertical scrollbar, always kept
        so that a scrollbar appearing never pushes the last column off the edge."""
        return max(0, self.size.width - self.styles.scrollbar_size_vertical)

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
        if layout == self.layout_columns:
            return False
        self.layout_columns = layout
        self.clear(columns=True)
        for i, w in layout:
            col = self.COLUMNS[i]
            self.add_column(col.label, key=col.key, width=w)
        self._order = ()
        return True

    def on_mount(self) -> None:
        self._relayout()

    def on_resize(self, event: events.Resize) -> None:
        if self._relayout():
            self.refit()

    def refit(self) -> None:
        """The columns changed width: show the rows again (subclasses whose cells depend on
        a column's width rebuild them)."""
        self.sync(self._rows)

    # ------------------------------------------------------------------ rows
    def sync(self, rows: list[tuple[str, Cells]]) -> None:
        self._rows = rows
        self._relayout()  # first rows, or the flexible column wants another width: rebuilt below
        order = tuple(key for key, _ in rows)
        heights = tuple(self.row_height(key, cells) for key, cells in rows)
        if order != self._order or heights != self._heights:
            self._rebuild(rows, order, heights)
            return
        shown = self._shown
        layout = self.layout_columns
        for key, cells in rows:
            if shown.get(key) is cells:
                continue  # the very same cells (a subclass reused them): nothing to compare
            shown[key] = cells
            sigs = tuple(_sig(cells[i]) for i, _ in layout)
            old = self._sigs.get(key)
            if old == sigs:
                continue
            for n, (i, _) in enumerate(layout):
                if old is None or old[n] != sigs[n]:
                    self.update_cell(key, self.COLUMNS[i].key, cells[i])
            self._sigs[key] = sigs

    def _rebuild(
        self, rows: list[tuple[str, Cells]], order: tuple[str, ...], heights: tuple[int, ...]
    ) -> None:
        current = self.current_key()
        scroll_y = self.scroll_y
        self.clear(columns=False)
        self._sigs = {}
        self._shown = {}
        layout = self.layout_columns
        for (key, cells), height in zip(rows, heights, strict=True):
            picked = [cells[i] for i, _ in layout]
            self.add_row(*picked, key=key, height=height)
            self._sigs[key] = tuple(_sig(c) for c in picked)
            self._shown[key] = cells
        self._order = order
        self._heights = heights
        self.rebuilds += 1
        if current is not None and current in order:
            self.move_cursor(row=order.index(current), animate=False, scroll=False)
        self.scroll_to(y=scroll_y, animate=False, immediate=True)

    def current_key(self) -> str | None:
        """Row key under the cursor, or None for an empty table."""
        if not self._order or self.cursor_row < 0 or self.cursor_row >= len(self._order):
            return None
        return self._order[self.cursor_row]

    @property
    def row_keys(self) -> tuple[str, ...]:
        return self._order


def _sig(cell: Text) -> tuple[str, str]:
    return cell.plain, str(cell.style)
