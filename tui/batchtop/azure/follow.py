"""The follow loop: poll adaptively, back off on throttling, keep the last good data.

Runs on a worker thread (Textual `run_worker(..., thread=True)`). Polls every `fast` seconds
while files change, stretches the interval by `grow` per idle poll up to `slow`, and polls at
once when `wake` is set (the user pressed refresh). On 429/5xx/dropped connections it waits the
service's Retry-After (or an exponential backoff) and reports the failure with the age of the
last good poll; the model keeps what it had. A storage 401/403 re-resolves the datastore
credentials once (the SAS lasts an hour); a second in a row is fatal and reported as such.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from batchtop.azure.errors import AzureError, TransientError
from batchtop.azure.source import AzureSource, Sink, StorageAuthError, deliver


@dataclass
class PollTimer:
    """Interval policy. `next_delay` after a good poll, `backoff` after a failed one."""

    fast: float = 2.0
    slow: float = 30.0
    grow: float = 1.5
    backoff_max: float = 120.0
    current: float = 2.0
    failures: int = 0

    def __post_init__(self) -> None:
        self.current = self.fast

    def next_delay(self, changed: bool, pending: bool) -> float:
        """`pending`: the last poll fetched bytes and knows of more (a backlog bigger than one
        read), so going on at once makes progress. Without bytes fetched there is no zero
        delay, whatever the source says: a lost race must never turn into a poll storm."""
        self.failures = 0
        if pending and changed:
            return 0.0
        self.current = self.fast if changed else min(self.slow, self.current * self.grow)
        return self.current

    def backoff(self, retry_after: float | None) -> float:
        self.failures += 1
        own = min(self.backoff_max, self.fast * (2**self.failures))
        if retry_after is not None:
            return min(self.backoff_max, max(retry_after, 0.0))
        return own


@dataclass(frozen=True)
class FollowStatus:
    """What the status bar shows: freshness, trouble, and the cost so far."""

    ok: bool
    last_ok: float | None  # time.time() of the last good poll
    error: str | None
    next_poll_in: float
    bytes_fetched: int
    fatal: AzureError | None = None

    def age(self, now: float | None = None) -> float | None:
        if self.last_ok is None:
            return None
        return (time.time() if now is None else now) - self.last_ok


def poll_once(source: AzureSource) -> list:
    """One poll with one credential renewal on storage 401/403 (then AzureError)."""
    try:
        return source.poll()
    except StorageAuthError:
        source.renew()
        try:
            return source.poll()
        except StorageAuthError as again:
            if source.reads_with_identity:
                # listSecrets was refused (or the datastore is identity-based): the reads
                # used our own sign-in, which needs a data role on the storage account.
                raise AzureError(
                    "storage sign-in",
                    f"storage refused your own sign-in ({again}). batchtop reads with it "
                    "when the datastore's key or SAS is not available to your role.",
                    "ask for the Storage Blob Data Reader role on the workspace's storage "
                    "account (or a workspace role that may list datastore secrets), then "
                    "retry; `az login` again if your sign-in expired.",
                ) from None
            raise AzureError(
                "storage sign-in",
                f"storage refused the datastore credential twice ({again}).",
                "run `az login` again; check your role on the workspace's storage account.",
            ) from None


def follow(
    source: AzureSource,
    sink: Sink,
    stop: threading.Event,
    *,
    wake: threading.Event | None = None,
    on_status: Callable[[FollowStatus], None] | None = None,
    timer: PollTimer | None = None,
    on_poll: Callable[[], None] | None = None,
) -> None:
    """Poll until `stop` is set. `sink` is called on this thread; `on_poll` runs after each
    good poll (e.g. to refresh the job's service status)."""
    timer = timer or PollTimer()
    wake = wake or threading.Event()
    last_ok: float | None = None
    while not stop.is_set():
        try:
            chunks = poll_once(source)
            deliver(chunks, sink)
            if on_poll is not None:
                on_poll()
            last_ok = time.time()
            delay = timer.next_delay(bool(chunks), source.pending)
            status = FollowStatus(True, last_ok, None, delay, source.stats.bytes_fetched)
        except TransientError as exc:
            delay = timer.backoff(exc.retry_after)
            status = FollowStatus(False, last_ok, str(exc), delay, source.stats.bytes_fetched)
        except AzureError as exc:
            if on_status is not None:
                on_status(
                    FollowStatus(
                        False, last_ok, str(exc), 0.0, source.stats.bytes_fetched, fatal=exc
                    )
                )
            return
        if on_status is not None:
            on_status(status)
        _sleep(delay, stop, wake)


def _sleep(delay: float, stop: threading.Event, wake: threading.Event) -> None:
    """Wait `delay` seconds, cut short by `wake` (refresh) or `stop` (quit)."""
    deadline = time.monotonic() + delay
    while not stop.is_set():
        remaining = deadline - time.monotonic()
        if remaining <= 0 or wake.wait(min(remaining, 0.2)):
            break
    wake.clear()
