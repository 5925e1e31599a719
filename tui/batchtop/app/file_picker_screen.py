"""`l`: pick any file of the tree (type to narrow the list), then read it in the log viewer.

Files the source could not read (a FIFO, a symlinked folder, no permission) are listed too,
greyed out with the reason, so they do not vanish silently (R18); they cannot be opened."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option

from batchtop.textsafe import safe


class FilePickerScreen(ModalScreen[str | None]):
    """Dismisses with the chosen path (None on esc)."""

    BINDINGS = [
        Binding("escape", "cancel", "back"),
        Binding("down", "focus_list", "list", show=False),
    ]

    DEFAULT_CSS = """
    FilePickerScreen {
        align: center middle;
    }
    FilePickerScreen > Vertical {
        width: 90%;
        height: 80%;
        border: round $accent;
        border-title-color: $text-accent;
        background: $surface;
    }
    FilePickerScreen OptionList {
        height: 1fr;
        border: none;
    }
    """

    def __init__(self, paths: list[str], skipped: tuple[tuple[str, str], ...] = ()) -> None:
        super().__init__()
        self.paths = paths
        self.skipped = skipped

    def compose(self) -> ComposeResult:
        box = Vertical()
        box.border_title = f"Open a log file ({len(self.paths)})" + (
            f" · {len(self.skipped)} skipped" if self.skipped else ""
        )
        box.border_subtitle = "type to filter · enter open · esc back"
        with box:
            yield Input(placeholder="filter paths", id="pick-filter")
            yield OptionList(id="pick-list")

    def on_mount(self) -> None:
        self._fill("")
        self.query_one(Input).focus()

    def _fill(self, needle: str) -> None:
        options = self.query_one(OptionList)
        options.clear_options()
        needle = needle.lower()
        chosen = [p for p in self.paths if needle in p.lower()]
        options.add_options([Option(Text(safe(p)), id=p) for p in chosen[:5000]])
        options.add_options(
            [
                Option(Text(f"{safe(p)}: {safe(why)}", style="dim"), disabled=True)
                for p, why in self.skipped
                if needle in p.lower()
            ][:5000]
        )
        if chosen:
            options.highlighted = 0

    def on_input_changed(self, event: Input.Changed) -> None:
        self._fill(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        options = self.query_one(OptionList)
        if options.highlighted is not None and options.option_count:
            self.dismiss(options.get_option_at_index(options.highlighted).id)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_focus_list(self) -> None:
        self.query_one(OptionList).focus()

    def action_cancel(self) -> None:
        self.dismiss(None)
