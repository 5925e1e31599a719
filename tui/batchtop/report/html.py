"""The report as one self-contained HTML file: inline CSS, inline SVG, no script, no fetch.

Every piece of log text is escaped here (and was redacted by textsafe before): a traceback can
hold `<script>` as easily as anything else.
"""

from __future__ import annotations

from html import escape
from typing import Any

from batchtop import __version__
from batchtop.report import svg
from batchtop.report.data import ReportData
from batchtop.status import style_class
from batchtop.timeparse import format_duration, format_stamp

CSS = """
body { font-family: system-ui, sans-serif; margin: 24px auto; max-width: 940px; color: #222; }
h1 { font-size: 22px; margin-bottom: 4px; }
h2 { font-size: 17px; margin-top: 28px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
table { border-collapse: collapse; margin: 8px 0; }
th, td { text-align: left; padding: 3px 10px 3px 0; vertical-align: top; font-size: 14px; }
th { color: #555; font-weight: 600; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
.status { display: inline-block; padding: 2px 8px; border-radius: 4px; color: #fff;
          font-weight: 600; }
.bad, .stopped { background: #c8312b; }
.ok { background: #2e9e5b; }
.other, .running, .waiting { background: #3b7dd8; }
.verdict { font-weight: 600; color: #a0221c; }
.advice { border-left: 4px solid #2e9e5b; padding: 4px 12px; margin: 10px 0; background: #f4faf6; }
.advice p { margin: 4px 0; }
pre { background: #f6f6f6; padding: 8px; overflow-x: auto; font-size: 12px;
      max-height: 420px; }
.muted { color: #777; font-size: 13px; }
svg.chart { display: block; margin: 12px 0; }
"""


def render_html(data: ReportData) -> str:
    s = data.summary
    title = s["job"] or s["source"] or "batch job"
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>batchtop report: {escape(title)}</title>",
        f"<style>{CSS}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
        f'<p class="muted">Post-mortem by batchtop {escape(__version__)} from '
        f"{escape(s['source'] or '-')}. Times are UTC, from the logs.</p>",
    ]
    parts += _facts(data)
    parts += _advice(data)
    parts += _charts(data)
    parts += _errors(data)
    parts += _processes(data)
    if s["unparsed_lines"]:
        parts.append("<h2>Lines batchtop did not understand</h2><table>")
        for path, count in s["unparsed_lines"].items():
            parts.append(f'<tr><td class="n">{count}</td><td>{escape(path)}</td></tr>')
        parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _facts(data: ReportData) -> list[str]:
    s = data.summary
    mb, items = s["mini_batches"], s["items"]
    status = s["status"]
    css = style_class(status)
    rows = [
        ("Status", f'<span class="status {css}">{escape(status)}</span>'),
    ]
    if s["verdict"]:
        rows.append(("Verdict", f'<span class="verdict">{escape(s["verdict"])}</span>'))
    rows += [
        ("Started", escape(format_stamp(data.started) or "-")),
        (
            "Ended" if data.finished else "Newest log line",
            escape(format_stamp(data.ended) or "-")
            + ("" if data.finished else " (the job had not finished)"),
        ),
        ("Elapsed", escape(format_duration(s["elapsed_seconds"]))),
        ("Queue time", "not in the logs (they start when the job runs)"),
        (
            "Mini-batches",
            f"{mb['processed']:,} of {_num(mb['total'])} processed: {mb['succeeded']:,} "
            f"succeeded, {mb['failed']:,} failed, {mb['retried']:,} retried",
        ),
    ]
    if items["total"] is not None or items["succeeded"] is not None:
        rows.append(
            (
                "Items",
                f"total {_num(items['total'])}, succeeded {_num(items['succeeded'])}, "
                f"failed {_num(items['failed'])}",
            )
        )
    if s["rate_per_min"] is not None:
        rows.append(("Rate at the end", f"{s['rate_per_min']:.1f} mini-batches/min"))
    rows.append(("Nodes", str(len(s["nodes"]))))
    out = ["<h2>Summary</h2><table>"]
    out += [f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows]
    out.append("</table>")
    return out


def _advice(data: ReportData) -> list[str]:
    out = ["<h2>What to do</h2>"]
    if not data.advice:
        out.append(
            '<p class="muted">No known problem matched this job\'s errors; batchtop gives '
            "advice only for wordings it knows.</p>"
        )
        return out
    for a in data.advice:
        out.append(
            f'<div class="advice"><p><b>{escape(a.problem)}</b></p>'
            f"<p>Fix: {escape(a.fix)}</p>"
            f'<p><a href="{escape(a.doc, quote=True)}">{escape(a.doc)}</a></p></div>'
        )
    return out


def _charts(data: ReportData) -> list[str]:
    out = ["<h2>Over time</h2>"]
    step = f"{data.width:g} s" if data.width < 120 else format_duration(data.width)
    out.append(
        f'<p class="muted">One point per {step} of log time. Red marks: slices with failed '
        f"attempts.</p>"
    )
    out.append(
        svg.bar_chart(
            data.throughput,
            data.width,
            "Throughput (mini-batches per minute)",
            "throughput",
            unit="",
        )
    )
    t0 = data.throughput[0][0] if data.throughput else (data.started or 0.0)
    t1 = data.throughput[-1][0] + data.width if data.throughput else (data.ended or t0 + 1)
    rows = [(name, [(g.start, g.end, g.state) for g in segs]) for name, segs in data.node_states]
    out.append(svg.state_chart(rows, t0, t1, "Nodes over time", "nodes"))
    out.append(
        '<p class="muted">Each slice shows the state the live view gave the node at its end '
        f"(the same judgement as <code>--json</code>). Stale: silent for more than "
        f"{format_duration(data.stale_after)} at the end; dead: silent while its peers "
        "went on.</p>"
    )
    cpu = {node: r["cpu"] for node, r in data.resources.items() if r["cpu"]}
    memory = {node: r["memory"] for node, r in data.resources.items() if r["memory"]}
    out.append(svg.line_chart(cpu, "CPU per node (%)", "cpu", unit="%", y_max=100))
    out.append(svg.line_chart(memory, "Memory per node (%)", "memory", unit="%", y_max=100))
    return out


def _errors(data: ReportData) -> list[str]:
    out = [f"<h2>Errors ({len(data.errors)} kinds)</h2>"]
    if not data.errors:
        out.append('<p class="muted">No errors in the logs.</p>')
        return out
    out.append(
        "<table><tr><th>count</th><th>error</th><th>first seen</th><th>last seen</th>"
        "<th>where</th></tr>"
    )
    for i, e in enumerate(data.errors):
        out.append(
            f'<tr><td class="n">{e["count"]:,}</td><td><a href="#error-{i}">'
            f"{escape(e['message'][:160])}</a></td><td>{escape(_time(e['first_seen']))}</td>"
            f"<td>{escape(_time(e['last_seen']))}</td>"
            f"<td>{escape(', '.join(e['where'][:4]))}</td></tr>"
        )
    out.append("</table>")
    for i, e in enumerate(data.errors):
        latest = escape(", ".join(e["files"][:1]))
        out.append(
            f'<h3 id="error-{i}">{escape(e["message"][:200])}</h3>'
            f'<p class="muted">{e["count"]:,} occurrence(s); latest in {latest}</p>'
            f"<pre>{escape(e['traceback'])}</pre>"
        )
    return out


def _processes(data: ReportData) -> list[str]:
    s = data.summary
    out = ["<h2>Slowest processes</h2>"]
    if data.slowest:
        out.append(
            "<table><tr><th>process</th><th>s per mini-batch</th><th>processed</th>"
            "<th>failed</th></tr>"
        )
        for row in data.slowest:
            out.append(
                f'<tr><td>{escape(row["process"])}</td><td class="n">'
                f'{row["seconds_per_batch"]:.1f}</td><td class="n">{row["processed"]:,}</td>'
                f'<td class="n">{row["failed"]:,}</td></tr>'
            )
        out.append("</table>")
    else:
        out.append('<p class="muted">No process finished a mini-batch with known times.</p>')
    out.append("<h2>Retries and timeouts</h2>")
    out.append(f"<p>{s['mini_batches']['retried']:,} mini-batch(es) were tried more than once.</p>")
    if data.timeouts:
        out.append("<table>")
        for e in data.timeouts:
            out.append(
                f'<tr><td class="n">{e["count"]:,}</td><td>{escape(e["message"][:160])}</td>'
                f"<td>{escape(', '.join(e['where'][:4]))}</td></tr>"
            )
        out.append("</table>")
    else:
        out.append('<p class="muted">No timeouts in the logs.</p>')
    return out


def _num(value: Any) -> str:
    return "?" if value is None else f"{value:,}"


def _time(stamp: str | None) -> str:
    return (stamp or "-").replace("T", " ").replace("Z", "")


__all__ = ["render_html"]
