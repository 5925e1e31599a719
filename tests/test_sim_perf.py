"""The simulator writes the rest of the perf folder and, on request, D1's out-of-memory kills;
batchtop reads back what the simulator says it wrote (its own truth, not a parser's)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from batchtop.simulator import SimConfig, write_tree
from helpers import summarise_tree

D1_TEMPLATE = re.compile(r"\|(process\d{3}) exits with returncode -9\.$")
"""D1 (evidence.md): `<process-name> exits with returncode -9.`, names in `processNNN` form."""
RUNNING = dict(
    nodes=3, processes=2, mini_batches=120, dead_node=2, dead_at=0.25, stop_at=0.6, seed=2
)


@pytest.mark.parametrize("era", ["2020", "2021", "v2"])
def test_perf_folder_files_are_written_and_read_back(tmp_path: Path, era: str) -> None:
    write_tree(tmp_path, SimConfig(era=era, perf_interval=30.0, **RUNNING))
    perf = tmp_path / "logs/perf"
    for node in perf.iterdir():
        assert (node / "processes_resource_usage.csv").is_file()
        assert (node / "node_disk_usage.csv").is_file()
        assert list(node.glob("os/*/processes_*")), node
    data = summarise_tree(tmp_path)
    assert not [p for p in data["unparsed_lines"] if "/perf/" in p]
    for node in data["nodes"]:
        assert node["disk"] and node["disk"][0]["used_percent"] is not None
        assert node["ps_at"] is not None
        assert all(p["cpu_percent"] is not None for p in node["processes"]), node["name"]
        assert all(p["memory_mb"] is not None for p in node["processes"]), node["name"]


def test_2019_writes_no_perf_folder(tmp_path: Path) -> None:
    write_tree(tmp_path, SimConfig(era="2019", **RUNNING))
    assert not (tmp_path / "logs/perf").exists()


@pytest.mark.parametrize("era", ["2021", "v2"])
def test_oom_kill_lines_follow_d1_and_batchtop_agrees_with_the_truth(tmp_path: Path, era):
    truth = write_tree(tmp_path, SimConfig(era=era, oom_kill=True, **RUNNING))
    dead = truth.dead_node
    lines = (tmp_path / f"logs/sys/node/{dead}/_main.txt").read_text().splitlines()
    killed = {D1_TEMPLATE.search(line).group(1) for line in lines}
    assert killed == set(truth.processes[dead])
    data = summarise_tree(tmp_path)
    groups = {e["signature"]: e["count"] for e in data["errors"]}
    assert groups == truth.error_groups  # the whole list, the kills included
    for node in data["nodes"]:
        for proc in node["processes"]:
            expected = ("dead", -9) if node["name"] == dead else (None, None)
            assert (proc["after_exit"], proc["exit_code"]) == expected, (node["name"], proc)


def test_oom_kill_needs_a_node_folder_era_and_a_dead_node(tmp_path: Path) -> None:
    truth = write_tree(tmp_path / "a", SimConfig(era="2020", oom_kill=True, **RUNNING))
    assert not list((tmp_path / "a").rglob("_main.txt"))
    assert all("killed" not in g for g in truth.error_groups)
    no_dead = {**RUNNING, "dead_node": None}
    write_tree(tmp_path / "b", SimConfig(era="v2", oom_kill=True, **no_dead))
    assert not list((tmp_path / "b").rglob("_main.txt"))


def test_oom_kill_is_recorded_in_the_config_only_when_used() -> None:
    assert "oom_kill" not in SimConfig().to_dict()
    used = SimConfig(oom_kill=True, dead_node=1)
    assert used.to_dict()["oom_kill"] is True
    assert SimConfig.from_dict(used.to_dict()) == used
