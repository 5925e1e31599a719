"""Errors pane: error groups, newest first, with their count and where they happened.

"Newest" is the latest occurrence first when the pane first shows the job (or `s` picks the sort
again); after that the order of groups already shown never changes and new groups go on top:
re-sorting by the latest occurrence reshuffled the pane under the cursor every few seconds in a
live job (U20). A group that appears while the pane is open is marked `●` for NEW_FOR seconds
of log time.

A group is one problem (same exception type and message shape), however many mini-batches hit
it. The message is the answer to "what is failing", so it gets the width: the pane spans the
screen, the message column takes whatever the count and Where leave, and a message longer than
its column wraps to a second line rather than being cut. When even that is too narrow, Where is
dropped (it is in the detail). Enter opens the latest occurrence's full traceback.
"""

from __future__ import annotations

import textwrap
from dataclasses import replace

from rich.text import Text

from batchtop.app import stream_note
from batchtop.app.liveness import View
from batchtop.app.messages import ErrorsGrew
from batchtop.app.synced_table import Cells, Column, SyncedTable
from batchtop.app.textfmt import one_line, style
from batchtop.errorgroups import MAX_PLACES
from batchtop.snapshot import ErrorView
from batchtop.textsafe import safe

SORTS = ("newest", "count")
MESSAGE_LIMIT = 400
"""Characters of the message kept for the pane (two lines of a 200-column screen)."""
WRAP_LINES = 2
WHERE_LEAST, WHERE_MOST = 14, 30
"""Width of the Where column: at least this, at most that (a place, `12+ places`)."""
NEW_FOR = 60.0
"""Seconds of log time a group that appeared while watching stays marked new."""
NEW_MARK = "● "


def where_text(error: ErrorView) -> str:
    """The one place (`0/process001`), or how many (`3 places`; `12+ places` once the model
    stopped naming new places): never a cut list."""
    if not error.where:
        return "-"
    if len(error.where) == 1:
        return safe(error.where[0], 40)
    more = "+" if len(error.where) >= MAX_PLACES else ""
    return f"{len(error.where)}{more} places"


def matches(error: ErrorView, needle: str) -> bool:
    if not needle:
        return True
    hay = " ".join((error.message, error.signature, *error.where, error.path)).lower()
    return needle in hay


class ErrorsPane(SyncedTable):
    """Table of error groups; the row key is the group's signature."""

    COLUMNS = (
        Column("count", "#", 7, align="right"),
        Column("message", "Error", 24, flex=True),
        Column("where", "Where", WHERE_LEAST, drop=1),
    )

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.errors: dict[str, ErrorView] = {}
        self.border_title = "Errors"
        self.lines_needed = 0
        """Rows the shown groups take (with wrapping): the screen sizes the pane by it."""
        self._last: tuple[View, str, str] | None = None
        self._known: set[str] | None = None
        """Groups present when the pane first showed data: these are never marked new."""
        self._rank: dict[str, int] = {}
        """Position of each group shown so far (lower: higher up); new groups go above."""

    def row_height(self, key: str, cells: Cells) -> int:
        return cells[1].plain.count("\n") + 1

    def refit(self) -> None:
        if self._last is not None:
            self.show(*self._last)

    def message_text(self, error: ErrorView) -> Text:
        """The message wrapped to its column, at most WRAP_LINES lines (the last one ending in
        … when there is more): the exception type and its key words always show."""
        message = one_line(error.title or error.message or error.traceback, MESSAGE_LIMIT)
        width = self.column_width("message")
        if not width:
            return Text(message, no_wrap=True, overflow="ellipsis")
        lines = textwrap.wrap(message, width, break_on_hyphens=False) or [""]
        if len(lines) > WRAP_LINES:
            lines = lines[:WRAP_LINES]
            last = lines[-1]
            lines[-1] = (last if len(last) < width else last[: width - 1]) + "…"
        return Text("\n".join(lines), no_wrap=True, overflow="ellipsis")

    def _fit_where(self, errors: list[ErrorView]) -> None:
        """Where is as wide as its longest place (up to WHERE_MOST), so `10.0.0.9/process001`
        is not cut beside a wide message column (U15); the message's wrap follows."""
        longest = max((len(where_text(e)) for e in errors), default=0)
        want = max(WHERE_LEAST, min(WHERE_MOST, longest))
        if self.COLUMNS[2].width != want:
            self.COLUMNS = (*self.COLUMNS[:2], replace(self.COLUMNS[2], width=want))
            self._relayout()

    def _stable_rank(self, errors: tuple[ErrorView, ...]) -> dict[str, int]:
        """Where each group goes: where it went before; new groups above all, in the snapshot's
        newest-first order."""
        rank = self._rank
        new = [e.signature for e in errors if e.signature not in rank]
        top = min(rank.values(), default=0)
        for n, signature in enumerate(new):
            rank[signature] = top - len(new) + n
        return rank

    def restart_order(self) -> None:
        """The user picked the sort again: newest first from now on."""
        self._rank = {}

    def _count_text(self, error: ErrorView, now: float | None) -> Text:
        """The count, marked `●` while the group is new: it appeared while we watched, under
        NEW_FOR seconds of log time ago."""
        count = Text(f"{error.count:,}", justify="right", style=style("failed"))
        known = self._known or set()
        fresh = (
            error.signature not in known
            and now is not None
            and error.first_seen is not None
            and now - error.first_seen < NEW_FOR
        )
        if fresh:
            count = Text.assemble((NEW_MARK, "bold"), count, justify="right")
        return count

    def show(self, view: View, filter_text: str = "", sort: str = "newest") -> None:
        self._last = (view, filter_text, sort)
        snap = view.snapshot
        needle = filter_text.lower()
        if self._known is None and snap.errors:
            self._known = {e.signature for e in snap.errors}
        errors = [e for e in snap.errors if matches(e, needle)]
        if sort == "count":
            errors.sort(key=lambda e: -e.count)
        else:
            rank = self._stable_rank(snap.errors)
            errors.sort(key=lambda e: rank[e.signature])
        self.errors = {e.signature: e for e in errors}
        self._fit_where(errors)
        rows: list[tuple[str, Cells]] = [
            (
                e.signature,
                (
                    self._count_text(e, snap.data_time),
                    self.message_text(e),
                    Text(where_text(e), style="dim", no_wrap=True, overflow="ellipsis"),
                ),
            )
            for e in errors
        ]
        kinds = "kind" if len(snap.errors) == 1 else "kinds"
        title = f"Errors {len(snap.errors)} {kinds} · {snap.error_occurrences:,} seen"
        if needle:
            title += f" · {len(errors)} match"
        if sort != "newest":
            title += f" · sort {sort}"
        self.set_title(title)
        subtitle = stream_note.ERRORS if stream_note.from_stream(snap) else ""
        if self.border_subtitle != subtitle:  # an assignment repaints the whole pane
            self.border_subtitle = subtitle
        self.sync(rows)
        needed = sum(self._heights) if self._heights else 0
        if needed != self.lines_needed:
            self.lines_needed = needed
            self.post_message(ErrorsGrew())
