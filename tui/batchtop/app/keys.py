"""Every key batchtop answers to, and a legend of what the screen shows, in two tables: the help
screen and the tests read them.

Bindings themselves live on the app and screens (Textual's BINDINGS); this list is what the
user is told, grouped by where it works, so the help screen cannot forget a key.
"""

from __future__ import annotations

KEYS: tuple[tuple[str, str, str], ...] = (
    ("Everywhere", "q", "quit (in a viewer or detail screen: back)"),
    ("Everywhere", "ctrl+c", "quit"),
    ("Everywhere", "?", "this help"),
    ("Everywhere", "esc", "back / close / clear the filter"),
    ("Everywhere", "ctrl+p", "command palette: every action, themes"),
    ("Main screen", "tab / shift+tab", "next / previous pane"),
    ("Main screen", "↑ ↓ pgup pgdn", "move in the focused pane"),
    ("Main screen", "enter", "open the node, process or error"),
    ("Main screen", "→ / ←", "unfold a node into all its processes / fold it"),
    ("Main screen", "/", "filter nodes, processes, errors (esc clears)"),
    ("Main screen", "s", "sort the focused pane (nodes or errors)"),
    ("Main screen", "p", "pause / resume the view (reading goes on)"),
    ("Main screen", "l", "open any log file in a tailing viewer"),
    ("Main screen", "r", "reload: look for new data now (workspace jobs: poll Azure)"),
    ("Main screen", "[ ] { }", "replay: 1 min / 10 min back or forward in log time"),
    ("Main screen", "home / end", "first / last row (while replaying: job start / live)"),
    ("Main screen", "esc", "while replaying: back to live"),
    ("Error detail", "o", "open the error's file, at the error"),
    ("Node detail", "enter", "open the selected log file"),
    ("Log viewer", "f", "follow the end of the file on / off"),
    ("Log viewer", "/  n  N", "search / next match / previous match"),
    ("Log viewer", "w", "wrap long lines on / off"),
    ("Log viewer", "home / end", "top / bottom of the file"),
    ("Mouse", "click, wheel", "select, scroll (never needed)"),
)

LEGEND: tuple[tuple[str, str, str], ...] = (
    ("States", "working", "busy with a mini-batch"),
    ("States", "idle", "alive, between mini-batches"),
    ("States", "⚠ stale", "silent past the job's rhythm (4 mini-batches, at least 30 s)"),
    ("States", "✖ dead", "the whole node went silent while others work on"),
    ("States", "ended", "the job finished"),
    ("States", "…", "not judged yet: the history found on attach is still being read"),
    ("States", "killed", "a worker ended abnormally (-9: out of memory) and never came back"),
    ("States", "slow", "finishing mini-batches at under half the median pace"),
    ("States", "failing", "failed attempts well above the job's own failure ratio"),
    ("Nodes", "Done", "mini-batches finished (ok or failed)"),
    ("Nodes", "Err", "failed attempts: a retried mini-batch counts each try"),
    ("Nodes", "Batch", "node: busy/processes; process: its current mini-batch"),
    ("Nodes", "Quiet", "silence in log time (a node: its worst process)"),
    ("Nodes", "-", "no file gives this count (a note says why), or not known yet"),
    ("Nodes", "CPU Mem", "latest sample; (84%) = the last one of a dead node, old"),
    ("Progress", "failed", "mini-batches that failed for good, after retries"),
    ("Progress", "█ ▒ ─", "bar: ok / failed / still to do"),
    ("Progress", "╌", "bar when the total is not known yet: nothing to measure against"),
    ("Errors", "#", "occurrences of the group; Where: its place or how many"),
    ("Errors", "'…' (e.g.)", "a group of many values: its pattern and one example"),
    ("Resources", "▁▂▃▅▇", "sparkline, newest right (8 nodes or fewer)"),
    ("Resources", "░▒▓█", "heatmap on the job's clock, low → high; blank = no sample then"),
    ("Resources", "(84%)", "a sample older than the stale threshold: old, not now"),
)
"""What the screen's words, columns and glyphs mean: the second half of the help screen."""
