"""`batchtop jobs` with the real azure-ai-ml SDK against the emulator (issue 20, workspace view):
which jobs are batch scoring jobs, their order, the filters, what one refresh costs, and the
running jobs' mini-batch progress read from the tail of their step's overview."""

from __future__ import annotations

import json
import time
from datetime import datetime, timezone

import pytest
from azure_blobproxy import ProxyFault
from conftest import LogTree, ws_args

from batchtop.azure import progress_probe
from batchtop.azure.jobs_cli import workspace_lister
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
    # 6 jobs, 2 a page: the list call and the two nextLinks it gives
    assert emu.calls_to("jobs") == 3
    # then, once per process, each of the two running jobs' step is looked up (for progress):
    # azure-ai-ml's jobs.list(parent_job_name=) GETs the parent before listing its children.
    # Neither has a step yet, so no datastore lookup and no storage call.
    assert (emu.calls_to("job"), emu.calls_to("children")) == (2, 2)
    assert emu.calls_to("datastore") == 0


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


OVERVIEW = "logs/job_progress_overview.2023051622.txt"


def _processed(p: int, t: int = 400) -> bytes:
    """A v2 overview progress line in the real wording (evidence.md section 1, source I2)."""
    return (f"2023-05-16T22:20:53.233813 Processed {p} of {t} mini batches in 0:12:14. "
            f"Estimated remaining time 0:28:59.\n").encode()


def _workspace_calls(emu) -> list[str]:
    """The calls to the workspace and run history, in order (the SDK's cloud `metadata`
    look-ups, which are no workspace call, left out)."""
    return [route for route, _ in emu.state.calls if route != "metadata"]


@pytest.fixture
def progress_ws(emu, container):
    """A running batch job whose scoring step's overview grew to `Processed 120 of 400`
    (over 8 KiB of earlier lines, so a whole read would show), a completed one whose overview
    says all 400 were processed, and a running pipeline whose parallel step has not started."""
    saved = dict(emu.state.jobs)
    emu.state.jobs.clear()
    running_step, done_step = emu.run_id(), emu.run_id()
    running = emu.add_batch_job("blue_store_3k1gd32x", status="Running",
                                children=[emu.run(running_step, display="batchscoring")])
    done = emu.add_batch_job("old_done_job", status="Completed",
                             children=[emu.run(done_step, display="batchscoring",
                                               status="Completed")])
    emu.add_job("pipe-parallel-1", status="Running",
                nodes={"prep_data": "command", "batch_prediction": "parallel"})
    tree = LogTree(container, running_step)
    tree.append(OVERVIEW, b"".join(_processed(p) for p in range(120)))
    assert tree.total > progress_probe.TAIL_BYTES  # the early lines lie outside the tail
    tree.append(OVERVIEW, _processed(120))
    LogTree(container, done_step).append(
        OVERVIEW, b"2023-05-16T23:00:00.000000 All 400 mini batches have been processed.\n")
    yield {"running": running, "done": done, "tree": tree}
    emu.state.jobs.clear()
    emu.state.jobs.update(saved)


def test_running_job_shows_its_overview_progress(emu, progress_ws, blob_proxy, capsys):
    rows = {r["name"]: r["progress"] for r in _json(emu, capsys)}
    assert rows[progress_ws["running"]] == "120/400"
    assert rows[progress_ws["done"]] is None  # not running: never read, although it says 400
    assert rows["pipe-parallel-1"] is None  # its parallel step has not started
    # one delimited listing of the step's logs/ and one ranged read of the overview's tail
    assert blob_proxy.lists == 1 and blob_proxy.reads == 1
    assert blob_proxy.blob_bytes <= progress_probe.TAIL_BYTES < progress_ws["tree"].total


def test_refresh_cost_and_the_30_second_budget(emu, progress_ws, blob_proxy):
    now = [1000.0]
    lister, _ = workspace_lister(ws_args(emu, status=None), None, clock=lambda: now[0])
    rows = {r.name: r.progress for r in lister()}
    assert rows[progress_ws["running"]] == "120/400"
    # first refresh: the job list; each running job's children (the batch job's and the
    # pipeline's; the SDK GETs each parent first); the datastore and its secret for the one
    # step found; in storage one listing and one read. The completed job costs nothing.
    assert (emu.calls_to("jobs"), emu.calls_to("job"), emu.calls_to("children")) == (1, 2, 2)
    assert (emu.calls_to("datastore"), emu.calls_to("secrets")) == (1, 1)
    assert (blob_proxy.lists, blob_proxy.reads) == (1, 1)

    progress_ws["tree"].append(OVERVIEW, _processed(200))
    emu.state.calls.clear()
    blob_proxy.reset_counters()
    now[0] += 29.0  # within 30 s: the list call only, the cached answer
    rows = {r.name: r.progress for r in lister()}
    assert rows[progress_ws["running"]] == "120/400"
    assert _workspace_calls(emu) == ["jobs"]
    assert (blob_proxy.lists, blob_proxy.reads) == (0, 0)

    emu.state.calls.clear()
    now[0] += 2.0  # 31 s after the read: one ranged read, no listing; the pipeline's
    rows = {r.name: r.progress for r in lister()}  # unstarted step is looked up again
    assert rows[progress_ws["running"]] == "200/400"
    assert _workspace_calls(emu) == ["jobs", "job", "children"]
    assert (blob_proxy.lists, blob_proxy.reads) == (0, 1)
    assert blob_proxy.blob_bytes < progress_probe.TAIL_BYTES  # from 2 KiB before the old end


def test_a_tail_read_mid_line_counts_only_whole_lines():
    # a ranged read starts and may end inside a line: the last whole line's count is shown;
    # the line still being written (`130 of 4`, perhaps 4000) is not read yet
    tail = (b"ssed 119 of 400 mini batches in 0:12:10. Estimated remaining time 0:29:00.\n"
            + _processed(120) + b"2023-05-16T22:21:03.000000 Processed 130 of 4")
    found = progress_probe.last_progress(OVERVIEW, tail, whole=False)
    assert found is not None and progress_probe.format_progress(found) == "120/400"
    # the old era's plain wording has no total (the parser's O4 form; no real line known)
    plain = progress_probe.last_progress(
        "logs/overview.txt", b"2020-03-02 10:00:00,123 Processed 7 mini batches.\n", whole=True)
    assert plain is not None and progress_probe.format_progress(plain) == "7/-"


def test_a_refused_read_leaves_a_dash_and_the_next_probe_recovers(emu, progress_ws,
                                                                   blob_proxy):
    now = [1000.0]
    lister, _ = workspace_lister(ws_args(emu, status=None), None, clock=lambda: now[0])
    blob_proxy.inject(ProxyFault(status=403, kind="read", code="AuthorizationPermissionMismatch"))
    rows = {r.name: r.progress for r in lister()}  # no exception: the list is shown
    assert rows[progress_ws["running"]] is None
    assert progress_ws["done"] in rows
    now[0] += 30.0  # the next probe lists the folder again and reads
    rows = {r.name: r.progress for r in lister()}
    assert rows[progress_ws["running"]] == "120/400"


def test_new_step_lookups_are_bounded_per_refresh(emu, container, blob_proxy):
    saved = dict(emu.state.jobs)
    emu.state.jobs.clear()
    try:
        start = time.time() - 3600
        for i in range(7):  # job_6 is the newest; the service lists newest first
            step = emu.run_id()
            emu.add_batch_job(f"job_{i}", status="Running", created=_iso(start + 60 * i),
                              children=[emu.run(step, display="batchscoring")])
            LogTree(container, step).append(OVERVIEW, _processed(i, 7))
        now = [1000.0]
        lister, _ = workspace_lister(ws_args(emu, status=None), None, clock=lambda: now[0])
        emu.state.calls.clear()
        first = [r.progress for r in lister()]
        assert emu.calls_to("children") == progress_probe.RESOLVE_PER_REFRESH == 5
        assert sorted(p for p in first if p) == ["2/7", "3/7", "4/7", "5/7", "6/7"]
        assert first[-2:] == [None, None]  # the two oldest (listed last) wait a refresh
        emu.state.calls.clear()
        now[0] += 1.0
        second = [r.progress for r in lister()]
        assert emu.calls_to("children") == 2
        assert sorted(p for p in second if p) == [f"{i}/7" for i in range(7)]
    finally:
        emu.state.jobs.clear()
        emu.state.jobs.update(saved)
