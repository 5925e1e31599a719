"""Every message batchtop's widgets and threads send, in one place (as toolong does).

Threads (the Pump) reach the UI only through `SnapshotReady` and `SourceFailed`; screens ask
the app to open things with `Open*` messages, which bubble up to `BatchtopApp`, so a screen
never needs to know the app's methods. `ErrorsGrew` tells the main screen to re-size the Errors
pane. Messages that can pile up say so with `can_replace`, so a burst is handled once.
"""

from __future__ import annotations

from textual.message import Message

from batchtop.snapshot import ErrorView, Snapshot


class SnapshotReady(Message):
    """A new snapshot from the pump thread (Textual's post_message is thread-safe)."""

    def __init__(self, snapshot: Snapshot) -> None:
        super().__init__()
        self.snapshot = snapshot

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, SnapshotReady)  # only the newest matters


class SourceFailed(Message):
    """The follower stopped with an error: shown, the data read so far stays on screen."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class OpenError(Message):
    """Show this error group's detail."""

    def __init__(self, error: ErrorView) -> None:
        super().__init__()
        self.error = error


class OpenNode(Message):
    """Show a node's detail (with one of its processes chosen, or None)."""

    def __init__(self, node: str, process: str | None = None) -> None:
        super().__init__()
        self.node = node
        self.process = process


class OpenLog(Message):
    """Open a file in the log viewer, scrolled to `find` when given."""

    def __init__(self, path: str, find: str | None = None) -> None:
        super().__init__()
        self.path = path
        self.find = find


class TogglePause(Message):
    """`p`: freeze or thaw the view."""


class ErrorsGrew(Message):
    """The error groups need another number of rows (a wrap changed): re-size the pane."""

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, ErrorsGrew)
