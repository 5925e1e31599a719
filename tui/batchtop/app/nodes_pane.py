"""Nodes pane: one row per node, worst first, with its troubled processes shown under it.

A user scans this pane for the sick node, so by default nodes are sorted trouble first (dead,
stale, failing, slow, working, ended: see trouble.py) and each node is one row; only processes
that are themselves in trouble (stale, dead on a living node, much slower than their peers) get a
row under it, so a 100-node job still shows its worst ten nodes on a 120x40 screen. `right`
expands a node into all its processes, `left` folds it back; enter opens its detail.

Rows carry done mini-batches and failed *attempts* (`Err`: a retried mini-batch counts each
failed try, while Progress counts mini-batches that failed for good), the mini-batch being worked
on, how long since the last sign of life, and a state. Alarms carry a glyph (✖ dead, ⚠ stale) and
weight, so they read with or without colour.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.binding import Binding

from batchtop.app import stream_note
from batchtop.app.cells import batch_cell, busy_cell, count_cell
from batchtop.app.liveness import DEAD, STATE_RANK, NodeRow, ProcessRow, View
from batchtop.app.resources_pane import is_old
from batchtop.app.synced_table import PADDING, Cells, Column, SyncedTable, fit_columns
from batchtop.app.textfmt import age, state_text, style
from batchtop.app.trouble import process_in_trouble, row_quiet, trouble, trouble_order
from batchtop.textsafe import safe

SORTS = ("trouble", "name", "state", "done", "failed", "silent")
"""`s` cycles through these; `trouble` is worst first, `name` the natural order of the snapshot."""
NAME_MOST = 32
"""The name column never grows past this (long node names end in an ellipsis)."""


def _sort_key(sort: str) -> Callable[[NodeRow | ProcessRow], tuple]:
    """Key for the plain sorts (`trouble` has its own ranking, in trouble.py)."""
    if sort == "state":
        return lambda r: (STATE_RANK.get(r.state, 9),)
    if sort == "done":
        return lambda r: (-(r.done if isinstance(r, NodeRow) else r.view.processed),)
    if sort == "failed":
        return lambda r: (-(r.failed if isinstance(r, NodeRow) else r.view.failed),)
    if sort == "silent":
        return lambda r: (-(q if (q := row_quiet(r)) is not None else -1.0),)
    return lambda r: ()


def _pct(value: float | None, old: bool = False) -> Text:
    """A resource value; an old sample (a dead node's, or older than the stale threshold) is
    in brackets and italic: old, not now."""
    if value is None:
        return Text("-", justify="right")
    if old:
        return Text(f"({value:.0f}%)", style=style("old"), justify="right")
    return Text(f"{value:.0f}%", justify="right")


class NodesPane(SyncedTable):
    """Table of nodes and (some of) their processes; enter opens the node (or process)."""

    COLUMNS = (
        Column("name", "Node / process", 10, flex=True, most=NAME_MOST),
        Column("state", "State", 7),
        Column("done", "Done", 6, align="right"),
        Column("failed", "Err", 5, align="right"),
        Column("current", "Batch", 6, drop=3, align="right"),
        Column("silent", "Quiet", 5, drop=2, align="right"),
        Column("cpu", "CPU", 5, drop=1, align="right"),
        Column("mem", "Mem", 5, drop=1, align="right"),
    )

    BINDINGS = [
        Binding("right", "expand", "expand", show=False),
        Binding("left", "collapse", "fold", show=False),
    ]

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.targets: dict[str, tuple[str, str | None]] = {}
        """Row key -> (node, process or None), for drilling in."""
        self.expanded: set[str] = set()
        """Nodes the user unfolded with `right`: all their processes are shown."""
        self._cells_cache: dict[str, tuple[tuple, Cells]] = {}
        self._names_width = 0
        self._last: tuple[View, str, str] | None = None
        self._known = True
        """Whether the logs give per-process counts (else Done, Err, Batch show `-`)."""
        self.border_title = "Nodes"

    def flex_wanted(self) -> int | None:
        return self._names_width

    def wanted_width(self) -> int:
        """Cells this pane needs to show every column whole (borders and scrollbar included)."""
        layout = fit_columns(self.COLUMNS, 10_000, self.flex_wanted())
        cells = sum(width + 2 * PADDING for _, width in layout)
        return cells + 2 + self.styles.scrollbar_size_vertical

    def show(self, view: View, filter_text: str = "", sort: str = "trouble") -> None:
        self._last = (view, filter_text, sort)
        self._known = view.snapshot.per_process_counts
        needle = filter_text.lower()
        if sort == "trouble":
            nodes = trouble_order(view.nodes)
        else:
            nodes = list(view.nodes)
            if sort != "name":
                nodes.sort(key=_sort_key(sort))
        expand_all = len(view.nodes) == 1  # a node's own detail screen: every process
        rows: list[tuple[str, Cells]] = []
        targets: dict[str, tuple[str, str | None]] = {}
        longest = 4
        for node in nodes:
            name = node.view.name
            node_hit = not needle or needle in name.lower()
            if node_hit:
                if expand_all or name in self.expanded:
                    procs = list(node.processes)
                elif node.state == DEAD:
                    procs = []  # every process of a dead node is dead: the node row says it
                else:
                    procs = [p for p in node.processes if process_in_trouble(p)]
            else:
                procs = [p for p in node.processes if needle in p.view.key.lower()]
                if not procs:
                    continue
            if sort not in ("trouble", "name"):
                procs.sort(key=_sort_key(sort))
            elif sort == "trouble":
                procs.sort(key=lambda p: STATE_RANK.get(p.state, 9) - (0.5 if p.straggler else 0))
            old = is_old(node, view.snapshot.data_time, view.stale_after)
            rows.append((f"n\0{name}", self._cached(f"n\0{name}", node, old)))
            targets[f"n\0{name}"] = (name, None)
            longest = max(longest, min(len(name), NAME_MOST))
            for proc in procs:
                rkey = f"p\0{proc.view.key}"
                rows.append((rkey, self._cached(rkey, proc)))
                targets[rkey] = (name, proc.view.name)
                longest = max(longest, min(len(proc.view.name) + 1 + 5, NAME_MOST))
        self.targets = targets
        self._names_width = longest
        total_procs = sum(len(n.processes) for n in view.nodes)
        title = f"Nodes {len(view.nodes)}"
        words = trouble(view).words()
        if words:
            title += f" ({words})"
        if needle:  # short, so the pane's border holds it (U15): nodes shown of all
            shown = sum(1 for key in targets if key.startswith("n"))
            title += f" · filter “{safe(filter_text, 20)}” {shown}/{len(view.nodes)}"
        else:
            title += f" · {total_procs} procs"
        if sort != "trouble":
            title += f" · sort {sort}"
        self.set_title(title)
        empty_stream = not view.nodes and stream_note.from_stream(view.snapshot)
        subtitle = stream_note.NODES if empty_stream else ""
        if self.border_subtitle != subtitle:  # an assignment repaints the whole pane
            self.border_subtitle = subtitle
        self.sync(rows)

    # ------------------------------------------------------------------ keys
    def _node_under_cursor(self) -> str | None:
        key = self.current_key()
        if key is None:
            return None
        return self.targets.get(key, (None, None))[0]

    def action_expand(self) -> None:
        """`right`: show every process of the node under the cursor."""
        name = self._node_under_cursor()
        if name is not None and name not in self.expanded:
            self.expanded.add(name)
            self._reshow()

    def action_collapse(self) -> None:
        """`left`: fold the node (from its row or any of its processes) back to one row."""
        name = self._node_under_cursor()
        if name is not None and name in self.expanded:
            self.expanded.discard(name)
            self._reshow()
            key = f"n\0{name}"
            if key in self.row_keys:
                self.move_cursor(row=self.row_keys.index(key))

    def refit(self) -> None:
        self._reshow()

    def _reshow(self) -> None:
        if self._last is not None:
            self.show(*self._last)

    # ------------------------------------------------------------------ cells
    def _cached(self, key: str, row: NodeRow | ProcessRow, old: bool = False) -> Cells:
        """Cells of a row, rebuilt only when what they show changed: with 3,200 processes,
        making Text objects for every cell on every tick would cost more than the table."""
        if isinstance(row, NodeRow):
            shown: tuple = (
                self._known,
                row.view.name,
                row.state,
                row.done,
                row.failed,
                row.busy,
                len(row.processes),
                age(row_quiet(row)),
                row.view.latest.get("cpu"),
                row.view.latest.get("memory"),
                old,
            )
        else:
            view = row.view
            shown = (
                self._known,
                view.name,
                row.state,
                view.processed,
                view.failed,
                view.current,
                age(row.silence),
                row.straggler,
            )
        hit = self._cells_cache.get(key)
        if hit is not None and hit[0] == shown:
            return hit[1]
        cells = (
            self._node_cells(row, old, self._known)
            if isinstance(row, NodeRow)
            else self._process_cells(row, self._known)
        )
        self._cells_cache[key] = (shown, cells)
        return cells

    @staticmethod
    def _node_cells(node: NodeRow, old: bool, known: bool = True) -> Cells:
        """`old`: the node's latest sample is older than the stale threshold (or it is dead),
        so CPU and Mem show in brackets: a past reading, not now."""
        name_style = "bold " + style(node.state) if node.state in ("stale", "dead") else "bold"
        return (
            Text(
                safe(node.view.name, NAME_MOST), style=name_style, no_wrap=True, overflow="ellipsis"
            ),
            state_text(node.state),
            count_cell(node.done, known),
            count_cell(node.failed, known, style("failed") if node.failed else ""),
            busy_cell(node, known),
            Text(age(row_quiet(node)), justify="right"),
            _pct(node.view.latest.get("cpu"), old),
            _pct(node.view.latest.get("memory"), old),
        )

    @staticmethod
    def _process_cells(proc: ProcessRow, known: bool = True) -> Cells:
        name = " " + safe(proc.view.name, NAME_MOST - 6)
        name_style = style(proc.state) if proc.state in ("stale", "dead") else ""
        if proc.straggler:
            name = f"{name} slow"
            name_style = style("slow")
        return (
            Text(name, style=name_style, no_wrap=True, overflow="ellipsis"),
            state_text(proc.state),
            count_cell(proc.view.processed, known),
            count_cell(proc.view.failed, known, style("failed") if proc.view.failed else ""),
            batch_cell(proc.view.current),
            Text(age(proc.silence), justify="right"),
            Text(""),
            Text(""),
        )
