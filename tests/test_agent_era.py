"""The about-2020 runtime whose readme calls workers agents (evidence.md N6, I7).

Paths are those the runtime's own `logs/readme.txt` lists (fixtures/2020-agent/logs/readme.txt);
the expected kinds and places below are read off that readme, not off batchtop.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from batchtop.cli import main
from batchtop.parsers.registry import FileKind, classify
from batchtop.simulator import SimConfig, write_tree
from helpers import ingest_files, summarise_tree


def snap_of(files: dict[str, str]):
    return ingest_files(files).snapshot()


TREE = Path(__file__).resolve().parent.parent / "fixtures" / "2020-agent"
TASK_HEADER = (
    "Task Id,Dequeue Count,Start Time,Total,Succeeded,Failed,Elapsed Seconds,Process Seconds,"
    "Run Method Seconds,Status,Error\n"
)  # I7, verbatim


@pytest.mark.parametrize(
    ("path", "kind", "node", "process"),
    [
        # "agentNNN.txt : Logs of the agent." / "agentNNN.task.csv : Tasks picked and processed"
        ("logs/sys/node/10.0.0.4/agent000.txt", "syslog", "10.0.0.4", "agent000"),
        ("logs/sys/node/10.0.0.4/agent012.task.csv", "attempts_csv", "10.0.0.4", "agent012"),
        # the node's own logs: system logs of the node, no process
        ("logs/sys/node/10.0.0.4/_master_poller.txt", "syslog", "10.0.0.4", None),
        ("logs/sys/node/10.0.0.4/_task_server.txt", "syslog", "10.0.0.4", None),
        ("logs/sys/node/10.0.0.4/_main.txt", "node_main", "10.0.0.4", None),
        # "user/ <node ip> error/ : Error from input, entry script validation or running."
        ("logs/user/10.0.0.4/error/agent001.txt", "user_error", "10.0.0.4", "agent001"),
        # "log/ : The logs from entry script using entry script helper and print()"
        ("logs/user/10.0.0.4/log/agent001.txt", "user_log", "10.0.0.4", "agent001"),
        # "Check sys.csv for the resource usages of the node."
        ("logs/sys/perf/10.0.0.4/sys.csv", "perf_csv", "10.0.0.4", None),
        # "overview.txt: high level progress." (under sys/)
        ("logs/sys/overview.txt", "overview", None, None),
        ("logs/sys/master.txt", "syslog", None, None),
    ],
)
def test_agent_era_paths(path, kind, node, process):
    assert classify(path) == FileKind(kind, node, process)


def test_other_eras_keep_their_kinds():
    # the v2 user error folder and the 2020 user log still read as before
    assert classify("logs/user/error/0/process000.txt") == FileKind("user_error", "0", "process000")
    assert classify("logs/user/10.0.0.4/Process-1.log.txt") == FileKind(
        "user_log", "10.0.0.4", "Process-1"
    )
    assert classify("logs/sys/worker/10.0.0.4/Process-1.task.csv").kind == "attempts_csv"


def test_an_agents_task_csv_counts_its_attempts():
    rows = (
        "N/A,N/A,2020-05-06T05:50:48.682392,N/A,N/A,N/A,N/A,N/A,N/A,ENTRY_SCRIPT_INIT_START,\n"
        "0,1,2020-05-06T05:50:53.000000,2,2,0,4.2,4.0,3.9,ENTRY_SCRIPT_RUN_DONE,\n"
        "1,1,2020-05-06T05:50:58.000000,2,0,2,1.5,1.4,1.3,ENTRY_SCRIPT_RUN_EXCEPTION,KeyError: 'x'\n"
    )
    snap = snap_of({"logs/sys/node/10.0.0.4/agent003.task.csv": TASK_HEADER + rows})
    mb = snap.mini_batches
    assert (mb.processed, mb.succeeded, mb.failed) == (2, 1, 1)
    (node,) = snap.nodes
    assert node.name == "10.0.0.4"
    assert [(p.name, p.processed, p.failed) for p in node.processes] == [("agent003", 2, 1)]


def test_an_agent_named_in_a_report_cell_is_a_process():
    header = "Mini-batch Id,Picked Count,Process,Start Time,Total,Succeeded,Failed,Status\n"
    row = "5,1,10.0.0.4/agent002,2020-10-24T02:59:04.227237,3,3,0,RUN_DONE\n"
    snap = snap_of({"logs/sys/job_report/processed_mini-batches.csv": header + row})
    (node,) = snap.nodes
    assert (node.name, [p.name for p in node.processes]) == ("10.0.0.4", ["agent002"])


def test_the_agent_tree(capsys):
    """fixtures/2020-agent: expected.json and NOTES.md were worked out by hand."""
    expected = json.loads((TREE / "expected.json").read_text())
    assert main(["--dir", str(TREE), "--once", "--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    assert got["mini_batches"] == expected["mini_batches"]
    assert got["items"] == expected["items"]
    nodes = {n["name"]: n for n in got["nodes"]}
    assert {
        name: {p["name"]: {"processed": p["processed"], "failed": p["failed"]} for p in n["processes"]}
        for name, n in nodes.items()
    } == expected["nodes"]  # fmt: skip
    # sys.csv is the node's resource file: its last row (CPU 64 %, memory used 40 %)
    assert (nodes["10.0.0.4"]["cpu_percent"], nodes["10.0.0.4"]["memory_percent"]) == (64.0, 40.0)
    # no resource file for the other node: unknown, not 0
    assert (nodes["10.0.0.5"]["cpu_percent"], nodes["10.0.0.5"]["memory_percent"]) == (None, None)


def test_a_simulated_agent_era_job_reads_as_its_ground_truth(tmp_path):
    """The simulator's `2020-agent` layout (paths from the N6 readme, the rest of 2020's
    wording), read back: counts per agent and resources from sys.csv."""
    config = SimConfig(
        era="2020-agent", nodes=2, processes=2, mini_batches=60, failure_rate=0.1, seed=4
    )
    truth = write_tree(tmp_path, config).to_summary_dict()
    assert (tmp_path / "logs/readme.txt").read_text().startswith("About the logs folder:")
    got = summarise_tree(tmp_path)
    assert got["status"] == truth["status"] == "Completed"
    assert got["mini_batches"] == truth["mini_batches"]
    assert got["items"] == truth["items"]
    procs = {
        n["name"]: {
            p["name"]: {"processed": p["processed"], "failed": p["failed"]} for p in n["processes"]
        }
        for n in got["nodes"]
    }
    assert procs == truth["nodes"]
    assert set(procs["10.0.0.4"]) == {"agent000", "agent001"}
    assert all(n["cpu_percent"] is not None for n in got["nodes"])  # sys.csv read as the node's
