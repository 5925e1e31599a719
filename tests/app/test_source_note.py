"""A source in trouble says so in the header (numbers stay, marked as the last good ones), and
`r` asks it to poll now. Uses the real Azure status type and the app's own hooks."""

from __future__ import annotations

import time

from apphelpers import FIXTURES, screen_text

from batchtop.app.source import LocalSource, make_app
from batchtop.azure.cli import source_note
from batchtop.azure.follow import FollowStatus
from batchtop.ingest import Ingestor
from batchtop.sources.local import LocalTree


def test_azure_status_becomes_a_short_note():
    ok = FollowStatus(ok=True, last_ok=time.time(), error=None, next_poll_in=2, bytes_fetched=9)
    assert source_note(ok) is None
    assert source_note(None) is None
    throttled = FollowStatus(
        ok=False,
        last_ok=time.time() - 65,
        error="throttled (429)",
        next_poll_in=20,
        bytes_fetched=9,
    )
    note = source_note(throttled)
    assert note.startswith("Azure: throttled (429); last good data 6")
    assert note.endswith("retry in 20 s")


async def test_header_shows_the_note_and_r_refreshes():
    """Through the one factory: a source's `note` reaches the header and `r` its `refresh`
    (make_app used to drop both, so only the hand-wired Azure app had them)."""
    notes: list[str | None] = ["Azure: throttled (429); retry in 20 s"]
    refreshed: list[int] = []

    class TroubledSource(LocalSource):
        can_refresh = True

        def note(self) -> str | None:
            return notes[0]

        def refresh(self) -> None:
            refreshed.append(1)

    tree = LocalTree.open(FIXTURES / "v2-running", Ingestor())
    app = make_app(TroubledSource(tree, "azure:job", live=False), tick=None, clock=lambda: 0.0)
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.pause()
        header = screen_text(app).splitlines()[0]
        assert "⚠ Azure: throttled (429); retry in 20 s" in header
        assert "72/120" in screen_text(app)  # the last good numbers stay on screen
        await pilot.press("r")
        assert refreshed == [1]
        notes[0] = None
        app.main.show_header(app.view)
        await pilot.pause()
        assert "⚠" not in screen_text(app).splitlines()[0]
