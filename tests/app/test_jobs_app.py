"""The workspace view's screen (app/jobs_app.py): failing and running jobs first, `/` filters,
enter returns the job to follow, a reopened list keeps its cursor, a failing list call is said."""

from __future__ import annotations

import pytest
from apphelpers import wait_for
from textual.widgets import DataTable, Static

from batchtop.app.jobs_app import JobsApp
from batchtop.jobslist import BATCH_ENDPOINT, PARALLEL_PIPELINE, JobRow

NOW = 1_715_896_800.0  # 2024-05-16T22:00:00Z


def row(name: str, status: str, age: float, display: str, kind: str = BATCH_ENDPOINT) -> JobRow:
    return JobRow(name=name, display_name=display, kind=kind, where="batch-ept/batch-dpm",
                  status=status, created=NOW - age, started=None, ended=None, compute=None)


ROWS = [
    row("batchjob-1111", "Completed", 7200, "calm_leaf_1"),
    row("batchjob-2222", "Running", 600, "blue_store_3k1gd32x"),
    row("nightly-7", "Running", 60, "nightly_scoring", PARALLEL_PIPELINE),
    row("batchjob-3333", "Failed", 3600, "careful_bulb_plwyqfx0"),
]


def table_names(app: JobsApp) -> list[str]:
    table = app.query_one(DataTable)
    return [str(table.get_row_at(i)[1]) for i in range(table.row_count)]


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_list_order_filter_and_enter(size):
    app = JobsApp(lambda: list(ROWS), "ws1", clock=lambda: NOW, refresh_every=None)
    async with app.run_test(size=size) as pilot:
        await wait_for(pilot, lambda: app.loads == 1)
        # failing first, then running newest first, then done
        assert table_names(app) == ["batchjob-3333", "nightly-7", "batchjob-2222", "batchjob-1111"]
        title = str(app.query_one("#title", Static).render())
        assert "batch scoring jobs in ws1" in title and "4 shown" in title
        await pilot.press("slash", *"blue")
        await pilot.pause()
        assert table_names(app) == ["batchjob-2222"]
        await pilot.press("enter")  # from the filter: back to the list
        await pilot.press("enter")  # follow
        await pilot.pause()
    assert app.return_value == "batchjob-2222"


async def test_a_reopened_list_keeps_its_cursor_and_esc_clears_the_filter():
    app = JobsApp(lambda: list(ROWS), "ws1", cursor="batchjob-2222", clock=lambda: NOW,
                  refresh_every=None)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.loads == 1)
        assert app.query_one(DataTable).cursor_row == 2
        await pilot.press("slash", "z", "z", "z")
        await pilot.pause()
        assert table_names(app) == []
        await pilot.press("escape")
        await pilot.pause()
        assert len(table_names(app)) == 4
        await pilot.press("q")
    assert app.return_value is None


async def test_a_failing_list_is_said_and_the_screen_stays():
    def broken() -> list[JobRow]:
        raise ConnectionError("connection reset by peer")

    app = JobsApp(broken, "ws1", clock=lambda: NOW, refresh_every=30)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: "list failed" in str(app.query_one("#title", Static).render()))
        title = str(app.query_one("#title", Static).render())
        assert "list failed: ConnectionError" in title and "again in 60s" in title
