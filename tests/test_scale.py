"""A simulator tree of 100 nodes x 4 processes x 100,000 mini-batches is summarised correctly."""

from __future__ import annotations

from batchtop.simulator import SimConfig, write_tree
from helpers import summarise_tree


def test_large_tree_matches_ground_truth(tmp_path):
    config = SimConfig(
        era="v2",
        nodes=100,
        processes=4,
        mini_batches=100_000,
        failure_rate=0.02,
        timeout_rate=0.002,
        max_attempts=3,
        error_threshold=-1,
        seed=11,
        perf_interval=600.0,
        mb_seconds=2.0,
    )
    truth = write_tree(tmp_path, config).to_summary_dict()
    got = summarise_tree(tmp_path)
    assert got["status"] == truth["status"] == "Completed"
    assert got["mini_batches"] == truth["mini_batches"]
    assert got["items"] == truth["items"]
    assert len(got["nodes"]) == 100
    procs = {
        n["name"]: {
            p["name"]: {"processed": p["processed"], "failed": p["failed"]} for p in n["processes"]
        }
        for n in got["nodes"]
    }
    assert procs == truth["nodes"]
    groups = {e["signature"]: e["count"] for e in got["errors"]}
    timeouts = {"run() unable to finish within <n> seconds.": truth["timeouts"]}
    assert groups == {**truth["error_groups"], **timeouts}  # the whole list, not a subset
