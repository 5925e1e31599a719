"""What batchtop remembers per mini-batch: a few bits in one flat array, not an object each.

A 1,000,000 mini-batch job costs 2 MB here. The bits say which attempts were already counted,
so the same attempt reported by two files (processed_mini-batches.csv and a worker log), or
re-read after a rotation or a restart, is never counted twice, and a retry is an attempt of
the same mini-batch, not a new one.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass

_ATTEMPT_BITS = 12  # attempts 1..12 each have a bit; later attempts share the last one
_ATTEMPT_MASK = (1 << _ATTEMPT_BITS) - 1
_SUCCEEDED = 1 << 12
_FAILED = 1 << 13  # some attempt failed (mini-batch is failed unless it also succeeded)
_UNNUMBERED = 1 << 14  # reported by a source that gives no attempt numbers
_RETRIED = 1 << 15  # already counted in `retried` (two kinds of report can each show it)
MAX_MINI_BATCH_ID = 50_000_000
"""Ids above this are not tracked in the array (a garbled id must not allocate gigabytes)."""


@dataclass(slots=True)
class AttemptOutcome:
    """What recording one attempt changed, so the model can update its counters."""

    new_attempt: bool = False
    newly_processed: bool = False
    newly_succeeded: bool = False
    newly_failed: bool = False
    failed_to_succeeded: bool = False
    newly_retried: bool = False


class MiniBatchLedger:
    """Per mini-batch: attempts seen, succeeded, failed. Counts kept in step with the bits."""

    def __init__(self) -> None:
        self._bits = array("H")
        self._items = array("I")  # items per mini-batch; only grown once a failure needs it
        self.processed = 0
        self.succeeded = 0
        self.failed = 0
        self.retried = 0
        self.untracked = 0

    def record(self, mini_batch: int, attempt: int | None, ok: bool) -> AttemptOutcome:
        out = AttemptOutcome()
        if mini_batch < 0 or mini_batch > MAX_MINI_BATCH_ID:
            self.untracked += 1
            return out
        bits = self._bits
        if mini_batch >= len(bits):
            bits.extend(array("H", bytes(2 * (mini_batch + 1 - len(bits)))))
        old = bits[mini_batch]
        seen = old & _ATTEMPT_MASK
        known = seen or old & _UNNUMBERED
        if attempt is None:
            # A report without attempt numbers (processed_tasks.csv) only says "done at least
            # once": it counts if it is the first news of this mini-batch, whichever file
            # with numbered attempts arrives before or after it. One exception: a success
            # of a mini-batch known only as failed is news (a retry succeeded), and cannot be
            # the attempt already counted, which failed.
            if known and not (ok and old & _FAILED and not old & _SUCCEEDED):
                return out
            new = old | _UNNUMBERED
            retried_now = bool(known)
        else:
            bit = 1 << (min(max(attempt, 1), _ATTEMPT_BITS) - 1)
            if seen & bit:
                return out
            new = old | bit
            retried_now = bool(seen)  # a second numbered attempt
        if retried_now and not old & _RETRIED:
            new |= _RETRIED
            out.newly_retried = True
            self.retried += 1
        out.new_attempt = True
        if not known:
            out.newly_processed = True
            self.processed += 1
        if ok and not old & _SUCCEEDED:
            new |= _SUCCEEDED
            out.newly_succeeded = True
            self.succeeded += 1
            if old & _FAILED:
                out.failed_to_succeeded = True
                self.failed -= 1
        elif not ok and not old & (_SUCCEEDED | _FAILED):
            new |= _FAILED
            out.newly_failed = True
            self.failed += 1
        elif not ok:
            new |= _FAILED
        bits[mini_batch] = new
        return out

    def remember_items(self, mini_batch: int, items: int) -> None:
        """Keep the item count of a failed mini-batch, to take it back if a retry succeeds."""
        if not 0 <= mini_batch <= MAX_MINI_BATCH_ID:
            return
        if mini_batch >= len(self._items):
            self._items.extend(array("I", bytes(4 * (mini_batch + 1 - len(self._items)))))
        self._items[mini_batch] = max(0, min(items, 0xFFFFFFFF))

    def failed_now(self, mini_batch: int) -> bool:
        """Some attempt of it failed and none succeeded (yet)."""
        if not 0 <= mini_batch < len(self._bits):
            return False
        return self._bits[mini_batch] & (_FAILED | _SUCCEEDED) == _FAILED

    def items_of(self, mini_batch: int) -> int:
        return self._items[mini_batch] if 0 <= mini_batch < len(self._items) else 0

    @property
    def tracked(self) -> int:
        return len(self._bits)
