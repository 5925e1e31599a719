"""Regenerate the README's SVG screenshots from the fixture trees and the simulator.

    python tools/screenshots.py [OUT_DIR]      (default: the checkout's screenshots/)

A developer tool, kept outside the package: an installed batchtop has no use for it, and it
reads the checkout's fixtures/. The tests import its scene builders (pytest puts tools/ on the
path, see pyproject.toml).

Every scene is a tree read whole (no follower) with the clock frozen, so the SVGs are the same
on every run and only change when the UI or the data does. The same scene builders feed the
snapshot tests (tests/app/test_app_snapshots.py).
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from batchtop.app.app import BatchtopApp
from batchtop.app.source import LocalSource, make_app
from batchtop.ingest import Ingestor
from batchtop.sources.local import LocalTree

FROZEN_CLOCK = 1_700_000_000.0


def _repo_folder(name: str) -> Path:
    """`fixtures/` or `screenshots/` of the checkout this script sits in (tools/..)."""
    return Path(__file__).resolve().parents[1] / name


FIXTURES = _repo_folder("fixtures")


def tree_app(folder: Path, label: str | None = None) -> BatchtopApp:
    """An app over a whole tree, read once, frozen clock: deterministic frames."""
    tree = LocalTree.open(folder, Ingestor())
    source = LocalSource(tree, label or f"fixtures/{folder.name}", live=False)
    return make_app(source, clock=lambda: FROZEN_CLOCK, tick=None)


def fixture_app(name: str) -> BatchtopApp:
    return tree_app(FIXTURES / name)


def simulated_app(folder: Path) -> BatchtopApp:
    """A bigger running job than the fixtures: 4 nodes x 4 processes, 60 % through."""
    from batchtop.simulator import SimConfig, write_tree

    config = SimConfig(
        era="v2",
        nodes=4,
        processes=4,
        mini_batches=2000,
        failure_rate=0.02,
        timeout_rate=0.005,
        dead_node=3,
        dead_at=0.4,
        stop_at=0.6,
        seed=7,
    )
    write_tree(folder, config)
    return tree_app(folder, label="demo (simulated job)")


def simulated_100_app(folder: Path) -> BatchtopApp:
    """A 100-node job (4 processes each) 70 % through, node 37 dead since 20 %: the scale at
    which the screen must still show the worst nodes first."""
    from batchtop.simulator import SimConfig, write_tree

    config = SimConfig(
        era="v2",
        nodes=100,
        processes=4,
        mini_batches=8000,
        failure_rate=0.03,
        dead_node=37,
        dead_at=0.2,
        stop_at=0.7,
        seed=3,
    )
    write_tree(folder, config)
    return tree_app(folder, label="simulated 100-node job")


@dataclass
class Scene:
    name: str
    make: Callable[[Path], BatchtopApp]
    size: tuple[int, int]
    keys: tuple[str, ...] = ()


def _fixture(name: str) -> Callable[[Path], BatchtopApp]:
    return lambda _work: fixture_app(name)


SCENES = (
    Scene("running", simulated_app, (160, 48)),
    Scene("running-80x24", simulated_app, (80, 24)),
    Scene("running-100-nodes-120x40", simulated_100_app, (120, 40)),
    Scene("failed", _fixture("v2-failed"), (120, 40)),
    Scene("failed-error-detail", _fixture("v2-failed"), (120, 36), ("tab", "down", "enter")),
    Scene("node-detail", _fixture("v2-running"), (120, 36), ("down", "down", "down", "enter")),
    Scene("log-viewer", _fixture("v2-failed"), (120, 36), ("tab", "down", "enter", "o")),
    Scene("help", _fixture("v2-running"), (120, 36), ("question_mark",)),
)


async def shoot(scene: Scene, out: Path, work: Path) -> Path:
    app = scene.make(work)
    async with app.run_test(size=scene.size) as pilot:
        await pilot.pause()
        for key in scene.keys:
            await pilot.press(key)
            await pilot.pause()
        await pilot.wait_for_scheduled_animations()
        await pilot.pause(0.3)
        svg = app.export_screenshot(title=f"batchtop · {scene.name}")
    target = out / f"{scene.name}.svg"
    target.write_text(svg, encoding="utf-8")
    return target


async def shoot_all(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    made = []
    for scene in SCENES:
        with tempfile.TemporaryDirectory(prefix="batchtop-shot-") as work:
            made.append(await shoot(scene, out, Path(work)))
    return made


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0]) if args else _repo_folder("screenshots")
    for path in asyncio.run(shoot_all(out)):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
