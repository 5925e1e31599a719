"""TUI cost: CPU share of `batchtop --dir T` on a pseudo-terminal while a simulator appends
2,000 lines/s, and on the same tree once the writer stops (idle), beside another commit's code.

    python bench/tui_cost.py [--seconds 30] [--size 160x50] [--compare-with DIR] [--rounds 1]

The writer is the simulator's live mode over 100 nodes x 4 processes (v2 layout, 6% failed
attempts): picks and finishes in the worker logs, user output, failures with their tracebacks,
the processed-mini-batches CSV and perf rows, in 0.25 s steps. At the end the script counts the
lines it wrote per kind of file, so the mix is visible. Only the TUI process's CPU is counted
(user + system, from /proc). `--compare-with DIR` runs the TUI from another source tree (e.g.
`git archive <commit> | tar -x -C DIR`), interleaved with this one, in the same run: on a shared
machine only figures from one run compare.
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
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from idle_cost import cpu_seconds, drain, stop  # noqa: E402

WARM_UP = 12.0
"""Seconds before counting: start-up, the history read, and the writer's first steps."""


def start_tui(folder: Path, code: Path | None, columns: int, rows: int) -> int:
    """`batchtop --dir folder` (from `code`'s tui/ when given) on a pty we drain."""
    pid, fd = pty.fork()
    if pid == 0:
        os.environ["TERM"] = "xterm-256color"
        if code is not None:
            os.environ["PYTHONPATH"] = str(code / "tui")
        os.execv(sys.executable, [sys.executable, "-m", "batchtop", "--dir", str(folder)])
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    drain(fd)
    return pid


def lines_by_kind(folder: Path) -> dict[str, int]:
    kinds: dict[str, int] = {}
    for path in folder.rglob("*"):
        if not path.is_file():
            continue
        name = path.as_posix()
        kind = (
            "perf" if "perf" in name
            else "csv" if name.endswith(".csv")
            else "user" if "/user/" in name and "error" not in name
            else "errors" if "error" in name
            else "worker/sys"
        )
        with path.open("rb") as f:
            kinds[kind] = kinds.get(kind, 0) + sum(1 for _ in f)
    return kinds


def one(code: Path | None, args: argparse.Namespace) -> tuple[float, float, dict[str, int]]:
    folder = Path(tempfile.mkdtemp(prefix="batchtop-tuicost-"))
    writer = subprocess.Popen(
        [
            sys.executable,
            str(Path(__file__).parent / "idle_cost.py"),
            "--child-write",
            str(folder),
            "--lines-per-second",
            str(args.lines_per_second),
        ]
    )
    while not any(p.is_file() for p in folder.rglob("*")):  # the writer plans the job first
        time.sleep(0.5)
    time.sleep(1.0)
    columns, rows = (int(x) for x in args.size.split("x"))
    pid = start_tui(folder, code, columns, rows)
    try:
        time.sleep(WARM_UP)
        before, began = cpu_seconds(pid), time.monotonic()
        lines_before = sum(lines_by_kind(folder).values())
        time.sleep(args.seconds)
        busy = (cpu_seconds(pid) - before) / (time.monotonic() - began)
        kinds = lines_by_kind(folder)
        kinds["lines/s"] = int((sum(kinds.values()) - lines_before) / args.seconds)
        writer.terminate()
        writer.wait()
        time.sleep(WARM_UP / 2)  # the last bytes read, the screen settled
        before, began = cpu_seconds(pid), time.monotonic()
        time.sleep(args.seconds)
        idle = (cpu_seconds(pid) - before) / (time.monotonic() - began)
        return busy, idle, kinds
    finally:
        if writer.poll() is None:
            writer.terminate()
            writer.wait()
        stop(pid)


def load() -> str:
    return Path("/proc/loadavg").read_text().split(" ", 3)[:3].__str__()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--lines-per-second", type=float, default=2000.0)
    parser.add_argument("--size", default="160x50", help="terminal COLUMNSxROWS")
    parser.add_argument("--compare-with", type=Path, help="another source tree to run too")
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    codes: list[tuple[str, Path | None]] = [("this tree", None)]
    if args.compare_with:
        codes.insert(0, (f"{args.compare_with}", args.compare_with))
    print(f"TUI CPU share of one core at {args.size}, {args.seconds:.0f} s each")
    for _ in range(args.rounds):
        for label, code in codes:
            load_before = load()
            busy, idle, kinds = one(code, args)
            print(
                f"{label:40} busy {busy:7.2%} (target < 20%)  idle {idle:6.2%} (target < 0.5%)"
                f"  load {load_before} -> {load()}"
            )
            print(f"{'':40} lines written: {kinds}")


if __name__ == "__main__":
    main()
