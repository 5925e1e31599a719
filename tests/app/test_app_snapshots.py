"""SVG snapshots of the main screens at 80x24 and 160x48 (pytest-textual-snapshot), a
100-node job at 120x40, and NO_COLOR frames whose alarms must show by glyph and weight.

Trees are read whole with the clock frozen (see tools/screenshots.py), so the SVGs do not
change from run to run. Update them deliberately with `pytest --snapshot-update tests/app`.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from screenshots import fixture_app, simulated_100_app, simulated_app

SIZES = [(80, 24), (160, 48)]
SCENES = {
    "running": (None, ()),
    "failed": ("v2-failed", ()),
    "error-detail": ("v2-failed", ("tab", "down", "enter")),
    "node-detail": ("v2-running", ("down", "down", "down", "enter")),
    "log-viewer": ("v2-failed", ("tab", "down", "enter", "o")),
    "help": ("v2-running", ("question_mark",)),
}


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("scene", list(SCENES))
def test_screen(snap_compare, tmp_path: Path, scene: str, size: tuple[int, int]) -> None:
    tree, keys = SCENES[scene]
    app = simulated_app(tmp_path) if tree is None else fixture_app(tree)

    async def settle(pilot) -> None:
        await pilot.pause()
        for key in keys:
            await pilot.press(key)
            await pilot.pause()
        await pilot.pause(0.2)  # the log viewer reads in a worker

    assert snap_compare(app, terminal_size=size, run_before=settle)


def test_100_nodes_at_120x40(snap_compare, tmp_path: Path) -> None:
    """The worst nodes first, one row each; the heatmap; errors with their places."""
    assert snap_compare(simulated_100_app(tmp_path), terminal_size=(120, 40))


@pytest.mark.parametrize("scene", ["running", "failed"])
def test_no_color(snap_compare, tmp_path: Path, monkeypatch, scene: str) -> None:
    """NO_COLOR: ✖ dead in reverse video, ⚠ stale underlined, failed counts in bold."""
    monkeypatch.setenv("NO_COLOR", "1")
    app = simulated_app(tmp_path) if scene == "running" else fixture_app("v2-failed")
    assert app.no_color
    assert snap_compare(app, terminal_size=(80, 24))
