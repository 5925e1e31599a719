"""Errors pane: error groups, newest first, with their count and where they happened.

A group is one problem (same exception type and message shape), however many mini-batches hit
it. Enter opens the latest occurrence's full traceback and the file it came from.
"""

from __future__ import annotations

from rich.text import Text

from batchtop.app.liveness import View
from batchtop.app.synced_table import Cells, SyncedTable
from batchtop.app.textfmt import one_line
from batchtop.snapshot import ErrorView
from batchtop.textsafe import safe

SORTS = ("newest", "count")
MESSAGE_CELLS = 60


def where_text(error: ErrorView, limit: int = 2) -> str:
    places = [safe(w, 40) for w in error.where[:limit]]
    more = len(error.where) - limit
    return ", ".join(places) + (f" +{more}" if more > 0 else "")


def matches(error: ErrorView, needle: str) -> bool:
    if not needle:
        return True
    hay = " ".join((error.message, error.signature, *error.where, error.path)).lower()
    return needle in hay


class ErrorsPane(SyncedTable):
    """DataTable of error groups; the row key is the group's signature."""

    COLUMNS = (
        ("count", "#", 5),
        ("message", "Error", MESSAGE_CELLS),
        ("where", "Where", None),
    )

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.errors: dict[str, ErrorView] = {}
        self.border_title = "Errors"

    def show(self, view: View, filter_text: str = "", sort: str = "newest") -> None:
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
                    Text(f"{e.count:,}", justify="right", style="bold red"),
                    Text(one_line(e.message or e.traceback, MESSAGE_CELLS), no_wrap=True),
                    Text(where_text(e), style="dim", no_wrap=True),
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
