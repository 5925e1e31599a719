"""Pilot tests on the fixture trees: every key, and what the screen shows afterwards."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from apphelpers import fixture_app, screen_text, wait_for
from textual.widgets import Log

from batchtop.app.error_detail_screen import ErrorDetailScreen
from batchtop.app.errors_pane import ErrorsPane
from batchtop.app.file_picker_screen import FilePickerScreen
from batchtop.app.help_screen import HelpScreen
from batchtop.app.keys import KEYS, LEGEND
from batchtop.app.log_viewer_screen import LogViewerScreen
from batchtop.app.node_detail_screen import NodeDetailScreen
from batchtop.app.nodes_pane import NodesPane
from batchtop.app.progress_pane import ProgressPane
from batchtop.app.resources_pane import ResourcesPane

SIZE = (120, 36)
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def cells(line: str) -> list[str]:
    """The words of one table row, without the pane borders."""
    return [word for word in line.split() if word not in ("│", "║")]


def row_of(text: str, start: str) -> str:
    """The first screen line whose pane content starts with `start` (after the border)."""
    for line in text.splitlines():
        if line.lstrip("│ ").startswith(start):
            return line
    raise AssertionError(f"no row starting with {start!r} in:\n{text}")


def rate_and_eta_from_the_overview(fixture: str, processed: int) -> tuple[float, str]:
    """Worked out from the fixture's own overview lines, not from the program: the job is
    younger than the 5-minute rate window, so the rate is the runtime's count between its first
    and last `Processed N of M` lines over the log time between them, and the ETA is what is
    left (M minus the mini-batches processed) at that rate, in whole seconds."""
    line = re.compile(r"^(\S+) Processed (\d+) of (\d+) mini batches", re.M)
    text = "".join(
        p.read_text() for p in sorted((FIXTURES / fixture / "logs").glob("job_progress_overview*"))
    )
    samples = [(datetime.fromisoformat(t), int(n), int(m)) for t, n, m in line.findall(text)]
    (t0, n0, _), (t1, n1, total) = samples[0], samples[-1]
    rate = (n1 - n0) * 60 / (t1 - t0).total_seconds()
    left = int((total - processed) * 60 / rate)
    return rate, f"{left // 3600:02d}:{left % 3600 // 60:02d}:{left % 60:02d}"


async def test_main_screen_shows_the_running_job():
    app = fixture_app("v2-running")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        text = screen_text(app)
        header = text.splitlines()[0]
        assert "fixtures/v2-running" in header and "Running" in header
        assert "newest 2023-05-16 22:01:49Z" in header
        assert "72/120" in text and "60.0%" in text
        assert "63 ok" in text and "9 failed" in text and "0 retried" in text
        assert "items 299 ok · 42 failed · of 578" in text
        rate, eta = rate_and_eta_from_the_overview("v2-running", processed=72)
        assert f"rate {rate:.1f}/min" in text
        # the ETA is a band over the living processes' pace (node 2 is dead, so it reaches
        # past the window's naive estimate); it must hold that naive estimate, worked out above
        band = re.search(r"eta (\d+)-(\d+) s", text)
        assert band is not None
        h, m, sec = (int(x) for x in eta.split(":"))
        assert int(band.group(1)) <= h * 3600 + m * 60 + sec <= int(band.group(2))
        assert "elapsed 00:01:49" in text  # 22:00:00, the first line, to 22:01:49, the newest
        # nodes, worst first, one row each; only processes in trouble get a row of their own
        nodes = app.main.query_one(NodesPane)
        assert nodes.row_keys == (
            "n\x002",
            "n\x001",
            "p\x001/process000",
            "p\x001/process001",
            "n\x000",
        )
        assert cells(row_of(text, "0 "))[:4] == ["0", "working", "39", "4"]
        assert cells(row_of(text, "2 "))[:3] == ["2", "✖", "dead"]
        # node 1: a process silent past the threshold is stale, the slow one a straggler
        assert cells(row_of(text, "1 "))[:3] == ["1", "⚠", "stale"]
        assert "slow" in row_of(text, "process001 slow")
        # right unfolds a node into all its processes, with the current mini-batch
        nodes.move_cursor(row=nodes.row_keys.index("n\x000"))
        await pilot.press("right")
        await pilot.pause()
        proc = [r for r in screen_text(app).splitlines() if "process000" in r and "working" in r]
        assert cells(proc[0])[:5] == ["process000", "working", "20", "2", "76"]  # 76: current
        assert len(nodes.row_keys) == 5 + 2
        await pilot.press("left")
        assert len(nodes.row_keys) == 5
        # errors newest first, with counts and where
        errors = app.main.query_one(ErrorsPane)
        assert errors.row_keys and len(errors.row_keys) == len(app.view.snapshot.errors)
        # a group of two different keys is titled as its pattern with one example (U12)
        assert "KeyError: '…' (e.g. 'feature_100')" in text
        # resources: per-node sparklines with the latest values
        assert "cpu" in text and "71%" in text


async def test_failed_job_shows_the_verdict_and_red_bar():
    app = fixture_app("v2-failed")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert "Failed" in text.splitlines()[0]
        verdict = "verdict The number of failed items is 45, which exceeds error threshold 40."
        pane = app.main.query_one(ProgressPane)
        shown = [line.plain for line in pane.lines(pane.content_size.width)]
        end = next(i for i, line in enumerate(shown) if line.startswith("mini-batches"))
        assert " ".join(shown[1:end]) == verdict  # under the bar, wrapped to the pane, never cut
        assert all(line in text for line in shown)
        bar = row_of(text, "Failed █")
        assert "█" in bar and "▒" in bar and "─" in bar  # ok, failed, to do: distinct glyphs
        assert "ended" in text


async def test_help_lists_every_key_and_esc_closes():
    app = fixture_app("v2-running")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = ""
        for _ in range(12):  # keys, then the legend below them
            text += screen_text(app)
            await pilot.press("pagedown")
            await pilot.pause()
        for _, key, what in KEYS + LEGEND:
            assert key in text and what in text
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is app.main


async def test_the_footer_shows_enter_tab_r_and_esc_at_80_columns():
    """ux-review D13: the footer showed only / s p l q ?; drilling in was undiscoverable."""
    app = fixture_app("v2-running")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: screen_text(app).splitlines()[-1].strip() != "")
        footer = screen_text(app).splitlines()[-1]
        for shown in ("⏎ open", "tab pane", "r reload", "esc clear", "q quit", "? help"):
            assert shown in footer


def test_every_key_in_a_footer_is_in_the_help():
    """The help screen is a table written by hand: prove it names every key a footer shows."""
    from batchtop.app.app import BatchtopApp
    from batchtop.app.error_detail_screen import ErrorDetailScreen
    from batchtop.app.main_screen import MainScreen
    from batchtop.app.synced_table import SyncedTable

    names = {"question_mark": "?", "slash": "/", "escape": "esc", "enter": "enter"}
    helped = " ".join(key for _, key, _ in KEYS)
    for owner in (BatchtopApp, MainScreen, SyncedTable, ErrorDetailScreen, LogViewerScreen):
        for binding in owner.BINDINGS:
            if binding.show:
                for key in binding.key.split(","):
                    assert names.get(key, key) in helped, (owner.__name__, key)


async def test_ctrl_c_quits_and_q_in_a_viewer_goes_back():
    app = fixture_app("v2-running")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter")  # the worst node's detail
        await pilot.pause()
        assert isinstance(app.screen, NodeDetailScreen)
        await pilot.press("q")
        await pilot.pause()
        assert app.screen is app.main and app.is_running
        await pilot.press("ctrl+c")
        await pilot.pause()
        assert not app.is_running


async def test_the_command_palette_offers_batchtops_actions():
    app = fixture_app("v2-running")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        titles = {c.title for c in app.get_system_commands(app.main)}
        assert {"Pause / resume", "Open a log file", "Filter", "Sort", "Help"} <= titles
        assert any("theme" in t.lower() for t in titles)  # Textual's themes


async def test_q_quits():
    app = fixture_app("v2-completed")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running
    assert app.return_code == 0


async def test_tab_moves_between_panes():
    app = fixture_app("v2-running")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.focused, NodesPane)
        await pilot.press("tab")
        assert isinstance(app.focused, ErrorsPane)
        await pilot.press("tab")
        assert isinstance(app.focused, ResourcesPane)
        await pilot.press("tab")
        assert isinstance(app.focused, NodesPane)
        await pilot.press("shift+tab")
        assert isinstance(app.focused, ResourcesPane)


async def test_filter_narrows_nodes_and_errors_and_esc_clears():
    app = fixture_app("v2-running")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash")
        await pilot.press(*"s001")
        await pilot.pause()
        nodes = app.main.query_one(NodesPane)
        procs = [k for k in nodes.row_keys if k.startswith("p")]
        assert sorted(procs) == ["p\x000/process001", "p\x001/process001", "p\x002/process001"]
        assert "filter “s001” 3/3" in screen_text(app)  # nodes shown, whole (U15)
        await pilot.press("enter")  # keeps the filter, back to the table
        assert isinstance(app.focused, NodesPane)
        assert len(nodes.row_keys) == 6
        await pilot.press("slash")
        await pilot.press("escape")
        await pilot.pause()
        assert len(nodes.row_keys) == 5  # 3 nodes, 2 processes in trouble
        # errors are filtered by message too
        await pilot.press("slash", *"keye")
        await pilot.pause()
        errors = app.main.query_one(ErrorsPane)
        assert [e.message.startswith("KeyError") for e in errors.errors.values()] == [True]
        await pilot.press("escape")


async def test_s_sorts_nodes_then_errors():
    app = fixture_app("v2-running")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        nodes = app.main.query_one(NodesPane)
        assert nodes.row_keys[0] == "n\x002"  # trouble first: the dead node
        await pilot.press("s")  # name: the snapshot's natural order
        await pilot.pause()
        assert [k for k in nodes.row_keys if k.startswith("n")] == ["n\x000", "n\x001", "n\x002"]
        assert "sort name" in screen_text(app)
        await pilot.press("s")  # state: worst first
        assert nodes.row_keys[0] == "n\x002"
        await pilot.press("s")  # done: most first
        assert nodes.row_keys[0] == "n\x000"
        await pilot.press("tab", "s")  # errors by count
        await pilot.pause()
        errors = app.main.query_one(ErrorsPane)
        counts = [errors.errors[k].count for k in errors.row_keys]
        assert counts == sorted(counts, reverse=True)


async def test_enter_on_a_process_opens_its_node_and_its_files():
    app = fixture_app("v2-running")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("down", "down", "down")  # dead 2, stale 1, its process000, process001
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, NodeDetailScreen)
        assert app.screen.node == "1" and app.screen.process == "process001"
        text = screen_text(app)
        assert "node 1 · process process001" in text and "1 slow" in text
        assert app.screen.files[0].endswith("process001.txt") or "process001" in app.screen.files[0]
        await pilot.press("enter")  # open the first file
        await pilot.pause()
        assert isinstance(app.screen, LogViewerScreen)
        await wait_for(pilot, lambda: app.screen.loads == 1)
        assert app.screen.path == app.screen_stack[-2].files[0]
        await pilot.press("escape", "escape")
        await pilot.pause()
        assert app.screen is app.main


async def test_enter_on_an_error_shows_the_traceback_and_o_opens_the_file():
    app = fixture_app("v2-failed")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("tab", "down", "enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ErrorDetailScreen)
        text = screen_text(app)
        assert "Traceback (most recent call last):" in text
        assert screen.error.path in text
        assert f"{screen.error.count} occurrence" in text
        await pilot.press("o")
        await pilot.pause()
        viewer = app.screen
        assert isinstance(viewer, LogViewerScreen) and viewer.path == screen.error.path
        await wait_for(pilot, lambda: viewer.loads == 1)
        await pilot.pause()
        last_line = screen.error.traceback.strip().split("\n")[-1]
        assert last_line in screen_text(app)  # scrolled to the error
        await pilot.press("escape")
        assert app.screen is screen
        await pilot.press("escape")
        assert app.screen is app.main


async def test_l_opens_any_file_in_the_viewer():
    app = fixture_app("v2-completed")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("l")
        await wait_for(pilot, lambda: isinstance(app.screen, FilePickerScreen))
        await pilot.press(*"51700")
        await pilot.press("enter")
        await pilot.pause()
        viewer = app.screen
        assert isinstance(viewer, LogViewerScreen)
        assert viewer.path.endswith("job_progress_overview.2023051700.txt")
        await wait_for(pilot, lambda: viewer.loads == 1)
        log = viewer.query_one(Log)
        assert log.line_count > 0
        await pilot.press("f")
        assert "following" in screen_text(app).splitlines()[0]
        await pilot.press("escape")
        assert app.screen is app.main
        await pilot.press("l")
        await wait_for(pilot, lambda: isinstance(app.screen, FilePickerScreen))
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is app.main


async def test_resize_reflows_between_narrow_and_wide():
    app = fixture_app("v2-running")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.main.has_class("-stacked")
        narrow_bar = row_of(screen_text(app), "Running ")
        await pilot.resize_terminal(160, 48)
        await pilot.pause()
        assert app.main.has_class("-wide")
        wide_bar = row_of(screen_text(app), "Running ")
        assert wide_bar.count("█") > narrow_bar.count("█")


async def test_mouse_click_selects_a_row():
    app = fixture_app("v2-running")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        nodes = app.main.query_one(NodesPane)
        await pilot.click(NodesPane, offset=(5, 5))
        await pilot.pause()
        assert nodes.cursor_row == 3


async def test_no_color_is_honoured_and_states_still_read(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    app = fixture_app("v2-running")
    assert app.no_color
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        text = screen_text(app)
        # what reaches the terminal goes through Textual's no-colour filter
        filters = {type(f).__name__ for f in app.get_line_filters()}
        assert filters & {"Monochrome", "NoColor"}
        # ux-review D6: the filter turns red into a dark grey, so alarms must not rest on
        # colour: after the filter, dead is reverse video and stale is underlined
        styles: dict[str, list] = {"✖ dead": [], "⚠ stale": []}
        for strip in app.screen._compositor.render_strips():
            for line_filter in app.get_line_filters():
                strip = strip.apply_filter(line_filter, app.screen.styles.background)
            for seg in strip:
                for word, found in styles.items():
                    if word in seg.text and seg.style is not None:
                        found.append(seg.style)
        assert styles["✖ dead"] and all(st.reverse and st.bold for st in styles["✖ dead"])
        assert styles["⚠ stale"] and all(st.underline and st.bold for st in styles["⚠ stale"])
    # words and glyphs carry the meaning without colour
    assert "✖ dead" in text and "⚠ stale" in text and "slow" in text
    bar = row_of(text, "Running █")
    assert "█" in bar and "▒" in bar


async def test_100_nodes_x_32_processes_update_cells_not_rows():
    import dataclasses

    from batchtop.app.liveness import Liveness
    from batchtop.snapshot import NodeView, ProcessView

    app = fixture_app("v2-running")
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        base = app.latest

        def big(version: int, bump: int) -> object:
            nodes = tuple(
                NodeView(
                    name=f"10.0.{n // 250}.{n % 250}",
                    processes=tuple(
                        ProcessView(
                            f"10.0.{n // 250}.{n % 250}",
                            f"process{p:03d}",
                            processed=10 + (bump if (n, p) == (7, 3) else 0),
                            failed=1,
                            current=n * 32 + p,
                            last_seen=base.data_time,
                            first_seen=base.started_at,
                        )
                        for p in range(32)
                    ),
                    last_seen=base.data_time,
                )
                for n in range(100)
            )
            return dataclasses.replace(base, nodes=nodes, version=version)

        nodes = app.main.query_one(NodesPane)
        nodes.expanded = {f"10.0.{n // 250}.{n % 250}" for n in range(100)}  # every process
        liveness = Liveness()
        view = liveness.derive(big(1000, 0), 0.0, False)
        nodes.show(view)
        await pilot.pause()
        assert len(nodes.row_keys) == 100 * 33
        rebuilds, renders = nodes.rebuilds, nodes.renders
        nodes.show(liveness.derive(big(1001, 5), 0.0, False))
        await pilot.pause()
        assert nodes.rebuilds == rebuilds  # one changed process: cells updated in place
        assert nodes.renders - renders <= 1  # and at most its own row drawn again (issue 18)
        assert nodes.get_cell("p\x0010.0.0.7/process003", "done").plain == "15"
