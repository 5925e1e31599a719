"""Small renderers shared by the panes: log text as safe `Text`, ages, states, sparklines.

Every log-derived string reaches the screen through `log_text`: redacted and made printable by
`textsafe.safe`, then wrapped in `rich.text.Text`, so `[bold]` or an ANSI escape in a log line is
shown as the characters it is and never interpreted by Rich or the terminal.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text

from batchtop.app.liveness import DEAD, ENDED, IDLE, STALE, WORKING
from batchtop.app.loading import READING
from batchtop.textsafe import safe

LINE_LIMIT = 500
"""Characters of one log-derived string shown in a pane; the log viewer shows the full text."""

STATE_GLYPHS = {DEAD: "✖ ", STALE: "⚠ "}
"""Alarms carry a glyph, so they read without colour (NO_COLOR, 16 colours, a screenshot)."""

COLOUR_STYLES = {
    WORKING: "green",
    IDLE: "dim",
    STALE: "bold black on #c4a000",
    DEAD: "bold white on #cc0000",
    ENDED: "dim",
    "failed": "bold red",
    "slow": "bold yellow",
    "alarm": "bold white on #cc0000",
    "warn": "bold black on #c4a000",
    "old": "dim italic",
}
"""Alarms are a light/dark pair, never a colour on the default background: Textual's NO_COLOR
filter turns colours into greys by luminance, and red on black becomes grey on near-black.
Their backgrounds are RGB, not the names `red`/`yellow`: Textual maps named colours through its
terminal theme (yellow -> orange #fd971f, red -> #f4005f), which a 16-colour terminal then shows
as bright red and magenta, stale looking worse than dead (U19); these two stay red and yellow."""

MONO_STYLES = {
    WORKING: "",
    IDLE: "",
    STALE: "bold underline",
    DEAD: "bold reverse",
    ENDED: "",
    "failed": "bold",
    "slow": "bold",
    "alarm": "bold reverse",
    "warn": "bold underline",
    "old": "italic",
}
"""Under NO_COLOR, weight and reverse video carry the alarm instead (no dim: dim is a colour)."""

STATE_STYLES = COLOUR_STYLES
"""The styles in force: `use_mono(True)` (the app does it when NO_COLOR is set) swaps them."""

SPARK_CHARS = "▁▂▃▄▅▆▇█"


def use_mono(mono: bool) -> None:
    """Pick the colour or the no-colour styles. Rich styles are fixed when a `Text` is built,
    before Textual's NO_COLOR filter sees them, so the choice has to be made here, once per app."""
    global STATE_STYLES
    STATE_STYLES = MONO_STYLES if mono else COLOUR_STYLES


def is_mono() -> bool:
    return STATE_STYLES is MONO_STYLES


def style(name: str) -> str:
    """The style for a state or an alarm kind ("failed", "slow", "alarm", "warn", "old")."""
    return STATE_STYLES.get(name, "")


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
    """`✖ dead`, `⚠ stale`, `working`: the glyph makes an alarm readable without colour.
    While the history is read a state is not known yet: `…`."""
    if state == READING:
        return Text("…", style=style("old"))
    return Text(STATE_GLYPHS.get(state, "") + state, style=style(state))


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
