"""The workspace follow on the service's real shapes (issue 17, service-recordings.md S1-S7).

The emulator serves what azure-ai-ml's recorded traffic shows: child runs with GUID ids, the
component name `azureml_anonymous`, `StepType: PythonScriptStep`, display name = the pipeline
node's name; the parent's `properties.jobs` declaring each node's type; batch jobs named
`batchjob-<guid>` and shown by a display name, with `computeId: null`; reused children with
`compute: null` and `target` set; listings paged by `nextLink`. The real SDK runs against it.
"""

from __future__ import annotations

import json
import uuid

from conftest import LogTree, ws_args
from test_faults import assert_no_secrets

from batchtop.azure.run import open_job
from batchtop.cli import main

OVERVIEW = "logs/job_progress_overview.2023051622.txt"
# Real v2 overview line (evidence.md §1, source I2: azure-sdk-for-python#30421).
PROGRESS = (
    b"2023-05-16T22:20:53.233813 Processed 4117 of 20000 mini batches in 5:02:14. "
    b"Estimated remaining time 19:25:59.\n"
)
PARENT_LOG = "logs/azureml/executionlogs.txt"
# S5's parent log line (executionlogs.txt, base64-decoded in the recording)
PARENT_LINE = b"[2023-02-12 04:58:55Z] Completing processing run id 47fe204a\n"
# The docs' example pipeline (MicrosoftDocs how-to-use-parallel-job-in-pipeline): its node
# names say nothing about "parallel"; only the parent's node types do.
NODES = {"prep_data": "command", "batch_prediction": "parallel", "post": "command"}


def cli(emu, job: str, *extra: str) -> list[str]:
    s = emu.state
    return [job, "--subscription", s.subscription, "-g", s.resource_group, "-w", s.workspace,
            "--once", "--json", *extra]


def pipeline(emu, container, job_name: str, started: tuple[str, ...], status="Running"):
    """The docs' pipeline with the steps in `started` created; returns node -> run id."""
    runs = {node: emu.run(display=node, status="Completed" if node == "prep_data" else status)
            for node in started}
    emu.add_job(job_name, status=status, nodes=NODES, children=list(runs.values()))
    ids = {node: run["runId"] for node, run in runs.items()}
    for node, run_id in ids.items():
        tree = LogTree(container, run_id)
        if NODES[node] == "parallel":
            tree.append(OVERVIEW, PROGRESS)
        else:
            tree.append("user_logs/std_log.txt", f"{node} says hello\n".encode())
    return ids


def test_the_parallel_node_is_followed_without_step(emu, container, job_name, capsys):
    """Before: three children with GUID ids and nothing "parallel" in any of them: exit 2,
    "several steps". The parent's `properties.jobs.batch_prediction.type` says which."""
    ids = pipeline(emu, container, job_name, ("prep_data", "batch_prediction", "post"),
                   status="Completed")
    assert all(str(uuid.UUID(i)) == i for i in ids.values())  # the ids carry no marker
    assert main(cli(emu, job_name)) == 0
    out = capsys.readouterr()
    data = json.loads(out.out)
    assert data["source"] == f"azure:{ids['batch_prediction']}"
    assert data["job"] == job_name
    assert (data["mini_batches"]["processed"], data["mini_batches"]["total"]) == (4117, 20000)
    assert "Traceback" not in out.err


def test_before_the_parallel_step_starts_its_siblings_are_not_followed(emu, container,
                                                                       job_name, capsys):
    """Only `prep_data` exists yet: before, the one child was followed as if it were the
    scoring step; now the parent's own log is shown with a note, as while any step is
    awaited."""
    pipeline(emu, container, job_name, ("prep_data",))
    LogTree(container, job_name).append(PARENT_LOG, PARENT_LINE)
    assert main(cli(emu, job_name)) == 0
    out = capsys.readouterr()
    assert json.loads(out.out)["source"] == f"azure:{job_name}"
    assert "no scoring step yet" in out.err


def test_several_parallel_nodes_are_named_for_step(emu, container, job_name, capsys):
    """Two parallel nodes, one started: `--once` cannot guess; it names both nodes, says
    which has not started, and `--step NODE` follows the one named."""
    nodes = {"prep_data": "command", "score_eu": "parallel", "score_us": "parallel"}
    eu = emu.run(display="score_eu")
    emu.add_job(job_name, nodes=nodes,
                children=[emu.run(display="prep_data", status="Completed"), eu])
    LogTree(container, eu["runId"]).append(OVERVIEW, PROGRESS)
    assert main(cli(emu, job_name)) == 2
    err = capsys.readouterr().err
    assert "several parallel steps: score_eu, score_us (not started)" in err
    assert "--step" in err
    assert main(cli(emu, job_name, "--step", "score_eu")) == 0
    assert json.loads(capsys.readouterr().out)["source"] == f"azure:{eu['runId']}"


def test_a_node_with_its_own_display_name_is_matched(emu, container, job_name, capsys):
    """A node may carry a `display_name` of its own (SDK unit tests' `"display_name":
    "my-evaluate-job"` on node `node1`); its run then shows that name, not the key."""
    run = emu.run(display="Batch scoring, EU")
    emu.add_job(job_name, nodes={"prep": "command", "node1": "parallel"},
                children=[emu.run(display="prep", status="Completed"), run])
    emu.state.jobs[job_name]["properties"]["jobs"]["node1"]["display_name"] = "Batch scoring, EU"
    LogTree(container, run["runId"]).append(OVERVIEW, PROGRESS)
    assert main(cli(emu, job_name)) == 0
    assert json.loads(capsys.readouterr().out)["source"] == f"azure:{run['runId']}"


def test_a_paged_children_list_is_read_past_its_first_page(emu, container, job_name, capsys):
    """Run history pages children (about 50 a page on the real service, Azure/azure-cli#27502;
    one a page here) with a continuation token and `nextLink`, which azure-ai-ml 1.35.2's
    `jobs.list(parent_job_name=...)` never follows. Before: only `prep_data` was seen, and
    followed as the one step. Now batchtop asks for a page of 100 (`$top`)."""
    emu.state.children_page = 1
    ids = pipeline(emu, container, job_name, ("prep_data", "batch_prediction", "post"),
                   status="Completed")
    target = open_job(ws_args(emu), job_name, interactive=False, wait=False)
    first_page = list(target.session.ml.jobs.list(parent_job_name=job_name))
    assert [c.display_name for c in first_page] == ["prep_data"]  # the SDK reads one page
    assert main(cli(emu, job_name)) == 0
    assert json.loads(capsys.readouterr().out)["source"] == f"azure:{ids['batch_prediction']}"


def test_a_batch_job_is_found_by_its_display_name(emu, container, job_name, capsys):
    """What Studio shows and users copy is the display name (`blue_store_3k1gd32x`, S3), not
    the `batchjob-<guid>` name. Before: "no job named ...", exit 3. The job list is paged too
    (two jobs a page), so the lookup follows ARM's `nextLink`; a newer job of a kind the SDK
    cannot parse must not hide it."""
    emu.state.jobs_page = 2
    shown = f"blue_store_{uuid.uuid4().hex[:8]}"
    child = emu.run(display="batchscoring")
    name = emu.add_batch_job(shown, children=[child])
    for other in range(3):  # newer jobs, so the batch job is not on the first page
        emu.add_job(f"{job_name}-newer-{other}")
    # a newer job azure-ai-ml cannot parse: it fails the whole page of the unfiltered list
    emu.add_job(f"{job_name}-labeling", job_type="Labeling", compute=None)
    LogTree(container, child["runId"]).append(OVERVIEW, PROGRESS)
    assert main(cli(emu, shown)) == 0
    out = capsys.readouterr()
    data = json.loads(out.out)
    assert data["job"] == name and data["source"] == f"azure:{child['runId']}"
    assert f"'{shown}' is the display name of job {name}" in out.err
    assert_no_secrets(emu, out.out, out.err)


def test_a_display_name_shared_by_several_jobs_names_them(emu, container, job_name, capsys):
    shown = f"careful_bulb_{uuid.uuid4().hex[:8]}"
    first, second = emu.add_batch_job(shown), emu.add_batch_job(shown)
    assert main(cli(emu, shown)) == 2
    err = capsys.readouterr().err
    assert first in err and second in err and "pass one of these job names" in err


def test_did_you_mean_covers_display_names(emu, container, job_name, capsys):
    shown = f"blue_store_{uuid.uuid4().hex[:8]}"
    name = emu.add_batch_job(shown)
    assert main(cli(emu, shown[:-1])) == 3  # one character lost in the copy
    err = capsys.readouterr().err
    assert f"Did you mean: {name} ({shown})" in err


def test_compute_comes_from_target_when_compute_is_null(emu, container, job_name):
    """A batch parent has `computeId: null` (S3) and a reused child `compute: null` with
    `target: cpu-cluster` (S1). Before: the job's compute was None."""
    original = emu.run(display="batchscoring", status="Completed", compute=None,
                       target="cpu-cluster")
    emu.add_batch_job(f"old_{uuid.uuid4().hex[:8]}", status="Completed", children=[original])
    LogTree(container, original["runId"]).append(OVERVIEW, PROGRESS)
    reused = emu.run(display="batchscoring", status="Completed", compute=None,
                     target="cpu-cluster",
                     properties={"azureml.isreused": "true",
                                 "azureml.reusedrunid": original["runId"]})
    name = emu.add_batch_job(f"new_{uuid.uuid4().hex[:8]}", status="Completed",
                             children=[reused])
    target = open_job(ws_args(emu), name, interactive=False, wait=False)
    assert target.job.compute is None  # the parent says nothing
    info = target.job_events()[0]
    assert info.compute == "cpu-cluster"
    assert target.step.name == original["runId"]


def test_a_rewritten_block_blob_delivers_only_new_bytes(emu, container, job_name):
    """`user_logs/` files are block blobs the runtime uploads again, whole, as they grow (S6).
    A rewrite that keeps the old bytes as its prefix is growth: only the new bytes arrive,
    with no reset. (source.py already read this right; the test pins it.)"""
    emu.add_job(job_name, job_type="Command")
    tree = LogTree(container, job_name)
    path = "user_logs/std_log.txt"
    first = b"Azure Machine Learning Batch Inference Start\n"
    tree.rewrite(path, first)
    target = open_job(ws_args(emu), job_name, interactive=False)
    got = target.source.poll()
    assert [(c.path, c.offset, c.data, c.reset) for c in got] == [(path, 0, first, False)]
    etag_before = target.source.files[path].etag
    more = b"Azure Machine Learning Batch Inference End\n"
    tree.rewrite(path, more)
    props = container.get_blob_client(tree.prefix + path).get_blob_properties()
    assert props.blob_type == "BlockBlob" and props.etag.strip('"') != etag_before
    again = target.source.poll()
    assert [(c.path, c.offset, c.data, c.reset) for c in again] == [
        (path, len(first), more, False)
    ]
    assert target.source.stats.resets == 0
    assert target.source.poll() == []


def test_live_view_waits_for_the_parallel_node_then_switches(emu, container, job_name):
    """Live: `prep_data` runs first and is not followed; when run history lists
    `batch_prediction` (a GUID run, nothing "parallel" in it) the view switches to it."""
    from test_jobs_live import Following, _wait

    pipeline(emu, container, job_name, ("prep_data",))
    LogTree(container, job_name).append(PARENT_LOG, PARENT_LINE)
    target = open_job(ws_args(emu, poll=0.1), job_name, interactive=False)
    assert target.waiting and target.step.name == job_name
    with Following(target, status_every=0.2, step_every=0.2) as run:
        _wait(lambda: PARENT_LOG in target.source.files)
        step = emu.run(display="batch_prediction")
        LogTree(container, step["runId"]).append(OVERVIEW, PROGRESS)
        emu.add_child(job_name, step)
        _wait(lambda: run.snapshot().mini_batches.processed == 4117)
        assert target.step.name == step["runId"] and target.step.node == "batch_prediction"
        assert not target.waiting
