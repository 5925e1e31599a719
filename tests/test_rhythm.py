"""The job's rhythm holds when per-process counts are sparse, and a node far quieter than its
talking peers is trouble whatever the wording of their lines (issue 16, U1); a node that died
before the end stays dead in the post-mortem (U4).

Expected answers: fixtures/2021-unknown-wording/NOTES.md and 2021-completed-dead-node/NOTES.md
work them out by hand; the synthetic trees below are worked out in each test's docstring.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from batchtop.app.trouble import trouble_order
from batchtop.cli import read_tree_once
from batchtop.liveness import (
    DEAD,
    ENDED,
    IDLE,
    STALE,
    judge,
    seconds_per_batch,
    stale_threshold,
    states_of,
)
from batchtop.summary import summary_dict
from helpers import ingest_files

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
T0 = "2021-06-02 09:"


def snapshot_of(name: str):
    ingestor, _ = read_tree_once(FIXTURES / name)
    return ingestor.snapshot()


def test_unknown_wording_one_failed_attempt_does_not_set_the_rhythm():
    """U1: the only per-process count is one failed attempt spanning 1160 s; the overview's
    1200 mini-batches in 1200 s by 12 workers say 12 s each, so stale after 48 s."""
    snap = snapshot_of("2021-unknown-wording")
    assert seconds_per_batch(snap) == pytest.approx(12.0)
    assert stale_threshold(snap) == pytest.approx(48.0)


def test_the_node_silent_12_minutes_is_dead_and_sorted_first():
    rows, _ = judge(snapshot_of("2021-unknown-wording"))
    states = {r.view.name: r.state for r in rows}
    assert states.pop("10.0.0.13") == DEAD
    assert set(states.values()) == {IDLE}
    assert trouble_order(rows)[0].view.name == "10.0.0.13"


def _chatty_tree(silent_minutes: int, finishes: bool) -> dict[str, str]:
    """12 nodes, one worker each, lines every 5 s from 09:00:00 to 09:30:00 in a wording no
    parser knows; node 10.0.0.13 stops `silent_minutes` before 09:30:00. With `finishes`, the
    first three workers each finish one mini-batch at 09:00:05 (a known line), so their
    per-process pace (one mini-batch in 30 min) makes the rhythm 30 min: stale after 2 h."""
    files = {}
    for k in range(12):
        ip = f"10.0.0.{4 + k}"
        stop = 30 * 60 - (silent_minutes * 60 if ip == "10.0.0.13" else 0)
        lines = []
        for t in range(0, stop + 1, 5):
            msg = "Batch processing completed. Total count: 1, success count: 1"
            if finishes and k < 3 and t == 5:
                msg = (
                    f'Processed mini batch {{"id": {k}, "dequeue_count": 1, "total": 1, '
                    '"succeeded": 1, "failed": 0}.'
                )
            lines.append(f"{T0}{t // 60:02d}:{t % 60:02d},000|DEBUG|{230 + k}|1|{msg}\n")
        files[f"logs/sys/node/{ip}/process000.txt"] = "".join(lines)
    return files


@pytest.mark.parametrize("finishes", [True, False], ids=["slow-finishes", "no-counts"])
@pytest.mark.parametrize("minutes", [3, 12, 15])
def test_a_node_far_quieter_than_its_talking_peers_is_never_idle(minutes, finishes):
    """Peers' silences at 09:30:00 are 0 s (the last lines are all at 09:30:00): the peer
    limit is the 30 s floor, dead past 150 s. So 3, 12 and 15 minutes are dead, whatever the
    rhythm (with `finishes` it is 2 h: the rhythm alone would say idle)."""
    snap = ingest_files(_chatty_tree(minutes, finishes)).snapshot()
    if finishes:
        assert stale_threshold(snap) == pytest.approx(4 * 30 * 60)
    rows, _ = judge(snap)
    states = {r.view.name: r.state for r in rows}
    assert states.pop("10.0.0.13") == DEAD
    assert set(states.values()) == {IDLE}


def test_a_short_pause_among_chatty_peers_is_stale_not_dead():
    """10.0.0.13 silent 60 s, peers 0 s: past the 30 s peer floor (stale), short of 150 s
    (dead). Its process is stale too. The rhythm from the finishes (2 h) would say idle."""
    files = _chatty_tree(0, True)
    path = "logs/sys/node/10.0.0.13/process000.txt"
    files[path] = "".join(files[path].splitlines(keepends=True)[:-12])  # last line 09:29:00
    rows, _ = judge(ingest_files(files).snapshot())
    row = next(r for r in rows if r.view.name == "10.0.0.13")
    assert (row.state, row.processes[0].state) == (STALE, STALE)


def test_overall_pace_is_the_counts_over_time_spread_over_the_workers():
    """U1's own figures: 2,602 processed in 40 min by 48 logging workers is 44.3 s each."""
    ov = (
        "2021-06-02T09:00:00.000000 Start the simulator.\n"
        "2021-06-02T09:40:00.000000 Processed 2602 of 4800 mini batches in 0:40:00. "
        "Estimated remaining time 0:36:53.\n"
    )
    files = {"logs/job_progress_overview.2021060209.txt": ov}
    for k in range(12):
        for p in range(4):
            files[f"logs/sys/node/10.0.0.{4 + k}/process00{p}.txt"] = (
                f"{T0}39:59,000|DEBUG|1|1|hello\n"
            )
    snap = ingest_files(files).snapshot()
    assert seconds_per_batch(snap) == pytest.approx(2400 * 48 / 2602)


def test_a_node_that_died_before_the_end_is_dead_in_the_post_mortem():
    """U4, fixtures/2021-completed-dead-node: 10.0.0.7 silent 598.5 s while its peers worked
    to the end; Completed does not make it `ended` (the others are)."""
    snap = snapshot_of("2021-completed-dead-node")
    assert snap.status == "Completed"
    states = states_of(snap)
    assert states["10.0.0.7"] == (DEAD, {"process000": DEAD})
    assert {states[n][0] for n in ("10.0.0.4", "10.0.0.5", "10.0.0.6")} == {ENDED}
    data = summary_dict(snap)  # --json follows liveness.judge
    assert {n["name"]: n["state"] for n in data["nodes"]}["10.0.0.7"] == DEAD


def test_a_node_whose_worker_wrote_a_normal_end_is_ended_not_dead():
    """`process000 exits with returncode 0.` (D1's template with a 0 code) at 09:18:00, its
    last line: the node finished its work 12 minutes ago; it did not die. The same tree
    without that line: dead (the test above)."""
    files = _chatty_tree(12, False)
    files["logs/sys/node/10.0.0.13/_main.txt"] = (
        f"{T0}18:00,500|INFO|254|140325028292352|process000 exits with returncode 0.\n"
    )
    rows, _ = judge(ingest_files(files).snapshot())
    states = {r.view.name: (r.state, r.processes[0].state) for r in rows}
    assert states.pop("10.0.0.13") == (ENDED, ENDED)
    assert {s for s, _ in states.values()} == {IDLE}


def test_a_worker_that_speaks_after_its_normal_end_is_judged_again():
    """A process whose own log goes on after `returncode 0` (a new process of the same name)
    is not ended: here it then falls silent like the others' dead peer."""
    files = _chatty_tree(12, False)
    files["logs/sys/node/10.0.0.13/_main.txt"] = (
        f"{T0}10:00,000|INFO|254|140325028292352|process000 exits with returncode 0.\n"
    )
    rows, _ = judge(ingest_files(files).snapshot())
    assert {r.view.name: r.state for r in rows}["10.0.0.13"] == DEAD


@pytest.mark.parametrize("era", ["2019", "2020", "2021", "v2"])
def test_healthy_simulated_jobs_have_no_dead_node(era, tmp_path):
    """A guard against false alarms from the peer rule (it passes on the old code too): 12
    nodes of 2 workers, no dead node simulated, cut at 60 %, three seeds: no node is dead and
    a stale node has a process silent past the rhythm (a run() the simulator makes time out),
    never one made stale by its peers alone."""
    from batchtop.simulator import SimConfig, write_tree  # noqa: PLC0415

    for seed in (1, 2, 3):
        tree = tmp_path / str(seed)
        config = SimConfig(
            era=era, nodes=12, processes=2, mini_batches=600, failure_rate=0.03, stop_at=0.6,
            seed=seed,
        )  # fmt: skip
        write_tree(tree, config)
        rows, stale_after = judge(read_tree_once(tree)[0].snapshot())
        assert not [r.view.name for r in rows if r.state == DEAD], seed
        for row in rows:  # stale by the rhythm (a process's own silence), not by its peers
            if row.state == STALE:
                assert any((p.silence or 0.0) > stale_after for p in row.processes), seed
