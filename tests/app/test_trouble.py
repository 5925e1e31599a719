"""Trouble ranking (app/trouble.py): which nodes lead the screen, and what counts as failing."""

from __future__ import annotations

from batchtop.app.liveness import DEAD, ENDED, STALE, WORKING, NodeRow
from batchtop.app.trouble import count_trouble, failing_nodes, trouble_order
from batchtop.snapshot import NodeView


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
