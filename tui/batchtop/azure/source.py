"""The Azure source: list a job's log blobs and fetch only the bytes that are new.

This is where new bytes come from in Azure mode. Each poll lists the blobs under the job's
prefix (one paged request), and for every followed file whose etag or size changed reads from
`offset - overlap` on, up to `max_read` bytes, with no etag condition.

What we rely on is that a log file keeps the bytes it already had, not how it is written: the
control plane's `logs/azureml/*.txt` are append blobs, but the common runtime's `user_logs/`
and `system_logs/` files are block blobs that it uploads again, whole, as they grow (recorded
service traffic, service-recordings.md A10; the parallel runtime's `logs/...` files are in no
recording). Either way a file that grew starts with what we hold, so the read may run past the
size the listing saw and the response's Content-Range gives the blob's size now; a block blob
is as fresh as the runtime's last upload, whatever our poll. The `overlap` re-reads the last
few bytes we already have: if they differ, or the blob shrank, the file was replaced and the
chunk is re-read from 0 with `reset=True`. A blob's etag changes on every append or upload, so
the etag alone cannot tell growth from replacement; the overlap can, for 32 bytes a read. A
read that finds the blob gone is no reason to poll again at once: the next regular poll sees
what happened.

The source only moves bytes: it never parses. `poll()` returns `Chunk`s; `deliver` hands them
to anything with `feed(path, data)` / `reset(path)` (the Ingestor).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple, Protocol

from azure.core.exceptions import (
    ClientAuthenticationError,
    HttpResponseError,
    ResourceNotFoundError,
    ServiceRequestError,
    ServiceResponseError,
)

from batchtop.azure.errors import AzureError, TransientError, first_line, retry_after_of

LOG_FOLDERS = ("logs/", "user_logs/", "azureml-logs/", "system_logs/")
OVERLAP = 32
MAX_READ = 4 * 1024 * 1024


class Chunk(NamedTuple):
    """New bytes of one file: `data` starts at `offset`; `reset` means the file was replaced
    (or truncated) and `data` is the start of its new content."""

    path: str
    offset: int
    data: bytes
    reset: bool = False


class Replay(NamedTuple):
    """Bytes a `--save` mirror already holds: the first `length` bytes of `path`, read from
    disk block by block only when delivered, so resuming a 1 GB mirror holds one block in
    memory, not the mirror (code review finding 11). `lost` is told if the local copy cannot
    be read after all: the source then fetches that file again from 0."""

    path: str
    length: int
    read: Callable[[str, int], Iterable[bytes]]
    lost: Callable[[str], None] | None = None
    reset: bool = False


class Sink(Protocol):
    def feed(self, path: str, data: bytes) -> None: ...

    def reset(self, path: str) -> None: ...


def deliver(chunks: Iterable[Chunk | Replay], sink: Sink) -> int:
    """Hand chunks to a sink in order; returns the number of bytes fed."""
    fed = 0
    lost: set[str] = set()
    for chunk in chunks:
        if isinstance(chunk, Replay):
            got = _replay(chunk, sink)
            if got is None:
                lost.add(chunk.path)  # later bytes of it would land at the wrong offset
            fed += got or 0
            continue
        if chunk.path in lost:
            continue
        if chunk.reset:
            sink.reset(chunk.path)
        if chunk.data:
            sink.feed(chunk.path, chunk.data)
            fed += len(chunk.data)
    return fed


def _replay(replay: Replay, sink: Sink) -> int | None:
    """Feed a mirrored file from disk; None if it could not be read (and was reset)."""
    fed = 0
    try:
        for data in replay.read(replay.path, replay.length):
            sink.feed(replay.path, data)
            fed += len(data)
    except OSError:
        sink.reset(replay.path)  # what was fed is dropped; the file comes again from 0
        if replay.lost is not None:
            replay.lost(replay.path)
        return None
    return fed


@dataclass
class FileState:
    """What we hold of one remote file: bytes fetched so far and the version they came from."""

    offset: int = 0
    etag: str | None = None
    size: int = 0
    tail: bytes = b""

    def forget(self) -> None:
        self.offset, self.etag, self.size, self.tail = 0, None, 0, b""


@dataclass
class SourceStats:
    """Counters for the status line and the tests: what following the job cost."""

    bytes_fetched: int = 0
    range_reads: int = 0
    list_calls: int = 0
    resets: int = 0
    polls: int = 0
    races: int = 0
    """Reads that found the blob gone or shorter than the listing said."""


class StorageAuthError(Exception):
    """Storage said 401/403: the datastore SAS expired or our token did; resolve it again."""


@dataclass
class AzureSource:
    """Incremental reader of one job's log tree in a blob container.

    `connect` returns a ContainerClient and is called again by `renew()` (after a 403, to get a
    fresh datastore SAS). `mirror`, when given, receives every chunk (see `mirror.Mirror`) and
    supplies the state to resume from.
    """

    connect: Callable[[], Any]
    prefix: str
    folders: tuple[str, ...] = LOG_FOLDERS
    mirror: Any = None
    max_read: int = MAX_READ
    workers: int = 8
    files: dict[str, FileState] = field(default_factory=dict)
    stats: SourceStats = field(default_factory=SourceStats)
    pending: bool = False
    listed_bytes: int = 0
    """Bytes of the followed files as the latest listing saw them (the first one: what there
    is to read on attach, for `reading history… N%`)."""
    mirror_error: str | None = None
    """Why `--save` stopped mirroring (disk full...), shown to the user; following goes on."""
    _client: Any = None
    _replay: list[Replay] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        if self.mirror is not None:
            self.files, replay = self.mirror.load()
            self._replay = [r._replace(lost=self._lost) for r in replay]

    def _lost(self, rel: str) -> None:
        """The mirror's copy of `rel` could not be replayed: fetch the file again from 0."""
        state = self.files.get(rel)
        if state is not None:
            state.forget()

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = self.connect()
        return self._client

    @property
    def reads_with_identity(self) -> bool:
        """Whether the current client reads with an Azure AD token (our own sign-in) rather
        than a datastore key or SAS: decides what to advise when storage refuses."""
        return hasattr(getattr(self._client, "credential", None), "get_token")

    def renew(self) -> None:
        """Drop the container client: the next poll resolves credentials again."""
        self._client = None

    def poll(self) -> list[Chunk | Replay]:
        """One round: list, then fetch what grew. Raises TransientError / StorageAuthError.

        The first poll after a `--save` resume starts with the mirror's files (`Replay`), to
        be read from disk by `deliver`; they are never written back to the mirror."""
        chunks: list[Chunk | Replay] = list(self._replay)
        self._replay = []
        fetched: list[Chunk] = []
        self.stats.polls += 1
        self.pending = False
        listing = self._list()
        self.listed_bytes = sum(size for size, _ in listing.values())
        work = []
        for rel, (size, etag) in sorted(listing.items()):
            state = self.files.setdefault(rel, FileState())
            if state.etag != etag or state.offset != size:
                work.append((rel, state, size, etag))
        if len(work) > 1 and self.workers > 1:
            # Range reads are independent: a 100-node job has hundreds of files growing.
            with ThreadPoolExecutor(min(self.workers, len(work))) as pool:
                results = list(pool.map(lambda w: self._fetch(*w), work))
        else:
            results = [self._fetch(*w) for w in work]
        for result in results:
            fetched.extend(result)
        if self.mirror is not None and fetched:
            self._save(fetched)
        return chunks + fetched

    def _save(self, chunks: list[Chunk]) -> None:
        """Mirror the chunks; a full disk (or any write error) ends mirroring, not following.

        The chunks still reach the model. The mirror's state file was last written before the
        failed writes, so a later `--save` run cuts the partial bytes back and re-fetches.
        """
        try:
            for chunk in chunks:
                self.mirror.write(chunk)
            self.mirror.save(self.files)
        except OSError as exc:
            self.mirror_error = f"--save stopped: {exc.strerror or exc} ({self.mirror.root})"
            self.mirror = None

    def _list(self) -> dict[str, tuple[int, str]]:
        self.stats.list_calls += 1
        found: dict[str, tuple[int, str]] = {}
        with _storage_errors("list"):
            for blob in self.client.list_blobs(name_starts_with=self.prefix):
                rel = blob.name[len(self.prefix) :]
                if rel.startswith(self.folders) and not rel.endswith("/"):
                    found[rel] = (int(blob.size or 0), _etag(blob.etag) or "")
        return found

    def _fetch(self, rel: str, state: FileState, size: int, etag: str) -> list[Chunk]:
        reset = False
        if size < state.offset:
            state.forget()
            reset = True
        overlap = min(len(state.tail), OVERLAP, state.offset)
        if size <= state.offset and not overlap:
            state.etag, state.size = etag, size
            return [Chunk(rel, 0, b"", True)] if reset else []
        start = state.offset - overlap
        got = self._read(self.prefix + rel, start, self.max_read + overlap)
        if got is _GONE:  # deleted since the listing: keep what we have
            return [Chunk(rel, 0, b"", True)] if reset else []
        if got is _SHORTER:  # now shorter than what we hold: replaced or truncated
            if start == 0:  # an empty blob answers every range with 416
                state.etag, state.size = None, 0
                return [Chunk(rel, 0, b"", True)] if reset else []
            return self._replaced(rel, state, size, etag)
        assert isinstance(got, _Read)
        data = got.data
        if overlap and data[:overlap] != state.tail[-overlap:]:
            return self._replaced(rel, state, size, etag)
        new = data[overlap:]
        chunk = Chunk(rel, state.offset, new, reset)
        state.offset += len(new)
        state.tail = (state.tail + new)[-OVERLAP:]
        # The read's own answer is newer than the listing: it says how big the blob is now.
        total = max(got.total, state.offset)
        state.size = total
        state.etag = got.etag if state.offset >= total else None
        if state.offset < total and new:
            self.pending = True  # a backlog bigger than one read: go on at once
        if reset:
            with self._lock:
                self.stats.resets += 1
        return [chunk]

    def _replaced(self, rel: str, state: FileState, size: int, etag: str) -> list[Chunk]:
        """The file was replaced in place: read it again from 0, flagged as a reset."""
        with self._lock:
            self.stats.resets += 1
        state.forget()
        chunks = self._fetch(rel, state, size, etag)
        if chunks:
            first = chunks[0]
            chunks[0] = Chunk(first.path, first.offset, first.data, True)
            return chunks
        return [Chunk(rel, 0, b"", True)]

    def _read(self, name: str, start: int, length: int) -> _Read | object:
        """Bytes from `start` (at most `length`), with the blob's size and etag at read time.

        No `If-Match`: a growing log keeps its written bytes (an append blob by construction, a
        re-uploaded block blob by the runtime's habit), so a read may go past the size the
        listing saw (the response says the new size), and the 32-byte overlap tells a replaced
        blob from a grown one. A condition on the listed etag only made every append or
        re-upload between listing and read a 412 (code review finding 8).
        """
        with self._lock:
            self.stats.range_reads += 1
        try:
            with _storage_errors("read"):
                downloader = self.client.download_blob(name, offset=start, length=length)
                data = downloader.readall()
        except _Skip as skip:
            with self._lock:
                self.stats.races += 1
            return _SHORTER if skip.status == 416 else _GONE
        props = downloader.properties
        total = _total_size(getattr(props, "content_range", None), start + len(data))
        with self._lock:
            self.stats.bytes_fetched += len(data)
        return _Read(data, total, _etag(props.etag))


class _Read(NamedTuple):
    data: bytes
    total: int
    etag: str | None


def _etag(value: Any) -> str | None:
    """An etag as one spelling: listings give `0x8D...`, a GET's ETag header `"0x8D..."`."""
    return str(value).strip('"') or None if value else None


_GONE = object()
_SHORTER = object()


def _total_size(content_range: str | None, fallback: int) -> int:
    """The blob's whole size from `bytes 0-99/1234` (what a ranged GET answers)."""
    if content_range and "/" in content_range:
        try:
            return int(content_range.rsplit("/", 1)[1])
        except ValueError:
            pass
    return fallback


class _Skip(Exception):
    """A read that lost a race with the writer (404 gone, 416 shorter than asked, 412)."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


class _storage_errors:
    """Context manager: storage SDK exceptions -> _Skip / StorageAuthError / TransientError."""

    def __init__(self, what: str) -> None:
        self.what = what

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type | None, exc: BaseException | None, tb: Any) -> Literal[False]:
        if exc is None:
            return False
        if isinstance(exc, ResourceNotFoundError):
            if self.what == "read":
                raise _Skip(404) from None
            if "ContainerNotFound" in str(getattr(exc, "error_code", "") or exc):
                raise AzureError(
                    "storage",
                    f"the job's log container is missing ({first_line(exc)}).",
                    "check the workspace's artifact store (datastore workspaceartifactstore).",
                ) from None
            return False
        if isinstance(exc, ClientAuthenticationError):
            raise StorageAuthError(first_line(exc)) from None
        if isinstance(exc, HttpResponseError):
            status = exc.status_code or 0
            if status in (412, 416) and self.what == "read":
                raise _Skip(status) from None
            if status in (401, 403):
                raise StorageAuthError(first_line(exc)) from None
            if status == 429 or status >= 500 or status == 0:
                raise TransientError(
                    f"storage {self.what}: {status} {first_line(exc)}", retry_after_of(exc)
                ) from None
            raise AzureError(
                "storage",
                f"{self.what} answered {status}: {first_line(exc)}",
                "check access to the workspace's storage account.",
            ) from None
        if isinstance(
            exc, (ServiceRequestError, ServiceResponseError, ConnectionError, TimeoutError, OSError)
        ):
            raise TransientError(
                f"storage {self.what}: connection failed ({first_line(exc)})"
            ) from None
        return False
