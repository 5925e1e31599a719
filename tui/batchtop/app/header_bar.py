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

from batchtop.app.liveness import DEAD, NodeRow, View
from batchtop.app.loading import reading_words
from batchtop.app.textfmt import age, log_text, style
from batchtop.app.trouble import Spotlight, Trouble, killed_words, row_quiet, trouble
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
        self.spotlight = Spotlight()
        """Keeps the named node from one frame to the next (U11)."""

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
        alarm = None
        if view is not None:
            found = trouble(view)
            alarm = node_alarm(found, self.spotlight.pick(found, view.nodes))
        if alarm is not None:
            out.append(" ")
            out.append_text(alarm)
        reading = reading_words(snap)
        if reading is not None:
            # node states are held back until the history is in: say so where alarms go
            out.append(f" {reading}", style="italic")
        elif view is not None and view.data_stale and view.quiet_for is not None:
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
        if reading is not None:
            pass  # the data is old history being read, not "n s ago"
        elif view is not None and view.opened_later:
            out.append(" (opened later)", style="dim")
        elif live and view is not None and not view.data_stale:
            if view.data_age is not None:
                out.append(f" ({age(view.data_age)} ago)", style="dim")
            elif view.quiet_for is not None:
                # stamps not on today's clock (a simulated job): when the source last moved
                out.append(f" (updated {age(view.quiet_for)} ago)", style="dim")
        return out


def node_alarm(found: Trouble, named: NodeRow | None = None) -> Text | None:
    """`✖ node 9 dead for 2m (+1 dead, 1 killed, 3 stale)`: the worst node by name (`named`,
    the one the Spotlight keeps; `found.worst` by default), the rest counted. Without a dead
    or stale node, a killed worker leads: `✖ 2/process001 killed (-9)` (U9)."""
    worst = named if named is not None else found.worst
    if worst is None:
        return killed_alarm(found)
    dead = worst.state == DEAD
    glyph, word, kind = ("✖", "dead", "alarm") if dead else ("⚠", "stale", "warn")
    text = Text()
    text.append(
        f" {glyph} node {safe(worst.view.name, 30)} {word} for {age(row_quiet(worst))} ",
        style=style(kind),
    )
    more = []
    if found.dead - (1 if dead else 0):
        more.append(f"+{found.dead - 1} dead")
    if found.killed:
        more.append(f"{len(found.killed)} killed")
    stale_more = found.stale - (0 if dead else 1)
    if stale_more:
        more.append(f"{'+' if not dead else ''}{stale_more} stale")
    if more:
        text.append(f" ({', '.join(more)})", style="bold")
    return text


def killed_alarm(found: Trouble) -> Text | None:
    """`✖ 2/process001 killed (-9) (+1 killed)`: the first killed worker by place."""
    if not found.killed:
        return None
    node, proc = found.killed[0]
    text = Text()
    place = f"{safe(node.view.name, 30)}/{safe(proc.view.name, 30)}"
    text.append(f" ✖ {place} {killed_words(proc)} ", style=style("alarm"))
    if len(found.killed) > 1:
        text.append(f" (+{len(found.killed) - 1} killed)", style="bold")
    return text
