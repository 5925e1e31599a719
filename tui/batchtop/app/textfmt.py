"""Small renderers shared by the panes: log text as safe `Text`, ages, states, sparklines.

Every log-derived string reaches the screen through `log_text`: redacted and made printable by
`textsafe.safe`, then wrapped in `rich.text.Text`, so `[bold]` or an ANSI escape in a log line is
shown as the characters it is and never interpreted by Rich or the terminal.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text

from batchtop.app.liveness import DEAD, ENDED, IDLE, STALE, WORKING
from batchtop.textsafe import safe

LINE_LIMIT = 500
"""Characters of one log-derived string shown in a pane; the log viewer shows the full text."""

STATE_STYLES = {
    WORKING: "green",
    IDLE: "dim",
    STALE: "bold yellow",
    DEAD: "bold red",
    ENDED: "dim",
}
SPARK_CHARS = "▁▂▃▄▅▆▇█"


def log_text(text: str | None, limit: int | None = LINE_LIMIT, style: str = "") -> Text:
    """Log-derived text, safe to show: secrets redacted, controls visible, never markup."""
    return Text(safe(text or "", limit), style=style, no_wrap=True, overflow="ellipsis")


def one_line(text: str | None, limit: int = LINE_LIMIT) -> str:
    """First line of a multi-line record, safe, for a table cell."""
    first = (text or "").strip().split("\n", 1)[0]
    return safe(first, limit)


def age(seconds: float | None) -> str:
    """`4s`, `12m`, `3h`, `2d`: compact enough for a narrow column."""
    if seconds is None or seconds != seconds or seconds < 0:
        return "-"
    if seconds < 100:
        return f"{int(seconds)}s"
    if seconds < 100 * 60:
        return f"{int(seconds // 60)}m"
    if seconds < 48 * 3600:
        return f"{int(seconds // 3600)}h"
    return f"{int(seconds // 86400)}d"


def state_text(state: str) -> Text:
    return Text(state, style=STATE_STYLES.get(state, ""))


def sparkline(values: Sequence[float], width: int, top: float | None = None) -> str:
    """The last `width` values as block characters scaled to `top` (or their own maximum).

    Padded on the left with spaces so that the newest value is always the rightmost cell.
    """
    if width <= 0:
        return ""
    recent = list(values)[-width:]
    if not recent:
        return " " * width
    ceiling = top if top is not None and top > 0 else max(max(recent), 1e-9)
    last = len(SPARK_CHARS) - 1
    cells = []
    for value in recent:
        frac = 0.0 if value <= 0 else min(1.0, value / ceiling)
        cells.append(SPARK_CHARS[round(frac * last)])
    return " " * (width - len(recent)) + "".join(cells)


def count(value: int | None) -> str:
    return "-" if value is None else f"{value:,}"
