"""One front door: the CLI, the screenshots and the test helpers build the app over a `Source`
through `make_app`, instead of wiring followers and file readers by hand in each place."""

from __future__ import annotations

import importlib.util
import sys

from batchtop import cli
from batchtop.app import main as app_main
from batchtop.app.source import LocalSource
from batchtop.ingest import Ingestor
from batchtop.sources.local import LocalTree
from screenshots import FIXTURES, tree_app


def test_the_cli_builds_the_app_through_the_one_factory(monkeypatch):
    built = {}

    class Ran:
        return_code = 0

        def run(self) -> None:
            built["ran"] = True

    def factory(source, bell=False, at=None, alerts=None):
        built["source"], built["bell"] = source, bell
        return Ran()

    monkeypatch.setattr(app_main, "make_app", factory)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)  # a terminal: the TUI, not --once
    code = cli.main(["--dir", str(FIXTURES / "v2-failed"), "--bell"])
    source = built["source"]
    assert isinstance(source, LocalSource) and source.live and built["bell"] and built["ran"]
    assert source.label == str(FIXTURES / "v2-failed")
    assert code == 0  # nothing was followed, so nothing failed yet


def test_a_local_source_read_once_is_frozen_and_serves_files():
    source = LocalSource(LocalTree.open(FIXTURES / "v2-failed", Ingestor()), "x", live=False)
    assert source.ingestor.snapshot().status == "Failed"
    assert "logs/job_error.txt" in source.files()
    whole = source.read("logs/job_error.txt")
    size, tail = source.read_from("logs/job_error.txt", len(whole) - 10)
    assert size == len(whole) and tail == whole[-10:]
    app = tree_app(FIXTURES / "v2-failed")
    assert app.follower is None and not app.live


def test_the_screenshot_script_is_not_in_the_package():
    """A developer tool (it reads the checkout's fixtures/) lives in tools/, not in batchtop."""
    assert importlib.util.find_spec("batchtop.app.screenshots") is None
    assert (FIXTURES.parent / "tools" / "screenshots.py").is_file()
