"""Every screen right at every size (issue 18): no focused widget 0 rows high at 80x24 (R16:
node detail's file list was), the process detail says the process's own state, and resizes
250 -> 80 -> 120 columns leave every table header whole and the stacked Nodes pane full width."""

from __future__ import annotations

import pytest
from apphelpers import fixture_app, screen_text

from batchtop.app.errors_pane import ErrorsPane
from batchtop.app.node_detail_screen import NodeDetailScreen
from batchtop.app.nodes_pane import NodesPane
from batchtop.app.synced_table import SyncedTable

FIXTURE = "v2-running"
"""3 nodes; node 0 has a ps listing and 13 files; process001 of node 1 is slow and idle."""


def assert_focus_has_rows(app) -> None:
    focused = app.focused
    assert focused is not None, f"nothing focused on {type(app.screen).__name__}"
    assert focused.content_region.height > 0, (
        f"{type(focused).__name__} focused on {type(app.screen).__name__} is 0 rows high"
    )


def header_whole(app, table: SyncedTable) -> None:
    """Each shown column's label is on the table's header line, whole and in order."""
    region = table.region
    line = screen_text(app).splitlines()[region.y + 1][region.x : region.right]
    at = 0
    for index, _ in table.layout_columns:
        label = table.COLUMNS[index].label
        found = line.find(label, at)
        assert found >= 0, f"{label!r} cut in {line!r}"
        at = found + len(label)


@pytest.mark.parametrize("size", [(80, 24), (120, 40), (200, 60)], ids=lambda s: f"{s[0]}x{s[1]}")
async def test_no_focused_widget_is_zero_rows_high(size):
    app = fixture_app(FIXTURE)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        assert_focus_has_rows(app)  # main screen
        app.open_node("0")
        await pilot.pause()
        assert isinstance(app.screen, NodeDetailScreen)
        assert_focus_has_rows(app)
        # R16: the file list shows several files and the ps box a process under its header
        # (at 80x24 the old layout left them 1 row each: a file, and the header alone)
        assert app.screen.query_one("#node-files").content_region.height >= 3
        ps = app.screen.query_one("#node-ps")
        assert ps.display and ps.content_region.height >= 2
        await pilot.press("escape")
        app.open_error(app.view.snapshot.errors[0])
        await pilot.pause()
        assert_focus_has_rows(app)
        await pilot.press("escape")
        app.action_help()
        await pilot.pause()
        assert_focus_has_rows(app)
        await pilot.press("escape")
        app.open_log("logs/job_error.txt")
        await pilot.pause()
        assert_focus_has_rows(app)


async def test_the_process_detail_says_the_process_state_not_the_nodes():
    app = fixture_app(FIXTURE)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        app.open_node("1", "process001")
        await pilot.pause()
        summary = screen_text(app).splitlines()[0]
        # node 1 is stale (done 21, failed 3); its process001 is idle, done 7, failed 1, slow
        assert "process001  idle  done 7 · failed 1 · batch -" in summary
        assert "slow" in summary and "(node: stale)" in summary


async def test_resizes_keep_headers_whole_and_the_stacked_layout_full_width():
    app = fixture_app(FIXTURE)
    async with app.run_test(size=(250, 50)) as pilot:
        await pilot.pause()
        for width, height in ((250, 50), (80, 24), (120, 40), (100, 30)):
            await pilot.resize_terminal(width, height)
            await pilot.pause()
            await pilot.pause()
            nodes = app.main.query_one(NodesPane)
            header_whole(app, nodes)
            header_whole(app, app.main.query_one(ErrorsPane))
            assert_focus_has_rows(app)
            if width < 110:  # stacked: Nodes spans the screen (U14)
                assert nodes.outer_size.width == width
            # the dead node is the top row at every size, nobody having moved
            assert nodes.current_key() == "n\x002"
