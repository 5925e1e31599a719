"""The TUI (Pilot) on the hostile corpus: every screen opened, the terminal resized during a
burst of live writes; no crash, and no control byte or secret from the logs on screen."""

from __future__ import annotations

import threading

from corpus import SECRET_VALUES, unlock, write_corpus

from batchtop.app.app import BatchtopApp
from batchtop.ingest import Ingestor
from batchtop.simulator import LiveSimulator, SimConfig
from batchtop.sources.local import LocalTree, follow

SCREEN_CONTROL = ("\x1b", "\x07", "\x9b", "\x9d", "\x00", "\u202e")


def screen_text(app: BatchtopApp) -> str:
    return app.export_screenshot()


def assert_screen_clean(app: BatchtopApp) -> None:
    svg = screen_text(app)
    for ch in SCREEN_CONTROL:
        assert ch not in svg, repr(ch)
    for value in SECRET_VALUES:
        assert value not in svg, value


async def test_every_screen_on_the_corpus(tmp_path):
    write_corpus(tmp_path)
    try:
        ingestor = Ingestor()
        tree = LocalTree.open(tmp_path, ingestor)
        tree.read_all()
        ingestor.flush(final=True)
        app = BatchtopApp(
            ingestor,
            label="hostile \x1b]0;t\x07[bold]",
            list_files=lambda: sorted(tree.tails),
            read_file=lambda rel: tree.full_path(rel).read_bytes(),
            tick=None,
            clock=lambda: 1684274400.0,
        )
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            assert_screen_clean(app)
            for keys in (
                ["tab", "enter"],  # a node
                ["escape", "tab", "tab", "enter"],  # an error's detail
                ["o"],  # its file
                ["escape", "escape", "l"],  # the file picker
                ["enter", "end", "home", "f"],  # a log file
                ["escape", "escape", "question_mark"],
                ["escape", "slash", "[", "b", "o", "l", "d", "]", "escape"],
            ):
                for key in keys:
                    await pilot.press(key)
                    await pilot.pause()
                assert_screen_clean(app)
    finally:
        unlock(tmp_path)


async def test_resize_during_a_burst_of_live_writes(tmp_path):
    sim = LiveSimulator(tmp_path, SimConfig(era="v2", nodes=3, processes=3, mini_batches=300))
    sim.step(5.0)
    ingestor = Ingestor()
    tree = LocalTree.open(tmp_path, ingestor)

    def follower(stop: threading.Event, on_change) -> None:
        tree.read_all()
        on_change()
        follow(tree, stop, on_change)

    app = BatchtopApp(ingestor, follower=follower, label="burst", interval=0.05)
    async with app.run_test(size=(80, 24)) as pilot:
        for k, size in enumerate([(40, 10), (200, 60), (20, 5), (120, 30), (80, 24)] * 4):
            sim.step(30.0)
            await pilot.resize_terminal(*size)
            await pilot.pause(0.05)
            if k % 5 == 0:
                await pilot.press("tab")
        sim.finish()
        await pilot.pause(1.5)
        assert app.is_running
    assert ingestor.snapshot().mini_batches.processed <= sim.truth.processed
