"""The line-API table: an update renders only the rows whose cells changed, nothing when
nothing changed, and the cursor stays on its row (and the top in view) across updates."""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult

from batchtop.app.synced_table import Column, SyncedTable

HEIGHT = 20
"""Terminal rows: the table fills them (no border outside batchtop's CSS); 1 header row, so
19 rows of data are on screen."""


class Table(SyncedTable):
    COLUMNS = (Column("name", "Name", 8, flex=True), Column("n", "N", 5, align="right"))


def rows(changed: dict[int, str] | None = None, order: list[int] | None = None):
    changed = changed or {}
    return [
        (f"r{i}", (Text(f"row {i}"), Text(changed.get(i, str(i)), justify="right")))
        for i in (order if order is not None else range(50))
    ]


class TableApp(App[None]):
    def compose(self) -> ComposeResult:
        yield Table()


def lines(app: App) -> list[str]:
    strips = app.screen._compositor.render_strips()
    return ["".join(seg.text for seg in strip) for strip in strips]


async def test_an_update_renders_only_the_rows_that_changed():
    app = TableApp()
    async with app.run_test(size=(40, HEIGHT)) as pilot:
        table = app.query_one(Table)
        table.sync(rows())
        await pilot.pause()
        # the rows on screen were rendered, no others: 20 lines less the header
        visible = HEIGHT - 1
        assert table.renders == visible
        # the same rows again (new Text objects, same text): nothing is rendered
        table.sync(rows())
        await pilot.pause()
        assert table.renders == visible
        # one visible row changed: that row only; a changed row below the screen: none now
        table.sync(rows({3: "33", 40: "4000"}))
        await pilot.pause()
        assert table.renders == visible + 1
        assert lines(app)[4].split() == ["row", "3", "33"]
        rebuilds = table.rebuilds
        # scrolling down to row 40 renders it (and the rows scrolled into view) with the new text
        table.move_cursor(40)
        await pilot.pause()
        assert table.rebuilds == rebuilds
        assert any("4000" in line for line in lines(app))


async def test_the_cursor_keeps_its_row_and_the_top_stays_in_view():
    app = TableApp()
    async with app.run_test(size=(40, HEIGHT)) as pilot:
        table = app.query_one(Table)
        table.sync(rows())
        await pilot.pause()
        # nobody moved the cursor: it sits on the first row, whatever rose to the top
        table.sync(rows(order=[49, *range(49)]))
        await pilot.pause()
        assert table.current_key() == "r49"
        assert lines(app)[1].split()[:2] == ["row", "49"]
        # the user moves to row 10; an update that moves it down keeps the cursor on it
        table.move_cursor(table.row_keys.index("r10"))
        table.sync(rows(order=[48, 49, *range(48)]))
        await pilot.pause()
        assert table.current_key() == "r10"
        # a row rising above the cursor is shown at the top while the cursor stays on screen
        assert lines(app)[1].split()[:2] == ["row", "48"]
        # the user goes far down, then `home`: the first row and the top again, held there
        table.move_cursor(45)
        await pilot.pause()
        assert table.scroll_y > 0
        table.focus()
        await pilot.press("home")
        await pilot.pause()
        assert table.current_key() == "r48" and table.scroll_y == 0
        table.sync(rows(order=[7, *[i for i in range(50) if i != 7]]))
        await pilot.pause()
        assert table.current_key() == "r7"
        # a row that disappears under the cursor leaves it on a row that exists
        table.move_cursor(49)
        table.sync(rows(order=list(range(30))))
        await pilot.pause()
        assert table.current_key() == "r29"


async def test_enter_posts_the_row_under_the_cursor():
    picked: list[str] = []

    class Picking(TableApp):
        def on_synced_table_row_selected(self, event: SyncedTable.RowSelected) -> None:
            picked.append(event.key)

    app = Picking()
    async with app.run_test(size=(40, HEIGHT)) as pilot:
        table = app.query_one(Table)
        table.sync(rows())
        table.focus()
        await pilot.press("down", "down", "enter")
        await pilot.pause()
        assert picked == ["r2"]
