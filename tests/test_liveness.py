"""Node and process states are judged on the job's own clock (issue 9 item 6, ux-review D2).

A tree that does not change must keep its states whatever the wall clock says; the source being
quiet is one header fact (`quiet_for` / `data_stale`), never a state of every node.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from batchtop.cli import read_tree_once
from batchtop.liveness import DEAD, ENDED, STALE, Liveness, judge, states_of

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
WALL = 1_900_000_000.0  # 2030: every fixture is years old on this clock


def snapshot_of(name: str):
    ingestor, _ = read_tree_once(FIXTURES / name)
    return ingestor.snapshot()


def states(view) -> dict[str, tuple[str, tuple[str, ...]]]:
    return {n.view.name: (n.state, tuple(p.state for p in n.processes)) for n in view.nodes}


@pytest.mark.parametrize("name", ["v2-running", "2019-running", "v2-completed", "pasted-2021"])
def test_a_static_tree_keeps_its_states_for_ten_minutes_of_wall_clock(name):
    snap = snapshot_of(name)
    liveness = Liveness()
    liveness.observe(snap, WALL)
    first = states(liveness.derive(snap, WALL, live=True))
    for later in (1, 30, 80, 200, 600):
        assert states(liveness.derive(snap, WALL + later, live=True)) == first, later


def test_the_dead_node_stays_the_only_dead_one():
    """v2-running: node 2 stopped writing (expected.json dead_node); 0 and 1 are alive."""
    snap = snapshot_of("v2-running")
    liveness = Liveness()
    liveness.observe(snap, WALL)
    for later in (0, 30, 80, 600):
        view = liveness.derive(snap, WALL + later, live=True)
        assert {n.view.name for n in view.nodes if n.state == DEAD} == {"2"}, later


def test_when_every_node_goes_silent_the_dead_node_stays_dead():
    """ux-review D2: the job's clock moves on (overview lines) while no node speaks: the
    living nodes turn stale, and the node that died first is not downgraded to stale."""
    snap = snapshot_of("v2-running")
    later = dataclasses.replace(snap, data_time=snap.data_time + 3600)
    rows, _ = judge(later)
    assert {r.view.name: r.state for r in rows} == {"0": STALE, "1": STALE, "2": DEAD}
    assert {p.state for r in rows if r.view.name != "2" for p in r.processes} == {STALE}


def test_a_finished_jobs_processes_are_ended():
    for name in ("v2-completed", "v2-failed", "2019-completed", "2020-failed"):
        rows, _ = judge(snapshot_of(name))
        assert {p.state for r in rows for p in r.processes} == {ENDED}, name


def test_states_of_names_every_node_and_process():
    got = states_of(snapshot_of("2019-running"))
    assert set(got) == {"10.0.0.4", "10.0.0.5", "10.0.0.6"}
    node_state, procs = got["10.0.0.6"]  # the dead node of expected.json
    assert node_state == DEAD and set(procs.values()) == {DEAD} and len(procs) == 2
    assert got["10.0.0.4"][0] not in (DEAD, STALE)


def test_an_old_tree_says_opened_later_not_an_age_or_a_warning():
    snap = snapshot_of("v2-running")
    liveness = Liveness()
    liveness.observe(snap, WALL)
    view = liveness.derive(snap, WALL + 600, live=True)
    assert view.opened_later
    assert view.data_age is None
    assert not view.data_stale  # a downloaded tree is not a source that went quiet


def test_live_data_has_its_wall_clock_age_and_a_quiet_source_one_warning():
    snap = snapshot_of("v2-running")
    wall = snap.data_time + 3.0  # the newest line was written 3 s ago
    liveness = Liveness()
    liveness.observe(snap, wall)
    view = liveness.derive(snap, wall, live=True)
    assert view.data_age == pytest.approx(3.0)
    assert not view.opened_later and not view.data_stale
    later = liveness.derive(snap, wall + 600, live=True)
    assert later.data_stale and later.quiet_for == pytest.approx(600)
    assert states(later) == states(view)


def test_a_source_that_grows_after_a_pause_is_live_even_with_old_stamps():
    """The demo and the simulator write 2023 stamps live: not "opened later"."""
    snap = snapshot_of("v2-running")
    liveness = Liveness()
    liveness.observe(snap, WALL)
    liveness.observe(dataclasses.replace(snap, version=snap.version + 1), WALL + 20)
    view = liveness.derive(snap, WALL + 400, live=True)
    assert not view.opened_later
    assert view.data_stale


def test_a_tree_read_once_has_no_wall_clock_facts():
    snap = snapshot_of("v2-running")
    view = Liveness().derive(snap, WALL, live=False)
    assert (view.data_age, view.quiet_for, view.opened_later, view.data_stale) == (
        None,
        None,
        False,
        False,
    )


def test_a_killed_worker_is_dead_and_its_living_node_is_not():
    """fixtures/oom-kill (D1's `process001 exits with returncode -9.` in _main.txt): the killed
    worker never speaks again, so it is dead; process000 goes on, so node 0 is not called dead
    in the header on the strength of one worker."""
    rows, _ = judge(snapshot_of("oom-kill"))
    (node,) = rows
    assert {p.view.name: p.state for p in node.processes}["process001"] == DEAD
    assert node.state != DEAD


def test_processes_known_only_from_error_records_are_not_judged_by_silence():
    """fixtures/v2-endpoint-runfailures: job_error.txt (I3, I4) is written only when run()
    fails, so node 1's last failure four minutes before node 0's says nothing about node 1
    being alive; neither node may be called stale or dead on it."""
    snap = snapshot_of("v2-endpoint-runfailures")
    rows, _ = judge(snap)
    assert {r.view.name: r.state for r in rows} == {"0": "idle", "1": "idle"}
    later = dataclasses.replace(snap, data_time=snap.data_time + 3600)
    rows, _ = judge(later)
    assert {r.state for r in rows} == {"idle"}
