"""The --once report: a Snapshot as JSON-ready data or as compact plain text.

Both are rendered from the same dict, so what scripts read and what people read cannot drift.
Every piece of log-derived text goes through textsafe (secrets, control bytes).
"""

from __future__ import annotations

from typing import Any

from batchtop.advice import advice_for_snapshot
from batchtop.eta import estimate, format_band
from batchtop.liveness import judge, killed, states_of_rows
from batchtop.snapshot import NodeView, ProcessView, Snapshot
from batchtop.status import ENDED_UNKNOWN, STOPPED, STUCK
from batchtop.textsafe import safe
from batchtop.timeparse import format_duration, format_stamp

EXIT_OK = 0
EXIT_JOB_FAILED = 1
EXIT_USAGE = 2
# 3 is azure.errors.EXIT_AZURE: sign-in, workspace or network failure
EXIT_CANCELED = 4
"""The job was canceled (or a cancel was requested): it will not complete, and a script gating
on `batchtop --once` must not read that as success."""
EXIT_NOT_RESPONDING = 5
"""The service reports the job NotResponding: its state is unknown, not fine."""

EXIT_CODES_HELP = (
    "exit codes: 0 job completed or running fine, 1 job failed, 2 bad usage or unreadable "
    "source, 3 sign-in/workspace/network failure (Azure), 4 job canceled, 5 job not responding, "
    "6 a --stream ended without the job's outcome"
)

UNKNOWN_COUNTS_NOTE = "these logs carry no per-node progress: per-process counts are -"
"""Said when the per-process counts are not known (Snapshot.per_process_counts)."""
MESSAGE_CUT = 100
"""Characters of an error message in the text summary (--json has it whole)."""
SKIPPED_SHOWN = 10
"""Skipped files named one a line in the text summary; --json lists them all."""
WHERE_CUT = 3
"""Places listed per error group in the text summary (--json lists every place kept)."""
EXIT_OUTCOME_UNKNOWN = 6
"""--stream only: the stream ended without saying how the job ended."""


def summary_dict(snap: Snapshot, source: str | None = None) -> dict[str, Any]:
    mb = snap.mini_batches
    rows, _ = judge(snap)
    states = states_of_rows(rows)
    eta = estimate(snap, rows)  # knows dead and slow nodes; None: no per-process pace
    known = snap.per_process_counts  # else per-process counts are null: no file gives them
    return {
        "job": safe(snap.job_name) if snap.job_name else None,
        "source": safe(source) if source else None,
        "status": snap.status,
        "verdict": safe(snap.verdict) if snap.verdict else None,
        "mini_batches": {
            "total": mb.total,
            "processed": mb.processed,
            "succeeded": mb.succeeded,
            "failed": mb.failed,
            "retried": mb.retried,
        },
        "items": {
            "total": snap.items.total,
            "succeeded": snap.items.succeeded,
            "failed": snap.items.failed,
        },
        "rate_per_min": _round(snap.rate_per_min),
        "eta_seconds": _round(snap.eta_seconds if eta is None else eta.seconds),
        "eta_band_seconds": None if eta is None else [_round(eta.low), _round(eta.high)],
        "runtime_eta_seconds": _round(snap.runtime_eta_seconds),
        "started_at": format_stamp(snap.started_at),
        "data_time": format_stamp(snap.data_time),
        "elapsed_seconds": _round(snap.elapsed_seconds),
        "queued_seconds": _round(snap.queued_seconds),
        # workers killed by a signal and never heard from again (liveness.killed, U9)
        "killed": [safe(k.key) for k in killed(rows)],
        "compute": safe(snap.compute) if snap.compute else None,
        "nodes": [
            {
                "name": safe(node.name),
                "state": states[node.name][0],
                "last_seen": format_stamp(node.last_seen),
                "processes": [
                    {
                        "name": safe(p.name),
                        "state": states[node.name][1][p.name],
                        "processed": p.processed if known else None,
                        "failed": p.failed if known else None,
                        "current": p.current,
                        "last_seen": format_stamp(p.last_seen),
                        **_process_extras(p),
                    }
                    for p in node.processes
                ],
                **{_resource_key(k): _round(v) for k, v in node.latest.items()},
                **_node_extras(node),
            }
            for node in snap.nodes
        ],
        "errors": [
            {
                "signature": safe(e.signature),
                "message": safe(e.message),
                "title": safe(e.title or e.message),
                "count": e.count,
                "first_seen": format_stamp(e.first_seen),
                "last_seen": format_stamp(e.last_seen),
                "where": [safe(w) for w in e.where],
                "other_places": e.other_places,
                "files": [safe(f) for f in e.files],
            }
            for e in snap.errors
        ],
        "unparsed_lines": {safe(f.path): f.unparsed for f in snap.files if f.unparsed},
        "notes": [safe(n) for n in snap.notes]
        + ([] if snap.per_process_counts else [UNKNOWN_COUNTS_NOTE]),
        "skipped_files": {safe(path): safe(why) for path, why in snap.skipped},
        "advice": [a.as_dict() for a in advice_for_snapshot(snap)],
    }


def _process_extras(p: ProcessView) -> dict[str, Any]:
    """A worker's CPU and memory (processes_resource_usage.csv) and its abnormal ends
    (`_main.txt`): `after_exit` is restarted / dead / unknown, null if it never ended so."""
    return {
        "cpu_percent": _round(p.cpu_percent),
        "memory_percent": _round(p.memory_percent),
        "memory_mb": _round(p.memory_mb),
        "exits": p.exits,
        "exit_code": p.exit_code,
        "exit_at": format_stamp(p.exit_at),
        "after_exit": p.after_exit,
    }


def _node_extras(node: NodeView) -> dict[str, Any]:
    """Disks (node_disk_usage.csv), processes of the usage CSV that are not workers, and the
    time of the latest `ps` listing."""
    return {
        "disk": [
            {
                "name": safe(d.name),
                "used_percent": _round(d.used_percent),
                "used_mb": _round(d.used_mb),
                "total_mb": _round(d.total_mb),
                "free_mb": _round(d.free_mb),
                "at": format_stamp(d.at),
            }
            for d in node.disks
        ],
        "other_processes": [
            {
                "name": safe(u.name),
                "pid": u.pid,
                "cpu_percent": _round(u.cpu_percent),
                "memory_percent": _round(u.memory_percent),
                "memory_mb": _round(u.memory_mb),
            }
            for u in node.process_usage
            if not u.worker
        ],
        "ps_at": format_stamp(node.ps.at) if node.ps else None,
    }


def _resource_key(name: str) -> str:
    return {
        "cpu": "cpu_percent",
        "memory": "memory_percent",
        "disk_read": "disk_read_mb_s",
        "disk_write": "disk_write_mb_s",
        "net_sent": "net_sent_mb_s",
        "net_recv": "net_recv_mb_s",
    }[name]


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def exit_code(snap: Snapshot) -> int:
    """What a script gating on the job learns: only a job that completed or runs fine is 0."""
    if snap.status == ENDED_UNKNOWN:
        return EXIT_OUTCOME_UNKNOWN
    if snap.status == "Failed":
        return EXIT_JOB_FAILED
    if snap.status in STOPPED:
        return EXIT_CANCELED
    if snap.status in STUCK:
        return EXIT_NOT_RESPONDING
    return EXIT_OK


def cut(text: str, limit: int) -> str:
    """`text` shortened to `limit` characters, the cut marked with `…` (never silently)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _places(where: list[str], other: int) -> str:
    """The first places, then how many more places are listed in --json, then how many
    occurrences happened at places not even kept (`other`)."""
    shown = ", ".join(where[:WHERE_CUT])
    if len(where) > WHERE_CUT:
        shown += f", … +{len(where) - WHERE_CUT} more"
    if other:
        shown += f", {other} more elsewhere"
    return shown


def summary_text(data: dict[str, Any]) -> str:
    """Compact human report (about 10 lines plus one per node and error group)."""
    mb, items = data["mini_batches"], data["items"]
    if mb["total"] is None:
        so_far = f"{mb['processed']} (total not known yet)"
    else:
        pct = f" ({100 * mb['processed'] / mb['total']:.1f}%)" if mb["total"] else ""
        so_far = f"{mb['processed']}/{mb['total']}{pct}"
    lines = [
        f"job      {data['job'] or '-'}   source {data['source'] or '-'}",
        *_replay_line(data.get("replay")),
        f"status   {data['status']}"
        + (f"   verdict: {data['verdict']}" if data["verdict"] else ""),
        f"batches  {so_far} mini-batches processed: {mb['succeeded']} ok, "
        f"{mb['failed']} failed, {mb['retried']} retried",
    ]
    if items["total"] is not None or items["succeeded"] is not None:
        lines.append(
            f"items    total {_dash(items['total'])}, ok {_dash(items['succeeded'])}, "
            f"failed {_dash(items['failed'])}"
        )
    rate = data["rate_per_min"]
    rate_text = "-" if rate is None else f"{rate:.1f}"
    band = data.get("eta_band_seconds")
    eta_text = format_duration(data["eta_seconds"]) + (f" ({format_band(*band)})" if band else "")
    lines.append(
        f"rate     {rate_text}/min   eta {eta_text}"
        f"   runtime eta {format_duration(data['runtime_eta_seconds'])}"
        f"   elapsed {format_duration(data['elapsed_seconds'])}"
        + (
            f" (queued {format_duration(data['queued_seconds'])} before)"
            if data.get("queued_seconds") is not None
            else ""
        )
    )
    lines.append(f"newest   {data['data_time'] or '-'}")
    if data.get("killed"):
        lines.append(f"killed   {', '.join(data['killed'])} (killed by a signal, silent since)")
    if data["nodes"]:
        # per-process numbers count attempts, retries included: 2 failed tries of a mini-batch
        # that then succeeded are 2 here and 0 in the batches line above
        lines.append("nodes    state, then per process: state tries/failed tries (attempts)")
    for node in data["nodes"]:
        procs = " ".join(_process_text(p) for p in node["processes"])
        cpu = node.get("cpu_percent")
        mem = node.get("memory_percent")
        res = f" cpu {cpu:.0f}% mem {mem:.0f}%" if cpu is not None and mem is not None else ""
        lines.append(
            f"node {node['name']:<10} {node['state']:<7}{res}{_disk_text(node)} {procs}".rstrip()
        )
    for err in data["errors"][:10]:
        lines.append(
            f"error x{err['count']:<5} {cut(err.get('title') or err['message'], MESSAGE_CUT)}"
            f"  [{_places(err['where'], err['other_places'])}]"
        )
    if len(data["errors"]) > 10:
        lines.append(f"... {len(data['errors']) - 10} more error groups")
    for note in data["notes"]:
        lines.append(f"note     {note}")
    for path, count in data["unparsed_lines"].items():
        lines.append(f"unparsed {count} line(s) in {path}")
    skipped = list(data.get("skipped_files", {}).items())
    lines += [f"skipped  {path}: {why}" for path, why in skipped[:SKIPPED_SHOWN]]
    if len(skipped) > SKIPPED_SHOWN:
        lines.append(f"... {len(skipped) - SKIPPED_SHOWN} more files skipped (see --json)")
    for advice in data.get("advice", []):
        lines.append(f"advice   {advice['problem']}")
        lines.append(f"         fix: {advice['fix']} ({advice['doc']})")
    return "\n".join(lines)


def _process_text(p: dict[str, Any]) -> str:
    """`process001 working 12/1` plus, where known, `(cpu 95% mem 41%)` and `killed -9, dead`."""
    text = f"{p['name']} {p['state']} {_dash(p['processed'])}/{_dash(p['failed'])}"
    usage = []
    if p.get("cpu_percent") is not None:
        usage.append(f"cpu {p['cpu_percent']:.0f}%")
    if p.get("memory_percent") is not None:
        usage.append(f"mem {p['memory_percent']:.0f}%")
    elif p.get("memory_mb") is not None:
        usage.append(f"mem {p['memory_mb']:.0f}MB")
    if usage:
        text += f"({' '.join(usage)})"
    if p.get("exits"):
        code = p["exit_code"]
        how = "killed (OOM?)" if code == -9 else f"exit {code}"
        text += f"[{how} x{p['exits']}, {p['after_exit']}]"
    return text


def _disk_text(node: dict[str, Any]) -> str:
    """The fullest disk of a node: ` disk 81% /mnt`."""
    disks = [d for d in node.get("disk", []) if d["used_percent"] is not None]
    if not disks:
        return ""
    full = max(disks, key=lambda d: d["used_percent"])
    return f" disk {full['used_percent']:.0f}% {full['name']}"


def _replay_line(replay: dict[str, Any] | None) -> list[str]:
    if not replay:
        return []
    step = replay["resolution_seconds"]
    return [f"replay   at {replay['at']} (live: {replay['live']}, resolution {step:g} s)"]


def _dash(value: object) -> str:
    return "-" if value is None else str(value)
