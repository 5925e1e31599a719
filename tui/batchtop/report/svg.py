"""A small inline-SVG chart renderer: bars over time, lines over time, state strips.

The <svg> elements are meant to sit inside HTML, which needs no xmlns on them (and so the
report holds no URL but its links to documentation).

Ours rather than a plotting library: the report needs three simple chart kinds, must be one
file with no script and no fetch, and must build without a browser; matplotlib or plotly would
add tens of MB (or JavaScript) for that. Every chart is a standalone <svg> with a <title>,
fixed colours, and text escaped.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timezone
from xml.sax import saxutils

from batchtop.liveness import DEAD, ENDED, IDLE, STALE, WORKING
from batchtop.textsafe import safe

WIDTH = 880
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 28, 28
FONT = 'font-family="system-ui, sans-serif" font-size="11"'
STATE_COLOURS = {
    WORKING: "#2e9e5b",
    IDLE: "#9fd3b0",
    STALE: "#e0a100",
    DEAD: "#c8312b",
    ENDED: "#a0a0a0",
}
"""Every state liveness.judge gives a node, in the live view's order of concern."""
LINE_COLOURS = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
)  # fmt: skip


def escape(text: str) -> str:
    """Text for SVG: made safe (redacted, control characters shown as symbols) and XML-escaped.
    Node and file names come from folder names, which may hold ESC or BEL (code review 3, R10);
    XML 1.0 forbids most C0 controls anyway."""
    return saxutils.escape(safe(text))


def quoteattr(text: str) -> str:
    return saxutils.quoteattr(safe(text))


def _clock(t: float, span: float) -> str:
    stamp = datetime.fromtimestamp(t, tz=timezone.utc)
    return stamp.strftime("%H:%M:%S" if span < 600 else "%H:%M")


def _nice_max(value: float) -> float:
    """Round a maximum up to 1, 2 or 5 times a power of ten, for readable y ticks."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * power:
            return float(step * power)
    return float(10 * power)


def _frame(title: str, height: int, chart_id: str) -> list[str]:
    return [
        f'<svg class="chart" data-chart={quoteattr(chart_id)} '
        f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" role="img">',
        f"<title>{escape(title)}</title>",
        f'<text x="{LEFT}" y="16" {FONT} font-weight="bold">{escape(title)}</text>',
    ]


def _time_axis(out: list[str], t0: float, t1: float, x, bottom: float) -> None:  # type: ignore[no-untyped-def]
    span = max(t1 - t0, 1e-9)
    out.append(
        f'<line x1="{LEFT}" y1="{bottom}" x2="{WIDTH - RIGHT}" y2="{bottom}" stroke="#888"/>'
    )
    for i in range(6):
        t = t0 + span * i / 5
        px = x(t)
        anchor = "start" if i == 0 else "end" if i == 5 else "middle"
        out.append(
            f'<line x1="{px:.1f}" y1="{bottom}" x2="{px:.1f}" y2="{bottom + 4}" stroke="#888"/>'
        )
        out.append(
            f'<text x="{px:.1f}" y="{bottom + 16}" text-anchor="{anchor}" {FONT} fill="#555">'
            f"{_clock(t, span)}</text>"
        )


def _y_axis(out: list[str], top: float, bottom: float, y_max: float, unit: str) -> None:
    for i in range(5):
        value = y_max * i / 4
        py = bottom - (bottom - top) * i / 4
        out.append(
            f'<line x1="{LEFT}" y1="{py:.1f}" x2="{WIDTH - RIGHT}" y2="{py:.1f}" '
            f'stroke="#ddd" stroke-width="1"/>'
        )
        label = f"{value:.0f}" if y_max >= 4 else f"{value:.1f}"
        out.append(
            f'<text x="{LEFT - 6}" y="{py + 4:.1f}" text-anchor="end" {FONT} fill="#555">'
            f"{label}{escape(unit)}</text>"
        )


def bar_chart(
    points: Sequence[tuple[float, float, int]],
    width_s: float,
    title: str,
    chart_id: str,
    unit: str = "",
    height: int = 220,
) -> str:
    """Bars of `value` per time slice; a red mark above slices with failures (count > 0)."""
    out = _frame(title, height, chart_id)
    if not points:
        out.append(f'<text x="{LEFT}" y="60" {FONT}>no data</text></svg>')
        return "\n".join(out)
    t0, t1 = points[0][0], points[-1][0] + width_s
    top, bottom = TOP + 10, height - BOTTOM
    y_max = _nice_max(max(v for _, v, _ in points))
    plot_w = WIDTH - LEFT - RIGHT

    def x(t: float) -> float:
        return LEFT + plot_w * (t - t0) / max(t1 - t0, 1e-9)

    _y_axis(out, top, bottom, y_max, unit)
    bar_w = max(plot_w * width_s / max(t1 - t0, 1e-9) - 1, 0.5)
    for t, value, failed in points:
        h = (bottom - top) * value / y_max
        if value > 0:
            out.append(
                f'<rect class="bar" x="{x(t):.1f}" y="{bottom - h:.1f}" width="{bar_w:.1f}" '
                f'height="{h:.1f}" fill="#3b7dd8"/>'
            )
        if failed > 0:
            out.append(
                f'<rect class="failure" x="{x(t):.1f}" y="{top - 8}" width="{max(bar_w, 2):.1f}" '
                f'height="6" fill="#c8312b"><title>{failed} failed attempt(s)</title></rect>'
            )
    _time_axis(out, t0, t1, x, bottom)
    out.append("</svg>")
    return "\n".join(out)


def line_chart(
    series: dict[str, list[tuple[float, float]]],
    title: str,
    chart_id: str,
    unit: str = "",
    y_max: float | None = None,
    height: int = 200,
) -> str:
    """One line per named series over time, with a legend."""
    out = _frame(title, height, chart_id)
    values = [v for pts in series.values() for _, v in pts]
    times = [t for pts in series.values() for t, _ in pts]
    if not values:
        out.append(f'<text x="{LEFT}" y="60" {FONT}>no data</text></svg>')
        return "\n".join(out)
    t0, t1 = min(times), max(times)
    if t1 <= t0:
        t1 = t0 + 1
    top, bottom = TOP + 10, height - BOTTOM
    ymax = y_max if y_max is not None else _nice_max(max(values))
    plot_w = WIDTH - LEFT - RIGHT

    def x(t: float) -> float:
        return LEFT + plot_w * (t - t0) / (t1 - t0)

    _y_axis(out, top, bottom, ymax, unit)
    legend_x = LEFT + 260
    for i, (name, pts) in enumerate(series.items()):
        colour = LINE_COLOURS[i % len(LINE_COLOURS)]
        coords = " ".join(
            f"{x(t):.1f},{bottom - (bottom - top) * min(v, ymax) / ymax:.1f}" for t, v in pts
        )
        out.append(
            f'<polyline class="line" points="{coords}" fill="none" stroke="{colour}" '
            f'stroke-width="1.5"><title>{escape(name)}</title></polyline>'
        )
        if i < 12:
            lx = legend_x + (i % 6) * 90
            ly = 12 + (i // 6) * 12
            out.append(f'<rect x="{lx}" y="{ly - 7}" width="8" height="8" fill="{colour}"/>')
            out.append(f'<text x="{lx + 11}" y="{ly}" {FONT}>{escape(name[:12])}</text>')
    _time_axis(out, t0, t1, x, bottom)
    out.append("</svg>")
    return "\n".join(out)


def state_chart(
    rows: Sequence[tuple[str, Sequence[tuple[float, float, str]]]],
    t0: float,
    t1: float,
    title: str,
    chart_id: str,
) -> str:
    """One strip per row (node), coloured by state over time, with a legend."""
    row_h = 16
    height = TOP + 16 + row_h * max(len(rows), 1) + BOTTOM
    out = _frame(title, height, chart_id)
    if t1 <= t0:
        t1 = t0 + 1
    plot_w = WIDTH - LEFT - RIGHT

    def x(t: float) -> float:
        return LEFT + plot_w * (t - t0) / (t1 - t0)

    for i, (state, colour) in enumerate(STATE_COLOURS.items()):
        lx = LEFT + 260 + i * 80
        out.append(f'<rect x="{lx}" y="5" width="8" height="8" fill="{colour}"/>')
        out.append(f'<text x="{lx + 11}" y="13" {FONT}>{state}</text>')
    top = TOP + 10
    for r, (name, segments) in enumerate(rows):
        y = top + r * row_h
        out.append(
            f'<text x="{LEFT - 6}" y="{y + 11}" text-anchor="end" {FONT}>{escape(name[:10])}</text>'
        )
        for start, end, state in segments:
            colour = STATE_COLOURS.get(state, "#999")
            out.append(
                f'<rect class="state {escape(state)}" x="{x(start):.1f}" y="{y + 2}" '
                f'width="{max(x(end) - x(start), 0.5):.1f}" height="{row_h - 4}" fill="{colour}">'
                f"<title>{escape(name)}: {escape(state)}</title></rect>"
            )
    _time_axis(out, t0, t1, x, top + row_h * max(len(rows), 1) + 2)
    out.append("</svg>")
    return "\n".join(out)
