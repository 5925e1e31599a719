"""Resources pane: per-node cpu and memory over time, and disk/network where logged.

Drawn from the perf CSVs' series in the snapshot (the model keeps them bounded).

* Up to SPARK_NODES nodes: sparklines. Wide panes get one line per node with every metric side
  by side; narrow ones stack a line per metric under the node's name. cpu and memory are scaled
  to 100 %; disk and network to the busiest node, so nodes compare at a glance.
* Beyond that, sparklines would need a screen per node, so the pane becomes a heatmap: one row
  per node (worst first, as in the Nodes pane), one column per time bucket on the job's clock
  (every row ends at the newest log time), cpu on the left and memory on the right. A cell's
  shade ("░▒▓█") carries the level, so it reads without colour; a blank is a time with no sample,
  so a node silent for ten minutes shows ten minutes of blanks at its right.
* On a short screen, one line: the ranges of the current samples and the nodes without any.

A value older than the stale threshold (or a dead node's) is shown in brackets and italic,
`(84%)`: old, not current.
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


def _level(value: float) -> int:
    """A shade for a percentage: 1 (░, even at 0 %) to 4 (█); level 0, a blank, is kept for
    "no sample then", so an idle node never reads as a silent one."""
    last = len(HEAT_CHARS) - 1
    return min(last, 1 + int(max(0.0, min(1.0, value / 100.0)) * (last - 1) + 0.5))


def placed(
    values: Sequence[float],
    ends_at: float | None,
    every: float | None,
    now: float | None,
    cells: int,
    bucket: float | None,
) -> list[float | None]:
    """A node's samples placed on the job's clock: `cells` columns of `bucket` seconds ending
    at `now`, each the mean of the samples that fall in it, None where there was none.

    The series carries no times of its own: sample i is taken to be at `ends_at` less
    `every` seconds per later sample. Without times (no clock, fewer than two samples), the
    newest `cells` samples are shown right-aligned, one per column."""
    if cells <= 0:
        return []
    if ends_at is None or now is None or not bucket or not every:
        tail = list(values)[-cells:]
        return [None] * (cells - len(tail)) + list(tail)
    sums = [0.0] * cells
    counts = [0] * cells
    n = len(values)
    for i, value in enumerate(values):
        t = ends_at - (n - 1 - i) * every
        back = int((now - t) // bucket)
        column = cells - 1 - max(0, back)
        if 0 <= column < cells:
            sums[column] += value
            counts[column] += 1
    return [sums[c] / counts[c] if counts[c] else None for c in range(cells)]


def heat_cells(columns: Sequence[float | None]) -> Text:
    """A cell of shade per column, newest right; a blank where no sample fell."""
    text = Text(no_wrap=True)
    for value in columns:
        if value is None:
            text.append(" ")
            continue
        level = _level(value)
        text.append(HEAT_CHARS[level], style="" if is_mono() else HEAT_STYLES[level])
    return text


def is_old(node: NodeRow, now: float | None, stale_after: float | None) -> bool:
    """The node's latest sample is not a reading of now: the node is dead, or its newest
    sample is older than the stale threshold plus one sampling interval on the job's clock
    (a node sampled once a minute is not old 40 s after its last sample)."""
    if node.state == DEAD:
        return True
    at = node.view.sampled_at
    if at is None or now is None or stale_after is None:
        return False
    return now - at > stale_after + (node.view.sample_every or 0.0)


def summary_line(nodes: Sequence[NodeRow], now: float | None, stale_after: float | None) -> Text:
    """One line for a short screen: `Resources cpu 56-94% · mem 43-48% · 1 node no data`
    (the pane has no border there, so the line names itself; ranges over
    the nodes whose latest sample is current; old and missing samples are counted apart)."""
    current = [n for n in nodes if n.view.latest.get("cpu") is not None]
    old = [n for n in current if is_old(n, now, stale_after)]
    fresh = [n for n in current if n not in old]
    parts = []
    for label, name in (("cpu", "cpu"), ("mem", "memory")):
        values = [v for n in fresh if (v := n.view.latest.get(name)) is not None]
        if values:
            low, high = min(values), max(values)
            parts.append(f"{label} {low:.0f}-{high:.0f}%" if round(low) != round(high) else
                         f"{label} {low:.0f}%")
        else:
            parts.append(f"{label} -")
    missing = len(nodes) - len(current)
    if old:
        parts.append(f"{len(old)} node{'s' if len(old) != 1 else ''} old")
    if missing:
        parts.append(f"{missing} node{'s' if missing != 1 else ''} no data")
    line = Text("Resources ", style="bold", no_wrap=True, overflow="ellipsis")
    line.append(" · ".join(parts))
    return line


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
        self.now: float | None = None
        """The job's clock (newest log time): where the heatmap's right edge is."""
        self.stale_after: float | None = None
        self.compact = False
        """One summary line instead of the chart (a short screen)."""
        self._lines: tuple[tuple, list[Text]] | None = None

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
        key = (id(self.nodes), self.empty_note, width, self.now, self.stale_after, self.compact)
        cached = self._lines
        if cached is not None and cached[0] == key:
            return cached[1]
        out = self._build(width)
        self._lines = (key, out)
        return out

    def _build(self, width: int) -> list[Text]:
        if not self.nodes:
            return [Text(self.empty_note, style="dim")]
        metrics = self.metrics()
        if not metrics:
            return [Text(NO_SAMPLES, style="dim")]
        if self.compact:
            return [summary_line(self.nodes, self.now, self.stale_after)]
        if self.heatmap:
            return self.heat_lines(width)
        return self.spark_lines(width, metrics)

    def heat_lines(self, width: int) -> list[Text]:
        """One row per node: `name  cpu-cells value  mem-cells value`, columns on the job's
        clock (a node silent for ten minutes has ten minutes of blanks at the right)."""
        name_w = min(NAME_CELLS, max(len(n.view.name) for n in self.nodes))
        cells = max(1, (width - name_w - 1 - 2 * (VALUE_CELLS + 1) - 2) // 2)
        everies = sorted(e for n in self.nodes if (e := n.view.sample_every))
        every = everies[len(everies) // 2] if everies else None
        longest = max(len(_series(n, ("cpu",))) for n in self.nodes)
        bucket = every * max(1, -(-longest // cells)) if every else None
        head = Text(" " * (name_w + 1), no_wrap=True)
        head.append("cpu".ljust(cells + VALUE_CELLS + 1 + 2), style="bold")
        head.append("mem", style="bold")
        out = [head]
        for node in self.nodes:
            old = is_old(node, self.now, self.stale_after)
            line = Text(safe(node.view.name, name_w).ljust(name_w) + " ", no_wrap=True)
            if node.state == DEAD:
                line.stylize(style(DEAD), 0, name_w)
            for i, names in enumerate((("cpu",), ("memory",))):
                columns = placed(
                    _series(node, names),
                    node.view.sampled_at,
                    node.view.sample_every or every,
                    self.now,
                    cells,
                    bucket,
                )
                line.append_text(heat_cells(columns))
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
            old = is_old(node, self.now, self.stale_after)
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
        self._shown_title = "Resources"

    def compose(self):
        yield self.body

    def show(self, view: View, filter_text: str = "") -> None:
        needle = filter_text.lower()
        nodes = tuple(
            n for n in trouble_order(view.nodes) if not needle or needle in n.view.name.lower()
        )
        now = view.snapshot.data_time
        signature = (
            tuple((n.view.name, n.state, n.view.latest, n.view.series) for n in nodes),
            now,
            view.stale_after,
            self.compact,
            needle,  # the note names the filter: "C" then "CU" is a new note (U16)
        )
        if signature == self._signature:
            return  # resource samples unchanged: no repaint
        self._signature = signature
        before = len(self.body.lines(self.body.content_size.width or 40))
        self.body.nodes = nodes
        self.body.now, self.body.stale_after = now, view.stale_after
        self.body.compact = self.compact
        self.body.empty_note = (
            f"no node matches “{safe(filter_text, 20)}”" if needle else NO_SAMPLES
        )
        title = self._title()
        if title != self._shown_title:  # an assignment repaints the pane, even the same text
            self._shown_title = self.border_title = title
        after = len(self.body.lines(self.body.content_size.width or 40))
        self.body.refresh(layout=before != after)  # a layout only when the height changed

    @property
    def compact(self) -> bool:
        """A short screen: the pane is one summary line (the `-compact` class, set by the
        screen's layout)."""
        return self.has_class("-compact")

    def _title(self) -> str:
        if self.compact:
            return "Resources · latest, all nodes"
        labels = [label for label, _, _ in self.body.metrics()]
        if self.body.heatmap:
            return "Resources · cpu │ mem %, newest right"
        rates = [label for label in labels if label in ("disk", "net")]
        title = "Resources · cpu, mem %"
        if rates:
            title += f" · {', '.join(rates)} MB/s"
        return title
