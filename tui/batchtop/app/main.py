"""Entry points the CLI calls: `run_tui` for a followed source, `run_tui_on_stream` for a pipe.

Both return the same exit codes as `--once`: 0 when the job is fine or still running, 1 when it
failed (judged from the last snapshot, after the user quits).
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable
from typing import BinaryIO, cast

from batchtop.app.app import BatchtopApp
from batchtop.app.log_viewer_screen import ReadFrom
from batchtop.app.pump import Follower
from batchtop.app.source import Source, make_app
from batchtop.ingest import Ingestor
from batchtop.sources.local import SourceError
from batchtop.sources.stream import STREAM_PATH, read_stream
from batchtop.summary import exit_code
from batchtop.watch import Alerts

KEEP_STREAM_BYTES = 16 * 1024 * 1024
"""The log viewer can show the last 16 MB of a piped stream (there is no file to re-read)."""


def run_tui(
    ingestor: Ingestor,
    follower: Follower | None,
    label: str,
    list_files: Callable[[], list[str]] | None = None,
    read_file: Callable[[str], bytes] | None = None,
    bell: bool = False,
    source_note: Callable[[], str | None] | None = None,
    refresh_source: Callable[[], None] | None = None,
    read_from: ReadFrom | None = None,
    at: str | None = None,
    alerts: Alerts | None = None,
) -> int:
    """Run the TUI until the user quits; the follower runs in a daemon thread meanwhile.

    `source_note` tells the header about the source's trouble; `refresh_source` is `r`.
    """
    app = BatchtopApp(
        ingestor,
        follower=follower,
        label=label,
        list_files=list_files,
        read_file=read_file,
        bell=bell,
        source_note=source_note,
        refresh_source=refresh_source,
        read_from=read_from,
    )
    if at:
        app.start_replay_at(at)  # `--at`: open replaying that moment
    app.alerts = alerts
    try:
        app.run()
    finally:
        if alerts is not None:
            alerts.close()
    if app.return_code not in (None, 0):
        return app.return_code
    return exit_code(ingestor.snapshot())


def run_source(
    source: Source, bell: bool = False, at: str | None = None, alerts: Alerts | None = None
) -> int:
    """Run the TUI over `source` (built by the one factory) until the user quits; `at`
    opens it replaying that moment; `alerts` get each live view (--notify, --notify-url)."""
    app = make_app(source, bell=bell, at=at, alerts=alerts)
    try:
        app.run()
    finally:
        if alerts is not None:
            alerts.close()
    if app.return_code not in (None, 0):
        return app.return_code
    return exit_code(source.ingestor.snapshot())


class _Tee:
    """A binary reader that keeps the tail of what it read, for the log viewer.

    It has no `fileno` on purpose: `read_stream` then calls `read()`, which lands here.
    """

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.kept = bytearray()
        self.lock = threading.Lock()

    def read(self, size: int) -> bytes:
        data = os.read(self.fd, size)
        with self.lock:
            self.kept += data
            if len(self.kept) > KEEP_STREAM_BYTES * 2:
                del self.kept[: len(self.kept) - KEEP_STREAM_BYTES]
        return data

    def contents(self) -> bytes:
        with self.lock:
            return bytes(self.kept[-KEEP_STREAM_BYTES:])


def _stdin_to_tty() -> int:
    """Give the stream its own fd and put the terminal on fd 0, where Textual reads keys.

    Textual's Linux driver reads input from `sys.__stdin__.fileno()` (fd 0) and puts it in raw
    mode; with `az ml job stream | batchtop --stream -`, fd 0 is the pipe. We move the pipe to a
    new fd for the reader thread and reopen the controlling terminal (/dev/tty) onto fd 0.
    """
    stream_fd = os.dup(0)
    try:
        tty = os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY)
    except OSError as exc:
        os.close(stream_fd)
        raise SourceError(
            "--stream - needs a terminal for the keyboard (/dev/tty): "
            f"{exc.strerror or exc}; use --once or --json to read a pipe without one"
        ) from exc
    os.dup2(tty, 0)
    os.close(tty)
    return stream_fd


def run_tui_on_stream(
    ingestor: Ingestor,
    stream_arg: str,
    bell: bool = False,
    at: str | None = None,
    alerts: Alerts | None = None,
) -> int:
    """`--stream FILE` or `--stream -`: read the stream in a thread while the TUI runs."""
    if stream_arg == "-":
        if sys.stdin.isatty():
            raise SourceError(
                "--stream - reads `az ml job stream` from a pipe, but standard input is the "
                "terminal: pipe it in (az ml job stream -n JOB | batchtop --stream -)"
            )
        fd = _stdin_to_tty()
        label = "stream (stdin)"
    else:
        try:
            fd = os.open(stream_arg, os.O_RDONLY)
        except OSError as exc:
            raise SourceError(f"{stream_arg}: {exc.strerror or exc}") from exc
        label = f"stream {stream_arg}"
    tee = _Tee(fd)

    def follower(stop: threading.Event, on_change: Callable[[], None]) -> None:
        try:
            # _Tee has read() and no fileno(): all read_stream asks of a binary handle
            read_stream(cast(BinaryIO, tee), ingestor, stop=stop, on_change=on_change)
        finally:
            os.close(fd)

    def read_file(path: str) -> bytes:
        if path != STREAM_PATH:
            raise FileNotFoundError(f"{path}: only the stream itself can be shown")
        return tee.contents()

    return run_tui(
        ingestor,
        follower,
        label=label,
        list_files=lambda: [STREAM_PATH],
        read_file=read_file,
        bell=bell,
        at=at,
        alerts=alerts,
    )
