"""Working / idle / stale / dead, and stragglers: what the view adds on top of a Snapshot.

The model knows log times; only the view knows how much *wall* time passed since a process last
changed. For a live source both matter: a process whose log time lags the job's newest line is
silent (`data_time - last_seen`), and a whole job whose files stopped growing is silent too,
which only the wall clock shows. For a finished job, or a tree opened after the fact, the wall
clock means nothing and the job's own newest timestamp (`data_time`) is "now".

Thresholds are relative to the job's rhythm (seconds per mini-batch), because a job whose
mini-batches take 10 minutes each is not stale after one silent minute, and one taking 2 s is.
Everything here is pure and clock-injected, so tests and screenshots are deterministic.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from batchtop.snapshot import NodeView, ProcessView, Snapshot

WORKING, IDLE, STALE, DEAD, ENDED = "working", "idle", "stale", "dead", "ended"
STATE_RANK = {DEAD: 0, STALE: 1, WORKING: 2, IDLE: 3, ENDED: 4}
"""Worst first: a node shows its worst process state, and sorting by state surfaces trouble."""

STALE_FLOOR = 30.0
"""Never call a process stale after less than this many seconds of silence."""
STALE_FACTOR = 4.0
"""Stale after this many typical mini-batch durations of silence."""
DEAD_FACTOR = 5.0
"""A lone process is dead after this many stale periods while other nodes still work (a whole
node: see `derive`; with everything silent nothing is called dead, only stale)."""
STRAGGLER_RATIO = 0.5
"""A process finishing mini-batches at less than this fraction of the median pace."""


@dataclass(frozen=True, slots=True)
class ProcessRow:
    view: ProcessView
    state: str
    silence: float | None
    """Seconds since the process last did anything (None when it never said when)."""
    straggler: bool


@dataclass(frozen=True, slots=True)
class NodeRow:
    view: NodeView
    state: str
    silence: float | None
    processes: tuple[ProcessRow, ...]
    done: int
    failed: int
    busy: int
    """Processes working on a mini-batch right now."""
    stragglers: int


@dataclass(frozen=True, slots=True)
class View:
    """One frame's worth of derived facts, computed once and read by every pane."""

    snapshot: Snapshot
    nodes: tuple[NodeRow, ...]
    stale_after: float
    data_age: float | None
    """Wall seconds since new data last arrived (live sources only)."""
    live: bool

    @property
    def data_stale(self) -> bool:
        """The whole source went quiet while the job still runs: worth a warning."""
        return (
            self.live
            and not self.snapshot.finished
            and self.data_age is not None
            and self.data_age > self.stale_after
        )


class Liveness:
    """Remembers, per process and node, the wall time its log time last moved forward."""

    def __init__(self) -> None:
        self._seen: dict[str, tuple[float | None, float]] = {}
        self._version: int | None = None
        self._version_wall: float | None = None

    def observe(self, snapshot: Snapshot, wall_now: float) -> None:
        """Note what changed since the previous snapshot (call once per new snapshot)."""
        if snapshot.version != self._version:
            self._version = snapshot.version
            self._version_wall = wall_now
        seen = self._seen
        for node in snapshot.nodes:
            self._note(seen, "\0" + node.name, node.last_seen, wall_now)
            for proc in node.processes:
                self._note(seen, proc.key, proc.last_seen, wall_now)

    @staticmethod
    def _note(
        seen: dict[str, tuple[float | None, float]], key: str, last: float | None, wall: float
    ) -> None:
        old = seen.get(key)
        if old is None or old[0] != last:
            seen[key] = (last, wall)

    def wall_silence(self, key: str, wall_now: float) -> float | None:
        entry = self._seen.get(key)
        return None if entry is None else max(0.0, wall_now - entry[1])

    def data_age(self, wall_now: float) -> float | None:
        return None if self._version_wall is None else max(0.0, wall_now - self._version_wall)

    def derive(self, snapshot: Snapshot, wall_now: float, live: bool) -> View:
        """States, silences and stragglers for every node and process of `snapshot`."""
        use_wall = live and not snapshot.finished
        now = snapshot.data_time
        stale_after = stale_threshold(snapshot)
        dead_after = stale_after * DEAD_FACTOR
        paces = _paces(snapshot)

        def silence(key: str, last: float | None) -> float | None:
            data = None if now is None or last is None else max(0.0, now - last)
            wall = self.wall_silence(key, wall_now) if use_wall else None
            if data is None:
                return wall
            return data if wall is None else max(data, wall)

        node_silence = {n.name: silence("\0" + n.name, n.last_seen) for n in snapshot.nodes}
        alive_nodes = {
            name for name, s in node_silence.items() if s is not None and s <= stale_after
        }
        # first pass: states; a whole node silent (perf CSV too) while another node keeps
        # going is gone, not merely slow
        staged: list[tuple[NodeView, bool, list[tuple[ProcessView, str, float | None]]]] = []
        for node in snapshot.nodes:
            n_silence = node_silence[node.name]
            node_dead = (
                n_silence is not None
                and n_silence > stale_after
                and bool(alive_nodes - {node.name})
            )
            procs = []
            # with every node silent the source, not the job, may have stopped: say stale
            lone_dead_after = dead_after if alive_nodes else float("inf")
            for proc in node.processes:
                p_silence = silence(proc.key, proc.last_seen)
                state = _process_state(
                    proc, p_silence, stale_after, lone_dead_after, node_dead, snapshot.finished
                )
                procs.append((proc, state, p_silence))
            staged.append((node, node_dead, procs))
        # second pass: stragglers, judged against the pace of the living only
        living = [
            paces[p.key]
            for _, _, procs in staged
            for p, state, _ in procs
            if state != DEAD and p.key in paces
        ]
        median_pace = statistics.median(living) if len(living) >= 3 else None
        rows = []
        for node, node_dead, procs in staged:
            prow = tuple(
                ProcessRow(
                    proc,
                    state,
                    p_silence,
                    median_pace is not None
                    and state not in (DEAD, ENDED)
                    and paces.get(proc.key, median_pace) < STRAGGLER_RATIO * median_pace,
                )
                for proc, state, p_silence in procs
            )
            states = [p.state for p in prow]
            if node_dead:
                n_state = DEAD
            elif states:
                n_state = min(states, key=STATE_RANK.__getitem__)
            else:
                n_state = ENDED if snapshot.finished else IDLE
            rows.append(
                NodeRow(
                    view=node,
                    state=n_state,
                    silence=node_silence[node.name],
                    processes=prow,
                    done=sum(p.processed for p in node.processes),
                    failed=sum(p.failed for p in node.processes),
                    busy=sum(1 for p in prow if p.state == WORKING),
                    stragglers=sum(1 for p in prow if p.straggler),
                )
            )
        return View(
            snapshot=snapshot,
            nodes=tuple(rows),
            stale_after=stale_after,
            data_age=self.data_age(wall_now) if live else None,
            live=live,
        )


def _process_state(
    proc: ProcessView,
    silence: float | None,
    stale_after: float,
    dead_after: float,
    node_dead: bool,
    finished: bool,
) -> str:
    if node_dead or (silence is not None and silence > dead_after and not finished):
        return DEAD
    if finished:
        return ENDED
    if silence is not None and silence > stale_after:
        return STALE
    return WORKING if proc.current is not None else IDLE


def _paces(snapshot: Snapshot) -> dict[str, float]:
    """Mini-batches per second of each process that has finished at least one."""
    now = snapshot.data_time
    paces = {}
    for node in snapshot.nodes:
        for proc in node.processes:
            if proc.processed <= 0 or proc.first_seen is None:
                continue
            end = now if now is not None else proc.last_seen
            if end is None:
                continue
            span = end - proc.first_seen
            if span > 0:
                paces[proc.key] = proc.processed / span
    return paces


def seconds_per_batch(snapshot: Snapshot) -> float | None:
    """The job's rhythm: median time one process spends per mini-batch."""
    spans = []
    for node in snapshot.nodes:
        for proc in node.processes:
            if proc.processed > 0 and proc.first_seen is not None and proc.last_seen is not None:
                span = proc.last_seen - proc.first_seen
                if span > 0:
                    spans.append(span / proc.processed)
    return statistics.median(spans) if spans else None


def stale_threshold(snapshot: Snapshot) -> float:
    """Seconds of silence after which a process (or the whole source) counts as stale."""
    per_batch = seconds_per_batch(snapshot)
    if per_batch is None:
        return STALE_FLOOR * 4  # no rhythm known yet (nothing finished): be patient
    return max(STALE_FLOOR, STALE_FACTOR * per_batch)
