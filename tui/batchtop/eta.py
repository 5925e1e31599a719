"""An ETA that knows the nodes: remaining work over the throughput of the processes alive now.

The runtime's ETA and our window rate (rate.py) both divide the remaining mini-batches by the
job's recent pace. When a node dies, that pace still holds the dead node's share until it has
left the window, so for minutes the estimate promises an end that cannot come. And when a few
processes are much slower than the rest, the last mini-batches wait on them however fast the
others are.

Here the pace is the sum of each *living* process's own throughput (mini-batches it finished
over the log time between its first and newest signs of life): a dead or stale process adds
nothing, so its share of the remaining work is spread over the others at once. The tail is
bounded below by the slowest living process's time for one mini-batch (a straggler may hold
the last one). The band says how sure this is: its ends are the estimate at the slower and the
faster of the two paces (living processes' own, and the job's recent window), widened by the
spread of the living processes' paces (their standard error), and never narrower than
`MIN_SPREAD` either side.

Pure and clock-free: it reads a Snapshot and liveness's judgement only. When the logs carry no
per-process counts (some eras log none), it says nothing rather than guess: `None`.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass

from batchtop.liveness import DEAD, ENDED, STALE, NodeRow
from batchtop.snapshot import Snapshot

MIN_SPREAD = 0.1
"""The band is at least ±10% wide: throughput is never known better than that."""
MIN_FINISHED = 2
"""A process's own pace needs at least this many finished mini-batches."""


@dataclass(frozen=True, slots=True)
class Eta:
    seconds: float
    """The central estimate, inside the band."""
    low: float
    high: float
    alive: int
    """Living processes whose pace the estimate rests on."""
    lost: int
    """Processes the estimate leaves out: dead or stale."""


def process_paces(snapshot: Snapshot, nodes: tuple[NodeRow, ...]) -> tuple[list[float], int]:
    """Mini-batches per second of each living process with a known pace; and how many
    processes are not alive (dead or stale)."""
    paces: list[float] = []
    lost = 0
    for node in nodes:
        for row in node.processes:
            if row.state in (DEAD, STALE):
                lost += 1
                continue
            if row.state == ENDED:
                continue
            p = row.view
            last = p.own_seen if p.own_seen is not None else p.last_seen
            if p.processed < MIN_FINISHED or p.first_seen is None or last is None:
                continue
            span = last - p.first_seen
            if span > 0:
                paces.append(p.processed / span)
    return paces, lost


def estimate(snapshot: Snapshot, nodes: tuple[NodeRow, ...]) -> Eta | None:
    """The node-aware ETA of `snapshot` (None: finished, total unknown, or no process pace)."""
    counts = snapshot.mini_batches
    if not snapshot.has_eta or counts.total is None:
        return None
    remaining = counts.total - counts.processed
    if remaining <= 0:
        return Eta(0.0, 0.0, 0.0, 0, 0)
    paces, lost = process_paces(snapshot, nodes)
    if not paces:
        return None
    alive_pace = sum(paces)
    center = remaining / alive_pace
    tail = 1.0 / min(paces)  # the slowest living process may hold the last mini-batch
    estimates = [center]
    if snapshot.rate_per_min:  # the job's recent window: slower or faster than the living's
        estimates.append(remaining * 60.0 / snapshot.rate_per_min)
    spread = MIN_SPREAD
    if len(paces) >= 2:
        spread = max(spread, statistics.stdev(paces) / statistics.mean(paces) / len(paces) ** 0.5)
    low = min(estimates) * (1.0 - spread)
    high = max(estimates) * (1.0 + spread) + tail
    seconds = min(max(center, tail), high)
    return Eta(seconds, max(0.0, low), high, len(paces), lost)


def format_band(low: float, high: float) -> str:
    """`14-19 min`: a band in the unit that suits its upper end, rounded outwards."""
    if high < 600:
        return f"{math.floor(low)}-{math.ceil(high)} s"
    if high < 2 * 3600:
        return f"{math.floor(low / 60)}-{math.ceil(high / 60)} min"
    return f"{math.floor(low / 360) / 10:g}-{math.ceil(high / 360) / 10:g} h"
