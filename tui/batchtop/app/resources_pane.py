"""Resources pane: per-node sparklines of cpu and memory, and disk/network where logged.

Drawn from the perf CSVs' series in the snapshot (the model keeps them bounded). Wide panes get
one line per node with every metric side by side; narrow ones stack a line per metric under
the node's name. cpu and memory are scaled to 100 %; disk and network to the busiest node, so
nodes compare at a glance.
"""

from __future__ import annotations

from rich.text import Text
from textual.containers import VerticalScroll
from textual.widget import Widget

from batchtop.app.liveness import NodeRow, View
from batchtop.app.textfmt import sparkline
from batchtop.textsafe import safe

METRICS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("cpu", "cpu", ("cpu",)),
    ("mem", "memory", ("memory",)),
    ("disk", "disk", ("disk_read", "disk_write")),
    ("net", "net", ("net_sent", "net_recv")),
)
"""(label, unit kind, series summed): disk and net show read+write and sent+received."""
PERCENT = {"cpu", "memory"}
WIDE_BLOCK = 24
"""Cells one metric needs side by side (label, a useful sparkline, value)."""


def _series(node: NodeRow, names: tuple[str, ...]) -> list[float]:
    parts = [node.view.series.get(n, ()) for n in names]
    parts = [p for p in parts if p]
    if not parts:
        return []
    length = min(len(p) for p in parts)
    return [sum(p[len(p) - length + i] for p in parts) for i in range(length)]


def _latest(node: NodeRow, names: tuple[str, ...]) -> float | None:
    values = [node.view.latest.get(n) for n in names]
    values = [v for v in values if v is not None]
    return sum(values) if values else None


def _value(kind: str, value: float | None) -> str:
    if value is None:
        return "   -"
    if kind in PERCENT:
        return f"{value:3.0f}%"
    return f"{value:4.1f}" if value < 100 else f"{value:4.0f}"


class ResourcesBody(Widget):
    """The lines themselves; sized to their content so the scroll container can scroll."""

    DEFAULT_CSS = """
    ResourcesBody {
        height: auto;
    }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.add_class("pane")
        self.nodes: tuple[NodeRow, ...] = ()

    def metrics(self) -> list[tuple[str, str, tuple[str, ...]]]:
        present = []
        for label, kind, names in METRICS:
            if any(_latest(n, names) is not None for n in self.nodes):
                present.append((label, kind, names))
        return present

    def lines(self, width: int) -> list[Text]:
        if not self.nodes:
            return [Text("no resource samples (perf CSVs) yet", style="dim")]
        metrics = self.metrics()
        if not metrics:
            return [Text("no resource samples (perf CSVs) yet", style="dim")]
        tops: dict[str, float | None] = {}
        for label, kind, names in metrics:
            if kind in PERCENT:
                tops[label] = 100.0
            else:
                peak = max((max(_series(n, names), default=0.0) for n in self.nodes), default=0.0)
                tops[label] = peak or None
        name_w = min(12, max(len(n.view.name) for n in self.nodes))
        out: list[Text] = []
        wide = width >= name_w + 1 + WIDE_BLOCK * len(metrics)
        for node in self.nodes:
            name = safe(node.view.name, name_w)
            if wide:
                block = (width - name_w - 1) // len(metrics)
                line = Text(name.ljust(name_w) + " ", style="bold", no_wrap=True)
                for label, kind, names in metrics:
                    spark_w = max(1, block - len(label) - 7)
                    line.append(label + " ", style="dim")
                    line.append(sparkline(_series(node, names), spark_w, tops[label]), "cyan")
                    line.append(" " + _value(kind, _latest(node, names)) + " ")
                out.append(line)
            else:
                out.append(Text(name, style="bold", no_wrap=True, overflow="ellipsis"))
                spark_w = max(1, width - 5 - 6)
                for label, kind, names in metrics:
                    line = Text(f" {label:<4}", style="dim", no_wrap=True)
                    line.append(sparkline(_series(node, names), spark_w, tops[label]), "cyan")
                    line.append(" " + _value(kind, _latest(node, names)))
                    out.append(line)
        return out

    def render(self) -> Text:
        joined = Text("\n", no_wrap=True, overflow="ellipsis")
        return joined.join(self.lines(self.content_size.width or 40))

    def get_content_height(self, container, viewport, width: int) -> int:
        return len(self.lines(width))


class ResourcesPane(VerticalScroll):
    """Scrollable when many nodes; focusable with tab so keys can scroll it."""

    DEFAULT_CSS = """
    ResourcesPane {
        height: 1fr;
        padding: 0 1;
    }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.border_title = "Resources"
        self.body = ResourcesBody()
        self._signature: tuple | None = None

    def compose(self):
        yield self.body

    def show(self, view: View, filter_text: str = "") -> None:
        needle = filter_text.lower()
        nodes = tuple(n for n in view.nodes if not needle or needle in n.view.name.lower())
        signature = tuple((n.view.name, n.view.latest, n.view.series) for n in nodes)
        if signature == self._signature:
            return  # resource samples unchanged: no repaint
        self._signature = signature
        self.body.nodes = nodes
        rates = any(label in ("disk", "net") for label, _, _ in self.body.metrics())
        self.border_title = "Resources · disk, net in MB/s" if rates else "Resources"
        self.body.refresh(layout=True)
