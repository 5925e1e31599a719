"""When each mini-batch was first processed, first succeeded, first failed and first retried.

The replay must date a count by the time of the attempt that caused it, whatever order the
files were read in (code-review-3 R2). The ledger (ledger.py) knows only *whether* a mini-batch
was processed, failed or retried, and it learns it from whichever report it reads first: a
success read before an earlier failure, or the second-read attempt of a retry, would date the
change by the wrong attempt. So, per mini-batch, the earliest log time of each milestone:

- processed: its earliest attempt;
- succeeded: its earliest successful attempt;
- failed: its earliest failed attempt (failed at T while it has not succeeded by T);
- retried: the earliest time a second attempt is known: the earliest report of a second
  distinct attempt number, or a success after a failure (two attempts, whatever the source).

These are minima, so they do not depend on arrival order. The items a success or a failure
counts (as the model counts them) are kept beside, so item counts are dated the same way.
`on_change` is told the milestones before and after each update, and the Timeline moves the
mini-batch's counts between buckets.
Cost: 33 bytes per mini-batch id (four float arrays and one byte), 8 more once reports give
item counts; kept only while a timeline is recorded (the TUI, `--at`, `report`). Ids beyond
the ledger's bound are ignored, as the ledger ignores them.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Callable

from batchtop.ledger import MAX_MINI_BATCH_ID

INF = math.inf

Milestones = tuple[float, float, float, float, int, int]
"""(processed, succeeded, failed, retried) log times, inf where it has not happened; then the
items its success counts as succeeded and its failure as failed (0 where no report said)."""


class MilestoneBook:
    """Earliest times per mini-batch, grown on demand like the ledger's bit array."""

    def __init__(self, on_change: Callable[[Milestones, Milestones], None]) -> None:
        self._ok = array("d")
        self._bad = array("d")
        self._numbered = array("d")
        """Earliest report that carries an attempt number..."""
        self._number = array("B")
        """...and that number (0: no numbered report yet)."""
        self._second = array("d")
        """Earliest report of an attempt whose number differs from `_number`'s."""
        self._items_ok = array("I")
        self._items_bad = array("I")
        """Items of its success / its failure, grown only once a report gives a count."""
        self._on_change = on_change

    def milestones(self, mini_batch: int) -> Milestones:
        if not 0 <= mini_batch < len(self._ok):
            return (INF, INF, INF, INF, 0, 0)
        ok, bad = self._ok[mini_batch], self._bad[mini_batch]
        retried = self._second[mini_batch]
        if bad < ok < retried:
            retried = ok  # failed, then succeeded: a second attempt, numbered or not
        ok_items = self._items_ok[mini_batch] if mini_batch < len(self._items_ok) else 0
        bad_items = self._items_bad[mini_batch] if mini_batch < len(self._items_bad) else 0
        return (min(ok, bad), ok, bad, retried, ok_items, bad_items)

    def record(
        self, mini_batch: int, attempt: int | None, ok: bool, at: float, items: int | None = None
    ) -> None:
        """One attempt report; `items` is what the model counts for it (items succeeded of a
        success, items total of a failure), None when the report does not say."""
        if not 0 <= mini_batch <= MAX_MINI_BATCH_ID:
            return
        if mini_batch >= len(self._ok):
            grow = mini_batch + 1 - len(self._ok)
            for times in (self._ok, self._bad, self._numbered, self._second):
                times.extend(array("d", [INF]) * grow)
            self._number.extend(array("B", bytes(grow)))
        times = self._ok if ok else self._bad
        number = min(attempt, 255) if attempt is not None and attempt > 0 else 0
        counts = self._items_ok if ok else self._items_bad
        # the hot path: the same attempt reported again (a CSV row and a worker line) at the
        # same time or later changes nothing
        if (
            at >= times[mini_batch]
            and not (number and self._numbered_news(mini_batch, number, at))
            and not (items and (mini_batch >= len(counts) or not counts[mini_batch]))
        ):
            return
        before = self.milestones(mini_batch)
        if number:
            self._numbered_report(mini_batch, number, at)
        if at < times[mini_batch]:
            times[mini_batch] = at
        if items:
            if mini_batch >= len(counts):
                counts.extend(array("I", bytes(4 * (mini_batch + 1 - len(counts)))))
            if not counts[mini_batch]:
                counts[mini_batch] = max(0, min(items, 0xFFFFFFFF))
        after = self.milestones(mini_batch)
        if after != before:
            self._on_change(before, after)

    def _numbered_news(self, mini_batch: int, number: int, at: float) -> bool:
        """Whether a report of attempt `number` at `at` changes what is known of attempts."""
        known = self._number[mini_batch]
        if not known:
            return True
        if number == known:
            return at < self._numbered[mini_batch]
        return at < self._second[mini_batch]

    def _numbered_report(self, mini_batch: int, number: int, at: float) -> None:
        known = self._number[mini_batch]
        earliest = self._numbered[mini_batch]
        if not known or (number == known and at < earliest):
            self._number[mini_batch], self._numbered[mini_batch] = number, at
        elif number != known:
            if at < earliest:  # a new earliest attempt: the old earliest is now the second
                self._second[mini_batch] = earliest
                self._number[mini_batch], self._numbered[mini_batch] = number, at
            elif at < self._second[mini_batch]:
                self._second[mini_batch] = at
