"""One-line header: status and alarms first, then job name, source, and how old the data is.

The line is read left to right and cut at the right edge, so it leads with what must never be
cut: the status, a dead or stale node by name (`✖ node 10.0.0.13 dead for 12m (+1 dead,
3 stale)`), a source gone silent, the source's own trouble (Azure throttled, connection
dropped: the numbers on screen are the last good ones). The job name and source come after and
are the first to go on a narrow terminal. PAUSED is shown in reverse so nobody mistakes a
frozen view for a stuck job.
"""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget

from batchtop.app.liveness import View
from batchtop.app.textfmt import age, log_text, style
from batchtop.app.trouble import Trouble, trouble
from batchtop.status import style_class
from batchtop.textsafe import safe
from batchtop.timeparse import format_stamp

STATUS_STYLES = {
    "running": "bold cyan",
    "ok": "bold green",
    "bad": "bold red",
    "stopped": "bold yellow",
    "waiting": "dim",
    "other": "bold",
}
"""By status.style_class, so a new status word needs no change here."""


def status_text(status: str) -> Text:
    return Text(status, style=STATUS_STYLES[style_class(status)])


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
        if snap is None:
            out.append(safe(self.label, 50), style="italic")
            out.append(" │ ")
            out.append("reading…", style="dim")
            return out
        out.append_text(status_text(snap.status))
        alarm = node_alarm(trouble(view)) if view is not None else None
        if alarm is not None:
            out.append(" ")
            out.append_text(alarm)
        if view is not None and view.data_stale and view.quiet_for is not None:
            # the source went quiet while the job runs: one job-wide fact, never node states
            out.append(" ")
            out.append(f" ⚠ no new data for {age(view.quiet_for)} ", style=style("warn"))
        if note:
            out.append(" ")
            out.append(f" ⚠ {safe(note, 80)} ", style=style("alarm"))
        out.append(" │ ")
        if snap.job_name:
            out.append_text(log_text(snap.job_name, 40, style="bold"))
            out.append(" │ ")
        if snap.compute:
            out.append_text(log_text(snap.compute, 24))
            out.append(" │ ")
        out.append(safe(self.label, 50), style="italic")
        out.append(" │ ")
        newest = format_stamp(snap.data_time)
        # a finished job's last line is its end, and "n s ago" would freeze there (no ticks)
        out.append(
            ("ended " if snap.finished else "newest ")
            + (newest.replace("T", " ") if newest else "-")
        )
        live = view is not None and view.live and not snap.finished
        if view is not None and view.opened_later:
            out.append(" (opened later)", style="dim")
        elif live and view is not None and not view.data_stale:
            if view.data_age is not None:
                out.append(f" ({age(view.data_age)} ago)", style="dim")
            elif view.quiet_for is not None:
                # stamps not on today's clock (a simulated job): when the source last moved
                out.append(f" (updated {age(view.quiet_for)} ago)", style="dim")
        return out


def node_alarm(found: Trouble) -> Text | None:
    """`✖ node 9 dead for 2m (+1 dead, 3 stale)`: the worst node by name, the rest counted."""
    worst = found.worst
    if worst is None:
        return None
    dead = found.dead > 0
    glyph, word, kind = ("✖", "dead", "alarm") if dead else ("⚠", "stale", "warn")
    text = Text()
    text.append(
        f" {glyph} node {safe(worst.view.name, 30)} {word} for {age(worst.silence)} ",
        style=style(kind),
    )
    more = []
    if found.dead - (1 if dead else 0):
        more.append(f"+{found.dead - 1} dead")
    stale_more = found.stale - (0 if dead else 1)
    if stale_more:
        more.append(f"{'+' if not dead else ''}{stale_more} stale")
    if more:
        text.append(f" ({', '.join(more)})", style="bold")
    return text
