"""The rest of a node's resource monitor: processes_resource_usage.csv, node_disk_usage.csv and
the `ps` listings of logs/perf/<node>/os/<%Y%m%d%H>/processes_<%M>.

Sources (shared/formats/evidence.md): D1 = MicrosoftDocs/azure-ai-docs
articles/machine-learning/v1/how-to-debug-parallel-run-step.md (the perf folder layout, the
`os/%Y%m%d%H/processes_%M` names, "Resource usage overview of each process"); D3 =
MicrosoftDocs/azure-docs how-to-tune-performance-of-parallel-run-step.md (the three CSV names).
No header line of the two CSVs is public (screenshots only), so the headers below are
real-shaped guesses in the documented style of node_resource_usage.csv (`Utc Time`,
`Cpu Percent`, `Memory Used (MB)`, D3), and the tests check that any spelling, order, extra or
missing column is survived, never that one exact header is needed.
"""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from batchtop import events as ev
from batchtop.parsers.registry import classify
from helpers import ingest_files

NODE_DIR = "logs/perf/0"
PROCS = f"{NODE_DIR}/processes_resource_usage.csv"
DISK = f"{NODE_DIR}/node_disk_usage.csv"
PS = f"{NODE_DIR}/os/2022111610/processes_05"


def _t(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc).timestamp()


def _events(files: dict[str, str | bytes]) -> list[ev.Event]:
    seen: list[ev.Event] = []
    ingestor = ingest_files({})
    real = ingestor.state.apply_all

    def spy(events: list[ev.Event]) -> None:
        seen.extend(events)
        real(events)

    ingestor.state.apply_all = spy  # type: ignore[method-assign]
    for path, content in files.items():
        ingestor.feed(path, content.encode() if isinstance(content, str) else content)
    ingestor.flush(final=True)
    return seen


def _node(files: dict[str, str | bytes], name: str = "0"):
    snap = ingest_files(files).snapshot()
    return next(n for n in snap.nodes if n.name == name), snap


# ----------------------------------------------------------------------------- paths (D1, D3)


@pytest.mark.parametrize(
    ("path", "kind", "node"),
    [
        ("logs/perf/0/processes_resource_usage.csv", "process_usage_csv", "0"),
        ("logs/sys/perf/10.0.0.4/processes_resource_usage.csv", "process_usage_csv", "10.0.0.4"),
        ("logs/perf/1/node_disk_usage.csv", "disk_usage_csv", "1"),
        ("logs/sys/perf/10.0.0.5/node_disk_usage.csv", "disk_usage_csv", "10.0.0.5"),
        ("logs/perf/0/os/2022111610/processes_05", "ps_listing", "0"),
        ("azureml-logs/x/logs/perf/3/os/2023051622/processes_59", "ps_listing", "3"),
        (
            "logs/performance/10.0.0.4/process_resource_monitor_10.0.0.4_1234.csv",
            "process_usage_csv",
            "10.0.0.4",
        ),
        ("logs/sys/node/0/_main.txt", "node_main", "0"),
        ("system_logs/lifecycler/0/execution-wrapper.txt", "execution_wrapper", "0"),
    ],
)
def test_perf_and_exit_paths_are_recognised(path, kind, node):
    found = classify(path)
    assert (found.kind, found.node, found.process) == (kind, node, None)


def test_node_resource_usage_stays_with_its_own_parser():
    assert classify("logs/perf/0/node_resource_usage.csv").kind == "perf_csv"
    assert classify("logs/perf/0/os/2022111610/readme.txt").kind == "raw"


# ----------------------------------------------------------------------------- processes CSV

PROC_CSV = (
    "Utc Time,Process Name,Pid,Cpu Percent,Memory Percent,Memory Used (MB)\n"
    "2022-11-16 10:00:00,process000,137,95.5,41.2,6500.5\n"
    "2022-11-16 10:00:00,process001,174,12.0,3.5,550\n"
    "2022-11-16 10:10:00,process000,137,97.0,63.0,9900\n"
    "2022-11-16 10:10:00,process001,174,10.0,3.0,500\n"
)


def test_process_rows_put_cpu_and_memory_on_the_workers():
    node, _ = _node({PROCS: PROC_CSV})
    procs = {p.name: p for p in node.processes}
    assert procs["process000"].cpu_percent == 97.0
    assert procs["process000"].memory_percent == 63.0
    assert procs["process000"].memory_mb == 9900.0
    assert procs["process001"].cpu_percent == 10.0
    usage = {u.name: u for u in node.process_usage}
    assert usage["process000"].cpu_series == (95.5, 97.0)
    assert usage["process000"].memory_series == (41.2, 63.0)
    assert usage["process000"].pid == 137


def test_process_rows_in_another_order_and_spelling_with_gb_memory():
    text = (
        "PID,Memory (GB),CPU %,Name,Timestamp\n"
        "137,2.5,88,process002,2022-11-16T10:00:00.000\n"
        "999,0.5,1.5,python -m azureml_sys.agent,2022-11-16T10:00:00.000\n"
    )
    node, _ = _node({PROCS: text})
    worker = next(p for p in node.processes if p.name == "process002")
    assert (worker.cpu_percent, worker.memory_mb, worker.memory_percent) == (88.0, 2560.0, None)
    other = next(u for u in node.process_usage if u.worker is None)
    assert other.name == "python -m azureml_sys.agent" and other.pid == 999


def test_extra_columns_are_counted_once_and_do_not_stop_the_rows():
    text = (
        "Utc Time,Process Name,Cpu Percent,Threads,Open Files,Nice\n"
        "2022-11-16 10:00:00,process000,50,12,80,0\n"
    )
    node, snap = _node({PROCS: text})
    assert node.processes[0].cpu_percent == 50.0
    stats = next(f for f in snap.files if f.path == PROCS)
    assert stats.unparsed == 1
    assert "Threads" in stats.unparsed_sample and "Nice" in stats.unparsed_sample


def test_cpu_time_is_not_taken_for_the_row_time_nor_for_cpu_percent():
    text = "Cpu Time,Process Name,Cpu Percent,Utc Time\n0:12:01,process000,70,2022-11-16 10:00:00\n"
    node, _ = _node({PROCS: text})
    usage = node.process_usage[0]
    assert usage.cpu_percent == 70.0
    assert usage.at == _t("2022-11-16T10:00:00")


def test_missing_columns_leave_that_figure_unknown():
    text = "Utc Time,Process Name,Memory Percent\n2022-11-16 10:00:00,process000,12.5\n"
    node, snap = _node({PROCS: text})
    proc = node.processes[0]
    assert (proc.cpu_percent, proc.memory_percent, proc.memory_mb) == (None, 12.5, None)
    assert not any(f.unparsed for f in snap.files)


def test_memory_without_a_unit_is_not_read_as_megabytes():
    text = "Utc Time,Process Name,Cpu Percent,Memory Used\n2022-11-16 10:00:00,process000,5,77\n"
    node, snap = _node({PROCS: text})
    assert node.processes[0].memory_mb is None
    assert next(f for f in snap.files if f.path == PROCS).unparsed == 1  # the column left over


def test_rows_without_process_or_figures_or_time_are_unparsed_not_fatal():
    text = (
        "Utc Time,Process Name,Cpu Percent\n"
        ",process000,5\n"  # no time
        "2022-11-16 10:00:00,,5\n"  # no process
        "2022-11-16 10:00:00,process000,N/A\n"  # no figure
        "2022-11-16 10:00:00,process001,7\n"
    )
    node, snap = _node({PROCS: text})
    assert [p.name for p in node.processes] == ["process001"]
    assert next(f for f in snap.files if f.path == PROCS).unparsed == 3


@pytest.mark.parametrize(
    "content",
    ["\n\n\n", "Utc Time,Process Name,Cpu Percent\n", "\ufeffUtc Time,Process Name\r\n\r\n"],
    ids=["blank", "header-only", "bom-crlf-header-only"],
)
def test_blank_process_and_disk_csvs_are_read_as_such_and_give_nothing(content):
    snap = ingest_files({PROCS: content, DISK: content}).snapshot()
    assert {f.path: f.kind for f in snap.files} == {
        PROCS: "process_usage_csv",
        DISK: "disk_usage_csv",
    }
    # the path names node 0 (registry.place), but the files say nothing about it
    (node,) = snap.nodes
    assert (node.processes, node.process_usage, node.disks, node.last_seen) == ((), (), (), None)
    assert next(f for f in snap.files if f.path == PROCS).unparsed == 0


@pytest.mark.parametrize(
    "garbage",
    [b"\x00\x01\x02\xff\xfe\x00PK\x03\x04" * 50, b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4],
    ids=["zip-like", "png"],
)
def test_binary_rows_are_unparsed_and_the_good_row_after_them_is_read(garbage):
    header = b"Utc Time,Process Name,Cpu Percent\n"
    good = b"\n2022-11-16 10:00:00,process000,42\n"
    node, snap = _node({PROCS: header + garbage + good})
    assert [(p.name, p.cpu_percent) for p in node.processes] == [("process000", 42.0)]
    assert next(f for f in snap.files if f.path == PROCS).unparsed >= 1


def test_two_processes_of_the_same_name_are_two_rows():
    text = (
        "Utc Time,Process Name,Pid,Cpu Percent\n"
        "2022-11-16 10:00:00,python,10,5\n"
        "2022-11-16 10:00:00,python,11,7\n"
    )
    node, _ = _node({PROCS: text})
    assert [(u.name, u.pid, u.cpu_percent) for u in node.process_usage] == [
        ("python", 10, 5.0),
        ("python", 11, 7.0),
    ]


def test_an_older_row_read_later_does_not_replace_the_latest():
    late = "Utc Time,Process Name,Cpu Percent\n2022-11-16 10:10:00,process000,90\n"
    early = "Utc Time,Process Name,Cpu Percent\n2022-11-16 10:00:00,process000,10\n"
    other = "logs/sys/perf/0/processes_resource_usage.csv"
    node, _ = _node({PROCS: late, other: early})
    assert node.processes[0].cpu_percent == 90.0


def test_the_same_file_read_again_adds_no_point_to_the_series():
    ingestor = ingest_files({PROCS: PROC_CSV})
    ingestor.reset(PROCS)
    ingestor.feed(PROCS, PROC_CSV.encode())
    node = ingestor.snapshot().nodes[0]
    assert next(u for u in node.process_usage if u.name == "process000").cpu_series == (
        95.5,
        97.0,
    )


def test_a_process_gone_from_the_newest_check_is_not_listed_as_current():
    text = (
        "Utc Time,Process Name,Cpu Percent\n"
        "2022-11-16 10:00:00,process000,90\n"
        "2022-11-16 10:00:00,process001,80\n"
        "2022-11-16 10:10:00,process000,91\n"
    )
    node, _ = _node({PROCS: text})
    assert [u.name for u in node.process_usage] == ["process000"]
    assert {p.name for p in node.processes} == {"process000", "process001"}
    assert next(p for p in node.processes if p.name == "process001").cpu_percent is None


def test_usage_rows_do_not_make_a_process_look_alive():
    text = "Utc Time,Process Name,Cpu Percent\n2022-11-16 10:00:00,process000,90\n"
    node, _ = _node({PROCS: text})
    assert node.processes[0].last_seen is None
    assert node.last_seen == _t("2022-11-16T10:00:00")


def test_2019_per_process_monitor_file_is_read():
    path = "logs/performance/10.0.0.4/process_resource_monitor_10.0.0.4_1234.csv"
    text = "Time,Pid,Cpu Percent,Memory Percent\n2019-11-02 10:00:00,1234,55.5,20\n"
    node, _ = _node({path: text}, "10.0.0.4")
    assert node.process_usage[0].name == "pid 1234"
    assert node.process_usage[0].cpu_percent == 55.5


def test_2019_per_process_file_without_a_pid_column_takes_the_pid_of_its_name():
    path = "logs/performance/10.0.0.4/process_resource_monitor_10.0.0.4_4321.csv"
    text = "Time,Cpu Percent\n2019-11-02 10:00:00,12.5\n"
    node, _ = _node({path: text}, "10.0.0.4")
    assert (node.process_usage[0].name, node.process_usage[0].pid) == ("pid 4321", 4321)


# ----------------------------------------------------------------------------- disk CSV


def test_disk_rows_by_device_with_units_and_a_percent_worked_out():
    text = (
        "Utc Time,Device,Total (GB),Used (GB),Free (GB)\n"
        "2022-11-16 10:00:00,/dev/sda1,30,12,18\n"
        "2022-11-16 10:00:00,/dev/sdb1,100,90,10\n"
        "2022-11-16 10:10:00,/dev/sdb1,100,95,5\n"
    )
    node, _ = _node({DISK: text})
    disks = {d.name: d for d in node.disks}
    assert disks["/dev/sda1"].used_percent == pytest.approx(40.0)
    assert disks["/dev/sdb1"].used_percent == pytest.approx(95.0)
    assert disks["/dev/sdb1"].free_mb == 5 * 1024


def test_disk_row_with_only_a_percent_and_a_mount_point():
    text = "Time,Mount Point,Usage %\n2022-11-16 10:00:00,/mnt,81.5\n"
    node, _ = _node({DISK: text})
    assert (node.disks[0].name, node.disks[0].used_percent) == ("/mnt", 81.5)


# ----------------------------------------------------------------------------- ps listings (D1)

PS_AUX = (
    "USER         PID %CPU %MEM    VSZ   RSS TTY      STAT START   TIME COMMAND\n"
    "root           1  0.0  0.0   1084     4 ?        Ss   10:00   0:00 /sbin/init\n"
    "root         137 97.0 63.0 9000000 9900000 ?     Rl   10:00   9:40 python process000\n"
)


def test_ps_listing_is_kept_as_written_with_the_time_its_path_names():
    node, _ = _node({PS: PS_AUX})
    assert node.ps is not None
    assert node.ps.at == _t("2022-11-16T10:05:00")
    assert node.ps.lines == tuple(PS_AUX.rstrip("\n").split("\n"))


def test_the_newest_ps_listing_wins_whatever_order_files_are_read_in():
    newer = f"{NODE_DIR}/os/2022111611/processes_00"
    node, _ = _node({newer: "PID CMD\n2 new\n", PS: PS_AUX})
    assert node.ps is not None and node.ps.lines == ("PID CMD", "2 new")


def test_ps_listing_lines_with_nul_bytes_are_counted_not_shown():
    node, snap = _node({PS: b"PID CMD\n1 init\n\x00\x00\x00garbage\n"})
    assert node.ps is not None and node.ps.lines == ("PID CMD", "1 init")
    assert next(f for f in snap.files if f.path == PS).unparsed == 1


def test_ps_listing_is_bounded():
    big = "PID CMD\n" + "".join(f"{i} worker\n" for i in range(5000))
    node, _ = _node({PS: big})
    assert node.ps is not None
    assert len(node.ps.lines) == 400 and node.ps.more == 5001 - 400


def test_ps_listing_arriving_in_pieces_gives_the_whole_listing():
    ingestor = ingest_files({}, final=False)
    ingestor.feed(PS, PS_AUX[:100].encode())
    ingestor.feed(PS, PS_AUX[100:].encode())
    ingestor.flush(final=True)
    ps = ingestor.snapshot().nodes[0].ps
    assert ps is not None and len(ps.lines) == 3


# ----------------------------------------------------------------------------- --json / --once


def test_json_and_text_report_show_cpu_memory_and_disk(tmp_path, capsys):
    import json

    from batchtop.cli import main

    for path, text in {
        PROCS: PROC_CSV,
        DISK: "Utc Time,Device,Used Percent\n2022-11-16 10:10:00,/dev/sdb1,77.0\n",
        PS: PS_AUX,
    }.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text)
    main(["--dir", str(tmp_path), "--once", "--json"])
    data = json.loads(capsys.readouterr().out)
    node = data["nodes"][0]
    proc = next(p for p in node["processes"] if p["name"] == "process000")
    assert (proc["cpu_percent"], proc["memory_percent"], proc["memory_mb"]) == (97.0, 63.0, 9900)
    assert node["disk"][0]["name"] == "/dev/sdb1" and node["disk"][0]["used_percent"] == 77.0
    assert node["ps_at"] == "2022-11-16T10:05:00Z"
    main(["--dir", str(tmp_path), "--once"])
    text = capsys.readouterr().out
    assert "process000 idle 0/0(cpu 97% mem 63%)" in text
    assert "disk 77% /dev/sdb1" in text
