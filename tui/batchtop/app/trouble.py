"""Which nodes are in trouble, how badly, and how many: the order and counts the screen leads with.

A user opens batchtop to learn which node is sick. So nodes are ranked worst first by default
(dead, stale, failing, straggling, working, idle, ended) and the counts of each kind of trouble go
into the header and the Nodes pane title, at every terminal size.

"Failing" must not fire on ordinary noise: a job failing 3 % of its attempts has failures on
every node. A node is failing only when its failed attempts exceed what the job-wide failure
ratio predicts for its work by three standard deviations (a binomial-style test), and by at least
`FAILING_MIN`. Pure functions over a `View`: no Textual, easy to test.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from batchtop.app.liveness import DEAD, ENDED, IDLE, STALE, WORKING, NodeRow, ProcessRow, View
from batchtop.app.loading import READING

FAILING_MIN = 3
"""Fewer failed attempts than this never make a node "failing"."""

(
    RANK_DEAD,
    RANK_KILLED,
    RANK_STALE,
    RANK_FAILING,
    RANK_SLOW,
    RANK_WORKING,
    RANK_IDLE,
    RANK_ENDED,
) = range(8)
_STATE_RANK = {DEAD: RANK_DEAD, STALE: RANK_STALE, WORKING: RANK_WORKING, IDLE: RANK_IDLE}
"""Ranks of the states (a state not listed, e.g. while history is read, ranks as idle)."""


@dataclass(frozen=True, slots=True)
class Trouble:
    """Counts of troubled nodes and the one to name in the header."""

    dead: int
    stale: int
    failing: int
    slow: int
    worst: NodeRow | None
    """The node to name first (dead, else stale), or None when no node is dead or stale."""
    killed: tuple[tuple[NodeRow, ProcessRow], ...] = ()
    """Workers that ended abnormally and never spoke again, on nodes that are not dead."""

    @property
    def any(self) -> bool:
        return bool(self.dead or self.stale or self.failing or self.slow or self.killed)

    def words(self) -> str:
        """`2 dead, 1 killed, 5 stale, 3 slow` (only the kinds present)."""
        parts = [
            f"{n} {word}"
            for n, word in (
                (self.dead, "dead"),
                (len(self.killed), "killed"),
                (self.stale, "stale"),
                (self.failing, "failing"),
                (self.slow, "slow"),
            )
            if n
        ]
        return ", ".join(parts)


def failing_nodes(nodes: tuple[NodeRow, ...]) -> set[str]:
    """Names of nodes whose failed attempts are well above the job's own failure ratio."""
    done = sum(n.done for n in nodes)
    failed = sum(n.failed for n in nodes)
    if failed < FAILING_MIN or done <= 0:
        return set()
    ratio = failed / (done + failed)
    out = set()
    for node in nodes:
        tries = node.done + node.failed
        expected = tries * ratio
        spread = math.sqrt(max(expected * (1 - ratio), 1e-9))
        if node.failed >= FAILING_MIN and node.failed > expected + 3 * spread:
            out.add(node.view.name)
    return out


def killed_in(node: NodeRow) -> list[ProcessRow]:
    """Processes of a living node that ended abnormally (`_main.txt`: non-zero return code,
    -9 for the OOM killer) and never spoke again: dead by the logs' own word, not by silence.
    A dead node's processes are the node's trouble and are not counted again. While history
    is read (states provisional) no process is dead yet, so none is counted."""
    if node.state == DEAD:
        return []
    return [p for p in node.processes if p.state == DEAD and p.view.after_exit == "dead"]


def killed_words(proc: ProcessRow) -> str:
    """`killed (-9)` for a signal, `exited (1)` for a return code, `ended` when none is known."""
    code = proc.view.exit_code
    if code is None:
        return "ended"
    return f"killed ({code})" if code < 0 else f"exited ({code})"


def row_quiet(row: NodeRow | ProcessRow) -> float | None:
    """The silence a row shows: a process's own; for a node, the longest silence among the
    processes in the node's own state (its stale process's 30 s, not the node's 0 s from a
    perf row: U11), or the node's when it has no processes."""
    if isinstance(row, ProcessRow):
        return row.silence
    worst = [p.silence for p in row.processes if p.state == row.state and p.silence is not None]
    return max(worst) if worst else row.silence


def node_rank(node: NodeRow, failing: set[str]) -> int:
    """0 = worst. A node's state already is its worst living process's state; a node with a
    killed worker comes right after the dead ones (its other workers may still work)."""
    if node.state == READING:
        return RANK_IDLE  # nothing is ranked before the history is read: natural order
    if node.state == ENDED and not killed_in(node):
        return RANK_ENDED
    rank = _STATE_RANK.get(node.state, RANK_IDLE)
    if rank == RANK_DEAD:
        return rank
    if killed_in(node):
        return RANK_KILLED
    if rank <= RANK_STALE:
        return rank
    if node.view.name in failing:
        return RANK_FAILING
    if node.stragglers:
        return RANK_SLOW
    return rank


_ORDER: list[tuple[tuple[NodeRow, ...], list[NodeRow]]] = []
"""The last order computed: the header, Nodes and Resources ask for the same frame's order."""


def trouble_order(nodes: tuple[NodeRow, ...]) -> list[NodeRow]:
    """Worst first; within a rank the snapshot's own (natural) order. Rows move only when a
    node changes rank: ordering by silence would reshuffle them every second, making them
    hard to read and forcing the table to be rebuilt (and repainted) on every tick."""
    if _ORDER and _ORDER[0][0] is nodes:
        return list(_ORDER[0][1])
    order = _trouble_order(nodes)
    _ORDER[:] = [(nodes, order)]
    return list(order)


def _trouble_order(nodes: tuple[NodeRow, ...]) -> list[NodeRow]:
    failing = failing_nodes(nodes)
    ranked = sorted(enumerate(nodes), key=lambda item: (node_rank(item[1], failing), item[0]))
    return [node for _, node in ranked]


def process_in_trouble(proc: ProcessRow) -> bool:
    """Worth a row under its collapsed node: silent too long, or much slower than its peers."""
    return proc.state in (STALE, DEAD) or proc.straggler


def trouble(view: View) -> Trouble:
    return count_trouble(view.nodes)


def count_trouble(nodes: tuple[NodeRow, ...]) -> Trouble:
    """How many nodes of each kind of trouble, and the one to name (the longest silent).
    None while the history is read: states are held back then (loading.py)."""
    if any(n.state == READING for n in nodes):
        return Trouble(dead=0, stale=0, failing=0, slow=0, worst=None)
    failing = failing_nodes(nodes)
    dead = [n for n in nodes if n.state == DEAD]
    stale = [n for n in nodes if n.state == STALE]
    worst: NodeRow | None = None
    if dead:
        worst = max(dead, key=lambda n: row_quiet(n) or 0.0)
    elif stale:
        worst = max(stale, key=lambda n: row_quiet(n) or 0.0)
    return Trouble(
        dead=len(dead),
        stale=len(stale),
        failing=sum(1 for n in nodes if n.view.name in failing and n.state not in (DEAD, STALE)),
        slow=sum(1 for n in nodes if n.stragglers and n.state not in (DEAD, ENDED)),
        worst=worst,
        killed=tuple((n, p) for n in nodes for p in killed_in(n)),
    )


class Spotlight:
    """Which troubled node the header names, frame after frame. The longest-silent node of the
    worst kind is chosen once and kept while it stays in that kind of trouble: silences of many
    stale nodes differ by a second or two, and naming whichever is ahead this frame made the
    header name a different node every 2 s (U11). A worse kind (a node dies while the named
    one is stale) takes over at once; when the named node recovers, the next is chosen."""

    def __init__(self) -> None:
        self._name: str | None = None
        self._state: str | None = None

    def pick(self, found: Trouble, nodes: tuple[NodeRow, ...]) -> NodeRow | None:
        worst = found.worst
        if worst is None:
            self._name = self._state = None
            return None
        if self._name is not None and self._state == worst.state:
            kept = next(
                (n for n in nodes if n.view.name == self._name and n.state == worst.state), None
            )
            if kept is not None:
                return kept
        self._name, self._state = worst.view.name, worst.state
        return worst
