"""`batchtop JOB --once --json` against the emulators reports what `--dir` reports on the same
tree; job/step selection; exit codes; `--save` mirror and resume."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest
from conftest import ROOT, LogTree, ws_args

from batchtop.azure.mirror import STATE_FILE
from batchtop.azure.run import open_job
from batchtop.azure.source import LOG_FOLDERS
from batchtop.cli import main


def cli_args(emu, job: str, *extra: str) -> list[str]:
    s = emu.state
    return [job, "--subscription", s.subscription, "-g", s.resource_group, "-w", s.workspace,
            *extra]


@pytest.mark.parametrize("fixture,status", [("v2-completed", "Completed"),
                                            ("v2-failed", "Failed"),
                                            ("2021-running", "Running")])
def test_once_json_matches_dir(emu, container, job_name, capsys, fixture, status):
    code_dir = main(["--dir", str(ROOT / "fixtures" / fixture), "--once", "--json"])
    from_dir = json.loads(capsys.readouterr().out)
    # The step queued 5 minutes, then started (run history's startTimeUtc) at the first log
    # line's time: elapsed is run time only, and the queue is reported apart.
    started = from_dir["started_at"]
    created = _iso(_epoch(started) - 300)
    child = emu.run_id()
    emu.add_job(job_name, status=status, created=created,
                children=[emu.run(child, display="batchscoring", status=status,
                                  created=created, started=started)])
    LogTree(container, child).write_tree(ROOT / "fixtures" / fixture)
    code_azure = main(cli_args(emu, job_name, "--once", "--json"))
    captured = capsys.readouterr()
    from_azure = json.loads(captured.out)

    assert code_azure == code_dir == (1 if status == "Failed" else 0)
    assert from_azure.pop("job") == job_name
    assert from_azure.pop("source") == f"azure:{child}"
    from_dir.pop("job"), from_dir.pop("source")
    assert from_azure.pop("queued_seconds") == 300.0
    assert from_dir.pop("queued_seconds") is None
    # the step's compute (run details' target, emulator default): Azure knows it, a folder not
    assert from_azure.pop("compute") == "cpu-cluster"
    assert from_dir.pop("compute") is None
    assert from_azure == from_dir
    assert captured.err == ""


def _epoch(stamp: str) -> float:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_plain_job_is_followed_directly(emu, container, job_name, capsys):
    emu.add_job(job_name, job_type="Command", status="Running")
    LogTree(container, job_name).append("user_logs/std_log_0.txt",
                                        b"Azure Machine Learning Batch Inference Start\n")
    assert main(cli_args(emu, job_name, "--once", "--json")) == 0
    assert json.loads(capsys.readouterr().out)["source"] == f"azure:{job_name}"


def test_several_steps_need_a_choice(emu, container, job_name, capsys):
    a, b = emu.run_id(), emu.run_id()
    emu.add_job(job_name, children=[emu.run(a, display="batchscoring_a"),
                                    emu.run(b, display="batchscoring_b")])
    LogTree(container, b).append("logs/job_progress_overview.txt",
                                               b"2024-05-16T22:01:00 Start scheduling.\n")
    assert main(cli_args(emu, job_name, "--once", "--json")) == 2
    err = capsys.readouterr().err
    assert "several steps" in err and "--step" in err and "batchscoring_a" in err
    assert main(cli_args(emu, job_name, "--once", "--json", "--step", "batchscoring_b")) == 0
    assert json.loads(capsys.readouterr().out)["source"] == f"azure:{b}"


def test_save_mirrors_and_resumes_without_refetch(emu, container, blob_proxy, job_name,
                                                  tmp_path, capsys):
    fixture = ROOT / "fixtures" / "v2-completed"
    main(["--dir", str(fixture), "--once", "--json"])
    created = json.loads(capsys.readouterr().out)["started_at"]
    child = emu.run_id()
    emu.add_job(job_name, status="Completed", created=created,
                children=[emu.run(child, display="batchscoring", status="Completed", created=created)])
    tree = LogTree(container, child)
    tree.write_tree(fixture)
    save = tmp_path / "mirror"

    assert main(cli_args(emu, job_name, "--once", "--json", "--save", str(save))) == 0
    first = json.loads(capsys.readouterr().out)
    logs = {p: n for p, n in tree.sizes.items() if p.startswith(LOG_FOLDERS)}
    assert blob_proxy.blob_bytes == sum(logs.values())  # every log byte once; expected.json not
    assert (save / STATE_FILE).exists()
    for file in fixture.rglob("*"):
        if file.is_file() and file.relative_to(fixture).as_posix() in logs:
            assert (save / file.relative_to(fixture)).read_bytes() == file.read_bytes()

    # The mirror reopens as a local tree...
    assert main(["--dir", str(save), "--once", "--json"]) == 0
    from_mirror = json.loads(capsys.readouterr().out)
    for data in (first, from_mirror):
        data.pop("source"), data.pop("job"), data.pop("status")
    assert (first.pop("compute"), from_mirror.pop("compute")) == ("cpu-cluster", None)
    assert from_mirror == first

    # ...and a restart resumes: nothing is fetched again, only what grew since.
    blob_proxy.reset_counters()
    extra = b"2023-05-16T23:59:59 The overviewer on 0 stopped.\n"
    grown = next(p for p in tree.sizes if p.startswith("logs/job_progress_overview"))
    tree.append(grown, extra)
    assert main(cli_args(emu, job_name, "--once", "--json", "--save", str(save))) == 0
    capsys.readouterr()
    assert blob_proxy.blob_bytes <= len(extra) + 32  # the new line plus the overlap check
    assert (save / grown).read_bytes().endswith(extra)


def test_replaced_file_is_reset(emu, container, job_name):
    emu.add_job(job_name, job_type="Command")
    tree = LogTree(container, job_name)
    tree.append("user_logs/std_log_0.txt", b"first run line 1\nfirst run line 2\n")
    target = open_job(ws_args(emu), job_name, interactive=False)
    first = target.source.poll()
    assert [(c.path, c.offset, c.reset) for c in first] == [("user_logs/std_log_0.txt", 0, False)]
    tree.replace("user_logs/std_log_0.txt", b"second run, longer than the first one was!!\n")
    again = target.source.poll()
    assert again[0].reset and again[0].offset == 0
    assert b"".join(c.data for c in again) == b"second run, longer than the first one was!!\n"
    tree.replace("user_logs/std_log_0.txt", b"short\n")
    shrunk = target.source.poll()
    assert shrunk[0].reset and b"".join(c.data for c in shrunk) == b"short\n"
    assert target.source.poll() == []


def test_unsafe_blob_names_are_not_written_outside_the_mirror(tmp_path):
    from batchtop.azure.mirror import Mirror

    mirror = Mirror(tmp_path / "m", {"a": "b"})
    # a name with `..` is kept under the root, escaped (see test_save_private for more)
    unsafe = mirror.local_path("logs/../../etc/passwd")
    assert unsafe.parent == tmp_path / "m" / ".batchtop-aliased" and ".." not in unsafe.parts
    assert mirror.local_path("logs/x.txt") == Path(tmp_path / "m" / "logs" / "x.txt")
