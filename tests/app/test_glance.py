"""The glance test (ux-review §4) as pilots: at 80x24, 120x40 and 200x60, on a 12-node and a
100-node job with one dead node and one long error, the main screen must answer "which node is
sick" and "what is failing" without a key press, and no table may show a column cut at its edge.

The trees come from the simulator (seeded, so the dead node and the newest error are known):
node 9 of 12 and node 37 of 100 stop writing at 20 % of the job, and the newest error group is
a FileNotFoundError whose message is about 95 characters long.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from apphelpers import screen_text
from textual.widget import Widget

from batchtop.app.app import BatchtopApp
from batchtop.app.errors_pane import ErrorsPane
from batchtop.app.nodes_pane import NodesPane
from batchtop.app.synced_table import SyncedTable
from batchtop.app.trouble import trouble_order
from batchtop.simulator import SimConfig, write_tree
from screenshots import tree_app

TREES = {
    "12": (
        SimConfig(
            era="v2",
            nodes=12,
            processes=4,
            mini_batches=3000,
            failure_rate=0.03,
            dead_node=9,
            dead_at=0.2,
            stop_at=0.7,
            seed=2,
        ),
        "9",
    ),
    "100": (
        SimConfig(
            era="v2",
            nodes=100,
            processes=4,
            mini_batches=8000,
            failure_rate=0.03,
            dead_node=37,
            dead_at=0.2,
            stop_at=0.7,
            seed=3,
        ),
        "37",
    ),
}
SIZES = [(80, 24), (120, 40), (200, 60)]


@pytest.fixture(scope="module")
def trees(tmp_path_factory) -> dict[str, Path]:
    out = {}
    for name, (config, _) in TREES.items():
        folder = tmp_path_factory.mktemp(f"nodes{name}")
        write_tree(folder, config)
        out[name] = folder
    return out


def pane_lines(app: BatchtopApp, pane: Widget) -> list[str]:
    """The screen rows inside the pane's border."""
    region = pane.region
    rows = screen_text(app).splitlines()
    return [row[region.x + 1 : region.right - 1] for row in rows[region.y + 1 : region.bottom - 1]]


def column_lines(app: BatchtopApp, pane: SyncedTable, key: str) -> list[str]:
    """The rendered text of one column, row by row (header first)."""
    x = 0
    for index, width in pane.layout_columns:
        if pane.COLUMNS[index].key == key:
            return [line[x + 1 : x + 1 + width].rstrip() for line in pane_lines(app, pane)]
        x += width + 2
    raise AssertionError(f"column {key} not shown")


def assert_no_column_cut(app: BatchtopApp, pane: SyncedTable) -> None:
    """Every column the table shows has its label whole in the rendered header row, in order,
    and the columns fit inside the pane; a dropped column is one the table chose to drop."""
    header = pane_lines(app, pane)[0]
    at = 0
    for index, _ in pane.layout_columns:
        label = pane.COLUMNS[index].label
        found = header.find(label, at)
        assert found >= 0, f"column {label!r} cut or missing in {header!r}"
        at = found + len(label)
    widths = sum(width + 2 for _, width in pane.layout_columns)
    assert widths <= pane.available_width()
    shown = {pane.COLUMNS[i].key for i, _ in pane.layout_columns}
    assert all(c.key in shown for c in pane.COLUMNS if not c.drop)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("tree", list(TREES))
async def test_the_sick_node_and_the_error_show_at_a_glance(
    trees, tree: str, size: tuple[int, int]
):
    dead = TREES[tree][1]
    app = tree_app(trees[tree])
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        text = screen_text(app)
        header = text.splitlines()[0]
        # the dead node by name in the header, at every size
        assert f"✖ node {dead} dead for " in header
        # and on top of the Nodes pane, with its state and the trouble counted in the title
        nodes = app.main.query_one(NodesPane)
        first = pane_lines(app, nodes)[1].split()
        assert first[:3] == [dead, "✖", "dead"]
        assert nodes.border_title.startswith(f"Nodes {tree} (1 dead")
        assert_no_column_cut(app, nodes)
        if size[0] >= 120:  # room for every column: none dropped
            assert len(nodes.layout_columns) == len(nodes.COLUMNS)
        # the newest error: its type and key words on the main screen
        errors = app.main.query_one(ErrorsPane)
        assert_no_column_cut(app, errors)
        newest = app.view.snapshot.errors[0]
        # a group of many files: titled as its pattern, one file as an example (U12)
        assert newest.title.startswith(
            "FileNotFoundError: [Errno 2] No such file or directory: '…' (e.g. '…/part-"
        )
        rows = column_lines(app, errors, "message")[1:]
        height = errors._heights[0]
        message = " ".join(rows[:height])
        if size[0] >= 120:
            # at least 70 characters in place, and where it happened, on its first row
            assert newest.title[:70] in message
            assert column_lines(app, errors, "where")[1] == "12+ places"
        else:
            # may wrap to a second line, but the type and the key words are there
            assert message.startswith("FileNotFoundError: [Errno 2] No such file or directory")


async def test_the_worst_ten_of_100_nodes_fit_at_120x40(trees):
    app = tree_app(trees["100"])
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        nodes = app.main.query_one(NodesPane)
        names = [line.split()[0] for line in pane_lines(app, nodes)[1:] if line[1:2] != " "]
        worst = [n.view.name for n in trouble_order(app.view.nodes)[:10]]
        assert names[:10] == worst


@pytest.mark.parametrize("tree", ["12", "v2-failed"])
async def test_no_column_is_cut_at_any_width_from_80_to_250(trees, tree: str):
    """v2-failed has one-character node names and no process rows: the name column once
    shrank to 10 cells and cut its own header to "Node / pro"."""
    from apphelpers import fixture_app

    app = tree_app(trees[tree]) if tree in trees else fixture_app(tree)
    async with app.run_test(size=(80, 40)) as pilot:
        for width in range(80, 251, 7):
            await pilot.resize_terminal(width, 40)
            await pilot.pause()
            for pane in (app.main.query_one(NodesPane), app.main.query_one(ErrorsPane)):
                assert_no_column_cut(app, pane)


async def test_the_traceback_wraps_so_its_end_and_the_users_frame_are_reachable_at_80x24():
    """ux-review D3: at 80x24 the user's frame lost its line number and the exception line was
    cut at the right edge, with no way to scroll to it."""
    from apphelpers import fixture_app

    from batchtop.app.error_detail_screen import ErrorDetailScreen

    app = fixture_app("v2-failed")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        errors = app.main.query_one(ErrorsPane)
        keys = list(errors.row_keys)
        key = next(k for k in keys if "score.py" in errors.errors[k].traceback)
        error = errors.errors[key]
        errors.focus()
        errors.move_cursor(row=keys.index(key))
        await pilot.press("enter")
        await pilot.pause(0.2)
        assert isinstance(app.screen, ErrorDetailScreen)
        last = error.traceback.strip().split("\n")[-1].strip()
        frame = next(line.strip() for line in error.traceback.split("\n") if "score.py" in line)

        def inside() -> str:
            rows = screen_text(app).splitlines()
            return "".join(row[2:-2].rstrip() for row in rows if row.startswith("│"))

        assert last.replace(" ", "") in inside().replace(" ", "")  # opens at the end
        seen = ""
        await pilot.press("home")
        for _ in range(10):
            seen += inside()
            await pilot.press("pagedown")
            await pilot.pause()
        assert frame.replace(" ", "") in seen.replace(" ", "")  # score.py", line N, in run
        await pilot.press("q")  # q goes back, as in less
        await pilot.pause()
        assert app.screen is app.main


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=lambda s: f"{s[0]}x{s[1]}")
async def test_progress_never_hides_its_last_line(tmp_path: Path, size: tuple[int, int]):
    """ux-review D4/D10: with realistic numbers the items line wrapped and pushed the verdict's
    tail ("threshold 1500.") out of the pane; "scheduling" was dropped when it fitted."""
    from batchtop.app.progress_pane import ProgressPane

    config = SimConfig(
        era="v2",
        nodes=4,
        processes=4,
        mini_batches=3000,
        items_per_batch=10,
        failure_rate=0.05,
        max_attempts=2,
        error_threshold=1500,
        seed=7,
    )
    write_tree(tmp_path, config)
    app = tree_app(tmp_path)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        pane = app.main.query_one(ProgressPane)
        inside = [line.strip() for line in pane_lines(app, pane)]
        text = " ".join(inside)
        verdict = app.view.snapshot.verdict
        assert verdict and verdict.endswith("threshold 1500.")
        assert f"verdict {verdict}" in text  # whole, right under the bar
        assert inside[1].startswith("verdict The number of failed items")
        assert "scheduling finished: 3000 mini-batches" in text
        assert "mini-batches 2,393 ok · 157 failed · 2 retried" in text
        assert "items 22,791 ok · 1,504 failed · of 28,578" in text
        assert "elapsed" in inside[-1] or "scheduling" in inside[-1]
        assert len(inside) == len(pane.lines(pane.content_size.width))


async def test_resources_beyond_8_nodes_is_a_heatmap_and_a_dead_nodes_sample_is_old(trees):
    from batchtop.app.resources_pane import ResourcesPane

    app = tree_app(trees["12"])
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        pane = app.main.query_one(ResourcesPane)
        assert pane.body.heatmap and "cpu │ mem %" in pane.border_title
        inside = pane_lines(app, pane)
        dead = next(line for line in inside if line.split()[:1] == ["9"])
        assert dead.count("(") == 2  # cpu and memory, both old
        alive = next(line for line in inside if line.split()[:1] == ["0"])
        assert "(" not in alive

        def last_shade(line: str) -> int:
            cpu = line[: line.index("%")]  # the cpu half, up to its value
            return max(i for i, c in enumerate(cpu) if c in "░▒▓█")

        # columns are times (issue 18, U13): the dead node's samples stop earlier, so its row
        # ends in blanks where the living node's row still has shades
        assert last_shade(dead) < last_shade(alive)


def test_fit_columns_drops_whole_columns_and_never_cuts_a_header():
    from batchtop.app.synced_table import Column, fit_columns

    cols = (
        Column("name", "Node / process", 10, flex=True, most=30),
        Column("a", "State", 7),
        Column("b", "Batch", 6, drop=2),
        Column("c", "CPU", 5, drop=1),
    )
    # short names: the flexible column still shows its whole label
    assert fit_columns(cols, 100, flex_wanted=2)[0] == (0, 14)
    # too narrow for all: Batch (drop=2) goes first, CPU next; State is never dropped
    assert [i for i, _ in fit_columns(cols, 16 + 9 + 8 + 7, flex_wanted=14)] == [0, 1, 2, 3]
    assert [i for i, _ in fit_columns(cols, 16 + 9 + 8 + 6, flex_wanted=14)] == [0, 1, 3]
    assert [i for i, _ in fit_columns(cols, 16 + 9 + 6, flex_wanted=14)] == [0, 1]
    # the flexible column takes the room left, up to what it wants
    assert fit_columns(cols, 200, flex_wanted=20)[0] == (0, 20)
    assert fit_columns(cols, 200, flex_wanted=90)[0] == (0, 30)


def test_a_finished_job_says_ended_and_no_frozen_age():
    """ux-review D5: after the job completed the header kept "(0s ago)" for good."""
    import dataclasses

    from batchtop.app.header_bar import HeaderBar
    from screenshots import fixture_app

    app = fixture_app("v2-completed")
    snap = app.ingestor.snapshot()
    view = app.liveness.derive(snap, 0.0, True)
    view = dataclasses.replace(view, data_age=20.0)
    text = HeaderBar("x").build(view, False).plain
    assert "│ ended 2023-05-17 00:03:13Z" in text and "ago" not in text
