"""Enter on a node or process row: that node's processes, resources and log files.

Live like the main screen (the app hands every new View to the top screen). Enter on a file
opens it in the tailing log viewer; with a process chosen, its own files are listed first.
Below the processes: each process's CPU and memory from processes_resource_usage.csv, the
node's disks, abnormal exits from `_main.txt`, and the latest `ps` listing as the runtime wrote
it (the htop of a batch job). Those parts are hidden while the logs have none of that.
"""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from batchtop.app.cells import detail_summary
from batchtop.app.liveness import NodeRow, View
from batchtop.app.main_screen import TALL_AT
from batchtop.app.nodes_pane import NodesPane
from batchtop.app.resources_pane import ResourcesPane
from batchtop.snapshot import NodeView, PsView
from batchtop.textsafe import safe
from batchtop.timeparse import format_stamp

NAME_WIDTH = 24


def _num(value: float | None, width: int, digits: int = 1) -> str:
    return f"{value:>{width}.{digits}f}" if value is not None else f"{'-':>{width}}"


def usage_text(node: NodeView) -> Text | None:
    """Per-process CPU and memory (workers first, then any other process of the usage CSV),
    the node's disks, and each worker's abnormal exits; None when the logs hold none of it."""
    workers = {u.worker: u for u in node.process_usage if u.worker}
    exited = [p for p in node.processes if p.exits]
    others = [u for u in node.process_usage if not u.worker]
    if not workers and not others and not exited and not node.disks:
        return None
    text = Text(no_wrap=True, overflow="ellipsis")
    if workers or others or exited:
        text.append(
            f"{'process':<{NAME_WIDTH}} {'cpu %':>6} {'mem %':>6} {'mem MB':>8}  exits\n",
            style="bold",
        )
    for p in node.processes:
        u = workers.get(p.name)
        if u is None and not p.exits:
            continue
        text.append(f"{safe(p.name, NAME_WIDTH):<{NAME_WIDTH}} ")
        text.append(
            f"{_num(u.cpu_percent if u else None, 6)} {_num(u.memory_percent if u else None, 6)} "
            f"{_num(u.memory_mb if u else None, 8, 0)}  "
        )
        if p.exits:
            how = "killed, likely out of memory" if p.exit_code == -9 else f"code {p.exit_code}"
            style = "bold red" if p.after_exit == "dead" else "yellow"
            text.append(f"{how} ×{p.exits}, {p.after_exit}", style=style)
        text.append("\n")
    for u in others:
        text.append(f"{safe(u.name, NAME_WIDTH):<{NAME_WIDTH}} ", style="dim")
        text.append(
            f"{_num(u.cpu_percent, 6)} {_num(u.memory_percent, 6)} {_num(u.memory_mb, 8, 0)}\n",
            style="dim",
        )
    for d in node.disks:
        text.append(f"disk {safe(d.name, NAME_WIDTH - 5):<{NAME_WIDTH - 5}} ")
        pct = f"{d.used_percent:.0f}% used" if d.used_percent is not None else "? used"
        style = "bold red" if (d.used_percent or 0) >= 90 else ""
        text.append(pct, style=style)
        if d.used_mb is not None and d.total_mb is not None:
            text.append(f"  ({d.used_mb / 1024:.1f} of {d.total_mb / 1024:.1f} GB)")
        elif d.free_mb is not None:
            text.append(f"  ({d.free_mb / 1024:.1f} GB free)")
        text.append("\n")
    text.rstrip()
    return text


def ps_text(ps: PsView) -> Text:
    """The `ps` listing as written, every line through textsafe, never as markup."""
    text = Text(no_wrap=True, overflow="ellipsis")
    for i, line in enumerate(ps.lines):
        text.append(safe(line, 400) + "\n", style="bold" if i == 0 else "")
    if ps.more:
        text.append(f"… {ps.more} more lines in the file\n", style="dim")
    text.rstrip()
    return text


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
        max-height: 30%;
    }
    NodeDetailScreen #node-resources {
        height: auto;
        max-height: 30%;
    }
    NodeDetailScreen #node-resources.-compact {
        height: 1;
        padding: 0 1;
    }
    NodeDetailScreen #node-usage {
        display: none;
        height: auto;
        max-height: 25%;
        padding: 0 1;
    }
    NodeDetailScreen #node-ps {
        display: none;
        height: 1fr;
        min-height: 4;
        border: round $primary 50%;
        border-title-color: $text-accent;
    }
    NodeDetailScreen #node-files {
        height: 1fr;
        min-height: 5;
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
        yield Static(id="node-usage")
        with VerticalScroll(id="node-ps"):
            yield Static(id="node-ps-text")
        yield OptionList(id="node-files")
        yield Footer()

    def on_mount(self) -> None:
        self.ready = True
        self._fit(self.size.height)
        view = self.app.view  # type: ignore[attr-defined]
        if view is not None:
            self.show_view(view)
        self.query_one(OptionList).focus()

    def on_resize(self, event: events.Resize) -> None:
        self._fit(event.size.height)

    def _fit(self, height: int) -> None:
        """A short screen (80x24) gives Resources one summary line, so the file list and the
        ps box keep rows (R16: the focused file list was 0 rows high)."""
        pane = self.query_one(ResourcesPane)
        compact = height < TALL_AT
        if compact != pane.compact:
            pane.set_class(compact, "-compact")
            pane.set_class(not compact, "pane")
            view = self.app.view  # type: ignore[attr-defined]
            if view is not None and self.ready:
                self.show_view(view)

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
        summary.append_text(detail_summary(row, self.process, view.snapshot.per_process_counts))
        self.query_one("#node-summary", Static).update(summary)
        one = View(view.snapshot, (row,), view.stale_after, view.data_age, view.live)
        self.query_one(NodesPane).show(one)
        self.query_one(ResourcesPane).show(one)
        self._show_usage(row.view)
        skipped = dict(view.snapshot.skipped)  # unreadable: listed with why, not openable
        paths = [f.path for f in view.snapshot.files] + list(skipped)
        files = node_files(paths, self.node, self.process)
        if files != self.files:
            self.files = files
            options = self.query_one(OptionList)
            keep = options.highlighted
            options.clear_options()
            options.add_options(
                [
                    Option(Text(f"{safe(p)}: {safe(skipped[p])}", style="dim"), p, disabled=True)
                    if p in skipped
                    else Option(Text(safe(p)), id=p)
                    for p in files
                ]
            )
            if files:
                options.highlighted = min(keep or 0, len(files) - 1)
            options.border_title = f"Log files of this node ({len(files)}) · enter to open"

    def _show_usage(self, node: NodeView) -> None:
        usage = usage_text(node)
        panel = self.query_one("#node-usage", Static)
        panel.display = usage is not None
        if usage is not None:
            panel.update(usage)
        box = self.query_one("#node-ps", VerticalScroll)
        box.display = node.ps is not None
        if node.ps is not None:
            when = format_stamp(node.ps.at) or "time unknown"
            box.border_title = f"ps at {when} · {safe(node.ps.path, 80)}"
            self.query_one("#node-ps-text", Static).update(ps_text(node.ps))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            self.app.open_log(event.option.id)  # type: ignore[attr-defined]

    def on_synced_table_row_selected(self, event) -> None:
        event.stop()  # rows here are already this node; files are below
        self.query_one(OptionList).focus()
