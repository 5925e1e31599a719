"""Working / idle / stale / dead / ended, and stragglers: what a report adds on top of a Snapshot.

Liveness is judged on the job's own clock, never the wall clock: a process is silent for
`data_time - last_seen`, where `data_time` is the newest stamp the source has shown us. The wall
clock grows the same for every node, so mixing it in turned healthy nodes "dead" one after
another and then, once everything looked silent, hid the real dead node among the rest
(ux-review D2). Whether the *source* has gone quiet is a separate, job-wide fact (`View.quiet_for`),
said once in a header, never smeared over every node. So the states of a tree that does not
change never change either, whatever time it is.

The wall clock is still used for two header facts only: how old the newest data is (when the
data is live), and whether the tree was already old when it was opened ("opened later").

Thresholds are relative to the job's rhythm (seconds per mini-batch), because a job whose
mini-batches take 10 minutes each is not stale after one silent minute, and one taking 2 s is.
The rhythm comes from the best evidence there is (issue 16, U1), never from one sample:
- the median time per mini-batch of the processes that finished some, when at least
  `MIN_PACED` processes did (one failed attempt alone once made "stale" mean 2 h 36 min);
- else the job's own count over its elapsed time, spread over the processes that log:
  `elapsed x processes / processed` seconds per mini-batch per process (the overview's
  "2,602 processed in 40 min" by 48 processes is 44 s each);
- else nothing is known and the patience is `UNKNOWN_RHYTHM`.
Beside the rhythm, the peers' own signs of life: when at least `MIN_PEERS` other nodes are
talking, a node silent for `PEER_FACTOR` times the upper quartile of their silences is stale,
and `DEAD_FACTOR` times that is dead, whatever the wording of the lines (a tree whose worker
logs say nothing the parsers know still says *when* each node last spoke).

Dead stays dead (U4): a node that fell silent while its peers kept going is judged against
their newest sign of life, with the same thresholds whether or not the job has finished. So a
node that died ten minutes before the end is dead in the post-mortem too (screen, --json and
report alike); only processes of nodes that kept talking to the end become `ended`, and
those that wrote a normal end (`process000 exits with returncode 0.`, `_main.txt`), which are
`ended` from then on, finished or not.

A process killed by a signal (`_main.txt`: `process001 exits with returncode -9.`) and not
heard from again is `dead` on a fact, not a guess; `killed()` lists them for the header and
titles (`✖ 2/process001 killed (-9)`).

Everything here is pure, clock-injected and free of Textual, so --once/--json, tests and the TUI
derive the same states.
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
node: see `judge`; with everything silent nothing is called dead, only stale)."""
MIN_PACED = 3
"""Processes with finished mini-batches needed before their median pace is the job's rhythm."""
UNKNOWN_RHYTHM = STALE_FLOOR * 4
"""Patience while no rhythm is known (nothing finished, no count over time)."""
MIN_PEERS = 3
"""Other nodes that must be talking before a node is judged against them."""
PEER_FACTOR = 10.0
"""A node is stale after this many times the upper-quartile silence of its talking peers (their
own rhythm: a node with 4 workers on 44 s mini-batches speaks every ~11 s)."""
STRAGGLER_RATIO = 0.5
"""A process finishing mini-batches at less than this fraction of the median pace."""
OPENED_LATER_AFTER = 30 * 60.0
"""Newest data already this many wall seconds old when it reached us: the tree was opened after
the fact (a download, a copy), so "N s ago" and "no new data" mean nothing. A choice, not
evidence: Azure uploads logs within minutes, and a clock may be off by a few."""
CLOCK_SKEW = 120.0
"""Newest stamps up to this far in the future still count as "now" (the local clock may lag)."""
QUIET_SPELL = 5.0
"""A source that has read everything and then brought nothing for this long is quiet; one that
grows again after such a pause is followed live, so its tree was not "opened later"."""


@dataclass(frozen=True, slots=True)
class ProcessRow:
    view: ProcessView
    state: str
    silence: float | None
    """Log seconds between the process's last sign of life and the job's newest data (None when
    either is unknown)."""
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
    killed: tuple[str, ...] = ()
    """Its processes killed by a signal and not heard from again (`is_killed`): the node
    sorts first (U9)."""


@dataclass(frozen=True, slots=True)
class View:
    """One frame's worth of derived facts, computed once and read by every pane."""

    snapshot: Snapshot
    nodes: tuple[NodeRow, ...]
    stale_after: float
    data_age: float | None
    """Wall seconds between the newest data's own stamp and now: "(12s ago)". None when the
    source is not live, has no data, or its stamps are not on today's wall clock (a tree opened
    later, a simulated job)."""
    live: bool
    quiet_for: float | None = None
    """Wall seconds since the source last brought anything new (live sources only)."""
    opened_later: bool = False
    """A followed tree whose newest data was already old when read, and which has not grown
    since: it was opened after the fact, so say so instead of "N s ago" or "no new data"."""

    @property
    def data_stale(self) -> bool:
        """The whole source went quiet while the job still runs: worth one warning."""
        return (
            self.live
            and not self.opened_later
            and not self.snapshot.finished
            and self.quiet_for is not None
            and self.quiet_for > self.stale_after
        )


class Liveness:
    """Remembers when the source last brought new data: wall-clock facts for the header only.

    States never depend on it (see the module docstring)."""

    def __init__(self) -> None:
        self._version: int | None = None
        self._version_wall: float | None = None
        self._grew_after_quiet = False

    def observe(self, snapshot: Snapshot, wall_now: float) -> None:
        """Note what changed since the previous snapshot (call once per new snapshot)."""
        if snapshot.version != self._version:
            if self._version_wall is not None and wall_now - self._version_wall > QUIET_SPELL:
                self._grew_after_quiet = True  # new data after a pause: a source that grows
            self._version = snapshot.version
            self._version_wall = wall_now

    def data_age(self, wall_now: float) -> float | None:
        """Wall seconds since new data last arrived (the old name of `quiet_for`)."""
        return self.quiet_for(wall_now)

    def quiet_for(self, wall_now: float) -> float | None:
        return None if self._version_wall is None else max(0.0, wall_now - self._version_wall)

    def view(self, view: View, wall_now: float) -> View:
        """`view` with its wall-clock facts brought up to `wall_now` (states unchanged)."""
        return self._view(view.snapshot, view.nodes, view.stale_after, wall_now, view.live)

    def derive(self, snapshot: Snapshot, wall_now: float, live: bool) -> View:
        """States, silences and stragglers for every node and process of `snapshot`."""
        nodes, stale_after = judge(snapshot)
        return self._view(snapshot, nodes, stale_after, wall_now, live)

    def _view(
        self,
        snap: Snapshot,
        nodes: tuple[NodeRow, ...],
        stale_after: float,
        wall_now: float,
        live: bool,
    ) -> View:
        if not live:
            return View(snap, nodes, stale_after, None, False)
        quiet = self.quiet_for(wall_now)
        age = None if snap.data_time is None else wall_now - snap.data_time
        on_wall_clock = age is not None and -CLOCK_SKEW <= age <= OPENED_LATER_AFTER
        opened_later = (
            age is not None
            and not on_wall_clock
            and not self._grew_after_quiet
            and quiet is not None
            and quiet > QUIET_SPELL
        )
        return View(
            snap,
            nodes,
            stale_after,
            max(0.0, age) if on_wall_clock and age is not None else None,
            True,
            quiet,
            opened_later,
        )


def judge(snapshot: Snapshot) -> tuple[tuple[NodeRow, ...], float]:
    """States of every node and process, from the snapshot alone; and the stale threshold.

    A process is stale when its last sign of life lags the job's newest data by more than the
    threshold. A node whose every sign of life (perf rows too) lags the newest sign of life of
    its peers by more than the threshold is dead, and so are its processes: it stays dead when
    the others later go quiet too (they turn stale), and when the job ends (U4). A node far
    quieter than its talking peers is stale, or dead past `DEAD_FACTOR` times that (see the
    module docstring). A finished job's other processes are ended.
    """
    now = snapshot.data_time
    finished = snapshot.work_ended  # NotResponding: the nodes are still judged (status.STUCK)
    stale_after = stale_threshold(snapshot)
    dead_after = stale_after * DEAD_FACTOR
    paces = _paces(snapshot)

    def lag(last: float | None, ref: float | None) -> float | None:
        return None if ref is None or last is None else max(0.0, ref - last)

    node_silence = {n.name: lag(n.last_seen, now) for n in snapshot.nodes}
    # a node is dead when it fell silent while a peer kept going: judged against the newest
    # sign of life of any node, so when every node then goes quiet (the source, or the whole
    # job, stopped) the one that died first stays dead and the rest turn stale (D2). Stamps
    # that come after the workers' last work (the driver's end, concatenated outputs) belong
    # to no node, so a finished job is judged the same way as a running one (U4).
    peers = [n.last_seen for n in snapshot.nodes if n.last_seen is not None]
    peer_now = max(peers) if peers else None
    # a node whose processes are all known only from error records is not judged by silence
    judged = {
        n.name: lag(n.last_seen, peer_now)
        if not n.processes or any(p.judged_by_silence for p in n.processes)
        else None
        for n in snapshot.nodes
    }
    # the peer rule compares nodes by their workers' own logs: a node known only from perf
    # rows (every 10 minutes by default) has another cadence and is judged by the rhythm only
    talkers = {n.name for n in snapshot.nodes if any(p.judged_by_silence for p in n.processes)}
    peer_stale = peer_limit({name: s for name, s in judged.items() if name in talkers})
    alive_nodes = {name for name, s in judged.items() if s is not None and s <= stale_after}
    staged: list[tuple[NodeView, bool, list[tuple[ProcessView, str, float | None]]]] = []
    for node in snapshot.nodes:
        # a node whose every worker wrote a normal end finished its work: silent, not dead
        n_silence = None if _all_ended(node) else judged[node.name]
        peer = peer_stale if node.name in talkers else None
        node_dead = n_silence is not None and (
            (n_silence > stale_after and bool(alive_nodes - {node.name}))
            or (peer is not None and n_silence > DEAD_FACTOR * peer)
        )
        node_quiet = peer is not None and n_silence is not None and n_silence > peer
        # a lone process of a living node: dead only while other nodes are not all silent
        others_alive = any(
            s is not None and s <= stale_after for k, s in node_silence.items() if k != node.name
        )
        lone_dead_after = dead_after if others_alive else float("inf")
        procs = []
        for proc in node.processes:
            p_silence = lag(proc.last_seen, now)
            state = _process_state(
                proc, p_silence, stale_after, lone_dead_after, node_dead, finished
            )
            if node_quiet and state in (WORKING, IDLE):
                state = STALE  # its node is far quieter than its peers: so is each process
            procs.append((proc, state, p_silence))
        staged.append((node, node_dead, procs))
    # stragglers, judged against the pace of the living only
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
            # a node is as sick as its sickest process, but one dead worker beside living ones
            # (killed, silent) is that worker's state, not the machine's: the header must not
            # call a node dead while it still works
            alive = [s for s in states if s != DEAD] or states
            n_state = min(alive, key=STATE_RANK.__getitem__)
        elif finished:
            n_state = ENDED
        else:
            silent = node_silence[node.name]
            n_state = STALE if silent is not None and silent > stale_after else IDLE
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
                killed=tuple(p.name for p in node.processes if is_killed(p)),
            )
        )
    return tuple(rows), stale_after


def _all_ended(node: NodeView) -> bool:
    return bool(node.processes) and all(p.ended_normally for p in node.processes)


def peer_limit(silences: dict[str, float | None]) -> float | None:
    """Seconds of silence after which a node is far quieter than its peers: `PEER_FACTOR`
    times the upper quartile of the nodes' silences (against the newest sign of life of any
    node), at least `STALE_FLOOR`. None with fewer than `MIN_PEERS` + 1 judged nodes. The
    quartile is taken over every node, the outlier included: with at least four nodes one
    silent node moves it by one rank at most."""
    known = sorted(s for s in silences.values() if s is not None)
    if len(known) < MIN_PEERS + 1:
        return None
    upper = statistics.quantiles(known, n=4, method="inclusive")[2]
    return max(STALE_FLOOR, PEER_FACTOR * upper)


def is_killed(proc: ProcessView) -> bool:
    """Killed by a signal (a negative return code: -9 is SIGKILL, the out-of-memory kill) and
    not heard from again (`after_exit` dead)."""
    return proc.after_exit == "dead" and proc.exit_code is not None and proc.exit_code < 0


@dataclass(frozen=True, slots=True)
class Killed:
    """A worker the system killed and that never came back: trouble worth a header line."""

    node: str
    process: str
    code: int
    """The return code, e.g. -9."""

    @property
    def key(self) -> str:
        return f"{self.node}/{self.process}"

    @property
    def label(self) -> str:
        """`2/process001 killed (-9)`: the header's words for it."""
        return f"{self.key} killed ({self.code})"


def killed(nodes: tuple[NodeRow, ...]) -> tuple[Killed, ...]:
    """Every killed worker of the judged nodes, in the nodes' order: what the header names
    (`✖ 2/process001 killed (-9)`) and the Nodes title counts (`Nodes 3 (1 killed)`)."""
    return tuple(
        Killed(row.view.name, p.view.name, p.view.exit_code)
        for row in nodes
        for p in row.processes
        if is_killed(p.view) and p.view.exit_code is not None
    )


def states_of(snapshot: Snapshot) -> dict[str, tuple[str, dict[str, str]]]:
    """Node name -> (node state, {process name: process state}), for --once / --json."""
    return states_of_rows(judge(snapshot)[0])


def states_of_rows(nodes: tuple[NodeRow, ...]) -> dict[str, tuple[str, dict[str, str]]]:
    """`states_of` for rows already judged."""
    return {
        row.view.name: (row.state, {p.view.name: p.state for p in row.processes}) for row in nodes
    }


def _process_state(
    proc: ProcessView,
    silence: float | None,
    stale_after: float,
    dead_after: float,
    node_dead: bool,
    finished: bool,
) -> str:
    if proc.ended_normally:
        return ENDED  # `exits with returncode 0`: its work is done, whatever its node does
    if node_dead:
        return DEAD
    if proc.after_exit == "dead":
        # killed (e.g. `exits with returncode -9`, _main.txt) and never heard from again: a
        # fact from the logs, not a guess from silence, so it holds after the job ends too
        return DEAD
    if finished:
        return ENDED
    if not proc.judged_by_silence:
        return IDLE  # known only from error records: its silence is not evidence
    if silence is not None and silence > dead_after:
        return DEAD
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
    """The job's rhythm: median time one process spends per mini-batch, from per-process
    finishes when at least `MIN_PACED` processes have some; else the job's processed count
    over its elapsed time, spread over the processes that log; None when neither is known."""
    spans = []
    for node in snapshot.nodes:
        for proc in node.processes:
            if proc.processed > 0 and proc.first_seen is not None and proc.last_seen is not None:
                span = proc.last_seen - proc.first_seen
                if span > 0:
                    spans.append(span / proc.processed)
    if len(spans) >= MIN_PACED:
        return statistics.median(spans)
    return overall_seconds_per_batch(snapshot)


def overall_seconds_per_batch(snapshot: Snapshot) -> float | None:
    """`elapsed x processes / processed`: each logging process's share of the job's count over
    the job's elapsed time (the overview's `Processed 2602 of 4800` in 40 min by 48 processes
    is 44 s a mini-batch). None before anything is processed or while no process logs."""
    processed = snapshot.mini_batches.processed
    elapsed = snapshot.elapsed_seconds
    workers = sum(1 for n in snapshot.nodes for p in n.processes if p.judged_by_silence)
    if processed <= 0 or not elapsed or workers == 0:
        return None
    return elapsed * workers / processed


def stale_threshold(snapshot: Snapshot) -> float:
    """Seconds of silence after which a process (or the whole source) counts as stale."""
    per_batch = seconds_per_batch(snapshot)
    if per_batch is None:
        return UNKNOWN_RHYTHM  # no rhythm known yet (nothing finished): be patient
    return max(STALE_FLOOR, STALE_FACTOR * per_batch)
