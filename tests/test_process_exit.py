"""Out-of-memory kills and other abnormal worker exits (issue 9, item 9).

Source of the only public wording, D1 in shared/formats/evidence.md:
MicrosoftDocs/azure-ai-docs articles/machine-learning/v1/how-to-debug-parallel-run-step.md,
"Processes terminated unexpectedly": "In PRS system logs `~/logs/sys/node/<node-id>/_main.txt`,
errors like below can be found.

    <process-name> exits with returncode -9.
"
and, in the same doc, "The process name in pattern "processNNN"". The doc quotes the message
without a line prefix; the pipe prefix used in some tests below is the one every other sys log
has (evidence.md section 3, e.g. `2021-04-13 03:25:50,285|ERROR|254|140325028292352|…`, I1), an
ASSUMPTION recorded in batchtop.parsers.processexit.ASSUMED.
"""

from __future__ import annotations

import json

from batchtop.parsers.processexit import ASSUMED, OOM_HEAD
from helpers import ingest_files

MAIN = "logs/sys/node/0/_main.txt"
WRAPPER = "system_logs/lifecycler/0/execution-wrapper.txt"
OWN_LOG = "logs/sys/node/0/process001.txt"
D1_LINE = "process001 exits with returncode -9."
"""D1's template with the process name in its documented `processNNN` pattern."""
PIPE = "2021-04-13 03:25:50,285|INFO|254|140325028292352|"


def _proc(snap, node="0", name="process001"):
    n = next(n for n in snap.nodes if n.name == node)
    return next(p for p in n.processes if p.name == name)


def _oom_groups(snap):
    return [e for e in snap.errors if e.message == OOM_HEAD]


def test_the_d1_line_alone_is_an_oom_error_on_that_process():
    snap = ingest_files({MAIN: D1_LINE + "\n"}).snapshot()
    [group] = _oom_groups(snap)
    assert group.count == 1
    assert group.where == ("0/process001",)
    assert D1_LINE in group.traceback  # the runtime's own line is kept under the message
    proc = _proc(snap)
    assert (proc.exits, proc.exit_code, proc.after_exit) == (1, -9, "unknown")


def test_a_kill_with_no_later_own_activity_means_dead():
    own = "2021-04-13 03:20:00,000|INFO|254|140325028292352|Start processing mini batch\n"
    snap = ingest_files({OWN_LOG: own, MAIN: PIPE + D1_LINE + "\n"}).snapshot()
    proc = _proc(snap)
    assert proc.after_exit == "dead"
    assert proc.exit_at is not None


def test_own_activity_after_the_kill_means_restarted_in_any_reading_order():
    later = "2021-04-13 03:30:00,000|INFO|254|140325028292352|init() done\n"
    for files in (
        {MAIN: PIPE + D1_LINE + "\n", OWN_LOG: later},
        {OWN_LOG: later, MAIN: PIPE + D1_LINE + "\n"},
    ):
        assert _proc(ingest_files(files).snapshot()).after_exit == "restarted"


def test_an_attempt_row_stamped_after_the_kill_does_not_mean_restarted():
    """D1: on OOM the runtime "sets the current attempt to process the mini-batch to failure
    status"; that row is written by the master, after the kill, about the dead process."""
    report = (
        "Mini-batch Id,Picked Count,Process,Start Time,Total,Succeeded,Failed,Elapsed Seconds,"
        "Process Seconds,Run Method Seconds,Status,Error Category,Error Message,"
        "Mini-batch Detail\n"
        "7,1,0/process001,2021-04-13T03:25:00.000000,10,0,10,60,1,1,RUN_EXCEPTION,,killed,\n"
    )
    snap = ingest_files(
        {MAIN: PIPE + D1_LINE + "\n", "logs/sys/job_report/processed_mini-batches.csv": report}
    ).snapshot()
    assert _proc(snap).after_exit == "dead"


def test_the_same_main_file_read_again_is_one_kill():
    ingestor = ingest_files({MAIN: PIPE + D1_LINE + "\n"})
    ingestor.reset(MAIN)
    ingestor.feed(MAIN, (PIPE + D1_LINE + "\n").encode())
    snap = ingestor.snapshot()
    assert _proc(snap).exits == 1
    assert _oom_groups(snap)[0].count == 1


def test_two_kills_of_the_same_process_count_two():
    text = PIPE + D1_LINE + "\n" + PIPE.replace("03:25", "03:40") + D1_LINE + "\n"
    snap = ingest_files({MAIN: text}).snapshot()
    assert _proc(snap).exits == 2
    assert _oom_groups(snap)[0].count == 2


def test_other_return_codes():
    text = (
        PIPE
        + "process000 exits with returncode 0.\n"
        + PIPE
        + "process002 exits with returncode -15.\n"
        + PIPE
        + "process003 exits with returncode 1.\n"
    )
    snap = ingest_files({MAIN: text}).snapshot()
    messages = sorted(e.message for e in snap.errors)
    assert messages == ["exited with returncode 1", "killed (signal 15)"]
    assert _proc(snap, name="process002").after_exit == "dead"
    assert not any(p.name == "process000" and p.exits for p in snap.nodes[0].processes)


def test_main_txt_still_tells_the_node_is_alive():
    snap = ingest_files({MAIN: PIPE + "agent manager started\n"}).snapshot()
    assert snap.nodes[0].name == "0" and snap.nodes[0].last_seen is not None
    assert snap.errors == ()


def test_wrapper_oom_line_alone_is_a_node_error_and_no_process_state():
    line = "2021-04-13 03:25:51 Memory cgroup out of memory: Killed process 254 (python)"
    snap = ingest_files({WRAPPER: "starting\n" + line + "\n"}).snapshot()
    [group] = _oom_groups(snap)
    assert group.count == 1 and group.where == ("0",)
    assert all(p.exits == 0 for n in snap.nodes for p in n.processes)
    assert "execution-wrapper.txt" in ASSUMED


def test_a_kill_told_by_main_and_wrapper_counts_once():
    line = "2021-04-13 03:25:51 Memory cgroup out of memory: Killed process 254 (python)"
    snap = ingest_files({WRAPPER: line + "\n", MAIN: PIPE + D1_LINE + "\n"}).snapshot()
    [group] = _oom_groups(snap)
    assert group.count == 1
    assert set(group.files) == {MAIN, WRAPPER}


def test_json_shows_the_kill_on_the_process(tmp_path, capsys):
    from batchtop.cli import main

    (tmp_path / MAIN).parent.mkdir(parents=True)
    (tmp_path / MAIN).write_text(PIPE + D1_LINE + "\n")
    main(["--dir", str(tmp_path), "--once", "--json"])
    data = json.loads(capsys.readouterr().out)
    proc = data["nodes"][0]["processes"][0]
    assert (proc["name"], proc["exits"], proc["exit_code"], proc["after_exit"]) == (
        "process001",
        1,
        -9,
        "dead",
    )
    assert proc["exit_at"] == "2021-04-13T03:25:50Z"
    assert data["errors"][0]["message"] == OOM_HEAD
    main(["--dir", str(tmp_path), "--once"])
    assert "process001 dead 0/0[killed (OOM?) x1, dead]" in capsys.readouterr().out


def test_the_kill_line_is_not_a_sign_of_life_of_the_killed_process():
    own = "2021-04-13 03:20:00,000|INFO|254|140325028292352|init() done\n"
    snap = ingest_files({OWN_LOG: own, MAIN: PIPE + D1_LINE + "\n"}).snapshot()
    proc = _proc(snap)
    assert proc.last_seen is not None and proc.last_seen < proc.exit_at
    assert snap.nodes[0].last_seen == proc.exit_at  # the node's main process did speak


def test_main_txt_says_the_job_runs_but_never_beats_a_final_status():
    snap = ingest_files({MAIN: PIPE + D1_LINE + "\n"}).snapshot()
    assert snap.status == "Running"
    from batchtop import events as ev
    from batchtop.timeparse import parse_stamp

    ingestor = ingest_files({})
    ingestor.state.apply(ev.StatusHint("Failed", parse_stamp("2023-02-28 11:00:00")))
    ingestor.feed(MAIN, (PIPE + D1_LINE + "\n").encode())
    assert ingestor.snapshot().status == "Failed"


def test_fixtures_with_exits_show_them_as_worked_out_by_hand(capsys):
    """fixtures/oom-kill (hand-assembled, see its NOTES.md) and any other tree whose
    expected.json lists `exits`: the whole list of abnormal ends must match."""
    from pathlib import Path

    from batchtop.cli import main

    fixtures = Path(__file__).resolve().parent.parent / "fixtures"
    trees = [p.parent for p in fixtures.glob("*/expected.json") if "exits" in p.read_text()]
    assert fixtures / "oom-kill" in trees
    for tree in trees:
        expected = json.loads((tree / "expected.json").read_text())
        main(["--dir", str(tree), "--once", "--json"])
        got = json.loads(capsys.readouterr().out)
        exits = {
            node["name"]: {
                p["name"]: {k: p[k] for k in ("exits", "exit_code", "exit_at", "after_exit")}
                for p in node["processes"]
                if p["exits"]
            }
            for node in got["nodes"]
        }
        assert {n: ps for n, ps in exits.items() if ps} == expected["exits"], tree.name
        assert {e["signature"]: e["count"] for e in got["errors"]} == expected["error_groups"]
