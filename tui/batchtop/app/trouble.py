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

FAILING_MIN = 3
"""Fewer failed attempts than this never make a node "failing"."""

RANK_DEAD, RANK_STALE, RANK_FAILING, RANK_SLOW, RANK_WORKING, RANK_IDLE, RANK_ENDED = range(7)
_STATE_RANK = {DEAD: RANK_DEAD, STALE: RANK_STALE, WORKING: RANK_WORKING, IDLE: RANK_IDLE}


@dataclass(frozen=True, slots=True)
class Trouble:
    """Counts of troubled nodes and the one to name in the header."""

    dead: int
    stale: int
    failing: int
    slow: int
    worst: NodeRow | None
    """The node to name first (dead, else stale), or None when no node is dead or stale."""

    @property
    def any(self) -> bool:
        return bool(self.dead or self.stale or self.failing or self.slow)

    def words(self) -> str:
        """`2 dead, 5 stale, 3 slow` (only the kinds present)."""
        parts = [
            f"{n} {word}"
            for n, word in (
                (self.dead, "dead"),
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


def node_rank(node: NodeRow, failing: set[str]) -> int:
    """0 = worst. A node's state already is its worst process's state; a node with a killed
    worker sorts with the dead even while its other workers go on (U9)."""
    if node.killed:
        return RANK_DEAD
    if node.state == ENDED:
        return RANK_ENDED
    rank = _STATE_RANK.get(node.state, RANK_IDLE)
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
    """How many nodes of each kind of trouble, and the one to name (the longest silent)."""
    failing = failing_nodes(nodes)
    dead = [n for n in nodes if n.state == DEAD]
    stale = [n for n in nodes if n.state == STALE]
    worst: NodeRow | None = None
    if dead:
        worst = max(dead, key=lambda n: n.silence or 0.0)
    elif stale:
        worst = max(stale, key=lambda n: n.silence or 0.0)
    return Trouble(
        dead=len(dead),
        stale=len(stale),
        failing=sum(1 for n in nodes if n.view.name in failing and n.state not in (DEAD, STALE)),
        slow=sum(1 for n in nodes if n.stragglers and n.state not in (DEAD, ENDED)),
        worst=worst,
    )
