"""A piped `az ml job stream` (or a saved copy of one): bytes from a file object.

The whole stream is fed to the Ingestor as one virtual file, `az-ml-job-stream.stream`, which
the registry maps to the stream demultiplexer; its sections then reach the ordinary parsers.

The end of the input is a fact only this source knows, and it is not the job's outcome: the v2
stream prints no final status (a failed job's error goes to az's stderr), and a stream cut short
says nothing at all. So at EOF the job is marked `ENDED_UNKNOWN` as a mere log-level hint: an
outcome the stream did print (a v1 summary status, an `Error:` or a merged `Exception :` block)
outranks it, and so do the logs' own `Failed` or `Canceled`; `Running`, and a `Completed` guessed
from log wording, do not.

Input with no stream line at all (a README, an empty pipe because `az` failed before printing)
is not a stream whose outcome is unknown: it is refused with `NotAStream` (ux-review-3 U22).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import BinaryIO

from batchtop import events as ev
from batchtop import status as statuses
from batchtop.ingest import Ingestor
from batchtop.model import JobState
from batchtop.sources.local import SourceError
from batchtop.status import ENDED_UNKNOWN

STREAM_PATH = "az-ml-job-stream.stream"
CHUNK = 64 * 1024


class NotAStream(SourceError):
    """The input ended without a single line `az ml job stream` writes."""


def read_stream(
    handle: BinaryIO,
    ingestor: Ingestor,
    stop: threading.Event | None = None,
    on_change: Callable[[], None] = lambda: None,
) -> int:
    """Feed everything from `handle` until EOF (or `stop`); returns bytes read."""
    total = 0
    fd = handle.fileno() if hasattr(handle, "fileno") else None
    ended = False
    while stop is None or not stop.is_set():
        data = os.read(fd, CHUNK) if fd is not None else handle.read(CHUNK)
        if not data:
            ended = True
            break
        total += len(data)
        ingestor.feed(STREAM_PATH, data)
        on_change()
    ingestor.flush(final=True)
    if ended:
        with ingestor.lock:
            if not saw_stream(ingestor.state):
                raise NotAStream(NO_STREAM)
        mark_ended(ingestor)
    on_change()
    return total


NO_STREAM = (
    "no stream lines found (expected the output of `az ml job stream -n JOB`: "
    "RunId:, Streaming <file>, Execution Summary)"
)


def check_stream_file(path: str) -> None:
    """Refuse a saved file without a stream line before a screen opens on it (the screen reads
    the file in a thread, too late for exit 2). Reads only until the first stream line, which
    in a real stream is the first line."""
    ingestor = Ingestor()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            ingestor.feed(STREAM_PATH, chunk)
            if saw_stream(ingestor.state):
                return
    ingestor.flush(final=True)
    if not saw_stream(ingestor.state):
        raise NotAStream(f"{path}: {NO_STREAM}")


def saw_stream(state: JobState) -> bool:
    """Did the stream parser recognise any line: a run id or link of the header, a section
    (each makes a file of its own), or a status or error block it printed."""
    return (
        state.job_name is not None
        or state.job_url is not None
        or any(path != STREAM_PATH for path in state.files)
        or statuses.rank(state.status) > statuses.rank(None)
    )


def mark_ended(ingestor: Ingestor) -> None:
    """The stream is over: unless something said how the job ended, say that nothing did."""
    with ingestor.lock:
        ingestor.state.apply(ev.StatusHint(ENDED_UNKNOWN, None))
