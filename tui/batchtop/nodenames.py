"""Node identity: one worker named two ways must not become two nodes.

The runtime names a node by its private IP address in some files (the `Ip Address` column of
the older processed_tasks.csv, v1 folders) and by its rank `0`, `1`, ... in others (v2 folders,
shared/formats/README.md). A tree holding both names the same machine twice, and its per-process
counts would split by the order files happened to be read in (code-review finding 19).

The tree can tell two names apart only by what they report: when an address-named and a
rank-named report speak of the same mini-batch, the two names are one node. Votes are kept for
every such pair; a name links to the other when the link is clear (enough votes, a two-thirds
majority, one-to-one). With exactly one name of each kind the two are taken to be one node, and
that is said. Whatever stays unresolved is said too, never silently split.
"""

from __future__ import annotations

import re
from array import array
from typing import Any

_ADDRESS = re.compile(r"^\d{1,3}(?:\.\d{1,3}){3}$")
MAX_REPORTERS = 20_000
"""Mini-batch ids below this have their first reporting node remembered, two bytes each
(40 KB at most): enough to link names, bounded whatever the job's size."""
MAX_LINKS = 4096
MIN_VOTES = 2
"""Co-reported mini-batches needed to link two names (one could be a retry on another node)."""
NAMES_SHOWN = 5


def naming(name: str) -> str:
    """How a node name names it: "address", "rank" or "other"."""
    if _ADDRESS.match(name):
        return "address"
    if name.isdigit():
        return "rank"
    return "other"


class NodeNames:
    """Votes on which address-named node is which rank-named node."""

    def __init__(self) -> None:
        self._first = array("H")
        """Mini-batch id -> 1 + index in `_names` of the first node that reported it (0: none)."""
        self._names: list[str] = []
        self._index: dict[str, int] = {}
        self._votes: dict[tuple[str, str], int] = {}

    def report(self, mini_batch: int, node: str) -> None:
        """`node` reported an attempt of `mini_batch` (called for every attempt report)."""
        if not 0 <= mini_batch < MAX_REPORTERS:
            return
        index = self._node_index(node)
        if index is None:
            return
        self._grow(mini_batch)
        first = self._first
        known = first[mini_batch]
        if known == 0:
            first[mini_batch] = index
            return
        if known != index:
            self._vote(known, node, 1)

    def report_many(self, mini_batches: Any, nodes: list[str], which: Any) -> None:
        """`report(mini_batches[i], nodes[which[i]])` for each row i of a block (numpy
        arrays), at once (issue 19). A mini-batch's first reporter is its first row's node
        and never changes after, so each row's vote is known at once; votes are added in the
        order of their first row, as row by row."""
        import numpy as np

        index = np.array([self._node_index(node) or 0 for node in nodes], dtype=np.int64)
        keep = (mini_batches >= 0) & (mini_batches < MAX_REPORTERS) & (index[which] > 0)
        ids, rows = mini_batches[keep], index[which[keep]]
        if not len(ids):
            return
        self._grow(int(ids.max()))
        first = np.frombuffer(self._first, dtype=np.uint16)
        known = first[ids].astype(np.int64)
        fresh = known == 0
        if fresh.any():
            new_ids, at = np.unique(ids[fresh], return_index=True)
            first[new_ids] = rows[fresh][at]
            known = first[ids].astype(np.int64)
        del first
        voting = known != rows
        if voting.any():
            pairs = known[voting] * 65_536 + rows[voting]
            values, where, counts = np.unique(pairs, return_index=True, return_counts=True)
            for i in np.argsort(where):
                earlier, now = divmod(int(values[i]), 65_536)
                self._vote(earlier, self._names[now - 1], int(counts[i]))

    def _node_index(self, node: str) -> int | None:
        index = self._index.get(node)
        if index is None:
            if len(self._names) >= 65_000:
                return None
            index = self._index[node] = len(self._names) + 1
            self._names.append(node)
        return index

    def _grow(self, mini_batch: int) -> None:
        first = self._first
        if mini_batch >= len(first):
            grow = min(MAX_REPORTERS, 2 * mini_batch + 64) - len(first)
            first.frombytes(bytes(first.itemsize * grow))

    def _vote(self, known: int, node: str, count: int) -> None:
        earlier = self._names[known - 1]
        kinds = (naming(earlier), naming(node))
        if kinds == ("address", "rank"):
            key = (earlier, node)
        elif kinds == ("rank", "address"):
            key = (node, earlier)
        else:
            return
        if key in self._votes or len(self._votes) < MAX_LINKS:
            self._votes[key] = self._votes.get(key, 0) + count

    def resolve(self, names: list[str]) -> tuple[dict[str, str], tuple[str, ...]]:
        """(address name -> the rank name it is, notes for the user) over the nodes known."""
        addresses = sorted((n for n in names if naming(n) == "address"), key=_numeric)
        ranks = sorted((n for n in names if naming(n) == "rank"), key=_numeric)
        if not addresses or not ranks:
            return {}, ()
        known = set(names)
        by_address: dict[str, dict[str, int]] = {}
        for (address, rank), count in self._votes.items():
            if address in known and rank in known:
                by_address.setdefault(address, {})[rank] = count
        alias: dict[str, str] = {}
        for address, ballots in by_address.items():
            rank, best = max(ballots.items(), key=lambda kv: (kv[1], kv[0]))
            if best >= MIN_VOTES and 3 * best >= 2 * sum(ballots.values()):
                alias[address] = rank
        taken: dict[str, int] = {}
        for rank in alias.values():
            taken[rank] = taken.get(rank, 0) + 1
        alias = {a: r for a, r in alias.items() if taken[r] == 1}
        notes = [
            f"node {a} (by address) is node {r} (by rank): both report the same mini-batches"
            for a, r in sorted(alias.items())
        ]
        if not alias and len(addresses) == 1 and len(ranks) == 1:
            alias = {addresses[0]: ranks[0]}
            notes.append(
                f"node {addresses[0]} (by address) taken to be node {ranks[0]} (by rank): "
                "the only node of each naming in this tree"
            )
        left_a = [a for a in addresses if a not in alias]
        linked = set(alias.values())
        left_r = [r for r in ranks if r not in linked]
        if left_a and left_r:
            notes.append(
                f"nodes are named two ways, by address ({_few(left_a)}) and by rank "
                f"({_few(left_r)}), and this tree does not say which is which: one machine may "
                "show as two rows, its counts split between them (totals are right)"
            )
        return alias, tuple(notes)


def _numeric(name: str) -> tuple[int, ...]:
    return tuple(int(part) for part in name.split("."))


def _few(names: list[str]) -> str:
    shown = ", ".join(names[:NAMES_SHOWN])
    return shown + (f", … +{len(names) - NAMES_SHOWN}" if len(names) > NAMES_SHOWN else "")
