"""The log viewer: search (/ n N), wrap (w), and tailing by offset (issue 10 item 7)."""

from __future__ import annotations

from pathlib import Path

from apphelpers import screen_text, wait_for
from textual.widgets import Log

from batchtop.app.log_viewer_screen import LogViewerScreen
from screenshots import tree_app

SIZE = (100, 30)


async def open_viewer(app, pilot, path: str) -> LogViewerScreen:
    app.open_log(path)
    await pilot.pause()
    viewer = app.screen
    assert isinstance(viewer, LogViewerScreen)
    await wait_for(pilot, lambda: viewer.loads >= 1)
    await pilot.pause()
    return viewer


def make_tree(fixture_copy) -> tuple[Path, str]:
    folder = fixture_copy("v2-failed")
    rel = "logs/user/error/0/process000.txt"
    assert (folder / rel).is_file()
    return folder, rel


async def test_slash_searches_and_n_N_move_between_matches(fixture_copy):
    folder, rel = make_tree(fixture_copy)
    lines = (folder / rel).read_text().splitlines()
    hits = [i for i, line in enumerate(lines) if "traceback" in line.lower()]
    assert len(hits) >= 2
    app = tree_app(folder)
    async with app.run_test(size=SIZE) as pilot:
        viewer = await open_viewer(app, pilot, rel)
        await pilot.press("home", "slash", *"Traceback", "enter")
        await pilot.pause()
        assert viewer.match == hits[0]
        # which match of how many, first on the status line (issue 18, U18)
        status = f"“traceback” 1/{len(hits)}, line {hits[0] + 1}"  # the needle, lowered
        assert screen_text(app).splitlines()[0].strip().startswith(status)
        assert lines[hits[0]].strip() in screen_text(app)
        await pilot.press("n")
        assert viewer.match == hits[1]
        await pilot.pause()
        assert f"2/{len(hits)}, line {hits[1] + 1}" in screen_text(app).splitlines()[0]
        await pilot.press("N")
        assert viewer.match == hits[0]
        await pilot.press("N")  # wraps around to the last match
        assert viewer.match == hits[-1]
        await pilot.press("q")  # q goes back
        await pilot.pause()
        assert app.screen is app.main


async def test_w_wraps_a_long_line_so_its_end_shows(fixture_copy):
    folder, rel = make_tree(fixture_copy)
    tail = "THE-END-OF-A-VERY-LONG-LINE"
    with open(folder / rel, "a") as handle:
        handle.write("x" * 300 + tail + "\n")
    app = tree_app(folder)
    async with app.run_test(size=SIZE) as pilot:
        viewer = await open_viewer(app, pilot, rel)
        await pilot.press("end")
        await pilot.pause()
        assert tail not in screen_text(app)  # cut at the edge
        await pilot.press("w")
        await pilot.press("end")
        await pilot.pause()
        assert tail in screen_text(app)
        assert "wrapped" in screen_text(app).splitlines()[0]
        assert len(viewer.query_one(Log).lines) > len(viewer.lines)
        await pilot.press("w")
        await pilot.pause()
        assert len(viewer.query_one(Log).lines) == len(viewer.lines)


async def test_growth_reads_only_the_new_bytes(fixture_copy):
    """issue 10 item 7: the viewer re-read the whole file on every growth."""
    folder, rel = make_tree(fixture_copy)
    app = tree_app(folder)
    async with app.run_test(size=SIZE) as pilot:
        viewer = await open_viewer(app, pilot, rel)
        first = viewer.bytes_fetched
        assert first == (folder / rel).stat().st_size
        added = b"2023-05-16 22:00:40 one more line\n"
        with open(folder / rel, "ab") as handle:
            handle.write(added)
        viewer.reload()
        await wait_for(pilot, lambda: viewer.loads == 2)
        assert viewer.bytes_fetched - first == len(added)
        assert viewer.lines[-1] == added.decode().rstrip("\n")
        # truncated and rewritten: shown afresh
        (folder / rel).write_bytes(b"fresh start\n")
        viewer.reload()
        await wait_for(pilot, lambda: viewer.loads == 3)
        assert viewer.lines == ["fresh start"]
