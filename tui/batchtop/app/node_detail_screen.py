"""Enter on a node or process row: that node's processes, resources and log files.

Live like the main screen (the app hands every new View to the top screen). Enter on a file
opens it in the tailing log viewer; with a process chosen, its own files are listed first.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from batchtop.app.liveness import NodeRow, View
from batchtop.app.nodes_pane import NodesPane
from batchtop.app.resources_pane import ResourcesPane
from batchtop.app.textfmt import age, state_text
from batchtop.textsafe import safe


def node_files(paths: list[str], node: str, process: str | None) -> list[str]:
    """Files whose path names the node as a folder; the process's own files first."""
    mine = [p for p in paths if node in p.split("/")]

    def rank(path: str) -> tuple[int, str]:
        base = path.rsplit("/", 1)[-1]
        return (0 if process and base.startswith(process) else 1, path)

    return sorted(mine, key=rank)


class NodeDetailScreen(Screen[None]):
    BINDINGS = [
        Binding("escape", "app.pop_screen", "back"),
        Binding("question_mark", "app.help", "help"),
    ]

    DEFAULT_CSS = """
    NodeDetailScreen #node-summary {
        height: auto;
        padding: 0 1;
        background: $panel;
    }
    NodeDetailScreen #node-procs {
        height: auto;
        max-height: 45%;
    }
    NodeDetailScreen #node-resources {
        height: auto;
        max-height: 30%;
    }
    NodeDetailScreen #node-files {
        height: 1fr;
        border: round $primary 50%;
        border-title-color: $text-accent;
    }
    NodeDetailScreen #node-files:focus {
        border: round $accent;
    }
    """

    def __init__(self, node: str, process: str | None = None) -> None:
        super().__init__()
        self.node = node
        self.process = process
        self.files: list[str] = []
        self.ready = False

    def compose(self) -> ComposeResult:
        yield Static(id="node-summary")
        yield NodesPane(id="node-procs")
        yield ResourcesPane(id="node-resources")
        yield OptionList(id="node-files")
        yield Footer()

    def on_mount(self) -> None:
        self.ready = True
        view = self.app.view  # type: ignore[attr-defined]
        if view is not None:
            self.show_view(view)
        self.query_one(OptionList).focus()

    def _row(self, view: View) -> NodeRow | None:
        for node in view.nodes:
            if node.view.name == self.node:
                return node
        return None

    def show_view(self, view: View) -> None:
        if not self.ready:
            return
        row = self._row(view)
        summary = Text(no_wrap=True, overflow="ellipsis")
        summary.append(f"node {safe(self.node, 60)}", style="bold")
        if self.process:
            summary.append(f" · process {safe(self.process, 60)}", style="bold")
        if row is None:
            summary.append("  (not in the logs any more)", style="dim")
            self.query_one("#node-summary", Static).update(summary)
            return
        summary.append("  ")
        summary.append_text(state_text(row.state))
        summary.append(
            f"  done {row.done:,} · failed {row.failed:,} · busy {row.busy}/{len(row.processes)}"
            f" · quiet {age(row.silence)}"
        )
        if row.stragglers:
            summary.append(f" · {row.stragglers} slow", style="bold yellow")
        self.query_one("#node-summary", Static).update(summary)
        one = View(view.snapshot, (row,), view.stale_after, view.data_age, view.live)
        self.query_one(NodesPane).show(one)
        self.query_one(ResourcesPane).show(one)
        paths = [f.path for f in view.snapshot.files]
        files = node_files(paths, self.node, self.process)
        if files != self.files:
            self.files = files
            options = self.query_one(OptionList)
            keep = options.highlighted
            options.clear_options()
            options.add_options([Option(Text(safe(p)), id=p) for p in files])
            if files:
                options.highlighted = min(keep or 0, len(files) - 1)
            options.border_title = f"Log files of this node ({len(files)}) · enter to open"

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            self.app.open_log(event.option.id)  # type: ignore[attr-defined]

    def on_data_table_row_selected(self, event) -> None:
        event.stop()  # rows here are already this node; files are below
        self.query_one(OptionList).focus()
