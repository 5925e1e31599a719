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


# ------------------------------------------------------------------ one machine, two names
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def _renamed_copy(src: Path, dst: Path, renames: dict[str, str], skip: str = "") -> None:
    """`src` with node folders renamed (address -> rank), file contents untouched: folders name
    ranks while processed_tasks.csv's `Ip Address` column still names addresses."""
    for f in src.rglob("*"):
        if not f.is_file() or f.name == "expected.json":
            continue
        rel = str(f.relative_to(src))
        if skip and skip in rel:
            continue
        for old, new in renames.items():
            rel = rel.replace(f"/{old}/", f"/{new}/")
        write(dst, rel, f.read_text())


def _procs(data: dict) -> dict[str, dict[str, tuple[int, int]]]:
    return {
        n["name"]: {p["name"]: (p["processed"], p["failed"]) for p in n["processes"]}
        for n in data["nodes"]
    }


def test_a_node_named_by_address_and_by_rank_is_one_node(tmp_path, capsys):
    import json

    from batchtop.cli import main

    src = FIXTURES / "2020-completed"
    _renamed_copy(src, tmp_path, {"10.0.0.4": "0", "10.0.0.5": "1"})
    main(["--dir", str(tmp_path), "--json"])
    data = json.loads(capsys.readouterr().out)
    expected = json.loads((src / "expected.json").read_text())
    assert [n["name"] for n in data["nodes"]] == ["0", "1"]
    procs = _procs(data)
    for address, rank in (("10.0.0.4", "0"), ("10.0.0.5", "1")):
        for name, truth in expected["nodes"][address].items():
            assert procs[rank][name] == (truth["processed"], truth["failed"])
    assert data["mini_batches"] == expected["mini_batches"]
    assert any("10.0.0.4 (by address) is node 0" in n for n in data["notes"])


def test_names_the_tree_cannot_match_are_said_not_silently_split(tmp_path, capsys):
    import json

    from batchtop.cli import main

    # the worker logs and task CSVs (which would link the names) left out: only folders of
    # user output name the ranks, only processed_tasks.csv names the addresses
    src = FIXTURES / "2020-completed"
    _renamed_copy(src, tmp_path, {"10.0.0.4": "0", "10.0.0.5": "1"}, skip="sys/worker")
    main(["--dir", str(tmp_path), "--json"])
    data = json.loads(capsys.readouterr().out)
    names = [n["name"] for n in data["nodes"]]
    assert set(names) == {"0", "1", "10.0.0.4", "10.0.0.5"}
    assert any(
        "named two ways" in n and "10.0.0.4, 10.0.0.5" in n and "0, 1" in n for n in data["notes"]
    )
    main(["--dir", str(tmp_path), "--once"])
    assert "note     nodes are named two ways" in capsys.readouterr().out


def test_one_name_of_each_kind_is_taken_as_one_node_and_said(tmp_path):
    from batchtop import events as ev
    from batchtop.model import JobState

    state = JobState()
    state.name_place("0", "process000")  # a folder names rank 0
    state.apply(ev.Attempt(7, True, 1.0e9, "10.0.0.4", None, None, 5, 5, 0, None))  # the CSV
    snap = state.snapshot()
    assert [n.name for n in snap.nodes] == ["0"]
    assert snap.notes and "taken to be node 0" in snap.notes[0]


def test_links_need_a_clear_one_to_one_majority():
    from batchtop.nodenames import NodeNames

    names = NodeNames()
    for mb in range(10):  # rank folders report first, then the CSV names addresses
        names.report(mb, "0" if mb < 5 else "1")
    for mb in range(10):
        names.report(mb, "10.0.0.4" if mb < 5 else "10.0.0.5")
    names.report(3, "10.0.0.5")  # a retry on the other node: one stray vote
    alias, notes = names.resolve(["0", "1", "10.0.0.4", "10.0.0.5"])
    assert alias == {"10.0.0.4": "0", "10.0.0.5": "1"}
    assert len(notes) == 2
    tied = NodeNames()
    for mb, (first, second) in enumerate([("0", "10.0.0.4"), ("0", "10.0.0.4"), ("0", "10.0.0.5")]):
        tied.report(mb, first)
        tied.report(mb, second)
    tied.report(3, "0")
    tied.report(3, "10.0.0.5")  # both addresses claim rank 0: neither link holds
    alias, notes = tied.resolve(["0", "1", "10.0.0.4", "10.0.0.5"])
    assert alias == {}
    assert "named two ways" in notes[-1]
