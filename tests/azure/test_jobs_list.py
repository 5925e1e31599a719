"""`batchtop jobs` with the real azure-ai-ml SDK against the emulator (issue 20, workspace view):
which jobs are batch scoring jobs, their order, the filters, and what one refresh costs."""

from __future__ import annotations

import json
import time
from datetime import datetime, timezone

import pytest

from batchtop.cli import main


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def ws_flags(emu) -> list[str]:
    s = emu.state
    return ["--subscription", s.subscription, "-g", s.resource_group, "-w", s.workspace]


@pytest.fixture
def workspace(emu):
    """A workspace holding only this test's jobs (the session emulator keeps other tests')."""
    saved = dict(emu.state.jobs)
    emu.state.jobs.clear()
    now = time.time()
    names = {
        # created 1 h, 2 h, 3 h, 4 h, 5 h and 3 days ago
        "running": emu.add_batch_job("blue_store_3k1gd32x", status="Running",
                                     created=_iso(now - 3600)),
        "failed": emu.add_batch_job("careful_bulb_plwyqfx0", status="Failed",
                                    created=_iso(now - 2 * 3600)),
        "done": emu.add_batch_job("old_done_job", status="Completed",
                                  created=_iso(now - 3 * 86400)),
    }
    emu.add_job("pipe-parallel-1", status="Running", display_name="nightly_scoring",
                nodes={"prep_data": "command", "batch_prediction": "parallel"},
                created=_iso(now - 3 * 3600))
    emu.add_job("pipe-no-parallel", status="Running", display_name="train_only",
                nodes={"prep_data": "command", "train": "command"},
                created=_iso(now - 4 * 3600))
    emu.add_job("command-job-1", job_type="Command", status="Running",
                created=_iso(now - 5 * 3600))
    yield names
    emu.state.jobs.clear()
    emu.state.jobs.update(saved)


def _json(emu, capsys, *extra: str) -> list[dict]:
    assert main(["jobs", *ws_flags(emu), "--json", *extra]) == 0
    return json.loads(capsys.readouterr().out)


def test_json_lists_batch_jobs_failing_running_done(emu, workspace, capsys):
    emu.state.jobs_page = 2  # 6 jobs: three pages, followed
    rows = _json(emu, capsys)
    # failing first; then running, newest first (batch job 1 h, pipeline 3 h); then completed.
    # The command job and the pipeline without a parallel node are not batch scoring jobs.
    assert [r["name"] for r in rows] == [workspace["failed"], workspace["running"],
                                         "pipe-parallel-1", workspace["done"]]
    failed, running, pipe, done = rows
    assert set(running) == {"name", "display_name", "kind", "where", "status", "created",
                            "age_seconds", "duration_seconds", "compute", "progress"}
    assert failed["status"] == "Failed" and done["status"] == "Completed"
    assert running["display_name"] == "blue_store_3k1gd32x"
    assert running["kind"] == "batch endpoint" and pipe["kind"] == "pipeline (parallel step)"
    # S3's description: "Pipeline submission for endpoint: batch-ept, deployment: batch-dpm."
    assert running["where"] == "batch-ept/batch-dpm"
    assert pipe["where"] == "batch-exp"  # the experiment
    assert 3500 < running["age_seconds"] < 3700 + 60
    # S3: a batch endpoint job's computeId is null: unknown, not guessed
    assert running["compute"] is None and pipe["compute"] == "cpu-cluster"
    assert running["progress"] is None


def test_one_refresh_is_one_list_call_chain(emu, workspace, capsys):
    emu.state.jobs_page = 2
    _json(emu, capsys)
    # 6 jobs, 2 a page: the list call and the two nextLinks it gives; no per-job GET
    assert emu.calls_to("jobs") == 3
    assert emu.calls_to("job") == 0


def test_status_and_since_narrow(emu, workspace, capsys):
    running = _json(emu, capsys, "--status", "running")
    assert [r["name"] for r in running] == [workspace["running"], "pipe-parallel-1"]
    failed = _json(emu, capsys, "--status", "FAILED")
    assert [r["name"] for r in failed] == [workspace["failed"]]
    recent = _json(emu, capsys, "--since", "2d")
    assert workspace["done"] not in [r["name"] for r in recent]
    assert len(recent) == 3
    assert main(["jobs", *ws_flags(emu), "--since", "two days"]) == 2
    assert "--since wants an age" in capsys.readouterr().err


def test_once_prints_a_table(emu, workspace, capsys):
    assert main(["jobs", *ws_flags(emu), "--once"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:3] == ["display", "name", "name"]
    assert lines[1].startswith("careful_bulb_plwyqfx0")
    assert "batch-ept/batch-dpm" in lines[1] and "Failed" in lines[1]
    assert lines[3].startswith("nightly_scoring") and "pipe-parallel-1" in lines[3]
    assert len(lines) == 5
    assert not any("command-job-1" in line for line in lines)


def test_batchtop_alone_with_a_workspace_lists_its_jobs(emu, workspace, capsys):
    # no job name, no --dir/--stream/--demo: the workspace from the flags is listed
    assert main([*ws_flags(emu), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["name"] for r in rows] == [workspace["failed"], workspace["running"],
                                         "pipe-parallel-1", workspace["done"]]
