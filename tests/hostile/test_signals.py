"""SIGTERM (kill) and SIGHUP (SSH drop) end batchtop cleanly: the terminal leaves the
alternate screen and mouse mode, and the exit code says which signal (128 + n)."""

from __future__ import annotations

import os
import pty
import select
import signal
import sys
import time
from pathlib import Path

import pytest

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "v2-running"


def read_until(fd: int, needle: bytes, timeout: float) -> bytes:
    out = b""
    deadline = time.monotonic() + timeout
    while needle not in out and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                out += os.read(fd, 65536)
            except OSError:
                break
    return out


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_signal_restores_the_terminal_and_exits(signum):
    pid, fd = pty.fork()
    if pid == 0:  # the child: batchtop in a real pseudo-terminal
        os.environ["TERM"] = "xterm-256color"
        os.execv(sys.executable, [sys.executable, "-m", "batchtop", "--dir", str(FIXTURE)])
    try:
        shown = read_until(fd, b"72/120", timeout=30)
        assert b"72/120" in shown, shown[-500:]
        os.kill(pid, signum)
        tail = b""
        deadline = time.monotonic() + 10
        status = None
        while time.monotonic() < deadline:
            tail += read_until(fd, b"\x00never", timeout=0.2)
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
        else:
            pytest.fail("batchtop did not exit after the signal")
        tail += read_until(fd, b"\x00never", timeout=0.2)
        assert os.waitstatus_to_exitcode(status) == 128 + signum
        assert b"\x1b[?1049l" in tail  # left the alternate screen
        assert b"\x1b[?1000l" in tail  # mouse tracking off
    finally:
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
        os.close(fd)
