"""--once / --json and --dir tell the truth (issue 9 item 10; ux-review D7, D8, D12;
code-review finding 16). Each test failed before its fix."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from batchtop import events as ev
from batchtop.cli import main, read_tree_once
from batchtop.model import JobState
from batchtop.summary import (
    EXIT_CANCELED,
    EXIT_JOB_FAILED,
    EXIT_NOT_RESPONDING,
    EXIT_OK,
    exit_code,
    summary_dict,
    summary_text,
)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def write(root: Path, rel: str, text: str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def run_json(capsys, *args: str) -> tuple[int, dict]:
    code = main([*args, "--once", "--json"])
    return code, json.loads(capsys.readouterr().out)


# ------------------------------------------------------------------ exit codes
def test_a_canceled_job_does_not_exit_0(tmp_path, capsys):
    # overview stop template from shared/formats/README.md §1 ("stop"), reason `Got stop signal.`
    write(
        tmp_path,
        "logs/job_progress_overview.2023051622.txt",
        "2023-05-16T22:00:00.000000 Start scheduling.\n"
        "2023-05-16T22:00:10.000000 Processed 3 of 10 mini batches in 0:00:10. "
        "Estimated remaining time 0:00:20.\n"
        "2023-05-16T22:00:20.000000 Progress update stopped for reasons: ['Got stop signal.'].\n",
    )
    code, data = run_json(capsys, "--dir", str(tmp_path))
    assert data["status"] == "Canceled"
    assert code == EXIT_CANCELED != EXIT_OK


@pytest.mark.parametrize(
    ("status", "code"),
    [
        ("Completed", EXIT_OK),
        ("Running", EXIT_OK),
        ("Failed", EXIT_JOB_FAILED),
        ("Canceled", EXIT_CANCELED),
        ("NotResponding", EXIT_NOT_RESPONDING),
    ],
)
def test_every_final_status_has_its_own_exit_code(status, code):
    snap = JobState().snapshot()
    assert exit_code(dataclasses.replace(snap, status=status)) == code


def test_exit_codes_are_documented_in_help_and_the_docs(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "4 job canceled" in help_text and "5 job not responding" in help_text
    top = Path(__file__).resolve().parent.parent
    usage = (top / "docs" / "usage.md").read_text()
    assert all(f"| {code} |" in usage for code in range(7))
    assert "docs/usage.md" in (top / "README.md").read_text()  # and README points there


# ------------------------------------------------------------------ states in the report
def test_json_nodes_and_processes_carry_their_state(capsys):
    _, data = run_json(capsys, "--dir", str(FIXTURES / "2019-running"))
    states = {n["name"]: n["state"] for n in data["nodes"]}
    assert states["10.0.0.6"] == "dead"  # expected.json dead_node
    assert states["10.0.0.4"] in ("working", "idle")
    dead = next(n for n in data["nodes"] if n["name"] == "10.0.0.6")
    assert {p["state"] for p in dead["processes"]} == {"dead"}


def test_text_report_names_states_and_what_the_node_counts_are(capsys):
    main(["--dir", str(FIXTURES / "2019-completed"), "--once"])
    out = capsys.readouterr().out
    assert "mini-batches processed: 80 ok, 0 failed, 11 retried" in out
    assert "tries/failed tries" in out  # per process: attempts, not mini-batches
    node_lines = [line for line in out.splitlines() if line.startswith("node ")]
    assert node_lines and all(" ended " in line for line in node_lines)


# ------------------------------------------------------------------ cuts are marked
def _snapshot_with_a_wide_error():
    state = JobState()
    message = "RuntimeError: " + "x" * 150
    for n in range(5):
        state.apply(ev.ErrorRecord(message, 1.0e9 + n, f"logs/user/error/{n}/p.txt", str(n), "p"))
    return state.snapshot(), message


def test_text_report_marks_every_cut_and_json_keeps_everything():
    snap, message = _snapshot_with_a_wide_error()
    data = summary_dict(snap, "test")
    assert data["errors"][0]["message"] == message  # whole in JSON
    assert len(data["errors"][0]["where"]) == 5
    line = next(x for x in summary_text(data).splitlines() if x.startswith("error"))
    assert message[:99] + "…" in line and message[:100] not in line
    assert "+2 more" in line


def test_json_counts_places_beyond_the_ones_kept():
    state = JobState()
    for n in range(20):
        state.apply(ev.ErrorRecord("ValueError: bad", 1.0e9 + n, "f.txt", str(n), "p"))
    data = summary_dict(state.snapshot())
    err = data["errors"][0]
    assert len(err["where"]) + err["other_places"] == 20


# ------------------------------------------------------------------ the verdict is not a group
def test_the_verdict_is_not_one_more_error_group(capsys):
    code, data = run_json(capsys, "--dir", str(FIXTURES / "v2-failed"))
    assert code == 1 and "exceeds error threshold 40" in data["verdict"]
    assert not [e for e in data["errors"] if "error threshold" in e["message"]]


def test_an_overview_failure_verdict_is_not_an_error_group(tmp_path, capsys):
    # real wording: shared/formats/evidence.md (I6, D2)
    write(
        tmp_path,
        "logs/job_progress_overview.2021041522.txt",
        "2021-04-15T22:00:00.000000 Start scheduling.\n"
        "2021-04-15T22:05:00.000000 There is no succeeded mini batch item returned from run(). "
        "Please check 'response: run()' in https://aka.ms/batch-inference-documentation\n",
    )
    _, data = run_json(capsys, "--dir", str(tmp_path))
    assert data["verdict"].startswith("There is no succeeded mini batch item")
    assert data["errors"] == []


# ------------------------------------------------------------------ the wrong folder
def job_folders() -> int:
    """Folders (at any depth) holding a job's `logs/` or `user_logs/` (fixtures/real-stdlogs
    holds std_log-only jobs one level down)."""
    return sum(
        1 for d in FIXTURES.glob("**/") if (d / "logs").is_dir() or (d / "user_logs").is_dir()
    )


def test_a_folder_of_many_jobs_is_refused_with_their_names(capsys):
    assert main(["--dir", str(FIXTURES), "--once"]) == 2
    err = capsys.readouterr().err
    jobs = job_folders()
    assert f"this folder holds {jobs} jobs: 2019-completed, 2019-failed" in err
    assert "…" in err and len(err.strip().splitlines()) == 1


def test_the_tui_refuses_a_folder_of_many_jobs_before_any_screen(capsys):
    assert main(["--dir", str(FIXTURES)]) == 2
    jobs = job_folders()
    assert f"this folder holds {jobs} jobs" in capsys.readouterr().err


def test_a_folder_without_logs_is_refused_not_not_started(tmp_path, capsys):
    write(tmp_path, "notes/readme.md", "not a job\n")
    assert main(["--dir", str(tmp_path), "--once"]) == 2
    assert "no log files found" in capsys.readouterr().err
    assert main(["--dir", str(tmp_path)]) == 2  # the TUI: the same rule
    assert "no log files found" in capsys.readouterr().err


def test_a_folder_a_level_too_deep_gets_a_hint(capsys):
    deep = FIXTURES / "v2-failed" / "logs" / "user"
    assert main(["--dir", str(deep), "--once"]) == 2
    err = capsys.readouterr().err
    assert "no log files found" in err and f"try --dir {FIXTURES / 'v2-failed'}" in err


def test_a_job_with_a_users_own_logs_folder_is_still_one_job(tmp_path, capsys):
    tree = tmp_path / "job"
    for name in ("logs", "azureml-logs"):
        src = FIXTURES / "2021-completed" / name
        for f in src.rglob("*"):
            if f.is_file():
                write(tree, str(f.relative_to(FIXTURES / "2021-completed")), f.read_text())
    write(tree, "outputs/logs/mine.txt", "my own notes\n")
    code, data = run_json(capsys, "--dir", str(tree))
    assert code == 0 and data["mini_batches"]["processed"] == 80


# ------------------------------------------------------------------ old overview.txt
def test_old_overview_written_time_level_message(tmp_path):
    """evidence.md: the 2019/2020 `LogConfig.config_overview()` handler writes
    `%(asctime)s|%(levelname)s|%(message)s` to overview.txt; messages are the templates of
    shared/formats/README.md §1 (values made up)."""
    write(
        tmp_path,
        "logs/overview.txt",
        "2020-05-01 12:00:00,123|INFO|Start scheduling.\n"
        "2020-05-01 12:00:03,456|INFO|Scheduling finished. Scheduled 10 mini batches with 50 "
        "items in 2.1 seconds.\n"
        "2020-05-01 12:01:00,000|INFO|Processed 4 of 10 mini batches in 0:00:57. Estimate "
        "remaining 0:01:30.\n"
        "2020-05-01 12:02:00,000|INFO|No task has been processed yet.\n",
    )
    ingestor, _ = read_tree_once(tmp_path)
    snap = ingestor.snapshot()
    assert snap.mini_batches.total == 10 and snap.mini_batches.processed == 4
    assert snap.items.total == 50
    assert snap.status == "Running"
    assert [f.unparsed for f in snap.files if f.unparsed] == []


def test_occurrences_beyond_the_kept_places_are_said_in_the_text():
    state = JobState()
    for n in range(20):
        state.apply(ev.ErrorRecord("ValueError: bad", 1.0e9 + n, "f.txt", str(n), "p"))
    line = next(
        x
        for x in summary_text(summary_dict(state.snapshot())).splitlines()
        if x.startswith("error")
    )
    assert "… +9 more, 8 more elsewhere" in line  # 12 places kept: 3 shown, 9 in --json
