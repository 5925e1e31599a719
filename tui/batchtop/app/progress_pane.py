"""Progress pane: status, verdict, a two-colour mini-batch bar, items, rate, ETA, elapsed.

Succeeded and failed mini-batches differ by glyph as well as colour (█ ▒ ─), so the bar still
reads right with NO_COLOR or on a 16-colour terminal. In a replay the bar shows the replayed
moment's counts, and the mini-batches done between that moment and live get their own glyph (━):
where the filled cells stop and ━ begins is the replayed moment on the bar, and the pane's title
says "replay". The widget renders for its current width,
so a resize reflows the bar without any bookkeeping.

No line is ever lost: every fact is a short segment, and segments are packed into lines of the
pane's width (a segment never split between lines unless it is longer than a line, and then it
wraps). The pane's height is the number of packed lines, so it cannot hide its own last line.
The verdict of a failed job comes right under the bar, wrapped, never cut.

"failed" here counts mini-batches that failed for good (after their retries); the Nodes pane's
`Err` column counts failed attempts. The labels say which is which.
"""

from __future__ import annotations

import io

from rich.console import Console
from rich.text import Text
from textual.widget import Widget

from batchtop.app.cells import counts_note
from batchtop.app.header_bar import status_text
from batchtop.app.liveness import View
from batchtop.app.loading import reading_words
from batchtop.app.textfmt import count, log_text, style
from batchtop.eta import estimate, format_band
from batchtop.snapshot import MiniBatchCounts
from batchtop.timeparse import format_duration

GAP = "   "
"""Between two segments on one line."""
_WRAPPER = Console(file=io.StringIO(), width=1000, color_system=None, legacy_windows=False)


def pack(segments: list[Text], width: int) -> list[Text]:
    """Lay the segments out left to right in lines of at most `width` cells; a segment longer
    than a line is wrapped onto lines of its own (word by word)."""
    width = max(1, width)
    out: list[Text] = []
    line: Text | None = None
    for segment in segments:
        size = segment.cell_len
        if size > width:
            if line is not None:
                out.append(line)
                line = None
            for part in segment.wrap(_WRAPPER, width, overflow="fold"):
                part.rstrip()
                out.append(part)
            continue
        if line is not None and line.cell_len + len(GAP) + size <= width:
            line.append(GAP)
            line.append_text(segment)
        else:
            if line is not None:
                out.append(line)
            line = segment.copy()
    if line is not None:
        out.append(line)
    for text in out:
        text.no_wrap = True
        text.overflow = "crop"
    return out


def _segment(label: str, value: str = "", value_style: str = "") -> Text:
    text = Text()
    text.append(label, style="dim")
    if value:
        text.append(value, style=value_style)
    return text


def scheduling_segment(scheduling: str) -> Text:
    """`scheduling: 2400 so far` as the model says it; the label is added only when the text
    does not already start with it (U7: `scheduling scheduling: 2400 so far`)."""
    if scheduling.lower().startswith("scheduling"):
        return log_text(scheduling, 200)
    out = _segment("scheduling ")
    out.append_text(log_text(scheduling, 200))
    return out


OK_CHAR, FAILED_CHAR, LATER_CHAR, TODO_CHAR, UNKNOWN_CHAR = "█", "▒", "━", "─", "╌"
TITLE, REPLAY_TITLE = "Progress", "Progress · replay"


def progress_tail(processed: int, total: int | None) -> str:
    """What follows the bar: `212/900  23.6%`, or `14 done · total not known yet` when no
    file has said the total yet (never `14/-` beside a bar that looks full)."""
    if total is None:
        return f" {processed:,} done · total not known yet"
    pct = f"{100 * processed / total:5.1f}%" if total else "     "
    return f" {processed:,}/{total:,} {pct}"


def progress_bar(
    succeeded: int, failed: int, total: int | None, width: int, later: int = 0
) -> Text:
    """`width` cells: succeeded, then failed (at least one cell when any failed), then the
    `later` mini-batches a replay has not reached yet but live has (at least one cell when
    any), then to do."""
    bar = Text(no_wrap=True)
    if width <= 0:
        return bar
    done = succeeded + failed
    denominator = max(total or 0, done, 1)
    ok_cells = int(width * succeeded / denominator)
    bad_cells = int(width * failed / denominator)
    if failed and bad_cells == 0:
        bad_cells = 1
        if ok_cells + bad_cells > width:
            ok_cells -= 1
    if total is None:
        # no total known yet: a filled bar would claim the job is (nearly) done (U7); the
        # bar stays empty, drawn in its own glyph, and the tail says why (`progress_tail`)
        bar.append(UNKNOWN_CHAR * width, style="dim")
        return bar
    later_cells = 0
    if total is not None and later > 0:
        room = max(0, width - ok_cells - bad_cells)
        # up to where live is, so the bar's end of "done" stays the live count's cell
        live_cells = int(width * min(done + later, denominator) / denominator)
        later_cells = min(room, max(1, live_cells - ok_cells - bad_cells))
    todo = max(0, width - ok_cells - bad_cells - later_cells)
    bar.append(OK_CHAR * ok_cells, style="green")
    bar.append(FAILED_CHAR * bad_cells, style="red")
    bar.append(LATER_CHAR * later_cells, style="blue")
    bar.append(TODO_CHAR * todo, style="dim")
    return bar


class ProgressPane(Widget):
    """The job at a glance; reads only the current View."""

    DEFAULT_CSS = """
    ProgressPane {
        height: auto;
        padding: 0 1;
    }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.add_class("pane")
        self.view: View | None = None
        self.border_title = TITLE
        self.live: MiniBatchCounts | None = None
        """The live counts while the view is a replay (None when live)."""
        self._lines: tuple[View | None, MiniBatchCounts | None, int, list[Text]] | None = None

    def show(self, view: View, live: MiniBatchCounts | None = None) -> None:
        """Repaint only when the text changed; ask for a new layout only when its height did.

        `live` is given while `view` is a replay: the bar then marks the replayed moment."""
        old = self.view
        width = self.content_size.width or 76
        before = [line.plain for line in self.lines(width)] if old is not None else None
        self.view, self.live = view, live
        title = TITLE if live is None else REPLAY_TITLE
        retitled = title != self.border_title
        if retitled:  # any assignment repaints the whole pane, even of the same text
            self.border_title = title
        after = [line.plain for line in self.lines(width)]
        if (
            before == after
            and not retitled
            and old is not None
            and old.snapshot.status == view.snapshot.status
        ):
            return
        self.refresh(layout=before is None or len(before) != len(after))

    def lines(self, width: int) -> list[Text]:
        """The pane's lines at `width` (computed once per view and width: layout, render and
        the change check all ask)."""
        cached = self._lines
        if (
            cached is not None
            and cached[0] is self.view
            and cached[1] is self.live
            and cached[2] == width
        ):
            return cached[3]
        out = self._build(width)
        self._lines = (self.view, self.live, width, out)
        return out

    def _build(self, width: int) -> list[Text]:
        view = self.view
        if view is None:
            return [Text("reading the logs…", style="dim")]
        width = max(1, width)
        snap = view.snapshot
        mb = snap.mini_batches
        total = mb.total
        tail = progress_tail(mb.processed, total)
        head = status_text(snap.status)
        head.append(" ")
        bar_width = max(5, width - len(head.plain) - len(tail))
        first = Text(no_wrap=True, overflow="crop")
        first.append_text(head)
        later = 0 if self.live is None else max(0, self.live.processed - mb.processed)
        first.append_text(progress_bar(mb.succeeded, mb.failed, total, bar_width, later))
        first.append(tail, style="bold")
        out = [first]
        if snap.verdict:
            # the one line that says why a job failed: right under the bar, wrapped, never cut
            verdict = Text("verdict ", style="bold " + style("failed"))
            verdict.append_text(log_text(snap.verdict, 300, style=style("failed")))
            out += pack([verdict], width)

        facts: list[Text] = []
        reading = reading_words(snap)
        if reading is not None:
            facts.append(_segment("", f"{reading}: node states shown when it is in", "italic"))
        batches = _segment("mini-batches ", f"{mb.succeeded:,} ok", "green")
        batches.append(" · ", style="dim")
        batches.append(f"{mb.failed:,} failed", style=style("failed") if mb.failed else "")
        batches.append(f" · {mb.retried:,} retried")
        facts.append(batches)
        items = snap.items
        if items.total is not None or items.succeeded is not None:
            line = _segment("items ", f"{count(items.succeeded)} ok")
            if items.failed:
                line.append(" · ", style="dim")
                line.append(f"{items.failed:,} failed", style=style("failed"))
            line.append(f" · of {count(items.total)}")
            facts.append(line)
        rate = snap.rate_per_min
        facts.append(_segment("rate ", "-" if rate is None else f"{rate:,.1f}/min"))
        band = estimate(snap, view.nodes)  # knows dead and slow processes (eta.py)
        eta = _segment(
            "eta ", format_band(band.low, band.high) if band else format_duration(snap.eta_seconds)
        )
        if snap.runtime_eta_seconds is not None:
            eta.append(f" (runtime {format_duration(snap.runtime_eta_seconds)})", style="dim")
        facts.append(eta)
        facts.append(_segment("elapsed ", format_duration(snap.elapsed_seconds)))
        if snap.scheduling:
            facts.append(scheduling_segment(snap.scheduling))
        unknown = counts_note(snap)
        if unknown:
            facts.append(_segment("note ", unknown, "italic"))
        return out + pack(facts, width)

    def render(self) -> Text:
        # every line fits the width already; joined they must not wrap either: one row per line
        joined = Text("\n", no_wrap=True, overflow="crop")
        return joined.join(self.lines(self.content_size.width or 76))

    def get_content_height(self, container, viewport, width: int) -> int:
        return len(self.lines(width))
