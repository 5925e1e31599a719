"""Trouble ranking (app/trouble.py): which nodes lead the screen, and what counts as failing."""

from __future__ import annotations

from batchtop.app.header_bar import node_alarm
from batchtop.app.liveness import DEAD, ENDED, STALE, WORKING, NodeRow, ProcessRow
from batchtop.app.trouble import (
    Spotlight,
    count_trouble,
    failing_nodes,
    killed_words,
    row_quiet,
    trouble_order,
)
from batchtop.snapshot import NodeView, ProcessView


def node(
    name: str,
    state: str = WORKING,
    done: int = 100,
    failed: int = 3,
    silence: float = 1.0,
    slow: int = 0,
) -> NodeRow:
    view = NodeView(name=name, processes=(), last_seen=None)
    return NodeRow(
        view=view,
        state=state,
        silence=silence,
        processes=(),
        done=done,
        failed=failed,
        busy=0,
        stragglers=slow,
    )


def test_noise_is_not_failing_but_a_real_excess_is():
    # 3 % failures everywhere: ordinary noise, no node singled out
    nodes = tuple(node(str(i), done=100, failed=3) for i in range(10))
    assert failing_nodes(nodes) == set()
    # one node failing 20 % of its tries while the job fails about 3 %: failing
    hot = nodes[:9] + (node("9", done=80, failed=20),)
    assert failing_nodes(hot) == {"9"}
    # a small excess in absolute numbers is not enough
    assert failing_nodes(nodes[:9] + (node("9", done=100, failed=6),)) == set()


def test_order_is_dead_stale_failing_slow_working_ended_and_counts_say_so():
    nodes = (
        node("a", ENDED),
        node("b"),
        node("c", slow=1),
        node("d", done=80, failed=20),
        node("e", STALE, silence=40),
        node("f", STALE, silence=90),
        node("g", DEAD, silence=300),
        *(node(f"w{i}") for i in range(8)),
    )
    order = [n.view.name for n in trouble_order(nodes)]
    assert order[:5] == ["g", "e", "f", "d", "c"]  # natural order within a rank: rows stay put
    assert order[5:] == ["b", *(f"w{i}" for i in range(8)), "a"]  # healthy: natural order
    found = count_trouble(nodes)
    assert (found.dead, found.stale, found.failing, found.slow) == (1, 2, 1, 1)
    assert found.worst is not None and found.worst.view.name == "g"
    assert found.words() == "1 dead, 2 stale, 1 failing, 1 slow"


def proc_row(
    name: str, state: str, silence: float, after_exit: str | None = None, code: int | None = None
) -> ProcessRow:
    view = ProcessView(
        node="n",
        name=name,
        processed=10,
        failed=0,
        current=None,
        last_seen=None,
        first_seen=None,
        exits=1 if after_exit else 0,
        exit_code=code,
        after_exit=after_exit,
    )
    return ProcessRow(view=view, state=state, silence=silence, straggler=False)


def node_of(name: str, state: str, procs: tuple[ProcessRow, ...], silence: float = 0.0) -> NodeRow:
    view = NodeView(name=name, processes=tuple(p.view for p in procs), last_seen=None)
    return NodeRow(view, state, silence, procs, done=10, failed=0, busy=0, stragglers=0)


def test_a_rows_quiet_is_its_worst_process_silence_not_the_nodes():
    """U11: `1 ⚠ stale … Quiet 0s` while its process000 was quiet 30 s (a perf row kept the
    node's own silence at 0)."""
    row = node_of("1", STALE, (proc_row("p0", STALE, 30.0), proc_row("p1", WORKING, 2.0)), 0.0)
    assert row_quiet(row) == 30.0
    assert row_quiet(row.processes[1]) == 2.0
    assert row_quiet(node("2", silence=7.0)) == 7.0  # no processes: the node's own


def test_a_killed_worker_is_counted_named_and_sorts_its_node_after_the_dead():
    """U9: a worker that `exits with returncode -9` and never speaks again, on a node whose
    other worker goes on."""
    killed = node_of(
        "2",
        WORKING,
        (proc_row("process000", WORKING, 1.0), proc_row("process001", DEAD, 90.0, "dead", -9)),
    )
    restarted = node_of("3", WORKING, (proc_row("process001", WORKING, 1.0, "restarted", -9),))
    nodes = (node("0"), node("1", STALE, silence=60), killed, restarted, node("9", DEAD))
    found = count_trouble(nodes)
    assert [(n.view.name, p.view.name) for n, p in found.killed] == [("2", "process001")]
    assert killed_words(found.killed[0][1]) == "killed (-9)"
    assert found.words() == "1 dead, 1 killed, 1 stale"
    assert [n.view.name for n in trouble_order(nodes)] == ["9", "2", "1", "0", "3"]
    # the header, with no dead or stale node, leads with the killed worker
    alone = count_trouble((node("0"), killed))
    alarm = node_alarm(alone)
    assert alarm is not None and alarm.plain.strip() == "✖ 2/process001 killed (-9)"


def frame(silences: dict[str, float], state: str = STALE) -> tuple[NodeRow, ...]:
    return tuple(
        node(name, state if s >= 30 else WORKING, silence=s) for name, s in silences.items()
    )


def test_the_header_keeps_its_node_until_it_recovers():
    """U11: in live100 the header named a different stale node every 2 s, as their silences
    (a second or two apart) took turns being the longest."""
    spot = Spotlight()
    frames = [
        {"30": 41.0, "0": 40.0, "15": 39.0},
        {"30": 41.0, "0": 43.0, "15": 42.0},  # node 0 is now a second ahead: keep 30
        {"30": 45.0, "0": 46.0, "15": 47.0},
        {"30": 1.0, "0": 48.0, "15": 49.0},  # 30 spoke again: the longest silent now, 15
        {"30": 2.0, "0": 52.0, "15": 50.0},  # 0 ahead by 2 s: keep 15
    ]
    named = []
    for silences in frames:
        nodes = frame(silences)
        chosen = spot.pick(count_trouble(nodes), nodes)
        named.append(chosen.view.name if chosen else None)
    assert named == ["30", "30", "30", "15", "15"]
    # a node dying takes the header at once from a stale one
    nodes = (*frame({"30": 2.0, "0": 52.0, "15": 50.0}), node("37", DEAD, silence=20.0))
    chosen = spot.pick(count_trouble(nodes), nodes)
    assert chosen is not None and chosen.view.name == "37"
    # and the header says the named node's quiet, not the longest one's
    alarm = node_alarm(count_trouble(nodes), chosen)
    assert alarm is not None and alarm.plain.startswith(" ✖ node 37 dead for 20s")
