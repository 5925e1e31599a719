"""Scrubbing through the past: `[`/`]` one minute, `{`/`}` ten, home, end and esc back to live.

The app reads a simulated 13-minute job whole (frozen clock), through a RecordingState as
`batchtop --dir` does, and every assertion is about what the screen shows.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from apphelpers import FROZEN_CLOCK, fixture_app, screen_text, wait_for

from batchtop.app.app import BatchtopApp
from batchtop.app.progress_pane import FAILED_CHAR, LATER_CHAR, OK_CHAR, TODO_CHAR
from batchtop.ingest import Ingestor
from batchtop.simulator import SimConfig, write_tree
from batchtop.sources.local import LocalTree
from batchtop.timeline import RecordingState

SIZE = (120, 36)


@pytest.fixture(scope="module")
def sim_tree(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("sim")
    write_tree(
        folder,
        SimConfig(era="v2", nodes=3, processes=2, mini_batches=900, dead_node=2, dead_at=0.5,
                  seed=4),
    )  # fmt: skip
    return folder


def recording_app(folder: Path) -> BatchtopApp:
    ingestor = Ingestor(RecordingState())
    LocalTree.open(folder, ingestor).read_all()
    ingestor.flush(final=True)
    return BatchtopApp(ingestor, label="sim", clock=lambda: FROZEN_CLOCK, tick=None)


def header(app: BatchtopApp) -> str:
    return screen_text(app).splitlines()[0]


def processed(app: BatchtopApp) -> int:
    assert app.view is not None
    return app.view.snapshot.mini_batches.processed


async def test_brackets_step_back_and_forth_and_the_header_says_replay(sim_tree):
    app = recording_app(sim_tree)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        live = processed(app)
        end = app.latest.data_time
        assert "replay" not in header(app)
        await pilot.press("left_square_bracket")
        await pilot.pause()
        assert app.replay_at == pytest.approx(end - 60)
        assert re.search(r"replay at \d\d:\d\d:\d\d \(live: \d\d:\d\d:\d\d\)", header(app))
        one_back = processed(app)
        assert one_back < live
        await pilot.press("left_curly_bracket")
        await pilot.pause()
        assert app.replay_at == pytest.approx(end - 660)
        eleven_back = processed(app)
        assert eleven_back < one_back
        await pilot.press("right_curly_bracket")
        await pilot.pause()
        assert processed(app) == one_back
        await pilot.press("right_square_bracket")  # back at the end: live again
        await pilot.pause()
        assert app.replay_at is None and processed(app) == live
        assert "replay" not in header(app)


async def test_home_goes_to_the_start_and_esc_and_end_return_to_live(sim_tree):
    app = recording_app(sim_tree)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        live_status = app.view.snapshot.status
        await pilot.press("left_square_bracket", "home")
        await pilot.pause()
        assert app.replay_at == app.latest.started_at
        assert processed(app) < 60 and app.view.snapshot.status != live_status
        await pilot.press("escape")
        await pilot.pause()
        assert app.replay_at is None and app.view.snapshot.status == live_status
        await pilot.press("left_curly_bracket", "end")
        await pilot.pause()
        assert app.replay_at is None


async def test_a_dead_node_is_alive_in_the_past(sim_tree):
    app = recording_app(sim_tree)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        states = {row.view.name: row.state for row in app.view.nodes}
        assert states["2"] == "dead"
        start, end = app.latest.started_at, app.latest.data_time
        app.replay_at = start + 0.3 * (end - start)  # before node 2 died (at half way)
        app.render_view()
        await pilot.pause()
        past = {row.view.name: row.state for row in app.view.nodes}
        assert past["2"] != "dead"


async def test_keys_stay_with_the_filter_box_and_the_panes_while_live(sim_tree):
    app = recording_app(sim_tree)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("slash", "left_square_bracket")
        await pilot.pause()
        assert app.replay_at is None  # typed into the filter, not a replay step
        await pilot.press("escape", "home", "end")
        await pilot.pause()
        assert app.replay_at is None


async def test_a_source_without_history_says_so():
    app = fixture_app("v2-failed")  # a plain Ingestor: no timeline kept
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("left_square_bracket")
        await pilot.pause(0.5)  # the toast slides in
        assert app.replay_at is None
        assert any("keeps no history" in n.message for n in app._notifications)


def bar_row(app: BatchtopApp) -> str:
    """The progress bar's row: the first row inside a pane that holds a bar glyph."""
    glyphs = (OK_CHAR, FAILED_CHAR, LATER_CHAR, TODO_CHAR)
    rows = screen_text(app).splitlines()
    return next(r for r in rows if r.startswith("│") and any(g in r for g in glyphs))


async def test_the_progress_bar_marks_the_replayed_moment_by_glyph(sim_tree, monkeypatch):
    """At 80x24 and NO_COLOR the bar must say, by glyph alone, where the replayed moment is:
    what was done then (█ ▒), what got done between then and live (━), what is still to do
    (─); and the pane's title says it is a replay."""
    monkeypatch.setenv("NO_COLOR", "1")
    app = recording_app(sim_tree)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert LATER_CHAR not in bar_row(app)
        assert "replay" not in screen_text(app).splitlines()[1]
        start, end = app.latest.started_at, app.latest.data_time
        app.replay_at = start + 0.5 * (end - start)
        app.render_view()
        await pilot.pause()
        row = bar_row(app)
        done_then = row.count(OK_CHAR) + row.count(FAILED_CHAR)
        later = row.count(LATER_CHAR)
        assert done_then > 0 and later > 0
        assert row.index(LATER_CHAR) > row.rindex(OK_CHAR)  # the mark follows the past
        width = done_then + later + row.count(TODO_CHAR)
        live = app.latest.mini_batches
        past = app.view.snapshot.mini_batches
        assert past.processed < live.processed
        # the cells of "done later" stand for the mini-batches done between then and live
        expected = width * (live.processed - past.processed) / max(live.total or 0, 1)
        assert abs(later - expected) <= 2
        assert "Progress · replay" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert LATER_CHAR not in bar_row(app)
        assert "Progress · replay" not in screen_text(app)


async def test_dir_at_opens_the_tui_at_that_moment_and_esc_returns_to_live(sim_tree, monkeypatch):
    """`batchtop --dir T --at +5m` without --once/--json opens the screen (it printed the text
    summary), through the one factory, with the replay cursor at five minutes past the start."""
    import sys

    from batchtop import cli
    from batchtop.app import main as app_main
    from batchtop.app.source import make_app

    built: dict = {}

    class Ran:
        return_code = 0

        def run(self) -> None:
            built["ran"] = True

    def factory(source, bell=False, at=None, alerts=None):
        built["source"], built["at"] = source, at
        return Ran()

    monkeypatch.setattr(app_main, "make_app", factory)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    assert cli.main(["--dir", str(sim_tree), "--at", "+5m"]) == 0
    assert built.get("ran") and built["at"] == "+5m"

    final = recording_app(sim_tree).ingestor.snapshot()
    app = make_app(built["source"], at=built["at"], clock=lambda: FROZEN_CLOCK, tick=None)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(
            pilot, lambda: app.latest is not None and app.latest.version == final.version
        )
        await pilot.pause()
        assert app.replay_at == pytest.approx(final.started_at + 300)
        assert re.search(r"replay at \d\d:\d\d:\d\d \(live: \d\d:\d\d:\d\d\)", header(app))
        assert 0 < processed(app) < final.mini_batches.processed
        await pilot.press("escape")
        await pilot.pause()
        assert app.replay_at is None and processed(app) == final.mini_batches.processed


def test_dir_at_with_a_bad_time_says_so_before_any_screen(sim_tree, monkeypatch, capsys):
    import sys

    from batchtop import cli
    from batchtop.app import main as app_main

    def factory(*args, **kwargs):
        raise AssertionError("no screen for a time that names no time")

    monkeypatch.setattr(app_main, "make_app", factory)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    assert cli.main(["--dir", str(sim_tree), "--at", "yesterday"]) != 0
    assert "+25m" in capsys.readouterr().err


def test_stream_at_opens_the_tui_replaying_with_a_timeline(monkeypatch):
    """`batchtop --stream FILE --at +1m` (no --once): the screen opens replaying that moment
    over a timeline, as --dir does; it used to print the text summary instead."""
    from batchtop import cli
    from batchtop.app.app import BatchtopApp
    from batchtop.timeline import RecordingState

    seen = {}

    def run(self, *args, **kwargs):
        seen["pending"] = self.replay_pending
        seen["timeline"] = isinstance(self.ingestor.state, RecordingState)

    monkeypatch.setattr(BatchtopApp, "run", run)
    monkeypatch.setattr(cli.sys.stdout, "isatty", lambda: True)  # a terminal, not a pipe
    stream = Path(__file__).resolve().parents[1] / "data" / "stream" / "pipeline-failed.stream"
    cli.main(["--stream", str(stream), "--at", "+1m"])
    assert seen == {"pending": "+1m", "timeline": True}
