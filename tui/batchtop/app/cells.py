"""What a table cell says, as small pure functions: the table widgets only lay them out.

Counts that no file gives are drawn as `-`, never `0` (U8): a node's `Done 0` beside 2,602
mini-batches processed reads as a dead node, while the truth is that the logs do not say. One
note (`UNKNOWN_COUNTS_NOTE`) says why, once, where it is never cut (the Progress pane).
"""

from __future__ import annotations

from rich.text import Text

from batchtop.app.liveness import NodeRow
from batchtop.app.textfmt import age, state_text
from batchtop.app.trouble import killed_words, row_quiet
from batchtop.snapshot import Snapshot

UNKNOWN_COUNTS_NOTE = "these logs carry no per-node progress: Done, Err and Batch show -"
"""Said once (Progress pane, --once) when per-node counts are not known."""


def counts_note(snap: Snapshot) -> str | None:
    """The note explaining `-` counts, or None when the counts are known."""
    return None if snap.per_process_counts else UNKNOWN_COUNTS_NOTE


def count_cell(value: int | None, known: bool = True, style: str = "") -> Text:
    """A right-aligned count; `-` when the logs do not give it (`known` False or None)."""
    if value is None or not known:
        return Text("-", justify="right", style="dim")
    return Text(f"{value:,}", style=style, justify="right")


def busy_cell(node: NodeRow, known: bool = True) -> Text:
    """`3/4` processes working now; `-` without processes or when the logs do not say which
    mini-batch a process works on."""
    text = f"{node.busy}/{len(node.processes)}" if node.processes and known else "-"
    return Text(text, justify="right", style="dim")


def batch_cell(current: int | None) -> Text:
    """The mini-batch a process works on, `-` when no file says."""
    return Text("-" if current is None else str(current), justify="right")


def _count(value: int, known: bool) -> str:
    return f"{value:,}" if known else "-"


def detail_summary(row: NodeRow, process: str | None, known: bool = True) -> Text:
    """The facts after `node N · process P` in the node detail's first line: the process's
    own state and counts when one was opened (U12: it showed the node's, as if the node's
    totals were the process's), else the node's."""
    out = Text(no_wrap=True, overflow="ellipsis")
    proc = next((p for p in row.processes if p.view.name == process), None)
    if process is not None and proc is not None:
        out.append_text(state_text(proc.state))
        view = proc.view
        out.append(
            f"  done {_count(view.processed, known)} · failed {_count(view.failed, known)}"
            f" · batch {'-' if view.current is None else view.current}"
            f" · quiet {age(row_quiet(proc))}"
        )
        if view.after_exit == "dead":
            out.append(f" · {killed_words(proc)}", style="bold")
        if proc.straggler:
            out.append(" · slow", style="bold yellow")
        out.append(f"   (node: {row.state})", style="dim")  # the node's, told apart (R16)
        return out
    out.append_text(state_text(row.state))
    busy = f"{row.busy}/{len(row.processes)}" if known else "-"
    out.append(
        f"  done {_count(row.done, known)} · failed {_count(row.failed, known)} · busy {busy}"
        f" · quiet {age(row_quiet(row))}"
    )
    if row.stragglers:
        out.append(f" · {row.stragglers} slow", style="bold yellow")
    return out
