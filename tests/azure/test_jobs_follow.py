"""The workspace view's pick-and-follow loop (issue 20) on the emulators, in the real apps:
the list from the real SDK, enter on a job, the followed app over LiveAzure (its header names
the compute), esc there (BACK_TO_LIST), and the list again with the cursor on the same job.

`pick_and_follow` runs these apps with the blocking `App.run()`; here each step is the same call
it makes (`JobsApp(lister, label, cursor)`, `open_job`, `make_app`, `back_to_list`), driven by a
pilot. The loop's own `while` (and its `continue` after an open_job error) is not driven."""

from __future__ import annotations

import time

from conftest import LogTree, ws_args
from textual.widgets import DataTable

from batchtop.app.header_bar import HeaderBar
from batchtop.app.jobs_app import JobsApp
from batchtop.app.source import make_app
from batchtop.azure.cli import LiveAzure
from batchtop.azure.jobs_cli import BACK_TO_LIST, workspace_lister
from batchtop.azure.run import open_job

OVERVIEW = "logs/job_progress_overview.2023051622.txt"
PROGRESS = (  # a real v2 overview line (evidence.md §1, source I2)
    b"2023-05-16T22:20:53.233813 Processed 4117 of 20000 mini batches in 5:02:14. "
    b"Estimated remaining time 19:25:59.\n"
)


async def wait_for(pilot, condition, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting for the app"
        await pilot.pause(0.05)


async def test_enter_follows_and_esc_returns_with_the_cursor_kept(emu, container):
    saved = dict(emu.state.jobs)
    emu.state.jobs.clear()
    try:
        await _scenario(emu, container)
    finally:
        emu.state.jobs.clear()
        emu.state.jobs.update(saved)


async def _scenario(emu, container) -> None:
    child = emu.run_id()
    failed = emu.add_batch_job("careful_bulb_plwyqfx0", status="Failed",
                               created="2024-05-16T21:00:00Z")
    running = emu.add_batch_job(
        "blue_store_3k1gd32x", status="Running", created="2024-05-16T20:00:00Z",
        children=[emu.run(child, display="batchscoring", compute="gpu-cluster",
                          started="2023-05-16T22:10:00Z")],
    )
    emu.add_batch_job("calm_leaf_1", status="Completed", created="2024-05-16T22:00:00Z")
    LogTree(container, child).append(OVERVIEW, PROGRESS)
    args = ws_args(emu, poll=0.1, status=None, json=False, once=False)
    lister, label = workspace_lister(args, None)

    picker = JobsApp(lister, label, refresh_every=None)
    async with picker.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: picker.loads == 1)
        assert [r.name for r in picker.shown][:2] == [failed, running]  # failing first
        await pilot.press("down", "enter")
        await pilot.pause()
    assert picker.return_value == running

    followed = make_app(LiveAzure(open_job(args, running, interactive=False)), bell=False)
    followed.back_to_list = True
    async with followed.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: followed.latest is not None
                       and followed.latest.mini_batches.total == 20000)
        header = followed.main.query_one(HeaderBar).render().plain
        assert "gpu-cluster" in header  # the scoring step's compute (the batch job has none)
        followed.main.filter_text = "node-9"  # a filter is cleared by the first esc...
        await pilot.press("escape")
        await pilot.pause()
        assert followed.main.filter_text == "" and followed.is_running
        await pilot.press("escape")  # ...the next one goes back to the list
        await pilot.pause()
    assert followed.return_code == BACK_TO_LIST

    again = JobsApp(lister, label, cursor=picker.return_value, refresh_every=None)
    async with again.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: again.loads == 1)
        assert again.query_one(DataTable).cursor_row == 1
        assert again.shown[1].name == running
        await pilot.press("q")
    assert again.return_value is None
