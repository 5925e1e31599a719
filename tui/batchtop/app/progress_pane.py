"""Progress pane: status, verdict, a two-colour mini-batch bar, items, rate, ETA, elapsed.

Succeeded and failed mini-batches differ by glyph as well as colour (█ ▒ ─), so the bar still
reads right with NO_COLOR or on a 16-colour terminal. The widget renders for its current width,
so a resize reflows the bar without any bookkeeping.
"""

from __future__ import annotations

import textwrap

from rich.text import Text
from textual.widget import Widget

from batchtop.app.header_bar import status_text
from batchtop.app.liveness import View
from batchtop.app.textfmt import count, log_text
from batchtop.timeparse import format_duration

OK_CHAR, FAILED_CHAR, TODO_CHAR = "█", "▒", "─"


def progress_bar(succeeded: int, failed: int, total: int | None, width: int) -> Text:
    """`width` cells: succeeded, then failed (at least one cell when any failed), then to do."""
    bar = Text(no_wrap=True)
    if width <= 0:
        return bar
    done = succeeded + failed
    denominator = max(total or 0, done, 1)
    ok_cells = int(width * succeeded / denominator)
    bad_cells = int(width * failed / denominator)
    if failed and bad_cells == 0:
        bad_cells = 1
        if ok_cells + bad_cells > width:
            ok_cells -= 1
    if total is None and done:
        # no total known yet: the bar would lie; show only the split between ok and failed
        ok_cells = round(width * succeeded / done) if done else 0
        bad_cells = width - ok_cells if failed else 0
    todo = max(0, width - ok_cells - bad_cells)
    bar.append(OK_CHAR * ok_cells, style="green")
    bar.append(FAILED_CHAR * bad_cells, style="red")
    bar.append(TODO_CHAR * todo, style="dim")
    return bar


class ProgressPane(Widget):
    """The job at a glance; reads only the current View."""

    DEFAULT_CSS = """
    ProgressPane {
        height: auto;
        padding: 0 1;
    }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.add_class("pane")
        self.view: View | None = None
        self.border_title = "Progress"

    def show(self, view: View) -> None:
        """Repaint only when the text changed; ask for a new layout only when its height did."""
        old = self.view
        width = self.content_size.width or 76
        before = [line.plain for line in self.lines(width)] if old is not None else None
        self.view = view
        after = [line.plain for line in self.lines(width)]
        if before == after and old is not None and old.snapshot.status == view.snapshot.status:
            return
        self.refresh(layout=before is None or len(before) != len(after))

    def lines(self, width: int) -> list[Text]:
        view = self.view
        if view is None:
            return [Text("reading the logs…", style="dim")]
        snap = view.snapshot
        mb = snap.mini_batches
        total = mb.total
        pct = f"{100 * mb.processed / total:5.1f}%" if total else "     "
        tail = f" {mb.processed:,}/{count(total)} {pct}"
        head = status_text(snap.status)
        head.append(" ")
        bar_width = max(5, width - len(head.plain) - len(tail))
        first = Text(no_wrap=True, overflow="ellipsis")
        first.append_text(head)
        first.append_text(progress_bar(mb.succeeded, mb.failed, total, bar_width))
        first.append(tail, style="bold")

        second = Text(no_wrap=True, overflow="ellipsis")
        second.append("batches ", style="dim")
        second.append(f"{mb.succeeded:,} ok", style="green")
        second.append("  ")
        second.append(f"{mb.failed:,} failed", style="bold red" if mb.failed else "")
        second.append(f"  {mb.retried:,} retried")
        items = snap.items
        if items.total is not None or items.succeeded is not None:
            second.append("   items ", style="dim")
            second.append(f"{count(items.succeeded)} ok")
            if items.failed:
                second.append(f" {items.failed:,} failed", style="red")
            second.append(f" of {count(items.total)}")

        third = Text(no_wrap=True, overflow="ellipsis")
        rate = snap.rate_per_min
        third.append("rate ", style="dim")
        third.append("-" if rate is None else f"{rate:,.1f}/min")
        third.append("  eta ", style="dim")
        third.append(format_duration(snap.eta_seconds))
        if snap.runtime_eta_seconds is not None:
            third.append(f" (runtime {format_duration(snap.runtime_eta_seconds)})", style="dim")
        third.append("  elapsed ", style="dim")
        third.append(format_duration(snap.elapsed_seconds))
        out = [first, second, third]
        if snap.scheduling:
            sched = log_text(snap.scheduling, 200)
            if len(third.plain) + 4 + len(sched.plain) <= width:
                third.append("  │ ", style="dim")  # fits: no extra line on a small screen
                third.append_text(sched)
            else:
                line = Text("scheduling ", style="dim", no_wrap=True, overflow="ellipsis")
                line.append_text(sched)
                out.append(line)
        if snap.verdict:
            # the one line that says why a job failed: wrapped, never cut
            plain = "verdict " + log_text(snap.verdict, 300).plain
            for i, chunk in enumerate(textwrap.wrap(plain, max(20, width)) or [plain]):
                line = Text(no_wrap=True, overflow="ellipsis")
                if i == 0:
                    line.append("verdict", style="bold red")
                    line.append(chunk[len("verdict") :], style="red")
                else:
                    line.append(chunk, style="red")
                out.append(line)
        return out

    def render(self) -> Text:
        # joined lines must not wrap either: the height is one row per line
        joined = Text("\n", no_wrap=True, overflow="ellipsis")
        return joined.join(self.lines(self.content_size.width or 76))

    def get_content_height(self, container, viewport, width: int) -> int:
        return len(self.lines(width))
