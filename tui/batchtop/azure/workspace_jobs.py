"""The workspace's batch scoring jobs, from one `jobs.list` call (paged by the SDK).

What makes a job a batch scoring job, from the service's recorded answers
(shared/reviews/service-recordings.md, A13/A14):
- a batch endpoint job is a `Pipeline` job named `batchjob-<guid>` (older: a bare GUID), tagged
  `azureml.batchrun: true` or `azureml.jobtype: azureml.batchjob`, described as
  `Pipeline submission for endpoint: E, deployment: D.`;
- a pipeline job with a parallel step has a node of `type == "parallel"` in its `jobs`.
  ASSUMED: that the service's list answer carries a pipeline's `properties.jobs` as its GET
  does (no recording of a list answer holds a pipeline with nodes); a pipeline listed without
  them is not shown. Checked: when the answer carries them, azure-ai-ml 1.35's `jobs.list`
  builds them into `PipelineJob.jobs` as `jobs.get` does (Command/Parallel nodes, `_AttrDict`s
  whose `.type` is the REST node type; tests/azure/test_jobs_list.py on the emulator).
Command and sweep jobs, and v1 PipelineRuns (which `jobs.list` does not return as pipelines
with nodes), are not listed.

Cost: one list call per refresh. ARM's job resource has no start or end time (run history has),
so the duration column stays `-` rather than one more call per job. The mini-batch progress of
running jobs comes from azure/progress_probe.py: one small ranged read of the step's overview
per running job, at most every 30 s, after a step lookup made once per job.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

from batchtop.azure.jobs import JobRef, job_ref
from batchtop.azure.session import Session
from batchtop.jobslist import BATCH_ENDPOINT, PARALLEL_PIPELINE, JobRow

LIST_LIMIT = 500
"""Newest jobs looked at per refresh (the service lists newest first)."""
_SUBMISSION = re.compile(r"endpoint:\s*([^,\s]+),\s*deployment:\s*([^\s.,]+)")


def batch_kind(job: Any) -> str | None:
    """BATCH_ENDPOINT, PARALLEL_PIPELINE, or None for any other job."""
    tags = getattr(job, "tags", None) or {}
    name = str(getattr(job, "name", "") or "")
    description = str(getattr(job, "description", "") or "")
    if (
        tags.get("azureml.batchrun") == "true"
        or tags.get("azureml.jobtype") == "azureml.batchjob"
        or name.startswith("batchjob-")
        or description.startswith("Pipeline submission for endpoint:")
    ):
        return BATCH_ENDPOINT
    nodes = getattr(job, "jobs", None) or {}
    if isinstance(nodes, dict) and any(_node_type(n) == "parallel" for n in nodes.values()):
        return PARALLEL_PIPELINE
    return None


def _node_type(node: Any) -> str | None:
    """A node's `type`. The SDK's nodes (Command, Parallel) are `_AttrDict`s, dicts whose
    `.get("type")` is None: read the attribute first, the key only for a plain dict."""
    kind = getattr(node, "type", None)
    if kind is None and isinstance(node, dict):
        kind = node.get("type")
    return str(kind).lower() if kind else None


def where_of(job: Any, kind: str) -> str | None:
    if kind == BATCH_ENDPOINT:
        m = _SUBMISSION.search(str(getattr(job, "description", "") or ""))
        if m:
            return f"{m.group(1)}/{m.group(2)}"
        tags = getattr(job, "tags", None) or {}
        return tags.get("azureml.deploymentname")
    experiment = getattr(job, "experiment_name", None)
    return str(experiment) if experiment else None


def to_pair(job: Any) -> tuple[JobRow, JobRef] | None:
    """The row of a batch scoring job and the JobRef it came from (its pipeline nodes, which
    the progress probe needs to find the parallel step without another GET); None otherwise."""
    kind = batch_kind(job)
    if kind is None:
        return None
    ref = job_ref(job)
    return JobRow(
        name=ref.name,
        display_name=ref.display_name,
        kind=kind,
        where=where_of(job, kind),
        status=ref.status or "Unknown",
        created=ref.created,
        started=None,
        ended=None,
        compute=ref.compute,
    ), ref


def list_batch_pairs(session: Session, limit: int = LIST_LIMIT) -> list[tuple[JobRow, JobRef]]:
    """The batch scoring jobs among the workspace's newest `limit` jobs (one paged list), each
    row with its JobRef."""

    def fetch(ml: Any) -> list[tuple[JobRow, JobRef]]:
        pairs = (to_pair(job) for job in itertools.islice(ml.jobs.list(), limit))
        return [pair for pair in pairs if pair is not None]

    return session.call("job list", fetch)
