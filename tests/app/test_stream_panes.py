"""U21: on a stream, the Nodes and Errors panes say in one line what a stream cannot show,
instead of sitting empty as if the job had no nodes and no errors."""

from __future__ import annotations

from pathlib import Path

from apphelpers import FIXTURES, fixture_app, screen_text

from batchtop.app.app import BatchtopApp
from batchtop.ingest import Ingestor
from batchtop.sources.stream import read_stream

STREAM = FIXTURES / "real-streams" / "n1-batch-failed.stdout.stream"


def stream_app(path: Path) -> BatchtopApp:
    ingestor = Ingestor()
    with path.open("rb") as handle:
        read_stream(handle, ingestor)
    return BatchtopApp(ingestor, follower=None, label=f"stream {path.name}")


async def test_a_streams_empty_panes_say_why():
    app = stream_app(STREAM)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause(0.3)
        text = screen_text(app)
    assert "a stream carries no node logs: `batchtop <job name>` shows them" in text
    assert "a stream shows no worker errors" in text


async def test_a_log_tree_does_not_get_the_stream_note():
    app = fixture_app("v2-failed")
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause(0.3)
        text = screen_text(app)
    assert "a stream carries" not in text and "a stream shows" not in text
