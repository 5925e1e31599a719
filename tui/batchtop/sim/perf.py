"""The rest of a simulated node's resource monitor, and out-of-memory kills in `_main.txt`.

Additive to streams.py (which writes node_resource_usage.csv): for the eras whose monitor
writes to `logs/perf/<node>/` (2020 on), each node also gets

- `processes_resource_usage.csv` and `node_disk_usage.csv`, a row per worker / disk per check;
- `os/<%Y%m%d%H>/processes_<%M>`: a `ps` listing, once per documented default interval (600 s;
  a file per minute at most, as its name allows);

and, with `SimConfig.oom_kill`, the dead node's workers end in `logs/sys/node/<node>/_main.txt`
with `<process-name> exits with returncode -9.` (D1, the out-of-memory kill), after which the
node is not heard from again (how the simulator's dead node already behaves). The runtime would
start new processNNN workers in their place (D1); the simulator does not model that.

INVENTED, in this one place (no public header or line exists; see shared/formats/evidence.md
section 4): both CSV headers below, the `ps` command lines, and the pipe prefix of the
`_main.txt` line (D1 quotes only the message). The layout and file names are documented (D1, D3).
"""

from __future__ import annotations

import random
from collections.abc import Iterator

from batchtop.sim.engine import Plan
from batchtop.sim.text import sys_prefix

Record = tuple[float, str, str]

PROCESSES_HEADER = (
    "Utc Time,Process Name,Pid,Cpu Percent,Memory Percent,Memory Used (MB)\n"  # INVENTED
)
DISK_HEADER = "Utc Time,Device,Total (MB),Used (MB),Free (MB),Used Percent\n"  # INVENTED
PS_HEADER = "USER         PID %CPU %MEM    VSZ   RSS TTY      STAT START   TIME COMMAND\n"
PS_EVERY = 600.0
"""`--resource_monitor_interval` default (D1): one `ps` listing per this many seconds."""
KILL_MESSAGE = "{proc} exits with returncode -9."
"""D1, verbatim template (`<process-name> exits with returncode -9.`)."""
NODE_MEMORY_MB = 16384.0
DISK_MB = 102400.0


def writes_perf_folder(plan: Plan) -> bool:
    """Eras whose monitor writes logs/perf/<node>/ (2019 wrote logs/performance/)."""
    return "/perf/{node}/" in plan.layout.perf_csv


def _perf_dir(plan: Plan, node: str) -> str:
    return plan.layout.perf_csv.format(node=node).rsplit("/", 1)[0]


def perf_extras(plan: Plan, ni: int) -> Iterator[Record]:
    """One node's per-process and disk rows and its `ps` listings, in time order."""
    node = plan.nodes[ni]
    folder = _perf_dir(plan, node)
    procs_path, disk_path = (
        f"{folder}/processes_resource_usage.csv",
        f"{folder}/node_disk_usage.csv",
    )
    rng = random.Random(plan.cfg.seed * 104729 + ni)
    plain, stamps = plan.stamps.plain, plan.stamps
    start = plan.node_start[ni]
    stop = min(plan.t_close, plan.node_death[ni])
    n_procs = plan.cfg.processes
    workers = range(ni * n_procs, (ni + 1) * n_procs)
    yield start, procs_path, PROCESSES_HEADER
    yield start, disk_path, DISK_HEADER
    used_disk = 30000.0
    memory = {w: 300.0 for w in workers}
    share = NODE_MEMORY_MB / n_procs
    killed_here = writes_kills(plan) and ni == plan.cfg.dead_node
    last_ps_minute: str | None = None
    next_ps = start
    t = start
    while t <= stop:
        rows = []
        usage = []
        for w in workers:
            busy = plan.worker_ready[w] <= t <= plan.t_end
            cpu = 70 + 30 * rng.random() if busy else rng.random()
            if killed_here:  # climbs to the node's limit by the kill (D1: check logs/perf)
                frac = (t - start) / max(1.0, plan.node_death[ni] - start)
                memory[w] = 300.0 + (0.97 * share - 300.0) * min(1.0, frac)
            elif busy:
                memory[w] = min(0.4 * share, memory[w] + 150 * rng.random())
            pct = 100 * memory[w] / NODE_MEMORY_MB
            proc = plan.procs[w % n_procs]
            pid = 100 + 37 * w  # streams.worker_pid: the pid its sys-log lines carry
            rows.append(f"{plain(t)},{proc},{pid},{cpu:.1f},{pct:.1f},{memory[w]:.1f}\n")
            usage.append((pid, cpu, pct, memory[w], proc))
        yield t, procs_path, "".join(rows)
        used_disk = min(DISK_MB, used_disk + 20 * rng.random())
        yield (
            t,
            disk_path,
            (
                f"{plain(t)},/dev/sdb1,{DISK_MB:.1f},{used_disk:.1f},{DISK_MB - used_disk:.1f},"
                f"{100 * used_disk / DISK_MB:.1f}\n"
            ),
        )
        at = stamps.at(t)
        minute = f"{at:%Y%m%d%H}/processes_{at:%M}"
        if t >= next_ps and minute != last_ps_minute:
            last_ps_minute, next_ps = minute, t + PS_EVERY
            lines = [
                PS_HEADER,
                f"root           1  0.0  0.0   1084     4 ?        Ss   {at:%H:%M}"
                "   0:00 /sbin/init\n",
            ]
            for pid, cpu, pct, mem, proc in usage:
                lines.append(
                    f"root      {pid:>6} {cpu:4.1f} {pct:4.1f} {int(mem * 1400):>7} "
                    f"{int(mem * 1024):>6} ?        Rl   {at:%H:%M}   0:00 "
                    f"python driver/amlbi_main.py --process_name {proc}\n"
                )
            yield t, f"{folder}/os/{minute}", "".join(lines)
        t += plan.cfg.perf_interval


def writes_kills(plan: Plan) -> bool:
    """A kill is written where the era has `logs/sys/node/<node>/` (D1) and the job has a
    dead node that died before the end."""
    cfg = plan.cfg
    return (
        cfg.oom_kill
        and cfg.dead_node is not None
        and plan.layout.proc_sys_log.startswith("logs/sys/node/")
        and plan.node_death[cfg.dead_node] <= plan.t_close
    )


def main_log(plan: Plan) -> Iterator[Record]:
    """The dead node's `_main.txt`: each of its workers killed (-9) when the node died."""
    ni = plan.cfg.dead_node or 0
    node = plan.nodes[ni]
    path = f"logs/sys/node/{node}/_main.txt"
    t = plan.node_death[ni]
    prefix = sys_prefix(
        plan.layout.sys_variant, "INFO", 42, 139967160071936, "ParallelRunStep", "run"
    )
    for i, proc in enumerate(plan.procs):
        at = t + 0.001 * i
        yield at, path, f"{plan.stamps.comma(at)}{prefix}{KILL_MESSAGE.format(proc=proc)}\n"


def build(plan: Plan) -> list[Iterator[Record]]:
    """The streams this module adds to build_streams()."""
    streams: list[Iterator[Record]] = []
    if writes_perf_folder(plan):
        streams += [perf_extras(plan, ni) for ni in range(plan.cfg.nodes)]
    if writes_kills(plan):
        streams.append(main_log(plan))
    return streams
