"""A piped `az ml job stream` (or a saved copy of one): bytes from a file object.

The whole stream is fed to the Ingestor as one virtual file, `az-ml-job-stream.stream`, which
the registry maps to the stream demultiplexer; its sections then reach the ordinary parsers.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import BinaryIO

from batchtop.ingest import Ingestor

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
    while stop is None or not stop.is_set():
        data = os.read(fd, CHUNK) if fd is not None else handle.read(CHUNK)
        if not data:
            break
        total += len(data)
        ingestor.feed(STREAM_PATH, data)
        on_change()
    ingestor.flush(final=True)
    on_change()
    return total
