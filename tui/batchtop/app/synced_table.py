"""A DataTable that takes the full list of rows every tick and touches only what changed.

Rebuilding a 3,200-row table four times a second would eat the CPU of a big job's monitor;
instead rows keep their keys, unchanged cells are left alone, changed cells are updated in
place, and the table is rebuilt only when the set or order of rows changed (new process, filter,
sort). The cursor stays on the same row key across rebuilds.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable

Cells = tuple[Text, ...]


def _sig(cell: Text) -> tuple[str, str]:
    return cell.plain, str(cell.style)


class SyncedTable(DataTable):
    """Subclasses declare COLUMNS as (key, label, width) and call `sync(rows)`."""

    COLUMNS: tuple[tuple[str, str, int | None], ...] = ()

    DEFAULT_CSS = """
    SyncedTable {
        height: 1fr;
    }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=False, **kwargs)
        self.add_class("pane")
        self._order: tuple[str, ...] = ()
        self._sigs: dict[str, tuple[tuple[str, str], ...]] = {}
        self._shown: dict[str, Cells] = {}
        self.rebuilds = 0
        """How often the rows were rebuilt (tests check that idle ticks do not rebuild)."""

    def on_mount(self) -> None:
        for key, label, width in self.COLUMNS:
            self.add_column(label, key=key, width=width)

    def sync(self, rows: list[tuple[str, Cells]]) -> None:
        order = tuple(key for key, _ in rows)
        if order != self._order:
            self._rebuild(rows, order)
            return
        keys = [c[0] for c in self.COLUMNS]
        shown = self._shown
        for key, cells in rows:
            if shown.get(key) is cells:
                continue  # the very same cells (a subclass reused them): nothing to compare
            shown[key] = cells
            sigs = tuple(_sig(c) for c in cells)
            old = self._sigs.get(key)
            if old == sigs:
                continue
            for i, cell in enumerate(cells):
                if old is None or old[i] != sigs[i]:
                    self.update_cell(key, keys[i], cell)
            self._sigs[key] = sigs

    def _rebuild(self, rows: list[tuple[str, Cells]], order: tuple[str, ...]) -> None:
        current = self.current_key()
        scroll_y = self.scroll_y
        self.clear(columns=False)
        self._sigs = {}
        self._shown = {}
        for key, cells in rows:
            self.add_row(*cells, key=key)
            self._sigs[key] = tuple(_sig(c) for c in cells)
            self._shown[key] = cells
        self._order = order
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
