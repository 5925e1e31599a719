"""One-line header: job name, source, status, and how old the newest data is.

The age turns into a warning when a live source has been silent longer than the job's stale
threshold while the job still runs: the most common "is it stuck?" question, answered at the
top of the screen. A source in trouble (Azure throttled, connection dropped) adds its own note,
so the user knows the numbers on screen are the last good ones. PAUSED is shown in reverse so
nobody mistakes a frozen view for a stuck job.
"""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget

from batchtop.app.liveness import View
from batchtop.app.textfmt import age, log_text
from batchtop.textsafe import safe
from batchtop.timeparse import format_stamp

STATUS_STYLES = {
    "Running": "bold cyan",
    "Completed": "bold green",
    "Finished": "bold green",
    "Failed": "bold red",
    "Canceled": "bold yellow",
    "NotResponding": "bold red",
    "NotStarted": "dim",
}


def status_text(status: str) -> Text:
    return Text(status, style=STATUS_STYLES.get(status, "bold"))


class HeaderBar(Widget):
    """The top line. `show()` is cheap: it repaints one line, only when its text changed,
    and never asks for a new layout (the clock tick calls it every second)."""

    DEFAULT_CSS = """
    HeaderBar {
        dock: top;
        height: 1;
        background: $panel;
        color: $foreground;
        padding: 0 1;
    }
    """

    def __init__(self, label: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.label = label
        self._text = Text()

    def show(self, view: View | None, paused: bool, note: str | None = None) -> None:
        text = self.build(view, paused, note)
        if text.plain != self._text.plain or text.spans != self._text.spans:
            self._text = text
            self.refresh()

    def render(self) -> Text:
        return self._text

    def build(self, view: View | None, paused: bool, note: str | None = None) -> Text:
        out = Text(no_wrap=True, overflow="ellipsis")
        out.append("batchtop", style="bold")
        if paused:
            out.append(" ")
            out.append(" ⏸ PAUSED ", style="bold reverse")
        snap = view.snapshot if view is not None else None
        out.append(" │ ")
        if snap is not None and snap.job_name:
            out.append_text(log_text(snap.job_name, 40, style="bold"))
            out.append(" │ ")
        out.append(safe(self.label, 50), style="italic")
        out.append(" │ ")
        if snap is None:
            out.append("reading…", style="dim")
            return out
        out.append_text(status_text(snap.status))
        out.append(" │ ")
        newest = format_stamp(snap.data_time)
        out.append("newest " + (newest.replace("T", " ") if newest else "-"))
        if view is not None and view.opened_later:
            out.append(" (opened later)", style="dim")
        elif view is not None and view.data_stale and view.quiet_for is not None:
            out.append(" ")
            out.append(f" ⚠ no new data for {age(view.quiet_for)} ", style="bold reverse yellow")
        elif view is not None and view.live and view.data_age is not None:
            out.append(f" ({age(view.data_age)} ago)", style="dim")
        elif view is not None and view.live and view.quiet_for is not None:
            # stamps not on today's clock (a simulated job): say when the source last moved
            out.append(f" (updated {age(view.quiet_for)} ago)", style="dim")
        if note:
            out.append(" ")
            out.append(f" ⚠ {safe(note, 80)} ", style="bold reverse red")
        return out
