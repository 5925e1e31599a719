"""Every per-node path of every era names its node, and where it can its process (issue 9
item 7). Paths are the layouts of shared/formats/README.md §3-5 and evidence.md D1/D2/I8."""

from __future__ import annotations

from pathlib import Path

import pytest

from batchtop.cli import read_tree_once
from batchtop.parsers.registry import classify, place


def write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


OVERVIEW = (
    "2023-05-16T22:00:00.000000 Start scheduling.\n"
    "2023-05-16T22:00:05.000000 Scheduling finished. Scheduled 10 mini batches in 1.2 seconds. "
    "There are 10 tasks with 50 items.\n"
)


@pytest.mark.parametrize(
    ("path", "node", "process"),
    [
        ("logs/user/stdout/0/process000.stdout.txt", "0", "process000"),
        ("logs/user/stdout/1/process000.std.txt", "1", "process000"),  # evidence.md I8
        ("logs/user/stderr/2/process001.stderr.txt", "2", "process001"),
        ("logs/user/error/3/process002.txt", "3", "process002"),
        ("logs/user/entry_script_log/0/process000.log.txt", "0", "process000"),
        ("logs/user/10.0.0.4/process000.log.txt", "10.0.0.4", "process000"),
        ("logs/sys/node/0/process001.txt", "0", "process001"),
        ("logs/sys/node/0/process001.stdout.txt", "0", "process001"),
        ("logs/sys/node/0/_main.txt", "0", None),  # evidence.md D1
        ("logs/sys/worker/10.0.0.5/Process-2.task.csv", "10.0.0.5", "Process-2"),
        ("logs/sys/error/1/process000.txt", "1", "process000"),
        ("logs/worker/10.0.0.5/Process-1.txt", "10.0.0.5", "Process-1"),
        ("logs/perf/0/node_resource_usage.csv", "0", None),
        ("logs/perf/0/processes_resource_usage.csv", "0", None),
        ("logs/perf/0/node_disk_usage.csv", "0", None),
        ("logs/perf/1/os/2023051622/processes_05", "1", None),
        ("logs/sys/perf/10.0.0.4/sys.csv", "10.0.0.4", None),  # evidence.md C-8
        ("logs/performance/10.0.0.4/process_resource_monitor_10.0.0.4_77.csv", "10.0.0.4", None),
        ("system_logs/lifecycler/0/execution-wrapper.txt", "0", None),  # evidence.md D1
        ("job/logs/user/stdout/4/process003.stdout.txt", "4", "process003"),
        # not per node
        ("logs/user/error.txt", None, None),
        ("logs/sys/master_role.txt", None, None),
        ("logs/user/notes/todo.txt", None, None),  # an unknown folder is no phantom node
        ("user_logs/std_log_0.txt", None, None),
    ],
)
def test_every_per_node_path_names_its_node_and_process(path, node, process):
    assert place(path) == (node, process)
    got = classify(path)
    assert (got.node, got.process) == (node, process)


def test_subprocess_stdout_under_sys_node_is_user_output():
    """evidence.md D1/S8: a subprocess that inherits stdout writes to
    logs/sys/node/<node_id>/processNNN.stdout.txt: user output, not a system log."""
    assert classify("logs/sys/node/0/process000.stdout.txt").kind == "user_log"
    assert classify("logs/sys/node/0/process000.stderr.txt").kind == "user_log"
    assert classify("logs/sys/node/0/process000.txt").kind == "syslog"


def test_a_pipe_shaped_line_in_subprocess_stdout_is_not_a_system_error(tmp_path):
    write(tmp_path, "logs/job_progress_overview.2023051622.txt", OVERVIEW)
    write(
        tmp_path,
        "logs/sys/node/0/process000.stdout.txt",
        "2023-05-16 22:00:06,000|ERROR|1|2|The master role failed with error: my own print\n",
    )
    ingestor, _ = read_tree_once(tmp_path)
    snap = ingestor.snapshot()
    assert snap.status == "Running" and snap.verdict is None


def test_a_node_known_only_by_its_stdout_folder_is_listed(tmp_path):
    write(tmp_path, "logs/job_progress_overview.2023051622.txt", OVERVIEW)
    write(tmp_path, "logs/user/stdout/0/process000.stdout.txt", "loading model\nscoring\n")
    ingestor, _ = read_tree_once(tmp_path)
    nodes = {n.name: [p.name for p in n.processes] for n in ingestor.snapshot().nodes}
    assert nodes == {"0": ["process000"]}


def test_empty_per_node_files_and_perf_folders_name_their_nodes(tmp_path):
    write(tmp_path, "logs/job_progress_overview.2023051622.txt", OVERVIEW)
    write(tmp_path, "logs/user/stdout/0/process000.stdout.txt", "")
    write(tmp_path, "logs/perf/1/os/2023051622/processes_05", "  PID USER\n")
    write(tmp_path, "logs/sys/node/2/_main.txt", "")
    ingestor, _ = read_tree_once(tmp_path)
    nodes = {n.name: [p.name for p in n.processes] for n in ingestor.snapshot().nodes}
    assert nodes == {"0": ["process000"], "1": [], "2": []}
