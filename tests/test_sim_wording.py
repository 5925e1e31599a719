"""The simulator writes only wording that sim/text.py's WORDING table lists, with its
provenance (real / code / invented); and it writes the real wording where evidence exists.

This keeps the "invented" marks in one place honest: a new message in the simulator that the
table does not list fails here, and so does a table entry the simulator no longer writes.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from batchtop.parsers.registry import classify
from batchtop.sim.text import INVENTED, REAL, WORDING, wording_of
from batchtop.simulator import ERAS, SimConfig, write_tree

_PIPE_FIELDS = {"2019": 2, "2020": 3, "2021": 3, "v2": 5, "2020-agent": 3}
"""Fields between the timestamp and the message in each era's sys logs (sim sys_prefix)."""
_ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6} (.*)$")
_BRACKET = re.compile(r"^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}\] (.*)$")


def _pipe(era: str, fields: int | None = None) -> re.Pattern[str]:
    n = fields if fields is not None else _PIPE_FIELDS[era]
    return re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}\|(?:[^|]*\|){" + str(n) + "}(.*)$")


def _where(rel: str) -> str | None:
    kind = classify(rel).kind
    if kind == "syslog":
        return "master" if "/master" in rel else "worker"
    if kind in ("overview", "job_result", "job_error", "user_error", "user_error_summary"):
        return kind
    if kind == "driver_log":
        return "driver"
    if kind == "node_main":
        return "node_main"
    return None


def messages(root: Path, era: str):
    """(where, message) of every record the simulator wrote that a table entry must cover."""
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        rel = path.relative_to(root).as_posix()
        if rel.endswith(".csv"):
            yield from _csv_cells(path, rel)
            continue
        where = _where(rel)
        if where is None:
            continue
        stamp = {
            "node_main": _pipe(era),
            "master": _pipe(era),
            "worker": _pipe(era),
            "user_error": _pipe(era, 3),
            "driver": _BRACKET,
        }.get(where, _ISO)
        for line in path.read_text().splitlines():
            m = stamp.match(line)
            if m:
                yield where, m.group(1)


def _csv_cells(path: Path, rel: str):
    with open(path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    if rel.endswith(".task.csv"):
        yield from (("task_status", r["Status"]) for r in rows)
    elif rel.endswith("processed_mini-batches.csv"):
        for r in rows:
            yield "report_status", r["Status"]
            yield "report_process", r["Process"]


CONFIGS = {
    "completed": dict(mini_batches=3000, mb_seconds=2.0, failure_rate=0.1, timeout_rate=0.02),
    "failed": dict(mini_batches=200, failure_rate=0.3, timeout_rate=0.05, error_threshold=30),
    "dead": dict(mini_batches=60, dead_node=1, stop_at=0.8, failure_rate=0.1),
    "slow": dict(mini_batches=8, mb_seconds=80.0),
    "oom": dict(mini_batches=60, dead_node=1, stop_at=0.8, oom_kill=True),
}


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> dict[tuple[str, str], set[tuple[str, str]]]:
    seen: dict[tuple[str, str], set[tuple[str, str]]] = {}
    for era in ERAS:
        for name, kw in CONFIGS.items():
            root = tmp_path_factory.mktemp(f"{era}-{name}")
            write_tree(root, SimConfig(era=era, nodes=2, processes=2, seed=3, **kw))
            seen[(era, name)] = set(messages(root, era))
    return seen


def test_every_simulated_message_is_listed_with_its_provenance(written):
    unlisted = {
        (era, where, message[:120])
        for (era, _), found in written.items()
        for where, message in found
        if wording_of(where, message) is None
    }
    assert not unlisted, sorted(unlisted)[:20]


def test_every_listed_wording_is_still_written(written):
    used = {wording_of(where, message) for found in written.values() for where, message in found}
    unused = [w for w in WORDING if w not in used]
    assert not unused, unused


def test_invented_wording_is_marked_and_real_wording_cites_a_source():
    for w in WORDING:
        assert w.provenance in (REAL, "code", INVENTED)
        assert w.source, w
    invented = {w.pattern for w in WORDING if w.provenance == INVENTED}
    # the wordings evidence.md names as having no public sample
    assert any("Start processing mini batch" in p for p in invented)
    assert any("Processed mini batch" in p for p in invented)
    assert any("The job completed successfully" in p for p in invented)


def test_v2_job_error_is_written_in_the_real_wording(tmp_path):
    """I3 banner and I4 record, as batchtop's evidence quotes them."""
    write_tree(tmp_path, SimConfig(era="v2", failure_rate=0.2, seed=4))
    lines = (tmp_path / "logs/job_error.txt").read_text().splitlines()
    assert lines[0].split(" ", 1)[1] == (
        "This file shows errors in loading, calling init() and calling run() of the entry"
        ' script. An error here may not impact the job result. Please check "job_result.txt"'
        " for the job result."
    )
    heads = [line for line in lines if _ISO.match(line)][1:]
    assert heads and all(
        re.search(r" The process\d{3} on node \d+ failed on mini batch \d+ with error: "
                  r"Traceback \(most recent call last\):$", h)
        for h in heads
    )  # fmt: skip
    assert '/driver/azureml_user/parallel_run/payload_thread.py", line 294, in process_task' in (
        "\n".join(lines)
    )


@pytest.mark.parametrize("era", ["2019", "2020"])
def test_old_task_csv_statuses_are_progress_status_enum_names(tmp_path, era):
    """I7 / C2: `.task.csv` Status is a ProgressStatus name, never plain RUN_DONE."""
    write_tree(tmp_path, SimConfig(era=era, failure_rate=0.2, timeout_rate=0.05, seed=4))
    statuses = set()
    for path in tmp_path.rglob("*.task.csv"):
        with open(path, newline="") as fh:
            statuses |= {r["Status"] for r in csv.DictReader(fh)}
    assert statuses == {
        "ENTRY_SCRIPT_INIT_START",
        "ENTRY_SCRIPT_INIT_DONE",
        "ENTRY_SCRIPT_RUN_DONE",
        "ENTRY_SCRIPT_RUN_EXCEPTION",
        "ENTRY_SCRIPT_RUN_TIMEOUT",
    }
