"""The report as Markdown: text tables for a ticket or a pull request; charts stay in the HTML.

Log text is escaped for tables (`|`, newlines) and tracebacks go in fenced blocks whose fence is
longer than any backtick run inside, so a traceback cannot end its block early.
"""

from __future__ import annotations

import re
from typing import Any

from batchtop import __version__
from batchtop.report.data import ReportData
from batchtop.timeparse import format_duration, format_stamp


def _cell(text: Any) -> str:
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _fence(text: str) -> str:
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{text.rstrip()}\n{fence}"


def render_markdown(data: ReportData, html_name: str | None = None) -> str:
    s = data.summary
    mb, items = s["mini_batches"], s["items"]
    title = s["job"] or s["source"] or "batch job"
    out = [
        f"# batchtop report: {_cell(title)}",
        "",
        f"Post-mortem by batchtop {__version__} from `{_cell(s['source'] or '-')}`. "
        "Times are UTC, from the logs.",
        "",
    ]
    if html_name:
        out += [
            f"Charts (throughput, node timeline, CPU and memory): see [{html_name}]({html_name}).",
            "",
        ]
    else:
        out += ["Charts: write the HTML form (`--format html`) to see them.", ""]
    total = "?" if mb["total"] is None else f"{mb['total']:,}"
    rows = [
        ("Status", s["status"]),
        ("Verdict", s["verdict"] or "-"),
        ("Started", format_stamp(data.started) or "-"),
        ("Ended" if data.finished else "Newest log line", format_stamp(data.ended) or "-"),
        ("Elapsed", format_duration(s["elapsed_seconds"])),
        ("Queue time", "not in the logs"),
        (
            "Mini-batches",
            f"{mb['processed']:,} of {total} processed: {mb['succeeded']:,} succeeded, "
            f"{mb['failed']:,} failed, {mb['retried']:,} retried",
        ),
        (
            "Items",
            f"total {items['total']}, succeeded {items['succeeded']}, failed {items['failed']}",
        ),
        ("Nodes", str(len(s["nodes"]))),
    ]
    out += ["## Summary", "", "| | |", "|---|---|"]
    out += [f"| {k} | {_cell(v)} |" for k, v in rows]
    out += ["", "## What to do", ""]
    if data.advice:
        for a in data.advice:
            out += [f"- **{_cell(a.problem)}**  ", f"  Fix: {_cell(a.fix)}  ", f"  <{a.doc}>"]
    else:
        out.append("No known problem matched this job's errors.")
    out += ["", f"## Errors ({len(data.errors)} kinds)", ""]
    if data.errors:
        out += ["| count | error | first seen | last seen | where |", "|---:|---|---|---|---|"]
        for e in data.errors:
            out.append(
                f"| {e['count']:,} | {_cell(e['message'][:160])} | {e['first_seen'] or '-'} | "
                f"{e['last_seen'] or '-'} | {_cell(', '.join(e['where'][:4]))} |"
            )
        for e in data.errors:
            out += ["", f"### {_cell(e['message'][:200])}", "", _fence(e["traceback"])]
    else:
        out.append("No errors in the logs.")
    out += ["", "## Slowest processes", ""]
    if data.slowest:
        out += ["| process | s per mini-batch | processed | failed |", "|---|---:|---:|---:|"]
        out += [
            f"| {_cell(r['process'])} | {r['seconds_per_batch']:.1f} | {r['processed']:,} | "
            f"{r['failed']:,} |"
            for r in data.slowest
        ]
    else:
        out.append("No process finished a mini-batch with known times.")
    out += [
        "",
        "## Retries and timeouts",
        "",
        f"{mb['retried']:,} mini-batch(es) were tried more than once.",
        "",
    ]
    if data.timeouts:
        out += ["| count | timeout | where |", "|---:|---|---|"]
        out += [
            f"| {e['count']:,} | {_cell(e['message'][:160])} | {_cell(', '.join(e['where'][:4]))} |"
            for e in data.timeouts
        ]
    else:
        out.append("No timeouts in the logs.")
    return "\n".join(out) + "\n"
