"""Follow latency: from lines being written to the model (and the screen) reflecting them.

    python bench/follow_latency.py [--seconds 30] [--lines-per-second 2000] [--no-tui]

The simulator appends to a fresh tree (100 nodes x 4 processes) in steps of 0.25 s, as the
runtime would; batchtop follows it exactly as the TUI does (`sources.local.follow` in a thread,
the TUI's Pump taking snapshots; the app is built by the one factory, `make_app`). After each
step the writer notes every file's size; a step counts as "in the model" when the ingestor has
fed and applied every one of those bytes (it does so under its lock, so the model holds them),
and "on the screen" when the app renders a snapshot that holds them. Latency is measured from
the start of the step's writing, so it includes the write itself (an upper bound). The TUI runs
headless (`App.run_test`); with --no-tui (or if the TUI cannot be imported) only the model
latency is measured.
"""

from __future__ import annotations

import argparse
import asyncio
import heapq
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from _common import bench_config, percentile  # noqa: E402

from batchtop.ingest import Ingestor  # noqa: E402
from batchtop.simulator import LiveSimulator  # noqa: E402
from batchtop.sources.local import LocalTree, follow  # noqa: E402

LINES_PER_MINI_BATCH = 7.5
"""About how many log lines the simulator writes per mini-batch (all files of a v2 tree)."""
STEP = 0.25


class Probes:
    """Steps written and not yet seen; each resolves when every file reached its size."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.pending: list[tuple[float, dict[str, int]]] = []
        self.model: list[float] = []
        self.screen_pending: list[tuple[float, dict[str, int]]] = []
        self.screen: list[float] = []

    def add(self, began: float, sizes: dict[str, int]) -> None:
        with self.lock:
            self.pending.append((began, dict(sizes)))
            self.screen_pending.append((began, dict(sizes)))

    @staticmethod
    def _resolve(pending, reached, out: list[float]) -> None:
        now = time.monotonic()
        keep = []
        for began, sizes in pending:
            if all(reached(path) >= size for path, size in sizes.items()):
                out.append(now - began)
            else:
                keep.append((began, sizes))
        pending[:] = keep

    def fed(self, files) -> None:
        with self.lock:
            self._resolve(self.pending, lambda p: _bytes(files, p), self.model)

    def rendered(self, snapshot_files: dict[str, int]) -> None:
        with self.lock:
            self._resolve(self.screen_pending, lambda p: snapshot_files.get(p, 0), self.screen)


def _bytes(files, path: str) -> int:
    stats = files.get(path)
    return stats.bytes_read if stats is not None else 0


class TimedIngestor(Ingestor):
    """An Ingestor that resolves probes right after each feed is applied."""

    def __init__(self, probes: Probes) -> None:
        super().__init__()
        self.probes = probes

    def feed(self, path: str, data: bytes) -> None:
        super().feed(path, data)
        with self.lock:
            self.probes.fed(self.state.files)


class StepWriter(LiveSimulator):
    """LiveSimulator.advance_to that also says which files it appended to."""

    def advance_to(self, t: float) -> set[str]:
        heap, out = self._heap, {}
        while heap and heap[0][0] <= t:
            _, order, (_t, path, text), stream = heapq.heappop(heap)
            out.setdefault(path, []).append(text)
            self._push(order, stream)
        for path, parts in out.items():
            target = self.root / path
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(target, "a", encoding="utf-8", newline="") as fh:
                fh.write("".join(parts))
        return set(out)


def child_write(folder: str, lines_per_second: float) -> None:
    """Write the tree in steps (own process: its CPU must not slow the follower); after each
    step print `<monotonic start> <path>=<size> ...` for the files it grew."""
    sim = StepWriter(folder, bench_config(400_000, perf_interval=60.0))
    rate = lines_per_second / LINES_PER_MINI_BATCH  # mini-batches per second
    speed = rate * max(sim.plan.t_end, 1.0) / max(sim.truth.processed, 1)
    sim.advance_to(30.0)  # nodes have started: the tree exists before we attach
    print("ready", flush=True)
    sys.stdin.readline()
    began = time.monotonic()
    while not sim.done:
        step_start = time.monotonic()
        grown = sim.advance_to(30.0 + (step_start - began) * speed)
        sizes = " ".join(f"{p}={os.path.getsize(os.path.join(folder, p))}" for p in grown)
        print(f"{step_start} {sizes}", flush=True)
        time.sleep(max(0.0, STEP - (time.monotonic() - step_start)))


def read_steps(writer: subprocess.Popen, probes: Probes) -> None:
    for line in writer.stdout:
        start, *pairs = line.split()
        sizes = dict(pair.rsplit("=", 1) for pair in pairs)
        if sizes:
            probes.add(float(start), {p: int(n) for p, n in sizes.items()})


def report(name: str, values: list[float], target: float) -> None:
    if not values:
        print(f"{name:18} no samples")
        return
    ms = [v * 1000 for v in values]
    p50, p95 = percentile(ms, 0.5), percentile(ms, 0.95)
    print(
        f"{name:18} n={len(ms):4} p50={p50:7.0f} ms  p95={p95:7.0f} ms  max={max(ms):7.0f} ms"
        f"  (target p95 < {target * 1000:.0f} ms)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--lines-per-second", type=float, default=2000.0)
    parser.add_argument("--no-tui", action="store_true")
    parser.add_argument("--child-write", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_write:
        return child_write(args.child_write, args.lines_per_second)

    folder = Path(tempfile.mkdtemp(prefix="batchtop-follow-"))
    writer = subprocess.Popen(
        [sys.executable, __file__, "--child-write", str(folder), "--lines-per-second",
         str(args.lines_per_second)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert writer.stdout.readline().strip() == "ready"
    probes = Probes()
    ingestor = TimedIngestor(probes)
    tree = LocalTree(folder=folder, ingestor=ingestor)
    lines_before = 0

    def start_writing() -> None:
        writer.stdin.write("go\n")
        writer.stdin.flush()
        threading.Thread(target=read_steps, args=(writer, probes), daemon=True).start()

    def follower(stop_event: threading.Event, on_change) -> None:
        tree.read_all()
        on_change()
        follow(tree, stop_event, on_change)

    tui = None
    if not args.no_tui:
        try:
            from batchtop.app.app import BatchtopApp
            from batchtop.app.source import LocalSource, make_app
        except ImportError as exc:
            print(f"TUI not importable ({exc}): measuring the model only")
        else:

            class TimedApp(BatchtopApp):
                def render_view(self) -> None:
                    super().render_view()
                    if self.latest is not None:
                        probes.rendered({f.path: f.bytes_read for f in self.latest.files})

            class BenchSource(LocalSource):
                """The tree as the TUI follows it, through the same follower as --no-tui."""

                def follow(self, stop: threading.Event, on_change) -> None:
                    follower(stop, on_change)

            tui = make_app(BenchSource(tree, str(folder)), app_class=TimedApp)

    began = time.monotonic()
    if tui is None:
        follow_stop = threading.Event()
        reader = threading.Thread(target=follower, args=(follow_stop, lambda: None), daemon=True)
        reader.start()
        time.sleep(1.0)
        lines_before = sum(f.lines for f in ingestor.state.files.values())
        began = time.monotonic()
        start_writing()
        time.sleep(args.seconds)
        follow_stop.set()
    else:

        async def drive() -> None:
            nonlocal began, lines_before
            async with tui.run_test(size=(160, 50)):
                await asyncio.sleep(1.0)
                lines_before = sum(f.lines for f in ingestor.state.files.values())
                began = time.monotonic()
                start_writing()
                await asyncio.sleep(args.seconds)

        asyncio.run(drive())
    elapsed = time.monotonic() - began
    writer.kill()
    lines = sum(f.lines for f in ingestor.state.files.values()) - lines_before
    print(f"tree {folder}: followed {elapsed:.0f} s at {lines / elapsed:.0f} lines/s written")
    report("to the model", probes.model, 0.25)
    if tui is not None:
        report("to the screen", probes.screen, 0.5)
    print(f"steps never seen: model {len(probes.pending)}, screen {len(probes.screen_pending)}")


if __name__ == "__main__":
    main()
