"""Render a `Plan` as streams of `(time, path, text)` records, one stream per writer.

A stream is what one writer in the real runtime appends: the master's overview, one worker
process's logs, one node's resource monitor. Each path belongs to exactly one stream and each
stream yields in time order, so `write_tree` can concatenate a stream per file while the live
simulator merges all streams by time and appends records as the simulated clock passes them;
both produce the same bytes.

Records are built with f-strings and yielded per line (or per multi-line record): at a million
mini-batches this is the hot path, so lookups are hoisted into locals.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

from batchtop.sim import perf
from batchtop.sim.config import STATUS_COMPLETED, STATUS_FAILED, STATUS_RUNNING
from batchtop.sim.engine import (
    EXCEPTION,
    OK,
    SCHEDULING_START,
    STATUS_TEXT,
    TIMEOUT,
    UNFINISHED,
    Plan,
)
from batchtop.sim.text import (
    ERROR_KINDS,
    README_TEXT,
    SYSTEM_EXIT_TRACEBACK,
    csv_field,
    duration,
    sys_prefix,
    traceback_lines,
)

Record = tuple[float, str, str]

REPORT_HEADER = (
    "Mini-batch Id,Picked Count,Process,Start Time,Total,Succeeded,Failed,Elapsed Seconds,"
    "Process Seconds,Run Method Seconds,Status,Error Category,Error Message,Mini-batch Detail\n"
)
TASKS_HEADER = (
    "Task Id,Ip Address,Process Id,Start Time,Total,Succeeded,Failed,Elapsed Seconds,"
    "Process Seconds,Run Method Seconds\n"
)
TASK_CSV_HEADER = (
    "Task Id,Dequeue Count,Start Time,Total,Succeeded,Failed,Elapsed Seconds,Process Seconds,"
    "Run Method Seconds,Status,Error\n"
)
PERF_HEADER = (
    "Utc Time,Cpu Percent,Memory Total (MB),Memory Available (MB),Memory Used (MB),"
    "Memory Used Percent,Disk Io Read Count,Disk Io Write Count,Disk Io Read (MB),"
    "Disk Io Write (MB),Network Sent (MB),Network Recv (MB),# of TCP Connections,"
    "# of UDP Connections\n"
)
METRICS_HEADER = (
    "Datetime,Total Tasks,Scheduled Tasks,Completed Tasks,Failed Tasks,Elapsed Time,"
    "Estimated Remaining Time\n"
)
OVERVIEW_TICK = 10.0
METRICS_TICK = 30.0
MASTER_PID = 42
NA6 = "N/A,N/A,N/A,N/A,N/A,N/A"  # the six numeric columns of a task.csv row without a task
THREAD_BASE = 139967160071936
TASK_DONE, TASK_EXCEPTION, TASK_TIMEOUT = (
    "ENTRY_SCRIPT_RUN_DONE",
    "ENTRY_SCRIPT_RUN_EXCEPTION",
    "ENTRY_SCRIPT_RUN_TIMEOUT",
)
"""The Status of a <proc>.task.csv row: the runtime's `ProgressStatus` enum names (I7, C2),
never plain RUN_DONE (that is processed_mini-batches.csv's spelling)."""


def worker_pid(w: int) -> int:
    """OS pid of worker w: in its sys-log lines and in 2020's processed_tasks.csv."""
    return 100 + 37 * w


def _dirs(plan: Plan) -> tuple[str, str]:
    """Working dir and site-packages as they appear in tracebacks of that era's compute."""
    run_id = f"{plan.cfg.seed:08x}-5a1e-4b7c-9d2e-7f3a{plan.cfg.seed % 100000000:08d}"
    if plan.cfg.era == "v2":
        wd = f"/mnt/azureml/cr/j/{run_id.replace('-', '')}/exe/wd"
        return wd, "/opt/miniconda/envs/scoring/lib/python3.10/site-packages"
    py = {"2019": "3.6", "2020": "3.7", "2021": "3.8", "2020-agent": "3.7"}[plan.cfg.era]
    wd = f"/mnt/batch/tasks/shared/LS_root/jobs/ws01/azureml/{run_id}/wd/azureml/{run_id}"
    return wd, f"/azureml-envs/azureml_{plan.cfg.seed:08x}/lib/python{py}/site-packages"


def _files_json(plan: Plan, mb: int, n: int) -> str:
    """The first (up to two) input files of a mini-batch as JSON list items (hot: inlined)."""
    base = mb * plan.cfg.items_per_batch
    if n >= 2:
        return f'"part-{base:07d}.csv", "part-{base + 1:07d}.csv"'
    return f'"part-{base:07d}.csv"'


# --------------------------------------------------------------------------- overview


def _overview_path(plan: Plan, t: float, cache: dict[object, str]) -> str:
    """Overview file of the day containing t: rotates daily (and stamps the first file's hour)."""
    day = plan.stamps.at(t).date()
    path = cache.get(day)
    if path is None:
        lay, start = plan.layout, plan.cfg.start
        if day == start.date():
            path = lay.overview_first.format(stamp=start.strftime("%Y%m%d%H"))
        else:
            path = lay.overview_next.format(stamp=f"{day:%Y%m%d}00", day=f"{day:%Y-%m-%d}")
        cache[day] = path
    return path


def overview_lines(plan: Plan) -> list[Record]:
    """The master's overview: start, scheduling, a progress tick every 10 s, the ending."""
    cfg, old = plan.cfg, plan.layout.old_wording
    n_mb, node0 = cfg.mini_batches, plan.nodes[0]
    sched_s = int(plan.sched_done - 1.0)
    items_total = plan.truth.items_total
    msgs: list[tuple[float, str]] = [
        (0.2, "Start scheduling." if old else "Start the simulator."),
        (2.0, f"The overviewer on {node0} started."),
    ]
    if plan.sched_done <= plan.t_end:
        if old:
            done = (
                f"Scheduling finished. Scheduled {n_mb} mini batches with {items_total} items "
                f"in {sched_s} seconds."
            )
        else:
            done = (
                f"Scheduling finished. Scheduled {n_mb} mini batches in {sched_s} seconds. "
                f"There are {n_mb} tasks with {items_total} items."
            )
        msgs.append((plan.sched_done, done))

    def progress(t: float, p: int) -> str:
        eta = t / p * (n_mb - p)
        word = "Estimate remaining" if old else "Estimated remaining time"
        return f"Processed {p} of {n_mb} mini batches in {duration(t)}. {word} {duration(eta)}."

    t = 12.0
    while t <= plan.t_end:
        p = plan.processed_at(t)
        if t < plan.sched_done:
            scheduled = plan.scheduled_at(t)
            if scheduled:
                msgs.append((t, f"Scheduled {scheduled} mini batches in {int(t - 1)} seconds."))
            if p:
                msgs.append((t, f"Processed {p} mini batches."))
        elif p == 0:
            msgs.append((t, "No task has been processed yet."))
        else:
            msgs.append((t, progress(t, p)))
        t += OVERVIEW_TICK
    end = plan.t_end
    if plan.status == STATUS_COMPLETED:
        all_done = f"All {n_mb} mini batches have been processed."
        workers = cfg.nodes * cfg.processes
        mb = plan.truth.items_succeeded * 0.0021
        msgs += [
            (end + 1.0, progress(end + 1.0, n_mb)),
            (end + 1.0, all_done),
            (end + 1.0, f"Progress update stopped for reasons: [{all_done!r}]."),
            (
                end + 3.0,
                f"There are {workers} temp files to concatenate. Total size is {mb:.2f} MB.",
            ),
            (end + 8.0, f"Finished concatenating {workers} files in 0:00:05."),
            (end + 10.0, f"The overviewer on {node0} stopped."),
        ]
    elif plan.status == STATUS_FAILED:
        msgs += [
            (end + 0.5, plan.verdict or ""),
            (end + 1.0, "Progress update stopped for reasons: ['Exceeded error threshold.']."),
            (end + 2.0, f"The overviewer on {node0} stopped."),
        ]
    msgs.sort(key=lambda m: m[0])
    cache: dict[object, str] = {}
    iso = plan.stamps.iso
    return [(t, _overview_path(plan, t, cache), f"{iso(t)} {msg}\n") for t, msg in msgs]


def overview_files(plan: Plan) -> list[str]:
    """Overview paths in the order they are started (more than one once midnight passes)."""
    seen: dict[str, None] = {}
    for _t, path, _text in overview_lines(plan):
        seen.setdefault(path, None)
    return list(seen)


# --------------------------------------------------------------------------- master and job files


def _master(plan: Plan) -> Iterator[Record]:
    cfg, lay, c = plan.cfg, plan.layout, plan.stamps.comma
    node0, path = plan.nodes[0], lay.master_log
    info = sys_prefix(lay.sys_variant, "INFO", MASTER_PID, THREAD_BASE, "master", "run")
    error = sys_prefix(lay.sys_variant, "ERROR", MASTER_PID, THREAD_BASE, "master", "run")
    lines = [
        (0.5, info, f"Start the master role on node {node0}."),
        (0.6, info, f"{node0}: setting job stage to SCHEDULING, reason: job started."),
    ]
    if plan.sched_done <= plan.t_end:
        sched_s = int(plan.sched_done - 1.0)
        msg = f"Scheduled {cfg.mini_batches} mini batches in {sched_s} seconds."
        lines.append((plan.sched_done, info, msg))
        lines.append(
            (plan.sched_done, info, f"{node0}: setting job stage to PROCESSING, reason: scheduled.")
        )
    if cfg.era == "2021":  # the 2021 runtime logged this noise after every run() timeout
        for idx in plan.finish_order:
            if plan.a_status[idx] == TIMEOUT:
                t = plan.a_end[idx] + 0.3
                if t <= plan.t_end:
                    attempt = (plan.a_mb[idx], plan.a_k[idx])
                    msg = f"Failed to set task visible because of {attempt}."
                    lines.append((t, error, msg))
    for ni, death in enumerate(plan.node_death):
        if death <= plan.t_end:
            lines.append((death + 0.5 * cfg.run_timeout, info, f"Node {plan.nodes[ni]} is lost."))
    if plan.status == STATUS_COMPLETED:
        reason = f"All {cfg.mini_batches} mini batches have been processed."
        msg = f"{node0}: setting job stage to FINISHED, reason: {reason}"
        lines.append((plan.t_end + 2.0, info, msg))
    elif plan.status == STATUS_FAILED:
        failed = f"The master role failed with error: {plan.verdict}"
        lines.append((plan.t_end + 1.0, error, failed))
        lines.append((plan.t_end + 1.0, info, f"{node0}: setting job stage to FAILED."))
    lines = [line for line in lines if line[0] <= plan.t_close]
    lines.sort(key=lambda x: x[0])
    for t, pre, msg in lines:
        yield t, path, f"{c(t)}{pre}{msg}\n"


def _report(plan: Plan) -> Iterator[Record]:
    """processed_mini-batches.csv (2021, v2) or processed_tasks.csv (2020): a row per attempt."""
    lay, iso = plan.layout, plan.stamps.iso
    path = lay.report_csv or ""
    tasks = lay.report_kind == "tasks"
    yield 1.0, path, TASKS_HEADER if tasks else REPORT_HEADER
    nodes, procs, per = plan.nodes, plan.procs, plan.cfg.processes
    a_mb, a_k, a_worker = plan.a_mb, plan.a_k, plan.a_worker
    a_start, a_end = plan.a_start, plan.a_end
    a_status, a_err, errors, items = plan.a_status, plan.a_err, plan.errors, plan.items
    timeout_msg = csv_field(f"run() unable to finish within {int(plan.cfg.run_timeout)} seconds.")
    for idx in plan.finish_order:
        mb, k, w = a_mb[idx], a_k[idx], a_worker[idx]
        s, e = a_start[idx], a_end[idx]
        n, st = items[mb], a_status[idx]
        node, proc = nodes[w // per], procs[w % per]
        el = e - s
        succ, fail = (n, 0) if st == OK else (0, n)
        if tasks:
            text = (
                f"{mb},{node},{worker_pid(w)},{iso(s)},{n},{succ},{fail},{el:.3f},{el * 0.93:.3f},"
                f"{el * 0.88:.3f}\n"
            )
            yield e, path, text
            continue
        if st == OK:
            cat, msg = "", ""
        elif st == TIMEOUT:
            cat, msg = "UserError", timeout_msg
        else:
            kind, text = errors[a_err[idx]]
            cat, msg = "UserError", csv_field(f"{ERROR_KINDS[kind][0]}: {text}")
        detail = (
            f'"{{""id"": {mb}, ""dequeue_count"": {k}, ""total"": {n}, ""files"": ['
            + _files_json(plan, mb, n).replace('"', '""')
            + ']}"'
        )
        text = (
            f"{mb},{k},{node}/{proc},{iso(s)},{n},{succ},{fail},{el:.3f},{el * 0.93:.3f},"
            f"{el * 0.88:.3f},{STATUS_TEXT[st]},{cat},{msg},{detail}\n"
        )
        yield e, path, text


def _error_records(plan: Plan) -> Iterator[tuple[int, str, str, list[str]]]:
    """(attempt, node, proc, traceback lines) of every finished exception attempt, in order."""
    wd, site = _dirs(plan)
    per = plan.cfg.processes
    for idx in plan.finish_order:
        if plan.a_status[idx] == EXCEPTION:
            w = plan.a_worker[idx]
            kind, text = plan.errors[plan.a_err[idx]]
            tb = traceback_lines(kind, text, wd, site, plan.cfg.era)
            yield idx, plan.nodes[w // per], plan.procs[w % per], tb


def _error_summary(plan: Plan) -> Iterator[Record]:
    """logs/user/error.txt: one line per failed run(), the user's quick index of errors."""
    path, iso = plan.layout.user_error_summary or "", plan.stamps.iso
    for idx, node, proc, tb in _error_records(plan):
        t = plan.a_end[idx]
        mb, k = plan.a_mb[idx], plan.a_k[idx]
        yield t, path, f"{iso(t)} {node} {proc}: mini batch {mb} (attempt {k}) failed: {tb[-1]}\n"


def _job_error(plan: Plan) -> Iterator[Record]:
    """v2 logs/job_error.txt: the real banner (I3), then one real-shaped record (I4) plus its
    traceback per failed run()."""
    path, iso = plan.layout.job_error or "", plan.stamps.iso
    text = (
        f"{iso(1.0)} This file shows errors in loading, calling init() and calling run() of the"
        " entry script. An error here may not impact the job result. Please check"
        ' "job_result.txt" for the job result.\n'
    )
    yield 1.0, path, text
    for idx, node, proc, tb in _error_records(plan):
        t = plan.a_end[idx]  # the attempt's own end: the same time as its CSV row
        mb = plan.a_mb[idx]
        head = f"{iso(t)} The {proc} on node {node} failed on mini batch {mb} with error: {tb[0]}\n"
        yield t, path, head + "\n".join(tb[1:]) + "\n"


def _job_result(plan: Plan) -> Iterator[Record]:
    path, iso = plan.layout.job_result or "", plan.stamps.iso
    t = plan.t_close - 0.5
    if plan.status == STATUS_COMPLETED:
        yield t, path, f"{iso(t)} All {plan.cfg.mini_batches} mini batches have been processed.\n"
        yield t, path, f"{iso(t)} The job completed successfully.\n"
    elif plan.status == STATUS_FAILED:
        yield t, path, f"{iso(t)} {plan.verdict}\n"
        text = (
            f"{iso(t)} Please check logs/job_error.txt for the errors. "
            "You can check logs/readme.txt for the layout of logs.\n"
        )
        yield t, path, text


def _metrics(plan: Plan) -> Iterator[Record]:
    """v2 logs/sys/metrics/<sub>/progress.csv: the runtime's counters every 30 s."""
    path, plain, n_mb = plan.layout.metrics_csv or "", plan.stamps.plain, plan.cfg.mini_batches
    yield 1.0, path, METRICS_HEADER
    times = []
    t = METRICS_TICK
    while t <= plan.t_end:
        times.append(t)
        t += METRICS_TICK
    if plan.status != STATUS_RUNNING:
        times.append(plan.t_close - 1.0)
    for t in times:
        p = plan.processed_at(t)
        failed = p - plan.succeeded_at(t)
        total = str(n_mb) if t >= plan.sched_done else "N/A"
        eta = duration(t / p * (n_mb - p)) if p else "N/A"
        scheduled = plan.scheduled_at(t)
        text = f"{plain(t)},{total},{scheduled},{p},{failed},{duration(t)},{eta}\n"
        yield t, path, text


def _readme(plan: Plan) -> Iterator[Record]:
    yield 0.0, "logs/readme.txt", plan.layout.readme or README_TEXT


# --------------------------------------------------------------------------- per worker


def _worker(plan: Plan, w: int) -> Iterator[Record]:  # noqa: C901 - one process, one loop
    """Everything one worker process writes: sys log, user logs, its task CSV (old eras)."""
    cfg, lay, st = plan.cfg, plan.layout, plan.stamps
    c, iso = st.comma, st.iso
    ni, pi = divmod(w, cfg.processes)
    node, proc = plan.nodes[ni], plan.procs[pi]
    pid, thread = worker_pid(w), THREAD_BASE + 4096 * (w + 1)
    names = {"node": node, "proc": proc}
    sys_path = lay.proc_sys_log.format(**names)
    log_path = lay.user_log.format(**names)
    out_path = lay.user_stdout.format(**names) if lay.user_stdout else log_path
    stderr_path = lay.user_stderr.format(**names) if lay.user_stderr else None
    err_path = lay.user_error.format(**names)
    task_path = lay.task_csv.format(**names) if lay.task_csv else None
    v = lay.sys_variant
    info = sys_prefix(v, "INFO", pid, thread, "worker", "process_mini_batch")
    warn = sys_prefix(v, "ERROR", pid, thread, "worker", "check_timeout")  # ERROR as in I1
    error = sys_prefix(v, "ERROR", pid, thread, "worker", "handle_error")
    user_err = f"|ERROR|{pid}|{thread}|"
    wd, site = _dirs(plan)
    limit = min(plan.t_end, plan.node_death[ni])
    timeout_s = int(cfg.run_timeout)
    ipb = cfg.items_per_batch

    t0 = plan.node_start[ni] + 0.2 + 0.1 * pi
    yield t0, sys_path, f"{c(t0)}{info}Setting job stage to INIT.\n"
    yield t0, sys_path, f"{c(t0)}{info}Start worker {proc} on node {node}, pid {pid}.\n"
    if task_path:
        yield t0, task_path, TASK_CSV_HEADER
        yield t0, task_path, f"N/A,N/A,{iso(t0)},{NA6},ENTRY_SCRIPT_INIT_START,\n"
    if stderr_path:
        text = (
            f"{site}/sklearn/base.py:329: UserWarning: Trying to unpickle estimator "
            "StandardScaler from version 1.0.2 when using version 1.2.2.\n  warnings.warn(\n"
        )
        yield t0 + 1.0, stderr_path, text
    yield t0 + 1.0, out_path, "Loading model from /mnt/azureml/models/model.pkl\n"
    ready = plan.worker_ready[w]
    noise = "stderr: terminate called without an active exception"
    yield ready, sys_path, f"{c(ready)}{error}{noise}\n"
    yield ready, sys_path, f"{c(ready)}{info}init() finished in {ready - t0:.3f} seconds.\n"
    yield ready, log_path, f"{c(ready)} - score - INFO - init() done, model loaded.\n"
    if task_path:
        yield ready, task_path, f"N/A,N/A,{iso(ready)},{NA6},ENTRY_SCRIPT_INIT_DONE,\n"
    yield ready, sys_path, f"{c(ready)}{info}Setting job stage to RUNNING.\n"

    a_mb, a_k, a_start, a_end = plan.a_mb, plan.a_k, plan.a_start, plan.a_end
    a_status, a_err, errors, items = plan.a_status, plan.a_err, plan.errors, plan.items
    done = 0
    for idx in plan.worker_attempts[w]:
        s = a_start[idx]
        if s > limit:
            break
        mb, k = a_mb[idx], a_k[idx]
        n = items[mb]
        text = (
            f'{c(s)}{info}Start processing mini batch {{"id": {mb}, "dequeue_count": {k}, '
            f'"total": {n}}}.\n'
        )
        yield s, sys_path, text
        yield s, out_path, f"run() got {n} files, first: part-{mb * ipb:07d}.csv\n"
        status = a_status[idx]
        if status == UNFINISHED:
            continue
        e = a_end[idx]
        el = e - s
        ce = c(e)
        if status == OK:
            text = (
                f'{ce}{info}Processed mini batch {{"id": {mb}, "dequeue_count": {k}, '
                f'"total": {n}, "succeeded": {n}, "failed": 0, "elapsed_seconds": {el:.3f}}}.\n'
            )
            yield e, sys_path, text
            yield e, log_path, f"{ce} - score - INFO - Scored {n} items in {el:.2f} seconds.\n"
            row_tail = f"{n},{n},0,{el:.3f},{el * 0.93:.3f},{el * 0.88:.3f},{TASK_DONE},"
        elif status == TIMEOUT:
            text = (
                f"{ce}{warn}Stop for run() unable to finish within {timeout_s} seconds for "
                f'{{"agent": "{proc}", "task_id": {mb}, "dequeue_count": {k}, "total": {n}, '
                f'"succeeded": 0, "method": "run", "exc_type": ""}}\n'
            )
            yield e, sys_path, text
            row_tail = f"{n},0,{n},{el:.3f},{el * 0.93:.3f},{el * 0.88:.3f},{TASK_TIMEOUT},"
        else:
            kind, text = errors[a_err[idx]]
            exc = ERROR_KINDS[kind][0]
            tb = "\n".join(traceback_lines(kind, text, wd, site, cfg.era))
            text = (
                f'{ce}{error}Failed to process {{"id": {mb}, "dequeue_count": {k}, '
                f'"minibatch": [{_files_json(plan, mb, n)}], "total": {n}}} with error '
                f"{exc}: {text}\n{tb}\n"
            )
            yield e, sys_path, text
            text = (
                f'{ce}{user_err}run() raised an exception for mini batch {{"id": {mb}, '
                f'"dequeue_count": {k}}}.\n{tb}\n'
            )
            yield e, err_path, text
            yield e, log_path, f"{ce} - score - ERROR - Scoring failed: {exc}: {text}\n"
            row_tail = (
                f"{n},0,{n},{el:.3f},{el * 0.93:.3f},{el * 0.88:.3f},{TASK_EXCEPTION},"
                + csv_field(f"{exc}: {text}")
            )
        if task_path:
            yield e, task_path, f"{mb},{k},{iso(s)},{row_tail}\n"
        done += 1
        if done % 5 == 0:
            text = (
                f"{ce}{info}Save checkpoint for folder {proc}, offset {done}, task_id {mb}, "
                f"total_items {n}, finished=True.\n"
            )
            yield e, sys_path, text
    if plan.status != STATUS_RUNNING and plan.node_death[ni] > plan.t_end:
        t = plan.t_end + 2.0 + 0.01 * w
        stage = "FINISHED" if plan.status == STATUS_COMPLETED else "STOPPED"
        yield t, sys_path, f"{c(t)}{info}Setting job stage to {stage}.\n"
        yield t, sys_path, f"{c(t)}{info}Worker {proc} exits.\n"


# --------------------------------------------------------------------------- per node


def _perf(plan: Plan, ni: int) -> Iterator[Record]:
    """A node's resource monitor: cumulative disk/network MB, every perf_interval seconds."""
    node = plan.nodes[ni]
    path = plan.layout.perf_csv.format(node=node)
    rng = random.Random(plan.cfg.seed * 7919 + ni)
    plain = plan.stamps.plain
    start = plan.node_start[ni]
    stop = min(plan.t_close, plan.node_death[ni])
    first_ready = plan.worker_ready[ni * plan.cfg.processes]
    yield start, path, PERF_HEADER
    total = 16384.0
    reads = writes = 0
    read_mb = write_mb = sent = recv = 0.0
    t = start
    while t <= stop:
        busy = first_ready <= t <= plan.t_end
        cpu = 55 + 40 * rng.random() if busy else 2 + 6 * rng.random()
        used = (7000.0 if busy else 2500.0) + 800 * rng.random()
        reads += rng.randint(50, 900)
        writes += rng.randint(20, 300)
        read_mb += 5 + 50 * rng.random() * busy
        write_mb += 1 + 8 * rng.random()
        sent += 0.5 + 4 * rng.random()
        recv += 2 + 30 * rng.random() * busy
        text = (
            f"{plain(t)},{cpu:.1f},{total:.1f},{total - used:.1f},{used:.1f},"
            f"{used / total * 100:.1f},{reads},{writes},{read_mb:.2f},{write_mb:.2f},{sent:.2f},"
            f"{recv:.2f},{rng.randint(30, 60)},{rng.randint(2, 5)}\n"
        )
        yield t, path, text
        t += plan.cfg.perf_interval


def _driver(plan: Plan, ni: int) -> Iterator[Record]:
    """70_driver_log.txt (v1, node 0) or user_logs/std_log_<rank>.txt (v2, every node)."""
    cfg, b = plan.cfg, plan.stamps.bracket
    node = plan.nodes[ni]
    path = plan.layout.driver_log.format(i=ni)
    death = plan.node_death[ni]
    t = max(0.0, plan.node_start[ni] - 5.0)
    yield t, path, f"{b(t)} Azure Machine Learning Batch Inference Start\n"
    t += 0.1
    text = (
        f"{b(t)} Entry script: score.py, mini_batch_size: {cfg.items_per_batch}, "
        f"error_threshold: {cfg.error_threshold}, node: {node}\n"
    )
    yield t, path, text
    t = plan.node_start[ni]
    yield t, path, f"{b(t)} Start {cfg.processes} worker processes on node {node}.\n"
    if death <= plan.t_end or plan.status == STATUS_RUNNING:
        return
    if plan.status == STATUS_COMPLETED:
        t = plan.t_end + 11.0
        yield t, path, f"{b(t)} Azure Machine Learning Batch Inference End\n"
    else:
        t = plan.t_end + 3.0
        yield t, path, f"{b(t)} {plan.verdict}\n" + "\n".join(SYSTEM_EXIT_TRACEBACK) + "\n"


def build_streams(plan: Plan) -> list[Iterator[Record]]:
    """All writers of this era's tree; each path is written by exactly one of them."""
    lay = plan.layout
    streams: list[Iterator[Record]] = [
        _readme(plan),
        iter(overview_lines(plan)),
        _master(plan),
    ]
    if lay.report_csv:
        streams.append(_report(plan))
    if lay.user_error_summary:
        streams.append(_error_summary(plan))
    if lay.job_error:
        streams.append(_job_error(plan))
    if lay.job_result:
        streams.append(_job_result(plan))
    if lay.metrics_csv:
        streams.append(_metrics(plan))
    streams += [_worker(plan, w) for w in range(plan.cfg.nodes * plan.cfg.processes)]
    streams += [_perf(plan, ni) for ni in range(plan.cfg.nodes)]
    drivers = range(plan.cfg.nodes) if lay.driver_per_node else range(1)
    streams += [_driver(plan, ni) for ni in drivers]
    streams += perf.build(plan)  # per-process/disk/ps perf files and _main.txt kills
    return streams


__all__ = ["Record", "build_streams", "overview_files", "overview_lines", "SCHEDULING_START"]
