"""Helpers for the UI tests: apps over fixture trees, apps following a live simulator, and
the text the screen shows (what a user would read), so assertions are about the screen."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from batchtop.app.app import BatchtopApp
from batchtop.app.source import LocalSource, make_app
from batchtop.ingest import Ingestor
from batchtop.sources.local import LocalTree
from screenshots import FIXTURES, FROZEN_CLOCK, fixture_app


def screen_text(app: BatchtopApp) -> str:
    """The characters on the terminal right now, one line per row."""
    strips = app.screen._compositor.render_strips()
    return "\n".join("".join(seg.text for seg in strip) for strip in strips)


async def wait_for(pilot, condition: Callable[[], bool], timeout: float = 8.0) -> None:
    """Let the app run until `condition()` holds (live tests wait on real threads)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError("timed out waiting for the screen to change")
        await pilot.pause(0.05)


def live_app(folder: Path, bell: bool = False, interval: float = 0.2) -> BatchtopApp:
    """An app following `folder` with the real local source (watchfiles) in a thread."""
    tree = LocalTree(folder=folder, ingestor=Ingestor())
    return make_app(LocalSource(tree, f"live {folder.name}"), bell=bell, interval=interval)


__all__ = ["FIXTURES", "FROZEN_CLOCK", "fixture_app", "live_app", "screen_text", "wait_for"]
