"""No state before the evidence is in (issue 16, U2).

While a source reads the history it found on attach (`Snapshot.reading`), silences are measured
against a partial read: a node whose file has not been reached yet looks silent for minutes, and
a 100-node tree showed "31 dead, 69 stale" for seconds where the truth was 1 dead. So the View of
such a snapshot is made provisional here, once per frame, before any pane sees it: every node
and process gets the state READING (drawn `…`), no silence and no straggler. Header, titles,
Nodes and Resources all read that one View, so none of them can count a dead or stale node that
the finished read withdraws, and none can disagree with another. Counts (done, failed) are
facts already read and stay.
"""

from __future__ import annotations

from dataclasses import replace

from batchtop.app.liveness import NodeRow, ProcessRow, View
from batchtop.snapshot import Snapshot

READING = "reading"
"""The state of every node and process while the history is read (not a liveness state)."""


def history_fraction(snap: Snapshot) -> float | None:
    """How much of the history found on attach is read (0..1); None when it is all in, or
    when how much there is is not known yet (an Azure job before its first listing)."""
    if snap.reading is None:
        return None
    done, total = snap.reading
    return None if total <= 0 else min(1.0, done / total)


def reading_words(snap: Snapshot) -> str | None:
    """`reading history… 40%` while the first read goes on (never 100%: it is not over),
    `reading history…` while its size is not known; None once it is in."""
    if snap.reading is None:
        return None
    fraction = history_fraction(snap)
    if fraction is None:
        return "reading history…"
    return f"reading history… {min(99, int(fraction * 100))}%"


def provisional(view: View) -> View:
    """`view` with every state held back while its snapshot's history is still being read;
    `view` itself once it is all in."""
    if view.snapshot.reading is None:
        return view
    return replace(view, nodes=tuple(_held(node) for node in view.nodes))


def _held(node: NodeRow) -> NodeRow:
    procs = tuple(
        ProcessRow(view=p.view, state=READING, silence=None, straggler=False)
        for p in node.processes
    )
    return replace(node, state=READING, silence=None, processes=procs, busy=0, stragglers=0)
