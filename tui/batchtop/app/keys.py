"""Every key batchtop answers to, in one table: the help screen and the tests read it.

Bindings themselves live on the app and screens (Textual's BINDINGS); this list is what the
user is told, grouped by where it works, so the help screen cannot forget a key.
"""

from __future__ import annotations

KEYS: tuple[tuple[str, str, str], ...] = (
    ("Everywhere", "q", "quit"),
    ("Everywhere", "?", "this help"),
    ("Everywhere", "esc", "back / close / clear the filter"),
    ("Main screen", "tab / shift+tab", "next / previous pane"),
    ("Main screen", "↑ ↓ pgup pgdn", "move in the focused pane"),
    ("Main screen", "enter", "open the node, process or error"),
    ("Main screen", "/", "filter nodes, processes, errors (esc clears)"),
    ("Main screen", "s", "sort the focused pane (nodes or errors)"),
    ("Main screen", "p", "pause / resume the view (reading goes on)"),
    ("Main screen", "l", "open any log file in a tailing viewer"),
    ("Main screen", "r", "refresh now (workspace jobs: poll Azure at once)"),
    ("Main screen", "[ ] { }", "replay: 1 min / 10 min back or forward in log time"),
    ("Main screen", "home end esc", "replay: the job's start / back to live"),
    ("Error detail", "o", "open the error's file, at the error"),
    ("Node detail", "enter", "open the selected log file"),
    ("Log viewer", "f", "follow the end of the file on / off"),
    ("Log viewer", "home / end", "top / bottom of the file"),
    ("Mouse", "click, wheel", "select, scroll (never needed)"),
)
