"""A piped `az ml job stream` (or a saved copy of one): bytes from a file object.

The whole stream is fed to the Ingestor as one virtual file, `az-ml-job-stream.stream`, which
the registry maps to the stream demultiplexer; its sections then reach the ordinary parsers.

The end of the input is a fact only this source knows, and it is not the job's outcome: the v2
stream prints no final status (a failed job's error goes to az's stderr), and a stream cut short
says nothing at all. So at EOF the job is marked `ENDED_UNKNOWN` as a mere log-level hint: an
outcome the stream did print (a v1 summary status, an `Error:` or a merged `Exception :` block)
outranks it, and so do the logs' own `Failed` or `Canceled`; `Running`, and a `Completed` guessed
from log wording, do not.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import BinaryIO

from batchtop import events as ev
from batchtop.ingest import Ingestor
from batchtop.status import ENDED_UNKNOWN

STREAM_PATH = "az-ml-job-stream.stream"
CHUNK = 64 * 1024


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
        mark_ended(ingestor)
    on_change()
    return total


def mark_ended(ingestor: Ingestor) -> None:
    """The stream is over: unless something said how the job ended, say that nothing did."""
    with ingestor.lock:
        ingestor.state.apply(ev.StatusHint(ENDED_UNKNOWN, None))
