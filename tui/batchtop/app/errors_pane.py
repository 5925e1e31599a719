"""Errors pane: error groups, newest first, with their count and where they happened.

A group is one problem (same exception type and message shape), however many mini-batches hit
it. The message is the answer to "what is failing", so it gets the width: the pane spans the
screen, the message column takes whatever the count and Where leave, and a message longer than
its column wraps to a second line rather than being cut. When even that is too narrow, Where is
dropped (it is in the detail). Enter opens the latest occurrence's full traceback.
"""

from __future__ import annotations

import textwrap

from rich.text import Text

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
        Column("count", "#", 5, align="right"),
        Column("message", "Error", 24, flex=True),
        Column("where", "Where", 14, drop=1),
    )

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.errors: dict[str, ErrorView] = {}
        self.border_title = "Errors"
        self.lines_needed = 0
        self._last: tuple[View, str, str] | None = None
        """Rows the shown groups take (with wrapping): the screen sizes the pane by it."""

    def row_height(self, key: str, cells: Cells) -> int:
        return cells[1].plain.count("\n") + 1

    def refit(self) -> None:
        if self._last is not None:
            self.show(*self._last)

    def message_text(self, error: ErrorView) -> Text:
        """The message wrapped to its column, at most WRAP_LINES lines (the last one ending in
        … when there is more): the exception type and its key words always show."""
        message = one_line(error.message or error.traceback, MESSAGE_LIMIT)
        width = self.column_width("message")
        if not width:
            return Text(message, no_wrap=True, overflow="ellipsis")
        lines = textwrap.wrap(message, width, break_on_hyphens=False) or [""]
        if len(lines) > WRAP_LINES:
            lines = lines[:WRAP_LINES]
            last = lines[-1]
            lines[-1] = (last if len(last) < width else last[: width - 1]) + "…"
        return Text("\n".join(lines), no_wrap=True, overflow="ellipsis")

    def show(self, view: View, filter_text: str = "", sort: str = "newest") -> None:
        self._last = (view, filter_text, sort)
        snap = view.snapshot
        needle = filter_text.lower()
        errors = [e for e in snap.errors if matches(e, needle)]
        if sort == "count":
            errors.sort(key=lambda e: -e.count)
        self.errors = {e.signature: e for e in errors}
        rows: list[tuple[str, Cells]] = [
            (
                e.signature,
                (
                    Text(f"{e.count:,}", justify="right", style=style("failed")),
                    self.message_text(e),
                    Text(where_text(e), style="dim", no_wrap=True, overflow="ellipsis"),
                ),
            )
            for e in errors
        ]
        title = f"Errors {len(snap.errors)} kinds · {snap.error_occurrences:,} seen"
        if needle:
            title += f" · {len(errors)} match"
        if sort != "newest":
            title += f" · sort {sort}"
        self.border_title = title
        self.sync(rows)
        needed = sum(self._heights) if self._heights else 0
        if needed != self.lines_needed:
            self.lines_needed = needed
            self.post_message(ErrorsGrew())
