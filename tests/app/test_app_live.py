"""The app following a tree while the simulator writes it: real watchfiles, real threads.

The simulator is stepped by the test (LiveSimulator), so each step's bytes are on disk when
`step` returns and the test knows exactly which numbers must appear next.
"""

from __future__ import annotations

import time
from pathlib import Path

from apphelpers import live_app, screen_text, wait_for

from batchtop.app.header_bar import HeaderBar
from batchtop.app.main import run_tui, run_tui_on_stream
from batchtop.app.nodes_pane import NodesPane
from batchtop.app.textfmt import log_text
from batchtop.cli import read_tree_once
from batchtop.simulator import LiveSimulator, SimConfig
from batchtop.summary import summary_dict

CONFIG = SimConfig(era="v2", nodes=2, processes=2, mini_batches=60, seed=3, failure_rate=0.1)


def processed(app) -> int:
    return app.view.snapshot.mini_batches.processed if app.view else -1


async def test_live_simulator_numbers_reach_the_screen(tmp_path: Path):
    sim = LiveSimulator(tmp_path, CONFIG)
    sim.step(20.0)
    app = live_app(tmp_path, bell=True)
    async with app.run_test(size=(120, 36)) as pilot:
        # the history found on attach is read first (no states, no age until then)
        await wait_for(
            pilot,
            lambda: app.view is not None
            and processed(app) > 0
            and app.view.snapshot.reading is None,
        )
        first = processed(app)
        assert f"{first}/60" in screen_text(app)
        header = app.main.query_one(HeaderBar)
        assert "ago" in header.build(app.view, False).plain  # live: the age of the data
        sim.step(30.0)
        await wait_for(pilot, lambda: processed(app) > first)
        # pause: the view freezes while reading goes on underneath
        await pilot.press("p")
        await pilot.pause()
        assert "PAUSED" in screen_text(app).splitlines()[0]
        frozen = processed(app)
        truth = sim.finish()
        await wait_for(pilot, lambda: app.latest.status == "Completed")
        await pilot.pause(0.3)
        assert processed(app) == frozen
        assert f"{frozen}/60" in screen_text(app)
        await pilot.press("p")
        await pilot.pause()
        text = screen_text(app)
        assert "PAUSED" not in text.splitlines()[0]
        assert f"{truth.processed}/{truth.total}" in text
        assert f"{truth.succeeded} ok" in text and f"{truth.failed} failed" in text
        assert "Completed" in text.splitlines()[0]
        assert app.bells == 1  # the job finished while we watched: one bell
        # every process row shows the ground truth
        for node, procs in truth.processes.items():
            for name, pt in procs.items():
                row = app.view.nodes
                view = next(p for n in row for p in n.processes if p.view.key == f"{node}/{name}")
                assert (view.view.processed, view.view.failed) == (pt.processed, pt.failed)
        live = summary_dict(app.latest)
        whole = summary_dict(read_tree_once(tmp_path)[0].snapshot())
        for key in ("status", "mini_batches", "items", "nodes"):
            assert live[key] == whole[key], key


async def test_a_burst_is_one_repaint_and_idle_costs_nothing(tmp_path: Path):
    sim = LiveSimulator(tmp_path, CONFIG)
    sim.step(5.0)
    app = live_app(tmp_path, interval=0.25)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.view is not None and processed(app) >= 0)
        await pilot.pause(0.5)
        before_renders, before_snaps = app.renders, app.pump.snapshots
        # 10,000 log lines in a quick burst (one driver log line per write)
        log = tmp_path / "user_logs" / "std_log_0.txt"
        log.parent.mkdir(parents=True, exist_ok=True)
        with open(log, "a", encoding="utf-8") as handle:
            for i in range(10_000):
                handle.write(f"2023-05-16 22:00:06,000 INFO burst line {i}\n")
                handle.flush()
        await wait_for(pilot, lambda: app.pump.snapshots > before_snaps)
        await pilot.pause(1.0)
        # a 10,000-line burst is a handful of snapshots and repaints, not 10,000
        assert app.pump.snapshots - before_snaps <= 6
        assert app.renders - before_renders <= 10  # incl. 1 s clock ticks
        # a finished job: no ticks, no snapshots, nothing to do
        sim.finish()
        await wait_for(pilot, lambda: app.latest.status == "Completed")
        await pilot.pause(2.0)  # the source flushes quiet files once, 1.5 s after their bytes
        renders, snaps = app.renders, app.pump.snapshots
        await pilot.pause(2.5)
        assert (app.renders, app.pump.snapshots) == (renders, snaps)


async def test_a_quiet_source_is_said_once_in_the_header_and_states_stay(tmp_path: Path):
    """issue 9 item 6: the source going quiet is one fact in the header; node states are
    judged on the job's own clock, so two silent hours change none of them (they used to turn
    every process stale, then dead, one node after another)."""
    sim = LiveSimulator(tmp_path, CONFIG)
    sim.step(30.0)
    now = [time.time()]
    app = live_app(tmp_path)
    app.clock = lambda: now[0]
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: app.view is not None and processed(app) > 0)
        await pilot.pause(0.3)
        first = processed(app)
        now[0] += 10  # a pause, then the job writes more: a source that grows, followed live
        sim.step(10.0)
        await wait_for(pilot, lambda: processed(app) > first)
        await pilot.pause(0.3)
        before = {(n.view.name, n.state) for n in app.view.nodes}
        assert "stale" not in screen_text(app)
        now[0] += 7200  # two hours with no new bytes
        app.render_view()
        await pilot.pause()
        text = screen_text(app)
        assert "no new data for 2h" in text.splitlines()[0]
        assert "opened later" not in text.splitlines()[0]
        assert {(n.view.name, n.state) for n in app.view.nodes} == before
        assert "stale" not in text
        nodes = app.main.query_one(NodesPane)
        # only processes in trouble get rows of their own under their node (issue 11): two
        # quiet hours put none in trouble
        assert not {k for k in nodes.row_keys if k.startswith("p")}


def test_log_text_is_never_markup_or_escapes():
    text = log_text("[bold]x[/] \x1b[31mred\x1b[0m sig=abcdef")
    assert text.plain == "[bold]x[/] ␛[31mred␛[0m sig=***"
    assert not text.spans


async def test_markup_and_ansi_in_logs_are_shown_as_text(tmp_path: Path, fixture_copy):
    tree = fixture_copy("v2-failed")
    error_file = tree / "logs" / "user" / "error" / "0" / "process000.txt"
    with open(error_file, "a", encoding="utf-8") as handle:
        handle.write(
            "2023-05-16 22:00:40,000|ERROR|100|139967160076032|run() raised an exception "
            'for mini batch {"id": 99, "dequeue_count": 1}.\n'
            "Traceback (most recent call last):\n"
            '  File "score.py", line 1, in run\n'
            "ValueError: [bold red]boom[/] \x1b[2J\x1b]0;pwned\x07 [link=http://x]y[/link]\n"
        )
    from screenshots import tree_app

    app = tree_app(tree)
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert "ValueError: [bold red]boom[/] ␛[2J␛]0;pwned␇ [link=" in text
        errors = app.main.query_one("#errors")
        key = next(k for k in errors.row_keys if "boom" in errors.errors[k].message)
        errors.move_cursor(row=errors.row_keys.index(key))
        errors.focus()
        await pilot.press("enter")
        await pilot.pause()
        assert "ValueError: [bold red]boom[/] ␛[2J␛]0;pwned␇ [link=http://x]y[/link]" in (
            screen_text(app)
        )


def test_run_tui_returns_the_once_exit_codes(monkeypatch, fixture_copy):
    from batchtop.app.app import BatchtopApp

    monkeypatch.setattr(BatchtopApp, "run", lambda self, **kw: None)
    for name, code in (("v2-running", 0), ("v2-completed", 0), ("v2-failed", 1)):
        ingestor, tree = read_tree_once(fixture_copy(name))
        assert run_tui(ingestor, None, name, read_file=lambda rel: b"") == code


def test_run_tui_on_stream_reads_a_file_in_a_thread(monkeypatch, tmp_path: Path):
    import threading

    from batchtop.app import main as app_main
    from batchtop.ingest import Ingestor

    transcript = tmp_path / "stream.txt"
    transcript.write_bytes((Path(__file__).parents[1] / "test_parsers.py").read_bytes()[:0])
    seen = {}

    def fake_run_tui(ingestor, follower, label, list_files, read_file, bell, at=None, alerts=None):
        stop = threading.Event()
        follower(stop, lambda: None)
        seen.update(label=label, files=list_files(), text=read_file(list_files()[0]))
        return 0

    monkeypatch.setattr(app_main, "run_tui", fake_run_tui)
    transcript.write_bytes(b"RunId: job-1\nsome line\n")
    assert run_tui_on_stream(Ingestor(), str(transcript)) == 0
    assert seen["label"] == f"stream {transcript}"
    assert seen["text"] == b"RunId: job-1\nsome line\n"
