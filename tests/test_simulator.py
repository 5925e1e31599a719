"""The simulator: deterministic, internally consistent, era-correct, and live == whole."""

from __future__ import annotations

import csv
import io
import json
import re
import threading
from datetime import datetime, timezone
from pathlib import Path

import pytest

from batchtop.sim.engine import simulate
from batchtop.simulator import ERAS, LiveSimulator, SimConfig, run_live, write_tree

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

BUSY = dict(failure_rate=0.15, timeout_rate=0.04, max_attempts=3, mini_batches=80)


def read_tree(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def rows(root: Path, rel: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO((root / rel).read_text(encoding="utf-8"))))


def overview_text(root: Path) -> str:
    files = (
        sorted((root / "logs").glob("job_progress_overview.*.txt"))
        or sorted((root / "logs").glob("overview*.txt"))
        or sorted((root / "logs" / "sys").glob("overview*.txt"))  # the agent era (N6)
    )
    return "".join(f.read_text(encoding="utf-8") for f in files)


def test_same_seed_same_tree_other_seed_other_tree(tmp_path: Path) -> None:
    cfg = SimConfig(era="v2", seed=3, **BUSY)
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    truth_a = write_tree(a, cfg)
    truth_b = write_tree(b, cfg)
    truth_c = write_tree(c, SimConfig(era="v2", seed=4, **BUSY))
    assert read_tree(a) == read_tree(b)
    assert truth_a.to_summary_dict() == truth_b.to_summary_dict()
    assert read_tree(a) != read_tree(c)
    assert truth_a.to_summary_dict() != truth_c.to_summary_dict()


@pytest.mark.parametrize("era", ["2021", "v2"])
def test_truth_matches_the_attempt_report(tmp_path: Path, era: str) -> None:
    truth = write_tree(tmp_path, SimConfig(era=era, seed=11, **BUSY))
    report = rows(tmp_path, "logs/sys/job_report/processed_mini-batches.csv")
    assert truth.processed == truth.succeeded + truth.failed
    assert truth.items_total >= truth.items_succeeded + truth.items_failed
    assert len(report) == truth.attempts
    assert sum(pt.processed for procs in truth.processes.values() for pt in procs.values()) == (
        truth.attempts
    )
    by_mb: dict[str, list[dict[str, str]]] = {}
    for row in report:
        by_mb.setdefault(row["Mini-batch Id"], []).append(row)
        json.loads(row["Mini-batch Detail"])
        assert row["Process"].count("/") == 1
    assert len(by_mb) == truth.processed
    assert sum(1 for r in by_mb.values() if len(r) > 1) == truth.retried > 0
    ok = {mb for mb, rs in by_mb.items() if any(r["Status"] == "RUN_DONE" for r in rs)}
    assert len(ok) == truth.succeeded
    assert sum(int(by_mb[mb][0]["Total"]) for mb in ok) == truth.items_succeeded
    for mb, rs in by_mb.items():  # picked counts grow 1, 2, ... per mini-batch
        assert [int(r["Picked Count"]) for r in rs] == list(range(1, len(rs) + 1)), mb
    per_process: dict[str, int] = {}
    for row in report:
        per_process[row["Process"]] = per_process.get(row["Process"], 0) + 1
    for node, procs in truth.processes.items():
        for proc, pt in procs.items():
            assert per_process.get(f"{node}/{proc}", 0) == pt.processed
    exceptions = sum(1 for r in report if r["Status"] == "RUN_EXCEPTION")
    assert sum(truth.error_groups.values()) == exceptions
    assert sum(1 for r in report if r["Status"] == "RUN_TIMEOUT") == truth.timeouts
    assert len(truth.error_groups) >= 3


def _shape(message: str) -> str:
    for pattern, repl in (
        (r"\[[^\]]*\]", "[…]"),
        (r"'[^']*'", "'…'"),
        (r"\b\d+(?:\.\d+)?\b", "<n>"),
    ):
        message = re.sub(pattern, repl, message)
    return message


@pytest.mark.parametrize("era", ERAS)
def test_sys_logs_agree_with_truth(tmp_path: Path, era: str) -> None:
    truth = write_tree(tmp_path, SimConfig(era=era, seed=5, **BUSY))
    finished = re.compile(
        r"\|(?:Processed mini batch |Failed to process |Stop for run\(\) unable to finish)"
    )
    failed = re.compile(r"\|(?:Failed to process |Stop for run\(\) unable to finish)")
    groups: dict[str, int] = {}
    for node, procs in truth.processes.items():
        for proc, pt in procs.items():
            folder = "worker" if era in ("2019", "2020") else "node"
            text = (tmp_path / "logs/sys" / folder / node / f"{proc}.txt").read_text()
            assert len(finished.findall(text)) == pt.processed
            assert len(failed.findall(text)) == pt.failed
            for m in re.finditer(r"\} with error (\w+): (.*)", text):
                key = f"{m.group(1)}: {_shape(m.group(2))}"
                groups[key] = groups.get(key, 0) + 1
            for m in re.finditer(r"Start processing mini batch (\{.*\})\.$", text, re.M):
                assert set(json.loads(m.group(1))) == {"id", "dequeue_count", "total"}
    assert groups == truth.error_groups


LAYOUT = {
    "2019": (
        ["logs/overview.txt", "logs/sys/master.txt", "logs/sys/worker/10.0.0.4/Process-1.txt"]
        + ["logs/sys/worker/10.0.0.5/Process-2.task.csv", "azureml-logs/70_driver_log.txt"]
        + ["logs/performance/10.0.0.4/sys_resource_monitor_10.0.0.4.csv", "logs/readme.txt"],
        ["logs/sys/job_report", "logs/perf", "user_logs", "logs/job_result.txt"],
    ),
    "2020": (
        ["logs/job_progress_overview.2023051622.txt", "logs/sys/master_role.txt"]
        + [
            "logs/sys/worker/10.0.0.4/process000.txt",
            "logs/sys/worker/10.0.0.4/process001.task.csv",
        ]
        + ["logs/sys/report/processed_tasks.csv", "logs/perf/10.0.0.5/node_resource_usage.csv"]
        + ["logs/user/10.0.0.4/process000.log.txt", "azureml-logs/70_driver_log.txt"],
        ["logs/sys/job_report", "logs/sys/node", "user_logs", "logs/overview.txt"],
    ),
    "2021": (
        ["logs/job_progress_overview.2023051622.txt", "logs/sys/node/10.0.0.5/process001.txt"]
        + ["logs/sys/job_report/processed_mini-batches.csv", "azureml-logs/70_driver_log.txt"]
        + ["logs/user/stdout/10.0.0.4/process000.stdout.txt", "logs/user/error.txt"]
        + ["logs/user/entry_script_log/10.0.0.4/process000.log.txt"],
        ["logs/sys/worker", "logs/sys/report", "user_logs", "logs/job_result.txt"],
    ),
    "v2": (
        ["logs/job_progress_overview.2023051622.txt", "logs/sys/node/1/process001.txt"]
        + ["logs/sys/job_report/processed_mini-batches.csv", "logs/job_error.txt"]
        + ["logs/job_result.txt", "logs/sys/metrics/job/progress.csv", "user_logs/std_log_1.txt"]
        + ["logs/perf/0/node_resource_usage.csv", "logs/user/stderr/1/process000.stderr.txt"],
        ["azureml-logs", "logs/sys/worker", "logs/sys/report"],
    ),
    # the readme of evidence.md N6: workers are agents
    "2020-agent": (
        ["logs/sys/overview.txt", "logs/sys/master.txt", "logs/sys/node/10.0.0.4/agent000.txt"]
        + ["logs/sys/node/10.0.0.5/agent001.task.csv", "logs/sys/perf/10.0.0.4/sys.csv"]
        + ["logs/user/10.0.0.4/log/agent000.txt", "logs/sys/report/processed_tasks.csv"],
        ["logs/sys/worker", "logs/job_progress_overview.2023051622.txt", "logs/perf", "user_logs"],
    ),
}


@pytest.mark.parametrize("era", ERAS)
def test_each_era_writes_its_own_layout(tmp_path: Path, era: str) -> None:
    write_tree(tmp_path, SimConfig(era=era, **BUSY))
    present, absent = LAYOUT[era]
    for rel in present:
        assert (tmp_path / rel).is_file(), rel
    for rel in absent:
        assert not (tmp_path / rel).exists(), rel


@pytest.mark.parametrize("era", ERAS)
def test_overview_lines_have_the_documented_shapes(tmp_path: Path, era: str) -> None:
    write_tree(tmp_path, SimConfig(era=era, mini_batches=60))
    old = era in ("2019", "2020", "2020-agent")
    remaining = "Estimate remaining" if old else "Estimated remaining time"
    scheduled = (
        r"Scheduling finished\. Scheduled \d+ mini batches with \d+ items in \d+ seconds\."
        if old
        else r"Scheduling finished\. Scheduled \d+ mini batches in \d+ seconds\. "
        r"There are \d+ tasks with \d+ items\."
    )
    shapes = [
        r"Start the simulator\.|Start scheduling\.",
        r"The overviewer on \S+ (?:started|stopped)\.",
        scheduled,
        r"Scheduled \d+ mini batches in \d+ seconds\.",
        r"No task has been processed yet\.",
        rf"Processed \d+ of \d+ mini batches in \d+:\d\d:\d\d\. {remaining} \d+:\d\d:\d\d\.",
        r"Processed \d+ mini batches\.",
        r"All \d+ mini batches have been processed\.",
        r"Progress update stopped for reasons: \[.*\]\.",
        r"There are \d+ temp files to concatenate\. Total size is [\d.]+ MB\.",
        r"Finished concatenating \d+ files in \d+:\d\d:\d\d\.",
    ]
    line = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6} (?:" + "|".join(shapes) + ")$")
    text = overview_text(tmp_path)
    assert re.search(scheduled, text) and "All 60 mini batches have been processed." in text
    for row in text.splitlines():
        assert line.match(row), row


@pytest.mark.parametrize("era", ERAS)
def test_failed_job_exceeds_its_threshold(tmp_path: Path, era: str) -> None:
    cfg = SimConfig(era=era, seed=2, error_threshold=25, failure_rate=0.25, mini_batches=80)
    truth = write_tree(tmp_path, cfg)
    assert truth.status == "Failed"
    assert truth.items_failed > cfg.error_threshold
    assert truth.verdict == (
        f"The number of failed items is {truth.items_failed}, which exceeds error threshold 25."
    )
    assert truth.verdict in overview_text(tmp_path)
    driver = "user_logs/std_log_0.txt" if era == "v2" else "azureml-logs/70_driver_log.txt"
    assert (tmp_path / driver).read_text().rstrip().endswith("SystemExit: 42")
    if era == "v2":
        assert truth.verdict in (tmp_path / "logs/job_result.txt").read_text()
        job_error = (tmp_path / "logs/job_error.txt").read_text()
        assert re.search(r"failed on mini batch \d+ with error: Traceback", job_error)


@pytest.mark.parametrize("era", ERAS)
def test_running_job_is_cut_before_the_end(tmp_path: Path, era: str) -> None:
    truth = write_tree(tmp_path, SimConfig(era=era, stop_at=0.5, mini_batches=60))
    assert truth.status == "Running" and truth.config.stop_at < 1
    assert truth.processed == 30 < truth.total
    text = overview_text(tmp_path)
    assert "have been processed" not in text and "stopped" not in text
    assert not (tmp_path / "logs/job_result.txt").exists()


def test_dead_node_stops_writing_but_the_job_completes(tmp_path: Path) -> None:
    cfg = SimConfig(era="2021", nodes=3, dead_node=1, dead_at=0.3, mini_batches=120)
    truth = write_tree(tmp_path, cfg)
    assert truth.status == "Completed" and truth.dead_node == "10.0.0.5"
    assert truth.processed == truth.total

    def last_stamp(rel: str) -> str:
        lines = (tmp_path / rel).read_text().splitlines()
        return [ln for ln in lines if ln[:2] == "20"][-1][:23]

    dead = last_stamp("logs/sys/node/10.0.0.5/process000.txt")
    alive = last_stamp("logs/sys/node/10.0.0.4/process000.txt")
    assert dead < alive
    assert last_stamp("logs/perf/10.0.0.5/node_resource_usage.csv") < last_stamp(
        "logs/perf/10.0.0.4/node_resource_usage.csv"
    )
    dead_sum = sum(pt.processed for pt in truth.processes["10.0.0.5"].values())
    assert 0 < dead_sum < truth.attempts / 3


def test_report_csv_of_2020_and_task_csv(tmp_path: Path) -> None:
    truth = write_tree(tmp_path, SimConfig(era="2020", seed=1, **BUSY))
    report = rows(tmp_path, "logs/sys/report/processed_tasks.csv")
    assert len(report) == truth.attempts
    assert list(report[0])[:3] == ["Task Id", "Ip Address", "Process Id"]
    # "Process Id" is the worker's OS pid, the one its sys-log lines carry
    pid = report[0]["Process Id"]
    sys_logs = (tmp_path / "logs/sys/worker" / report[0]["Ip Address"]).glob("*.txt")
    assert any(f"|{pid}|" in p.read_text() for p in sys_logs)
    task_rows = rows(tmp_path, "logs/sys/worker/10.0.0.4/process000.task.csv")
    attempts = [r for r in task_rows if r["Status"].startswith("ENTRY_SCRIPT_RUN_")]
    assert len(attempts) == truth.processes["10.0.0.4"]["process000"].processed


@pytest.mark.parametrize("era", ["2019", "v2"])
def test_live_appends_and_ends_equal_to_write_tree(tmp_path: Path, era: str) -> None:
    cfg = SimConfig(
        era=era,
        start=datetime(2023, 5, 16, 23, 58, 0, tzinfo=timezone.utc),
        mini_batches=50,
        mb_seconds=8.0,
        **{k: v for k, v in BUSY.items() if k != "mini_batches"},
    )
    whole = write_tree(tmp_path / "whole", cfg)
    assert len(whole.overview_files) == 2  # the job crosses midnight
    live = LiveSimulator(tmp_path / "live", cfg)
    sizes: dict[str, int] = {}
    steps = 0
    while not live.done:
        live.step(7.0)
        steps += 1
        now = {rel: len(data) for rel, data in read_tree(tmp_path / "live").items()}
        for rel, size in sizes.items():
            assert now[rel] >= size, rel
        sizes = now
    assert steps > 10
    assert read_tree(tmp_path / "live") == read_tree(tmp_path / "whole")
    assert live.truth.to_summary_dict() == whole.to_summary_dict()


def test_run_live_in_real_time_and_stop(tmp_path: Path) -> None:
    cfg = SimConfig(era="2021", mini_batches=40)
    truth = run_live(tmp_path / "a", cfg, rate=2000.0, tick=0.01)
    assert read_tree(tmp_path / "a") == read_tree(_whole(tmp_path / "b", cfg))
    assert truth.status == "Completed"
    stop = threading.Event()
    stop.set()
    run_live(tmp_path / "c", cfg, rate=1.0, stop=stop)
    assert not (tmp_path / "c").exists()


def _whole(root: Path, cfg: SimConfig) -> Path:
    write_tree(root, cfg)
    return root


def test_fixtures_match_their_recorded_truth() -> None:
    expected = sorted(FIXTURES.glob("*/expected.json"))
    # hand-assembled trees (pasted-2021, oom-kill, ...) record no simulator config
    generated = [p for p in expected if json.loads(p.read_text()).get("config")]
    assert len(generated) == 12
    for path in generated:
        recorded = json.loads(path.read_text())
        recorded.pop("node_states")  # hand-checked from the files, not simulated (README)
        plan = simulate(SimConfig.from_dict(recorded["config"]))
        summary = plan.truth.to_summary_dict()
        summary["overview_files"] = recorded["overview_files"]
        assert summary == recorded, path.parent.name
        assert (path.parent / recorded["overview_files"][0]).is_file()
