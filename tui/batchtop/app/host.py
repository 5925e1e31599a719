"""Typed access from a screen or widget to the app it runs in.

Screens read a few facts from the app (the current View, paused, the source's note). Reaching
them through `getattr(self.app, ...)` hid the contract from the type checker; `batchtop(widget)`
states it once, checked at run time and by mypy. The import is deferred because the app module
imports the screens.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

from textual.dom import DOMNode

from batchtop.app.liveness import View

if TYPE_CHECKING:
    from batchtop.app.app import BatchtopApp


def batchtop(node: DOMNode) -> BatchtopApp:
    """The BatchtopApp `node` belongs to."""
    from batchtop.app.app import BatchtopApp

    app = node.app
    assert isinstance(app, BatchtopApp), f"{type(node).__name__} runs outside BatchtopApp"
    return app


@runtime_checkable
class ShowsView(Protocol):
    """A screen that shows live data: the app hands it every new View."""

    def show_view(self, view: View) -> None: ...
