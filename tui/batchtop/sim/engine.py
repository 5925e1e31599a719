"""The discrete-event simulation of a batch job: who processed which mini-batch, when, how.

The result (`Plan`) is a columnar list of attempts plus the job's decisive times. Files are
rendered from it afterwards (sim/streams.py), either all at once or incrementally, so a live
run and a one-shot tree are byte-for-byte the same job. The ground truth is counted here while
events happen, in time order, from the same decisions that the files will show.
"""

from __future__ import annotations

import heapq
import math
import random
from array import array
from bisect import bisect_right
from dataclasses import dataclass, field

from batchtop.sim.config import (
    STATUS_COMPLETED,
    STATUS_FAILED,
    STATUS_RUNNING,
    GroundTruth,
    ProcessTruth,
    SimConfig,
)
from batchtop.sim.text import (
    ERROR_WEIGHTS,
    LAYOUTS,
    Layout,
    Stamps,
    error_key,
    error_message,
    node_names,
)

OK, EXCEPTION, TIMEOUT, UNFINISHED = 0, 1, 2, 3
STATUS_TEXT = ("RUN_DONE", "RUN_EXCEPTION", "RUN_TIMEOUT", "")

OOM_GROUP = "killed (signal <n>), likely out of memory"
"""The error group of a worker's out-of-memory kill, as batchtop groups it (sim/perf.py)."""
SCHEDULING_START = 16.0  # listing the input takes a while before the first mini-batch exists
SCHEDULING_RATE = 400.0  # mini-batches per second, as the formats guide reports
RETRY_DELAY = 1.0  # a failed mini-batch becomes visible in the queue again after this
PICK_GAP = 0.05  # worker overhead between two mini-batches
INIT_SECONDS = 3.0


@dataclass(frozen=True)
class StepTruth:
    """Counts a correct reader of the tree must show at one moment of a live run."""

    processed: int
    succeeded: int
    failed: int
    retried: int
    items_succeeded: int
    items_failed: int
    processes: dict[tuple[str, str], tuple[int, int]]
    """(node, process) -> (finished attempts, failed ones)."""


@dataclass
class Plan:
    """Everything the renderers need: config, names, attempts (columnar) and key times.

    Times are simulated seconds since `cfg.start`. `t_end` is the decisive moment (last attempt
    finished, threshold exceeded, or the snapshot cut); `t_close` the last line of the tree.
    """

    cfg: SimConfig
    layout: Layout
    stamps: Stamps
    nodes: list[str]
    procs: list[str]
    items: list[int]
    a_mb: array
    a_k: array
    a_worker: array
    a_start: array
    a_end: array
    a_status: array
    a_err: array
    errors: list[tuple[int, str]]
    worker_attempts: list[list[int]]
    finish_order: list[int]
    first_finish: list[float]
    first_success: list[float]
    worker_ready: list[float]
    node_start: list[float]
    node_death: list[float]
    sched_done: float
    t_end: float
    t_close: float
    status: str
    verdict: str | None
    items_failed_at_end: int
    truth: GroundTruth = field(repr=False)

    def scheduled_at(self, t: float) -> int:
        """Mini-batches created by the scheduler up to simulated time t."""
        if t < SCHEDULING_START:
            return 0
        return min(len(self.items), int((t - SCHEDULING_START) * SCHEDULING_RATE))

    def processed_at(self, t: float) -> int:
        return bisect_right(self.first_finish, t)

    def succeeded_at(self, t: float) -> int:
        return bisect_right(self.first_success, t)

    def truth_at(self, t: float) -> StepTruth:
        """The ground truth of the tree as written up to simulated time t (what a live
        follower must show after `LiveSimulator.advance_to(t)`), recounted from the attempt
        list: every attempt's records are written at its end time."""
        per = self.cfg.processes
        tries: dict[int, int] = {}
        ok: set[int] = set()
        procs: dict[tuple[str, str], list[int]] = {}
        for idx in self.finish_order:  # in finishing order
            if self.a_end[idx] > t:
                break
            mb, w = self.a_mb[idx], self.a_worker[idx]
            tries[mb] = tries.get(mb, 0) + 1
            done = self.a_status[idx] == OK
            if done:
                ok.add(mb)
            counts = procs.setdefault((self.nodes[w // per], self.procs[w % per]), [0, 0])
            counts[0] += 1
            counts[1] += not done
        failed = [mb for mb in tries if mb not in ok]
        return StepTruth(
            processed=len(tries),
            succeeded=len(ok),
            failed=len(failed),
            retried=sum(1 for n in tries.values() if n > 1),
            items_succeeded=sum(self.items[mb] for mb in ok),
            items_failed=sum(self.items[mb] for mb in failed),
            processes={key: (n, f) for key, (n, f) in procs.items()},
        )


def _items(cfg: SimConfig, rng: random.Random) -> list[int]:
    """Items per mini-batch: mostly full; about 10% smaller, as uneven input files make them."""
    n, ipb = cfg.mini_batches, cfg.items_per_batch
    items = [ipb] * n
    if ipb > 1:
        for i in rng.sample(range(n), n // 10):
            items[i] = rng.randint(1, ipb)
    return items


def simulate(cfg: SimConfig) -> Plan:  # noqa: C901 - one event loop reads best in one piece
    """Run the job's event loop (workers pick, finish, fail, retry) and count the truth."""
    rng = random.Random(cfg.seed)
    layout = LAYOUTS[cfg.era]
    nodes = node_names(cfg.era, cfg.nodes)
    procs = [layout.proc_name(i) for i in range(cfg.processes)]
    items = _items(cfg, rng)
    n_mb = cfg.mini_batches
    n_workers = cfg.nodes * cfg.processes
    node_start = [SCHEDULING_START - 10.0 + 0.7 * n for n in range(cfg.nodes)]
    worker_ready = [
        node_start[w // cfg.processes] + INIT_SECONDS + 0.1 * (w % cfg.processes)
        for w in range(n_workers)
    ]

    a_mb, a_k, a_worker = array("l"), array("l"), array("l")
    a_start, a_end = array("d"), array("d")
    a_status, a_err = array("b"), array("l")
    errors: list[tuple[int, str]] = []
    worker_attempts: list[list[int]] = [[] for _ in range(n_workers)]
    finish_order: list[int] = []
    first_finish: list[float] = []
    first_success: list[float] = []

    finished_count = [0] * n_mb  # finished attempts per mini-batch
    succeeded = bytearray(n_mb)
    failed_now = bytearray(n_mb)
    per_worker = [[0, 0] for _ in range(n_workers)]
    groups: dict[str, int] = {}
    items_failed = 0
    timeouts = 0

    fail_cut = cfg.failure_rate + cfg.timeout_rate
    cum_weights = [sum(ERROR_WEIGHTS[: i + 1]) for i in range(len(ERROR_WEIGHTS))]
    mb_s, run_timeout = cfg.mb_seconds, cfg.run_timeout
    threshold = cfg.error_threshold
    cut_target = math.ceil(cfg.stop_at * n_mb) if cfg.stop_at < 1.0 else None
    dead_target = max(1, math.ceil(cfg.dead_at * n_mb)) if cfg.dead_node is not None else None
    dead_lo = (cfg.dead_node or 0) * cfg.processes
    dead_hi = dead_lo + cfg.processes
    node_death = [math.inf] * cfg.nodes

    events: list[tuple[float, int, int]] = [(worker_ready[w], w, -1) for w in range(n_workers)]
    heapq.heapify(events)
    retries: list[tuple[float, int, int, int]] = []
    retry_seq = 0
    next_init = 0
    idle: list[int] = []
    busy = [-1] * n_workers
    dead = bytearray(n_workers)
    status = STATUS_COMPLETED
    verdict: str | None = None
    t_end = 0.0

    def requeue(t: float, mb: int, k: int) -> None:
        nonlocal retry_seq
        retry_seq += 1
        heapq.heappush(retries, (t + RETRY_DELAY, retry_seq, mb, k))
        if idle:
            heapq.heappush(events, (t + RETRY_DELAY, idle.pop(), -1))

    def pick(w: int, t: float) -> None:
        nonlocal next_init
        init_avail = (
            SCHEDULING_START + (next_init + 1) / SCHEDULING_RATE if next_init < n_mb else math.inf
        )
        retry_avail = retries[0][0] if retries else math.inf
        if init_avail == math.inf and retry_avail == math.inf:
            idle.append(w)
            return
        if init_avail <= retry_avail:
            mb, k, avail = next_init, 1, init_avail
            next_init += 1
        else:
            avail, _, mb, k = heapq.heappop(retries)
        start = t if t > avail else avail
        r = rng.random()
        err = -1
        if r < cfg.timeout_rate:
            st, dur = TIMEOUT, run_timeout
        elif r < fail_cut:
            st = EXCEPTION
            dur = mb_s * (0.1 + 0.4 * rng.random())
            x = rng.random()
            kind = 0
            while kind < len(cum_weights) - 1 and x > cum_weights[kind]:
                kind += 1
            err = len(errors)
            item = f"part-{mb * cfg.items_per_batch:07d}.csv"
            errors.append((kind, error_message(kind, rng.random(), mb, item)))
        else:
            st, dur = OK, mb_s * (0.6 + 0.8 * rng.random())
        idx = len(a_mb)
        a_mb.append(mb)
        a_k.append(k)
        a_worker.append(w)
        a_start.append(start)
        a_end.append(start + dur)
        a_status.append(st)
        a_err.append(err)
        worker_attempts[w].append(idx)
        busy[w] = idx
        heapq.heappush(events, (start + dur, w, idx))

    while events:
        t, w, idx = heapq.heappop(events)
        if dead[w]:
            continue
        if idx < 0:
            pick(w, t)
            continue
        busy[w] = -1
        mb = a_mb[idx]
        st = a_status[idx]
        finish_order.append(idx)
        finished_count[mb] += 1
        pw = per_worker[w]
        pw[0] += 1
        if finished_count[mb] == 1:
            first_finish.append(t)
        if st == OK:
            if not succeeded[mb]:
                succeeded[mb] = 1
                first_success.append(t)
                if failed_now[mb]:
                    failed_now[mb] = 0
                    items_failed -= items[mb]
        else:
            pw[1] += 1
            if st == TIMEOUT:
                timeouts += 1
            else:
                key = error_key(errors[a_err[idx]][0])
                groups[key] = groups.get(key, 0) + 1
            if not succeeded[mb]:
                if not failed_now[mb]:
                    failed_now[mb] = 1
                    items_failed += items[mb]
                if a_k[idx] < cfg.max_attempts:
                    requeue(t, mb, a_k[idx] + 1)
        processed = len(first_finish)
        if threshold >= 0 and items_failed > threshold:
            status, t_end = STATUS_FAILED, t
            verdict = (
                f"The number of failed items is {items_failed}, "
                f"which exceeds error threshold {threshold}."
            )
            break
        if cut_target is not None and processed >= cut_target:
            status, t_end = STATUS_RUNNING, t
            break
        if dead_target is not None and processed >= dead_target and not dead[dead_lo]:
            node_death[cfg.dead_node or 0] = t
            for dw in range(dead_lo, dead_hi):
                dead[dw] = 1
                lost = busy[dw]
                if lost >= 0 and dw != w:
                    a_status[lost] = UNFINISHED
                    requeue(t, a_mb[lost], a_k[lost] + 1)
            if dead[w]:
                continue
        pick(w, t + PICK_GAP)

    for w in range(n_workers):  # attempts still in flight when the job stopped or was cut
        if busy[w] >= 0 and not dead[w]:
            a_status[busy[w]] = UNFINISHED
    if status == STATUS_COMPLETED:
        t_end = a_end[finish_order[-1]] if finish_order else 0.0
    t_close = t_end + {STATUS_COMPLETED: 12.0, STATUS_FAILED: 4.0, STATUS_RUNNING: 0.0}[status]
    sched_done = SCHEDULING_START + n_mb / SCHEDULING_RATE + 0.5

    if cfg.oom_kill and cfg.dead_node is not None and node_death[cfg.dead_node] <= t_close:
        if layout.proc_sys_log.startswith("logs/sys/node/"):  # _main.txt exists there (D1)
            groups[OOM_GROUP] = cfg.processes  # one kill per worker of the dead node
    stamps = Stamps(cfg.start)
    processed = len(first_finish)
    n_succeeded = len(first_success)
    truth = GroundTruth(
        era=cfg.era,
        status=status,
        verdict=verdict,
        total=n_mb,
        processed=processed,
        succeeded=n_succeeded,
        failed=processed - n_succeeded,
        retried=sum(1 for c in finished_count if c > 1),
        items_total=sum(items),
        items_succeeded=sum(n for n, s in zip(items, succeeded, strict=True) if s),
        items_failed=items_failed,
        attempts=len(finish_order),
        timeouts=timeouts,
        processes={
            node: {
                proc: ProcessTruth(*per_worker[ni * cfg.processes + pi])
                for pi, proc in enumerate(procs)
            }
            for ni, node in enumerate(nodes)
        },
        error_groups=groups,
        started=cfg.start,
        ended=stamps.at(t_close),
        dead_node=nodes[cfg.dead_node] if cfg.dead_node is not None else None,
        config=cfg,
    )
    return Plan(
        cfg=cfg,
        layout=layout,
        stamps=stamps,
        nodes=nodes,
        procs=procs,
        items=items,
        a_mb=a_mb,
        a_k=a_k,
        a_worker=a_worker,
        a_start=a_start,
        a_end=a_end,
        a_status=a_status,
        a_err=a_err,
        errors=errors,
        worker_attempts=worker_attempts,
        finish_order=finish_order,
        first_finish=first_finish,
        first_success=first_success,
        worker_ready=worker_ready,
        node_start=node_start,
        node_death=node_death,
        sched_done=sched_done,
        t_end=t_end,
        t_close=t_close,
        status=status,
        verdict=verdict,
        items_failed_at_end=items_failed,
        truth=truth,
    )
