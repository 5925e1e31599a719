"""Find the job the user named, and read what the service says about it.

`get_job` takes a job's name, or failing that its display name (what Studio shows, and what
people copy: a batch endpoint job is named `batchjob-<guid>` but shown as `blue_store_3k1gd32x`,
service-recordings S3/S4). `run_details` reads status, times and compute from run history. The
step of a parent job to follow is found in `steps.py`.

What the service answers is known from azure-ai-ml's recorded test traffic
(/work/shared/reviews/service-recordings.md, S1-S8): a pipeline parent's ARM record lists its
nodes and their types under `properties.jobs`; a batch endpoint parent has `computeId: null`; a
reused child has `compute: null` with `target` set. Status and times come from run history
(`get_run_details`), the call `jobs.stream` polls: ARM jobs carry no start or end time, and a
pipeline child is not an ARM job at all.
"""

from __future__ import annotations

import difflib
import itertools
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from azure.core.exceptions import ResourceNotFoundError

from batchtop.azure.errors import AzureError, first_line
from batchtop.azure.session import Session
from batchtop.status import is_final

_PARALLEL_MARKERS = ("parallel", "parallelrunstep", "batchscoring", "batch_scoring")
PARALLEL_NODE = "parallel"
"""The `type` of a parallel node in a pipeline's `properties.jobs` (recordings S7)."""
NODE_ID = "azureml.nodeid"
LOOKUP_LIMIT = 300
"""How many recent jobs a display-name lookup (and the "did you mean" hint) reads at most."""
JOB_TYPES = ("Pipeline", "Command", "Sweep", "AutoML", "Spark")
"""ARM job types azure-ai-ml parses, asked one by one when the unfiltered list fails."""


@dataclass(frozen=True)
class PipelineNode:
    """One node of a pipeline, as its parent's ARM record declares it (`properties.jobs`).

    The child run of a node carries the node's key (or its own `display_name`, when the author
    set one) as its display name (recordings S1, S6); nothing on the child says "parallel".
    """

    key: str
    kind: str | None
    display_name: str | None = None

    @property
    def parallel(self) -> bool:
        return (self.kind or "").lower() == PARALLEL_NODE

    def names(self) -> set[str]:
        return {n for n in (self.key, self.display_name) if n}


@dataclass(frozen=True)
class JobRef:
    """What batchtop shows about a job: identity, status, where it runs, where to click.

    Times are the service's: `created` (submitted), `started` (left the queue and began to run),
    `ended`; queue time is `started - created`. `note` says how the step was found when that
    matters to the user (a reused step, a step inside a sub-pipeline).
    """

    name: str
    display_name: str | None
    status: str | None
    job_type: str | None
    compute: str | None
    created: float | None
    studio_url: str | None
    parent: str | None = None
    properties: tuple[tuple[str, str], ...] = ()
    started: float | None = None
    ended: float | None = None
    note: str | None = None
    nodes: tuple[PipelineNode, ...] = ()
    """A pipeline's nodes as its ARM record declares them (empty for other jobs, and for a
    batch endpoint's parent, whose `jobs` is null)."""
    node: str | None = None
    """The parent's node this step runs (set when the step was matched to one)."""

    @property
    def parallel_nodes(self) -> list[PipelineNode]:
        return [n for n in self.nodes if n.parallel]

    def node_of(self, child: JobRef) -> PipelineNode | None:
        """The node of this pipeline that `child` runs: matched by the child's display name or
        its `azureml.nodeid` property against the node's key or display name. (In the
        recordings `azureml.nodeid` is a hash such as `4d56ab7a`, not the key, so the display
        name is what matches there; the id is tried in case a runtime sets it to the key.)"""
        said = {child.display_name, child.prop(NODE_ID)} - {None}
        return next((n for n in self.nodes if said & n.names()), None)

    @property
    def is_parent(self) -> bool:
        kind = (self.job_type or "").lower()
        return kind == "pipeline" or kind.endswith("pipelinerun")

    @property
    def terminal(self) -> bool:
        return is_final(self.status)

    def prop(self, key: str) -> str | None:
        return dict(self.properties).get(key)

    def looks_parallel(self) -> bool:
        """The older rule, used when the parent declares no node types (a batch endpoint's
        job): a name, type or property value that says parallel / batch scoring."""
        text = " ".join(
            [
                self.job_type or "",
                self.display_name or "",
                self.name,
                *(v for _, v in self.properties),
            ]
        ).lower()
        return any(marker in text for marker in _PARALLEL_MARKERS)

    def label(self) -> str:
        return self.display_name or self.name


def _stamp(value: Any) -> float | None:
    return value.timestamp() if isinstance(value, datetime) else None


def _short_compute(compute: Any) -> str | None:
    """A compute's name from its name or ARM id (`.../computes/cpu-cluster`)."""
    if not isinstance(compute, str) or not compute:
        return None
    return compute.rstrip("/").rsplit("/", 1)[-1] if "/" in compute else compute


def job_ref(job: Any, parent: str | None = None) -> JobRef:
    """Flatten an azure-ai-ml Job entity (full job or run-history child) into a JobRef."""
    created = _stamp(getattr(getattr(job, "creation_context", None), "created_at", None))
    status = getattr(job, "status", None)
    compute = _short_compute(getattr(job, "compute", None))
    props = getattr(job, "properties", None) or {}
    studio = getattr(job, "studio_url", None)
    if not studio:
        services = getattr(job, "services", None) or {}
        studio_service = services.get("Studio") if isinstance(services, dict) else None
        studio = getattr(studio_service, "endpoint", None) or (
            studio_service.get("endpoint") if isinstance(studio_service, dict) else None
        )
    return JobRef(
        name=str(job.name),
        display_name=getattr(job, "display_name", None),
        status=str(status.value if hasattr(status, "value") else status) if status else None,
        job_type=str(getattr(job, "type", None) or "") or None,
        compute=compute,
        created=created,
        studio_url=studio,
        parent=parent,
        properties=tuple((str(k), str(v)) for k, v in props.items() if isinstance(v, str)),
        nodes=pipeline_nodes(job),
    )


def pipeline_nodes(job: Any) -> tuple[PipelineNode, ...]:
    """The nodes of an azure-ai-ml PipelineJob (`job.jobs`: node key -> node entity, whose
    `type` is the REST node's `type`); () for any other job."""
    jobs = getattr(job, "jobs", None)
    if not isinstance(jobs, dict):
        return ()
    nodes = []
    for key, node in jobs.items():
        kind, shown = _field(node, "type"), _field(node, "display_name")
        nodes.append(PipelineNode(str(key), kind, shown))
    return tuple(nodes)


def _field(node: Any, key: str) -> str | None:
    """A node's field: an attribute of azure-ai-ml's node entities (which are also dicts,
    whose items are not the fields), or a key of a plain dict."""
    value = getattr(node, key, None)
    if value is None and isinstance(node, dict):
        value = node.get(key)
    return str(value) if isinstance(value, str) and value else None


def run_ref(run: Any, parent: str | None = None) -> JobRef:
    """A JobRef from a run-history `Run` (what the service answers for any job or child)."""
    compute = getattr(getattr(run, "compute", None), "target", None) or getattr(run, "target", None)
    props = getattr(run, "properties", None) or {}
    return JobRef(
        name=str(run.run_id),
        display_name=getattr(run, "display_name", None),
        status=getattr(run, "status", None),
        job_type=getattr(run, "run_type", None),
        compute=compute,
        created=_stamp(getattr(run, "created_utc", None)),
        studio_url=None,
        parent=parent or getattr(run, "parent_run_id", None),
        properties=tuple((str(k), str(v)) for k, v in props.items() if isinstance(v, str)),
        started=_stamp(getattr(run, "start_time_utc", None)),
        ended=_stamp(getattr(run, "end_time_utc", None)),
    )


def run_operations(ml: Any) -> Any:
    """azure-ai-ml's run-history operations (`ml.jobs._runs_operations`, private: there is no
    public way to read a run's status and times). Raises AttributeError if a release renames it,
    which the callers turn into the public fallback (`jobs.get`)."""
    runs = getattr(ml.jobs, "_runs_operations", None)
    if runs is None or not hasattr(runs, "get_run_details"):
        raise AttributeError("azure-ai-ml has no run-history operations")
    return runs


class _NoSuchName(AzureError):
    """The service has no job of that *name*; the caller tries display names next."""

    def __init__(self, name: str) -> None:
        super().__init__("job", f"no job named '{name}'")


def get_job(session: Session, name: str) -> JobRef:
    """The job named `name`, else the one job whose display name is `name`; else an error that
    names the candidates (a display name several jobs share) or close matches.

    A job the SDK cannot parse (`JobException: Unsupported job type ...`, `JobParsingError`)
    is still a run: we read it from run history, as the SDK does for pipeline children.
    """

    def not_found(exc: ResourceNotFoundError) -> AzureError:
        return _NoSuchName(name)

    try:
        job = session.call("job lookup", lambda ml: _fetch(ml, name), not_found)
    except _NoSuchName:
        job = _by_display_name(session, name)
    return with_times(session, job)


def _fetch(ml: Any, name: str) -> JobRef:
    from azure.ai.ml.exceptions import MlException

    try:
        return job_ref(ml.jobs.get(name))
    except MlException as exc:
        try:
            ref = run_ref(run_operations(ml).get_run(name))
        except Exception:  # noqa: BLE001 - the SDK's own complaint says more
            raise exc from None
        return replace(ref, note=f"read from run history ({first_line(exc)})")


def _by_display_name(session: Session, shown: str) -> JobRef:
    """The job whose display name is `shown`, among the most recent `LOOKUP_LIMIT` jobs.

    The ARM job list has no display-name filter (its query takes `jobType`, `tag`,
    `properties`, `listViewType`), so we read the list (paged by the SDK) and compare: first the
    pipeline jobs (batch endpoint jobs are pipelines), then all jobs. One match is followed,
    with a note; several are named; none gives the usual "no job named" with close matches
    among names and display names.
    """
    recent = recent_jobs(session, job_type="Pipeline") or []
    exact = [real for real, display in recent if display == shown]
    if not exact:
        known = dict(recent)
        recent += [(real, d) for real, d in all_recent_jobs(session) if real not in known]
        exact = [real for real, display in recent if display == shown]
    if len(exact) == 1:
        job = session.call("job lookup", lambda ml: _fetch(ml, exact[0]))
        return replace(job, note=f"'{shown}' is the display name of job {job.name}")
    if len(exact) > 1:
        raise AzureError(
            "job",
            f"several jobs are shown as '{shown}' in {session.workspace.describe()}: "
            f"{', '.join(exact[:10])}.",
            "pass one of these job names.",
            exit_code=2,
        )
    matches = close_matches(shown, recent)
    also = f" Did you mean: {', '.join(matches)}?" if matches else ""
    raise AzureError(
        "job",
        f"no job named or shown as '{shown}' in {session.workspace.describe()}.{also}",
        "check the name with `az ml job list -o table` (same -g/-w).",
    )


def run_details(session: Session, job: JobRef) -> JobRef:
    """The job again with the service's current status, times and compute (one run-history
    GET). Compute falls back to the details' `target`: a batch endpoint parent has
    `computeId: null` and a reused child `compute: null`, both with `target` set (recordings S1,
    S2, S3), and azure-ai-ml reads only `compute.target`.

    Falls back to the public `jobs.get` (status only) if the private run-history operations are
    missing. Raises AzureError/TransientError like every `Session.call`.
    """

    def fetch(ml: Any) -> JobRef:
        try:
            runs = run_operations(ml)
        except AttributeError:
            fresh = job_ref(ml.jobs.get(job.name), job.parent)
            return replace(job, status=fresh.status or job.status)
        details = runs.get_run_details(job.name)
        return replace(
            job,
            status=getattr(details, "status", None) or job.status,
            created=_stamp(getattr(details, "created_time_utc", None)) or job.created,
            started=_stamp(getattr(details, "start_time_utc", None)) or job.started,
            ended=_stamp(getattr(details, "end_time_utc", None)) or job.ended,
            compute=job.compute or _short_compute(getattr(details, "target", None)),
        )

    return session.call("job status", fetch)


def with_times(session: Session, job: JobRef) -> JobRef:
    """`job` with run-history times (and compute) when they can be had; as it was when they
    cannot (they are a nicety: a failure here must not stop following)."""
    if job.started is not None and job.compute is not None:
        return job
    try:
        return run_details(session, job)
    except Exception:  # noqa: BLE001 - see docstring
        return job


def recent_jobs(
    session: Session, limit: int = LOOKUP_LIMIT, **query: str
) -> list[tuple[str, str | None]] | None:
    """(name, display name) of the workspace's most recent jobs, optionally of one `job_type`
    (passed through `jobs.list` to the ARM list's `jobType` query); None if the list failed.

    Best effort: this only ever turns "not found" into a better answer.
    """
    try:
        jobs = session.ml.jobs.list(**query)
        return [
            (str(j.name), getattr(j, "display_name", None))
            for j in itertools.islice(jobs, limit)
            if j is not None
        ]
    except Exception:  # noqa: BLE001 - see docstring
        return None


def all_recent_jobs(session: Session) -> list[tuple[str, str | None]]:
    """Recent jobs of every kind. azure-ai-ml 1.35.2 fails a whole page of the job list on one
    job it cannot parse (it skips `JobParsingError`, not `Unsupported job type Labeling`), so
    when the plain list fails we ask again one parseable job type at a time."""
    plain = recent_jobs(session)
    if plain is not None:
        return plain
    found: list[tuple[str, str | None]] = []
    for kind in JOB_TYPES:
        found += recent_jobs(session, job_type=kind) or []
    return found


def close_matches(wanted: str, recent: list[tuple[str, str | None]]) -> list[str]:
    """Jobs whose name or display name looks like `wanted`, as `name` or `name (display)`."""
    spelled: dict[str, str] = {}
    for real, display in recent:
        spelled.setdefault(real, real)
        if display and display != real:
            spelled.setdefault(display, f"{real} ({display})")
    close = difflib.get_close_matches(wanted, list(spelled), n=3, cutoff=0.6)
    return list(dict.fromkeys(spelled[c] for c in close))
