"""Unknowns drawn as unknowns (issue 16, U7, U8, U9): what no file says is `-` or an empty bar
with a note, never `0` or a full bar; a killed worker is named in the header and the title."""

from __future__ import annotations

import pytest
from apphelpers import fixture_app, screen_text

from batchtop.app.cells import UNKNOWN_COUNTS_NOTE, count_cell
from batchtop.app.progress_pane import (
    TODO_CHAR,
    UNKNOWN_CHAR,
    progress_bar,
    progress_tail,
    scheduling_segment,
)


def test_an_unknown_total_draws_an_empty_bar_and_says_so():
    """U7: `117/-` beside a full bar claimed the job was done."""
    bar = progress_bar(succeeded=14, failed=3, total=None, width=20)
    assert bar.plain == UNKNOWN_CHAR * 20
    assert progress_tail(14, None) == " 14 done · total not known yet"
    # a known total keeps its count and percent, and its bar fills in proportion
    assert progress_tail(212, 900) == " 212/900  23.6%"
    known = progress_bar(succeeded=10, failed=0, total=20, width=20).plain
    assert known == "█" * 10 + TODO_CHAR * 10


def test_scheduling_is_not_labelled_twice():
    assert scheduling_segment("scheduling: 2400 so far").plain == "scheduling: 2400 so far"
    assert scheduling_segment("finished: 40 mini-batches").plain == (
        "scheduling finished: 40 mini-batches"
    )


def test_a_count_no_file_gives_is_a_dash():
    assert count_cell(0, known=False).plain == "-"
    assert count_cell(None).plain == "-"
    assert count_cell(1234).plain == "1,234"
    assert count_cell(0).plain == "0"


def row_of(text: str, name: str) -> list[str]:
    """The cells of the Nodes row whose first cell is `name` (split on runs of spaces)."""
    for line in text.splitlines():
        cells = line.strip("│ ").split()
        if cells and cells[0] == name:
            return cells
    raise AssertionError(f"no row {name!r} in\n{text}")


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_per_node_counts_no_file_gives_are_dashes_with_one_note(size):
    """U8: v2-endpoint-runfailures has 500 processed and no per-process counts (job_error.txt
    names the processes, nothing numbers their attempts): `Done 0` read as a dead node."""
    app = fixture_app("v2-endpoint-runfailures")
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        text = screen_text(app)
    assert "500/800" in text
    node0 = row_of(text, "0")
    assert node0[2:5] == ["-", "-", "-"], node0  # Done, Err, Batch
    assert "no per-node progress" in text.replace("\n", " ").replace("│", " ")
    assert UNKNOWN_COUNTS_NOTE.startswith("these logs carry no per-node progress")


async def test_known_per_node_counts_stay_numbers():
    app = fixture_app("v2-failed")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        text = screen_text(app)
    assert "no per-node progress" not in text
    # node 0: process000 5 + process001 7 tries (expected.json), 2 + 5 failed
    assert row_of(text, "0")[2:4] == ["12", "7"]


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_a_killed_worker_is_named_in_the_header_and_counted_in_the_title(size):
    """U9: fixtures/oom-kill's process001 `exits with returncode -9` (_main.txt) and never
    speaks again; header and title said nothing."""
    app = fixture_app("oom-kill")
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        text = screen_text(app)
    header = text.splitlines()[0]
    assert "✖ 0/process001 killed (-9)" in header
    assert "Nodes 1 (1 killed)" in text


async def test_a_process_detail_shows_the_process_not_its_node():
    """U12 (second half): `enter` on process001 of node 1 (fixtures/v2-running) showed the
    node's state and totals (`⚠ stale  done 21 · failed 3 · busy 0/2`) as the process's.
    expected.json: node 1's process001 made 7 attempts, 1 failed."""
    app = fixture_app("v2-running")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        app.open_node("1", "process001")
        await pilot.pause()
        first = screen_text(app).splitlines()[0].strip()
    assert first.startswith("node 1 · process process001  idle  done 7 · failed 1 · batch -")
    assert "busy" not in first and "done 21" not in first
