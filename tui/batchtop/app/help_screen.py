"""`?`: every key, grouped by the screen it works on, then a legend of states, columns and glyphs
(from `keys.KEYS` and `keys.LEGEND`)."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from batchtop.app.keys import KEYS, LEGEND


def help_table() -> Table:
    """Keys, then the legend, as one two-column table (groups underlined)."""
    table = Table(box=None, show_header=False, padding=(0, 1), expand=False)
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    group = None
    for where, key, what in KEYS + LEGEND:
        if where != group:
            if group is not None:
                table.add_row("", "")
            table.add_row(Text(where, style="bold underline"), "")
            group = where
        table.add_row(Text(key, style="bold cyan"), Text(what))
    return table


class HelpScreen(ModalScreen[None]):
    """A modal over the main screen, so closing it returns exactly where the user was."""

    BINDINGS = [
        Binding("escape,q,question_mark", "dismiss", "close", show=True),
    ]

    DEFAULT_CSS = """
    HelpScreen {
        align: center middle;
    }
    HelpScreen > VerticalScroll {
        width: 90;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        border: round $accent;
        border-title-color: $text-accent;
        background: $surface;
        padding: 0 1;
    }
    HelpScreen Static {
        width: auto;
    }
    """

    def compose(self) -> ComposeResult:
        scroll = VerticalScroll()
        scroll.border_title = "batchtop keys and legend"
        scroll.border_subtitle = "esc to close"
        with scroll:
            yield Static(help_table())

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(None)
