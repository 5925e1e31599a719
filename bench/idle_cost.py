"""Idle cost: CPU used by a batchtop following a quiet tree, and one receiving 2,000 lines/s.

    python bench/idle_cost.py [--seconds 60] [--lines-per-second 2000] [--trees DIR]

Each follower is its own process and only its CPU is counted (user + system, from /proc):
- `follow` : the core follower alone (`sources.local.follow`, what feeds the TUI);
- `tui`    : the real `batchtop --dir T`, Textual included, on a pseudo-terminal.
The quiet tree is the cached 10,000 mini-batch tree (100 nodes x 4 processes, 2,209 files);
the busy one is written by the simulator in a separate process while we measure. Counting
starts after a warm-up that lets each follower read the history.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from _common import add_tree_arguments, bench_config, tree  # noqa: E402

LINES_PER_MINI_BATCH = 7.5
WARM_UP = 8.0


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def child_follow(folder: str) -> None:
    from batchtop.ingest import Ingestor
    from batchtop.sources.local import LocalTree, follow

    tree_ = LocalTree.open(Path(folder), Ingestor())
    tree_.read_all()  # as the CLI's follower does: history first, then changes
    follow(tree_, threading.Event())


def child_write(folder: str, lines_per_second: float) -> None:
    from batchtop.simulator import run_live

    cfg = bench_config(400_000)
    run_live(folder, cfg, rate=lines_per_second / LINES_PER_MINI_BATCH)


def start_follow(folder: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, __file__, "--child-follow", str(folder)])


def start_tui(folder: Path) -> tuple[int, threading.Thread]:
    """`batchtop --dir folder` on a 160x50 pseudo-terminal whose output we drain."""
    pid, fd = pty.fork()
    if pid == 0:
        os.environ["TERM"] = "xterm-256color"
        os.execv(sys.executable, [sys.executable, "-m", "batchtop", "--dir", str(folder)])
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 160, 0, 0))
    return pid, drain(fd)


def drain(fd: int) -> threading.Thread:
    """Read and drop what the TUI writes to its terminal, in a thread (a full pty blocks it)."""

    def run() -> None:
        try:
            while os.read(fd, 65536):
                pass
        except OSError:
            pass

    reader = threading.Thread(target=run, daemon=True)
    reader.start()
    return reader


def settle(pid: int) -> None:
    """Wait out the warm-up: start-up and reading the history (slow on a busy machine) end
    when the CPU used over one second drops below 5% of a core, twice in a row."""
    time.sleep(WARM_UP)
    calm = 0
    while calm < 2:
        before = cpu_seconds(pid)
        time.sleep(1.0)
        calm = calm + 1 if cpu_seconds(pid) - before < 0.05 else 0


def measure(pid: int, seconds: float, busy: bool) -> float:
    if busy:
        time.sleep(WARM_UP * 2)  # a growing tree never goes calm: a fixed warm-up
    else:
        settle(pid)
    before = cpu_seconds(pid)
    time.sleep(seconds)
    return (cpu_seconds(pid) - before) / seconds


def stop(pid: int) -> None:
    try:
        os.kill(pid, 15)
        os.waitpid(pid, 0)
    except (ProcessLookupError, ChildProcessError):
        pass


def one(kind: str, folder: Path, seconds: float, busy: bool = False) -> float:
    if kind == "follow":
        proc = start_follow(folder)
        pid = proc.pid
    else:
        pid, _ = start_tui(folder)
    try:
        return measure(pid, seconds, busy)
    finally:
        stop(pid)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--lines-per-second", type=float, default=2000.0)
    parser.add_argument("--only", choices=("follow", "tui"))
    parser.add_argument("--child-follow", help=argparse.SUPPRESS)
    parser.add_argument("--child-write", help=argparse.SUPPRESS)
    add_tree_arguments(parser)
    args = parser.parse_args()
    if args.child_follow:
        return child_follow(args.child_follow)
    if args.child_write:
        return child_write(args.child_write, args.lines_per_second)

    quiet = tree(args.trees, 10_000)
    kinds = [args.only] if args.only else ["follow", "tui"]
    print(f"CPU of one core, over {args.seconds:.0f} s after a warm-up")
    for kind in kinds:
        share = one(kind, quiet, args.seconds)
        print(f"{kind:7} quiet tree:           {share:7.2%}  (target < 1%)")
    for kind in kinds:
        folder = Path(tempfile.mkdtemp(prefix="batchtop-idle-"))
        writer = subprocess.Popen(
            [
                sys.executable,
                __file__,
                "--child-write",
                str(folder),
                "--lines-per-second",
                str(args.lines_per_second),
            ]
        )
        time.sleep(3.0)  # the writer plans the job before its first line
        try:
            share = one(kind, folder, args.seconds, busy=True)
        finally:
            writer.terminate()
            writer.wait()
        label = f"{args.lines_per_second:.0f} lines/s:"
        print(f"{kind:7} {label:22}{share:7.2%}")


if __name__ == "__main__":
    main()
