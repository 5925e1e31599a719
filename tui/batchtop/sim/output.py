"""Put a simulated job on disk: all at once (`write_tree`) or as it happens (`LiveSimulator`).

Both consume the same streams (sim/streams.py), so a live run ends with exactly the bytes that
`write_tree` writes for the same config: tests compare the two instead of trusting either.
"""

from __future__ import annotations

import heapq
import math
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from batchtop.sim.config import GroundTruth, SimConfig
from batchtop.sim.engine import Plan, simulate
from batchtop.sim.streams import Record, build_streams, overview_files


def _prepare(cfg: SimConfig) -> Plan:
    plan = simulate(cfg)
    plan.truth.overview_files = overview_files(plan)
    return plan


def write_tree(root: Path | str, cfg: SimConfig) -> GroundTruth:
    """Write the whole tree of the job at its snapshot time; return what batchtop must report.

    Each file is assembled in memory and written with one call (a million mini-batches give a
    ~150 MB CSV: fine, and far faster than appending line by line). `root` should be empty.
    """
    plan = _prepare(cfg)
    root = Path(root)
    made: set[Path] = set()
    for stream in build_streams(plan):
        buckets: dict[str, list[str]] = {}
        for _t, path, text in stream:
            parts = buckets.get(path)
            if parts is None:
                parts = buckets[path] = []
            parts.append(text)
        for path, parts in buckets.items():
            target = root / path
            if target.parent not in made:
                target.parent.mkdir(parents=True, exist_ok=True)
                made.add(target.parent)
            with open(target, "w", encoding="utf-8", newline="") as fh:
                fh.write("".join(parts))
    return plan.truth


class LiveSimulator:
    """Writes the tree incrementally as a simulated clock advances; tests drive it by hand.

    Records whose time is <= the clock are appended (open, append, close: each step's bytes
    are on disk, flushed, when `advance_to` returns, as a real writer's would be). Nothing is
    ever rewritten, so files only grow; the overview moves to a new file after midnight.
    """

    def __init__(self, root: Path | str, cfg: SimConfig) -> None:
        self.root = Path(root)
        self.plan = _prepare(cfg)
        self.truth: GroundTruth = self.plan.truth
        self.clock = -math.inf
        self._heap: list[tuple[float, int, Record, Iterator[Record]]] = []
        self._made: set[Path] = set()
        for order, stream in enumerate(build_streams(self.plan)):
            self._push(order, stream)

    def _push(self, order: int, stream: Iterator[Record]) -> None:
        record = next(stream, None)
        if record is not None:
            heapq.heappush(self._heap, (record[0], order, record, stream))

    @property
    def done(self) -> bool:
        return not self._heap

    def advance_to(self, t: float) -> int:
        """Write every record up to simulated time t; return how many records were written."""
        self.clock = max(self.clock, t)
        out: dict[str, list[str]] = {}
        count = 0
        heap = self._heap
        while heap and heap[0][0] <= t:
            _, order, (_t, path, text), stream = heapq.heappop(heap)
            parts = out.get(path)
            if parts is None:
                parts = out[path] = []
            parts.append(text)
            count += 1
            self._push(order, stream)
        for path, parts in out.items():
            target = self.root / path
            if target.parent not in self._made:
                target.parent.mkdir(parents=True, exist_ok=True)
                self._made.add(target.parent)
            with open(target, "a", encoding="utf-8", newline="") as fh:
                fh.write("".join(parts))
        return count

    def step(self, seconds: float) -> int:
        """Advance the simulated clock by `seconds` (from the start on the first call)."""
        base = 0.0 if self.clock == -math.inf else self.clock
        return self.advance_to(base + seconds)

    def finish(self) -> GroundTruth:
        """Write everything that is left; the tree then equals `write_tree`'s."""
        self.advance_to(math.inf)
        return self.truth


def run_live(
    root: Path | str,
    cfg: SimConfig,
    *,
    rate: float,
    stop: threading.Event | None = None,
    tick: float = 0.25,
) -> GroundTruth:
    """Write the tree in real time at about `rate` mini-batches per wall-clock second.

    Simulated time is compressed uniformly (the job's duration over its processed count), so
    overview ticks, CSV rows and perf rows keep their relative rhythm. Returns the ground truth
    of the complete run, even when `stop` ends the writing early.
    """
    sim = LiveSimulator(root, cfg)
    speed = rate * max(sim.plan.t_end, 1.0) / max(sim.truth.processed, 1)
    began = time.monotonic()
    while not sim.done:
        if stop is not None and stop.is_set():
            break
        sim.advance_to((time.monotonic() - began) * speed)
        if stop is not None:
            stop.wait(tick)
        else:
            time.sleep(tick)
    return sim.truth
