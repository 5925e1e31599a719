"""Killed workers are trouble (issue 16, U9): counted and named for the header and the Nodes
title, listed in --json, and their node sorts first.

fixtures/oom-kill (NOTES.md, by hand): process001 of node 0 ends with `process001 exits with
returncode -9.` (D1) at 11:12:30 and its own log's last line is 11:12:20: killed, dead.
"""

from __future__ import annotations

from pathlib import Path

from batchtop.app.trouble import trouble_order
from batchtop.cli import read_tree_once
from batchtop.liveness import DEAD, Killed, judge, killed
from batchtop.summary import summary_dict, summary_text
from helpers import ingest_files

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
STDERR = "|ERROR|255|139773019682560|stderr: terminate called without an active exception\n"
"""I1's real worker line (after its stamp), as in fixtures/oom-kill."""


def test_oom_kill_names_the_killed_worker():
    ingestor, _ = read_tree_once(FIXTURES / "oom-kill")
    snap = ingestor.snapshot()
    rows, _ = judge(snap)
    assert killed(rows) == (Killed("0", "process001", -9),)
    assert killed(rows)[0].label == "0/process001 killed (-9)"
    assert rows[0].killed == ("process001",)
    data = summary_dict(snap)
    assert data["killed"] == ["0/process001"]
    assert "killed   0/process001" in summary_text(data)


def _three_nodes(main_line: str, after_kill: bool = False) -> dict[str, str]:
    """Nodes 0, 1, 2 with process000/process001 writing I1 stderr lines every 10 s from
    11:12:00 to 11:13:00; node 2's process001 stops at 11:12:20 (or, `after_kill`, goes on),
    and node 2's _main.txt says `main_line` at 11:12:30."""
    files = {}
    for node in "012":
        for proc in ("process000", "process001"):
            stop = 20 if (node, proc) == ("2", "process001") and not after_kill else 60
            files[f"logs/sys/node/{node}/{proc}.txt"] = "".join(
                f"2023-02-28 11:1{2 + t // 60}:{t % 60:02d},000{STDERR}"
                for t in range(0, stop + 1, 10)
            )
    files["logs/sys/node/2/_main.txt"] = (
        f"2023-02-28 11:12:30,118|INFO|254|140325028292352|{main_line}\n"
    )
    return files


def test_the_killed_workers_node_sorts_first_and_json_lists_it():
    """oom-v2 of ux-review-3 U9: node 2's process001 killed, its node still works (idle), it
    came last in name order; now first."""
    snap = ingest_files(_three_nodes("process001 exits with returncode -9.")).snapshot()
    rows, _ = judge(snap)
    assert [k.label for k in killed(rows)] == ["2/process001 killed (-9)"]
    assert trouble_order(rows)[0].view.name == "2"
    assert {r.view.name: r.state for r in rows}["2"] != DEAD  # process000 still works
    assert summary_dict(snap)["killed"] == ["2/process001"]


def test_a_restarted_or_plainly_failed_worker_is_not_killed():
    """A worker whose own log goes on after the kill came back; a non-signal return code is
    an exit, not a kill (`killed` lists neither)."""
    restarted = ingest_files(
        _three_nodes("process001 exits with returncode -9.", after_kill=True)
    ).snapshot()
    assert killed(judge(restarted)[0]) == ()
    exited = ingest_files(_three_nodes("process001 exits with returncode 1.")).snapshot()
    proc = next(p for n in exited.nodes if n.name == "2" for p in n.processes if p.exits)
    assert (proc.name, proc.exit_code, proc.after_exit) == ("process001", 1, "dead")
    assert killed(judge(exited)[0]) == ()
    assert summary_dict(exited)["killed"] == []
