"""Enter on an error group: its full latest traceback, counts, places, and the file it came from.

`o` opens that file in the log viewer, scrolled to the error. The group is looked up again in
every new snapshot (by signature), so counts keep moving while the screen is open.

The traceback wraps to the screen's width and scrolls, opening at its end: the final exception
line and the user's own frame (`score.py", line 37, in run`) are what a user came for, and a
long site-packages path must never push them past the right edge.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from batchtop.advice import advice_for_error
from batchtop.app.liveness import View
from batchtop.app.messages import OpenLog
from batchtop.snapshot import ErrorView
from batchtop.textsafe import safe, safe_lines
from batchtop.timeparse import format_stamp

MAX_TRACEBACK_CHARS = 64 * 1024


def error_summary(error: ErrorView) -> Text:
    out = Text()
    out.append(safe(error.title or error.message or error.signature, 1000), style="bold red")
    out.append("\n")
    out.append(f"{error.count:,} occurrence{'' if error.count == 1 else 's'}", style="bold")
    first, last = format_stamp(error.first_seen), format_stamp(error.last_seen)
    out.append(f" · first {first or '-'} · last {last or '-'}", style="dim")
    out.append("\nwhere  ", style="dim")
    out.append(", ".join(safe(w, 60) for w in error.where) or "-")
    out.append("\nfile   ", style="dim")
    out.append(safe(error.path, 300) or "-", style="underline")
    if len(error.files) > 1:
        out.append(f"  (+{len(error.files) - 1} other file(s))", style="dim")
    return out


def advice_text(error: ErrorView) -> Text | None:
    """What to do about it (advice.toml), or None for an error of unknown wording."""
    entries = advice_for_error(error)
    if not entries:
        return None
    out = Text()
    for i, entry in enumerate(entries):
        if i:
            out.append("\n\n")
        out.append(entry.problem, style="bold")
        out.append("\nfix  ", style="dim")
        out.append(entry.fix)
        out.append("\ndoc  ", style="dim")
        out.append(entry.doc, style="underline")
    return out


class ErrorDetailScreen(Screen[None]):
    BINDINGS = [
        Binding("escape,q", "app.pop_screen", "back"),
        Binding("o,enter", "open_file", "open file"),
        Binding("question_mark", "app.help", "help"),
    ]

    DEFAULT_CSS = """
    ErrorDetailScreen #summary {
        height: auto;
        border: round $primary 50%;
        border-title-color: $text-accent;
        padding: 0 1;
    }
    ErrorDetailScreen #advice {
        height: auto;
        max-height: 12;
        border: round $success 50%;
        border-title-color: $text-success;
        padding: 0 1;
    }
    ErrorDetailScreen #traceback {
        height: 1fr;
        border: round $primary 50%;
        border-title-color: $text-accent;
        padding: 0 1;
    }
    ErrorDetailScreen #traceback:focus {
        border: round $accent;
    }
    ErrorDetailScreen #traceback Static {
        width: 1fr;
    }
    """

    def __init__(self, error: ErrorView) -> None:
        super().__init__()
        self.error = error
        self.ready = False

    def compose(self) -> ComposeResult:
        summary = Static(id="summary")
        summary.border_title = "Error group"
        yield summary
        advice = Static(id="advice")
        advice.border_title = "What to do"
        advice.display = False
        yield advice
        scroll = VerticalScroll(id="traceback")
        scroll.border_title = "Latest occurrence (full text)"
        scroll.can_focus = True
        with scroll:
            yield Static(id="text")
        yield Footer()

    def on_mount(self) -> None:
        self.ready = True
        self._fill()
        scroll = self.query_one("#traceback", VerticalScroll)
        scroll.focus()
        self.call_after_refresh(scroll.scroll_end, animate=False)

    def _fill(self) -> None:
        self.query_one("#summary", Static).update(error_summary(self.error))
        advice = advice_text(self.error)
        advice_box = self.query_one("#advice", Static)
        advice_box.display = advice is not None
        advice_box.update(advice or "")
        text = self.error.traceback or self.error.message
        lines = safe_lines(text[:MAX_TRACEBACK_CHARS])
        self.query_one("#text", Static).update(Text("\n".join(lines), overflow="fold"))

    def show_view(self, view: View) -> None:
        if not self.ready:
            return
        for error in view.snapshot.errors:
            if error.signature == self.error.signature:
                if error != self.error:
                    self.error = error
                    self._fill()
                return

    def action_open_file(self) -> None:
        if not self.error.path:
            self.notify("this error has no file", severity="warning")
            return
        record = self.error.traceback or self.error.message
        self.post_message(OpenLog(self.error.path, find=record))
