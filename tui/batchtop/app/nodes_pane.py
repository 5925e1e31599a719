"""Nodes/processes pane: one row per node, then one per process, with state and progress.

Rows carry what a user scans for: done and failed mini-batches, the mini-batch being worked on,
how long since the last sign of life, and a state (working / idle / stale / dead / ended).
Stragglers (much slower than their living peers) are marked `slow`; stale and dead rows are
styled so they stand out with or without colour (the words carry the meaning).
"""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text

from batchtop.app.liveness import STATE_RANK, NodeRow, ProcessRow, View
from batchtop.app.synced_table import Cells, SyncedTable
from batchtop.app.textfmt import STATE_STYLES, age, state_text
from batchtop.textsafe import safe

SORTS = ("name", "state", "done", "failed", "silent")
"""`s` cycles through these; `name` keeps the natural order of the snapshot."""


def _sort_key(sort: str) -> Callable[[NodeRow | ProcessRow], tuple]:
    if sort == "state":
        return lambda r: (STATE_RANK.get(r.state, 9),)
    if sort == "done":
        return lambda r: (-(r.done if isinstance(r, NodeRow) else r.view.processed),)
    if sort == "failed":
        return lambda r: (-(r.failed if isinstance(r, NodeRow) else r.view.failed),)
    if sort == "silent":
        return lambda r: (-(r.silence if r.silence is not None else -1.0),)
    return lambda r: ()


def _pct(value: float | None) -> Text:
    return Text("-" if value is None else f"{value:.0f}%", justify="right")


def _num(value: int, style: str = "") -> Text:
    return Text(f"{value:,}", style=style, justify="right")


class NodesPane(SyncedTable):
    """DataTable of nodes and their processes; enter opens the node (or process) detail."""

    COLUMNS = (
        ("name", "Node / process", 20),
        ("state", "State", 7),
        ("done", "Done", 6),
        ("failed", "Fail", 5),
        ("current", "Batch", 6),
        ("silent", "Quiet", 5),
        ("cpu", "CPU", 4),
        ("mem", "Mem", 4),
    )

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.targets: dict[str, tuple[str, str | None]] = {}
        """Row key -> (node, process or None), for drilling in."""
        self._cells_cache: dict[str, tuple[tuple, Cells]] = {}
        self.border_title = "Nodes"

    def show(self, view: View, filter_text: str = "", sort: str = "name") -> None:
        needle = filter_text.lower()
        key = _sort_key(sort)
        nodes = list(view.nodes)
        if sort != "name":
            nodes.sort(key=key)
        rows: list[tuple[str, Cells]] = []
        targets: dict[str, tuple[str, str | None]] = {}
        shown_procs = 0
        for node in nodes:
            name = node.view.name
            node_hit = not needle or needle in name.lower()
            procs = [p for p in node.processes if node_hit or needle in p.view.key.lower()]
            if not node_hit and not procs:
                continue
            if sort != "name":
                procs.sort(key=key)
            rows.append((f"n\0{name}", self._cached(f"n\0{name}", node)))
            targets[f"n\0{name}"] = (name, None)
            for proc in procs:
                rkey = f"p\0{proc.view.key}"
                rows.append((rkey, self._cached(rkey, proc)))
                targets[rkey] = (name, proc.view.name)
                shown_procs += 1
        self.targets = targets
        total_procs = sum(len(n.processes) for n in view.nodes)
        title = f"Nodes {len(view.nodes)} · processes {total_procs}"
        if needle:
            title += f" · filter “{safe(filter_text, 20)}”: {shown_procs} shown"
        if sort != "name":
            title += f" · sort {sort}"
        self.border_title = title
        self.sync(rows)

    def _cached(self, key: str, row: NodeRow | ProcessRow) -> Cells:
        """Cells of a row, rebuilt only when what they show changed: with 3,200 processes,
        making Text objects for every cell on every tick would cost more than the table."""
        if isinstance(row, NodeRow):
            shown: tuple = (
                row.view.name,
                row.state,
                row.done,
                row.failed,
                row.busy,
                len(row.processes),
                age(row.silence),
                row.view.latest.get("cpu"),
                row.view.latest.get("memory"),
            )
        else:
            view = row.view
            shown = (
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
        cells = self._node_cells(row) if isinstance(row, NodeRow) else self._process_cells(row)
        self._cells_cache[key] = (shown, cells)
        return cells

    @staticmethod
    def _node_cells(node: NodeRow) -> Cells:
        style = (
            "bold " + STATE_STYLES.get(node.state, "")
            if node.state in ("stale", "dead")
            else "bold"
        )
        busy = f"{node.busy}/{len(node.processes)}" if node.processes else "-"
        return (
            Text(safe(node.view.name, 20), style=style, no_wrap=True, overflow="ellipsis"),
            state_text(node.state),
            _num(node.done),
            _num(node.failed, "red" if node.failed else ""),
            Text(busy, justify="right", style="dim"),
            Text(age(node.silence), justify="right"),
            _pct(node.view.latest.get("cpu")),
            _pct(node.view.latest.get("memory")),
        )

    @staticmethod
    def _process_cells(proc: ProcessRow) -> Cells:
        name = " " + safe(proc.view.name, 18)
        style = STATE_STYLES.get(proc.state, "") if proc.state in ("stale", "dead") else ""
        if proc.straggler:
            name = f"{name[:13]} slow"
            style = "bold yellow"
        current = proc.view.current
        return (
            Text(name, style=style, no_wrap=True, overflow="ellipsis"),
            state_text(proc.state),
            _num(proc.view.processed),
            _num(proc.view.failed, "red" if proc.view.failed else ""),
            Text("-" if current is None else str(current), justify="right"),
            Text(age(proc.silence), justify="right"),
            Text(""),
            Text(""),
        )
