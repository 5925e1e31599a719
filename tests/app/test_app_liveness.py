"""The screen of a followed but static tree does not age (issue 9 item 6, ux-review D2).

`batchtop --dir fixtures/v2-running` left open turned a healthy node "dead" at about 30 s and
every node "stale" by 80 s, hiding the real dead node (2). Here the app is live (as with a
follower) on a fake clock moved on by up to ten minutes: the Nodes pane must read the same.
"""

from __future__ import annotations

from apphelpers import FIXTURES, screen_text

from batchtop.app.app import BatchtopApp
from batchtop.cli import read_tree_once

SIZE = (120, 40)


def node_lines(text: str) -> list[str]:
    """Rows below the header that name a node or a process with its state word (the header
    may go from "updated 0s ago" to "opened later": that is the source, not a state)."""
    words = ("working", "idle", "stale", "dead", "ended")
    return [line for line in text.splitlines()[1:] if any(f" {w} " in line for w in words)]


async def test_a_static_tree_followed_for_ten_minutes_keeps_every_state():
    ingestor, _ = read_tree_once(FIXTURES / "v2-running")
    now = [1_900_000_000.0]
    app = BatchtopApp(
        ingestor, follower=None, label="fixtures/v2-running", clock=lambda: now[0], live=True
    )
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        first = node_lines(screen_text(app))
        assert any(" dead " in line for line in first)
        for step in (30, 50, 120, 400):  # 30 s, 80 s, 200 s, 600 s in all
            now[0] += step
            app.render_view()
            await pilot.pause()
            text = screen_text(app)
            assert node_lines(text) == first, step
        assert {n.view.name for n in app.view.nodes if n.state == "dead"} == {"2"}
        header = text.splitlines()[0]
        # at 120 columns the header's tail is cut after "(opened": the view's own flag
        assert app.view.opened_later and "(opened" in header and "no new data" not in header
