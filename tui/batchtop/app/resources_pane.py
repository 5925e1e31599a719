"""Resources pane: per-node cpu and memory over time, and disk/network where logged.

Drawn from the perf CSVs' series in the snapshot (the model keeps them bounded).

* Up to SPARK_NODES nodes: sparklines. Wide panes get one line per node with every metric side
  by side; narrow ones stack a line per metric under the node's name. cpu and memory are scaled
  to 100 %; disk and network to the busiest node, so nodes compare at a glance.
* Beyond that, sparklines would need a screen per node, so the pane becomes a heatmap: one row
  per node (worst first, as in the Nodes pane), one column per time bucket, cpu on the left and
  memory on the right. A cell's shade (" ░▒▓█") carries the level, so it reads without colour.

A dead node's row stops where its samples stopped (the rest is `·`) and its last value is shown
in brackets and italic, `(84%)`: old, not current.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.containers import VerticalScroll
from textual.widget import Widget

from batchtop.app.liveness import DEAD, NodeRow, View
from batchtop.app.textfmt import is_mono, sparkline, style
from batchtop.app.trouble import trouble_order
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
SPARK_NODES = 8
"""Above this many nodes the pane shows a heatmap instead of sparklines."""
HEAT_CHARS = " ░▒▓█"
HEAT_STYLES = ("", "green", "green", "yellow", "red")
NO_DATA = "·"
NAME_CELLS = 12
VALUE_CELLS = 6
"""`(100%)`."""
NO_SAMPLES = "no resource samples (perf CSVs) yet"


def _series(node: NodeRow, names: tuple[str, ...]) -> list[float]:
    parts = [node.view.series.get(n, ()) for n in names]
    parts = [p for p in parts if p]
    if not parts:
        return []
    length = min(len(p) for p in parts)
    return [sum(p[len(p) - length + i] for p in parts) for i in range(length)]


def _latest(node: NodeRow, names: tuple[str, ...]) -> float | None:
    values = [node.view.latest.get(n) for n in names]
    present = [v for v in values if v is not None]
    return sum(present) if present else None


def _value(kind: str, value: float | None, old: bool = False) -> Text:
    """The latest value in VALUE_CELLS cells, right-aligned; `(84%)` when it is old."""
    if value is None:
        shown, old = "-", False
    elif kind in PERCENT:
        shown = f"{value:.0f}%"
    else:
        shown = f"{value:.1f}" if value < 100 else f"{value:.0f}"
    if old:
        shown = f"({shown})"
    return Text(shown.rjust(VALUE_CELLS), style=style("old") if old else "", no_wrap=True)


def buckets(values: Sequence[float], cells: int) -> list[float]:
    """The newest values averaged into at most `cells` buckets of equal size (oldest first)."""
    if cells <= 0 or not values:
        return []
    per = max(1, -(-len(values) // cells))
    recent = list(values)[-per * cells :]
    start = len(recent) % per
    out = [] if not start else [sum(recent[:start]) / start]
    out += [sum(recent[i : i + per]) / per for i in range(start, len(recent), per)]
    return out[-cells:]


def heat_cells(values: Sequence[float], cells: int, missing: int = 0) -> Text:
    """`cells` cells of shade, newest right; `missing` buckets at the right had no sample."""
    missing = min(missing, cells)
    shown = buckets(values, cells - missing)
    text = Text(" " * (cells - missing - len(shown)), no_wrap=True)
    last = len(HEAT_CHARS) - 1
    for value in shown:
        level = 0 if value <= 0 else min(last, 1 + int(min(1.0, value / 100.0) * (last - 1) + 0.5))
        text.append(HEAT_CHARS[level], style="" if is_mono() else HEAT_STYLES[level])
    text.append(NO_DATA * missing, style="dim")
    return text


class ResourcesBody(Widget):
    """The lines themselves; sized to their content so the scroll container can scroll."""

    DEFAULT_CSS = """
    ResourcesBody {
        height: auto;
    }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.nodes: tuple[NodeRow, ...] = ()
        self.empty_note = NO_SAMPLES
        self._lines: tuple[tuple[NodeRow, ...], str, int, list[Text]] | None = None

    def metrics(self) -> list[tuple[str, str, tuple[str, ...]]]:
        present = []
        for label, kind, names in METRICS:
            if any(_latest(n, names) is not None for n in self.nodes):
                present.append((label, kind, names))
        return present

    @property
    def heatmap(self) -> bool:
        return len(self.nodes) > SPARK_NODES

    def lines(self, width: int) -> list[Text]:
        """The lines at `width`, computed once per set of nodes and width."""
        cached = self._lines
        if (
            cached is not None
            and cached[0] is self.nodes
            and cached[1] == self.empty_note
            and cached[2] == width
        ):
            return cached[3]
        out = self._build(width)
        self._lines = (self.nodes, self.empty_note, width, out)
        return out

    def _build(self, width: int) -> list[Text]:
        if not self.nodes:
            return [Text(self.empty_note, style="dim")]
        metrics = self.metrics()
        if not metrics:
            return [Text(NO_SAMPLES, style="dim")]
        if self.heatmap:
            return self.heat_lines(width)
        return self.spark_lines(width, metrics)

    def heat_lines(self, width: int) -> list[Text]:
        """One row per node: `name  cpu-cells value  mem-cells value`."""
        name_w = min(NAME_CELLS, max(len(n.view.name) for n in self.nodes))
        cells = max(1, (width - name_w - 1 - 2 * (VALUE_CELLS + 1) - 2) // 2)
        longest = max(len(_series(n, ("cpu",))) for n in self.nodes)
        per = max(1, -(-longest // cells))
        head = Text(" " * (name_w + 1), no_wrap=True)
        head.append("cpu".ljust(cells + VALUE_CELLS + 1 + 2), style="bold")
        head.append("mem", style="bold")
        out = [head]
        for node in self.nodes:
            old = node.state == DEAD
            line = Text(safe(node.view.name, name_w).ljust(name_w) + " ", no_wrap=True)
            if old:
                line.stylize(style(DEAD), 0, name_w)
            for i, names in enumerate((("cpu",), ("memory",))):
                values = _series(node, names)
                # samples this node missed, next to the longest series (a dead node stopped)
                missing = (longest - len(values)) // per if values else 0
                line.append_text(heat_cells(values, cells, missing))
                line.append(" ")
                line.append_text(_value("cpu", _latest(node, names), old))
                if i == 0:
                    line.append("  ")
            out.append(line)
        return out

    def spark_lines(
        self, width: int, metrics: list[tuple[str, str, tuple[str, ...]]]
    ) -> list[Text]:
        tops: dict[str, float | None] = {}
        for label, kind, names in metrics:
            if kind in PERCENT:
                tops[label] = 100.0
            else:
                peak = max((max(_series(n, names), default=0.0) for n in self.nodes), default=0.0)
                tops[label] = peak or None
        name_w = min(NAME_CELLS, max(len(n.view.name) for n in self.nodes))
        out: list[Text] = []
        wide = width >= name_w + 1 + WIDE_BLOCK * len(metrics)
        for node in self.nodes:
            old = node.state == DEAD
            name = safe(node.view.name, name_w)
            if wide:
                block = (width - name_w - 1) // len(metrics)
                line = Text(name.ljust(name_w) + " ", style="bold", no_wrap=True)
                for label, kind, names in metrics:
                    spark_w = max(1, block - len(label) - 8)
                    line.append(label + " ", style="dim")
                    line.append(sparkline(_series(node, names), spark_w, tops[label]), "cyan")
                    line.append(" ")
                    line.append_text(_value(kind, _latest(node, names), old))
                    line.append(" ")
                out.append(line)
            else:
                out.append(Text(name, style="bold", no_wrap=True, overflow="ellipsis"))
                spark_w = max(1, width - 5 - VALUE_CELLS - 1)
                for label, kind, names in metrics:
                    line = Text(f" {label:<4}", style="dim", no_wrap=True)
                    line.append(sparkline(_series(node, names), spark_w, tops[label]), "cyan")
                    line.append(" ")
                    line.append_text(_value(kind, _latest(node, names), old))
                    out.append(line)
        return out

    def render(self) -> Text:
        joined = Text("\n", no_wrap=True, overflow="ellipsis")
        return joined.join(self.lines(self.content_size.width or 40))

    def get_content_height(self, container, viewport, width: int) -> int:
        return len(self.lines(width))


class ResourcesPane(VerticalScroll):
    """Scrollable when many nodes; focusable with tab so keys can scroll it. The pane itself
    carries the border and title, so both show and focus lights the border."""

    DEFAULT_CSS = """
    ResourcesPane {
        height: 1fr;
        padding: 0 1;
    }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.add_class("pane")
        self.border_title = "Resources"
        self.body = ResourcesBody()
        self._signature: tuple | None = None

    def compose(self):
        yield self.body

    def show(self, view: View, filter_text: str = "") -> None:
        needle = filter_text.lower()
        nodes = tuple(
            n for n in trouble_order(view.nodes) if not needle or needle in n.view.name.lower()
        )
        signature = tuple((n.view.name, n.state, n.view.latest, n.view.series) for n in nodes)
        if signature == self._signature:
            return  # resource samples unchanged: no repaint
        self._signature = signature
        self.body.nodes = nodes
        self.body.empty_note = (
            f"no node matches “{safe(filter_text, 20)}”" if needle else NO_SAMPLES
        )
        self.border_title = self._title()
        self.body.refresh(layout=True)

    def _title(self) -> str:
        labels = [label for label, _, _ in self.body.metrics()]
        if self.body.heatmap:
            return "Resources · cpu │ mem %, newest right"
        rates = [label for label in labels if label in ("disk", "net")]
        title = "Resources · cpu, mem %"
        if rates:
            title += f" · {', '.join(rates)} MB/s"
        return title
