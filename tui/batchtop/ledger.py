"""What batchtop remembers per mini-batch: a few bits in one flat array, not an object each.

A 1,000,000 mini-batch job costs 2 MB here. The bits say which attempts were already counted,
so the same attempt reported by two files (processed_mini-batches.csv and a worker log), or
re-read after a rotation or a restart, is never counted twice, and a retry is an attempt of
the same mini-batch, not a new one.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass
from typing import Any

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


@dataclass(slots=True)
class BulkOutcome:
    """What `record_many` did. Rows are indices into the arrays it was given (numpy arrays).

    `new` rows were counted here, in bulk: each is the one new attempt of its mini-batch in the
    block, a success, of a mini-batch with no failed attempt. `processed`/`succeeded` are the
    `new` rows that were the first news of their mini-batch / its first success. `rest` rows
    (failures, retries within the block, unnumbered or untracked reports) were not touched:
    the caller records them one by one with `record`, in this (file) order.
    """

    new: Any
    processed: Any
    succeeded: Any
    rest: list[int]


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

    def record_many(self, mini_batches: Any, attempts: Any, ok: Any) -> BulkOutcome:
        """Record a block of attempts (numpy arrays; attempt -1 = not numbered) at once.

        The same bits and counts as `record` row by row, for the rows it takes: those whose
        mini-batch gets exactly one new, successful attempt from this block and had no failed
        one. Their outcome depends on the mini-batch's old bits alone, so numpy can compute
        it for all of them together; rows of different mini-batches never affect each other.
        Everything else (a few percent of rows) is left to `record`, in order (`rest`)."""
        import numpy as np

        rows = np.arange(len(mini_batches))
        tracked = (mini_batches >= 0) & (mini_batches <= MAX_MINI_BATCH_ID) & (attempts >= 0)
        idx = rows[tracked]
        if not len(idx):
            return BulkOutcome(idx, idx, idx, rows.tolist())
        ids = mini_batches[idx]
        top = int(ids.max())
        if top >= len(self._bits):
            self._bits.extend(array("H", bytes(2 * (top + 1 - len(self._bits)))))
        shift = np.clip(attempts[idx], 1, _ATTEMPT_BITS) - 1
        bit = np.left_shift(1, shift).astype(np.uint16)
        bits = np.frombuffer(self._bits, dtype=np.uint16)  # a view: released before returning
        old = bits[ids]
        first = np.zeros(len(idx), dtype=bool)  # the first report of this (id, attempt bit)
        first[np.unique(ids * 16 + shift, return_index=True)[1]] = True
        new = first & ((old & bit) == 0)
        good = ok[idx]
        hard = ids[new & (~good | ((old & _FAILED) != 0))]
        new_ids, counts = np.unique(ids[new], return_counts=True)
        hard = np.union1d(hard, new_ids[counts > 1])
        simple = new & ~np.isin(ids, hard)
        s_ids, s_old = ids[simple], old[simple]
        known = (s_old & (_ATTEMPT_MASK | _UNNUMBERED)) != 0
        succeeded = (s_old & _SUCCEEDED) == 0
        retried = ((s_old & _ATTEMPT_MASK) != 0) & ((s_old & _RETRIED) == 0)
        bits[s_ids] = s_old | bit[simple] | _SUCCEEDED | np.where(retried, _RETRIED, 0)
        del bits
        self.processed += int((~known).sum())
        self.succeeded += int(succeeded.sum())
        self.retried += int(retried.sum())
        s_rows = idx[simple]
        rest = np.sort(np.concatenate([rows[~tracked], idx[~simple & np.isin(ids, hard)]]))
        return BulkOutcome(s_rows, s_rows[~known], s_rows[succeeded], rest.tolist())

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
