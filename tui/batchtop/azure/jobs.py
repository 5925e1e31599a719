"""Find the job the user named and, for a parent job, its parallel (batch scoring) step.

A batch endpoint invocation and a pipeline are parent jobs whose logs say little; the runtime's
logs (`logs/job_progress_overview...`, `logs/sys/...`) belong to the parallel child step. We list
children with azure-ai-ml's `jobs.list(parent_job_name=...)` (run history's `children` call)
and keep the parallel ones; several candidates are resolved by `--step` or by asking.

What a child run carries is known from public sources only in part (see docs/azure.md):
v1 step runs have `StepType` (`PythonScriptStep`, `AutoMLStep`...), `azureml.nodeid`,
`azureml.moduleName`, `azureml.runsource = azureml.StepRun` in their properties, and a reused step
has `azureml.isreused = true` with `azureml.reusedrunid` (the SDK's own `jobs.download` follows
that id). A batch endpoint's scoring child is named `batchscoring` (SDK comment in
`_get_batch_job_scoring_output_uri`). So a step "looks parallel" when its name, display name,
type or any property value says parallel/batch scoring; a parent without such a child is searched
one level deeper (a parallel step inside a sub-pipeline).

Status and times come from run history (`get_run_details`), the call `jobs.stream` polls: ARM
jobs carry no start or end time, and a pipeline child is not an ARM job at all.
"""

from __future__ import annotations

import difflib
import itertools
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from azure.core.exceptions import ResourceNotFoundError

from batchtop.azure.errors import AzureError, first_line
from batchtop.azure.session import Session
from batchtop.status import is_final

_PARALLEL_MARKERS = ("parallel", "parallelrunstep", "batchscoring", "batch_scoring")
REUSED_FLAG = "azureml.isreused"
REUSED_RUN = "azureml.reusedrunid"
MAX_DEPTH = 3
"""How deep to look for a parallel step (pipeline > sub-pipeline > sub-sub-pipeline)."""
MAX_LISTINGS = 20
"""At most this many child listings per search: a huge pipeline must not stall the start."""


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


def job_ref(job: Any, parent: str | None = None) -> JobRef:
    """Flatten an azure-ai-ml Job entity (full job or run-history child) into a JobRef."""
    created = _stamp(getattr(getattr(job, "creation_context", None), "created_at", None))
    status = getattr(job, "status", None)
    compute = getattr(job, "compute", None)
    if isinstance(compute, str) and "/" in compute:
        compute = compute.rstrip("/").rsplit("/", 1)[-1]
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
    )


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


def get_job(session: Session, name: str) -> JobRef:
    """The named job, or an error that says the name is wrong and lists close matches.

    A job the SDK cannot parse (`JobException: Unsupported job type ...`, `JobParsingError`)
    is still a run: we read it from run history, as the SDK does for pipeline children.
    """
    from azure.ai.ml.exceptions import MlException

    def not_found(exc: ResourceNotFoundError) -> AzureError:
        matches = close_matches(session, name)
        also = f" Did you mean: {', '.join(matches)}?" if matches else ""
        return AzureError(
            "job",
            f"no job named '{name}' in {session.workspace.describe()}.{also}",
            "check the name with `az ml job list -o table` (same -g/-w).",
        )

    def fetch(ml: Any) -> JobRef:
        try:
            return job_ref(ml.jobs.get(name))
        except MlException as exc:
            try:
                ref = run_ref(run_operations(ml).get_run(name))
            except Exception:  # noqa: BLE001 - the SDK's own complaint says more
                raise exc from None
            return replace(ref, note=f"read from run history ({first_line(exc)})")

    job = session.call("job lookup", fetch, not_found)
    return with_times(session, job)


def run_details(session: Session, job: JobRef) -> JobRef:
    """The job again with the service's current status and times (one run-history GET).

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
        )

    return session.call("job status", fetch)


def with_times(session: Session, job: JobRef) -> JobRef:
    """`job` with run-history times when they can be had; as it was when they cannot (times
    are a nicety: a failure here must not stop following)."""
    if job.started is not None:
        return job
    try:
        return run_details(session, job)
    except Exception:  # noqa: BLE001 - see docstring
        return job


def close_matches(session: Session, name: str, limit: int = 300) -> list[str]:
    """Names of recent jobs that look like `name` (one page of `jobs.list`; best effort)."""
    try:
        jobs = session.ml.jobs.list()
        names = [j.name for j in itertools.islice(jobs, limit) if j is not None]
    except Exception:  # a hint must never turn "not found" into a different failure
        return []
    return difflib.get_close_matches(name, names, n=3, cutoff=0.6)


def list_children(session: Session, parent: JobRef) -> list[JobRef]:
    """Direct children of a job (run history), as JobRefs."""
    return session.call(
        "child job lookup",
        lambda ml: [
            job_ref(c, parent.name)
            for c in ml.jobs.list(parent_job_name=parent.name)
            if c is not None
        ],
    )


def follow_reuse(step: JobRef) -> JobRef:
    """A reused step ran nothing: its logs are the reused run's (what `jobs.download` reads)."""
    reused = step.prop(REUSED_RUN)
    if (step.prop(REUSED_FLAG) or "").lower() != "true" or not reused:
        return step
    return replace(
        step,
        name=reused,
        note=f"step {step.label()} reused run {reused}; showing that run's logs",
    )


def list_steps(session: Session, parent: JobRef) -> list[JobRef]:
    """Candidate steps: parallel-looking children, searched into sub-pipelines when the direct
    children have none; all direct children if nothing anywhere looks parallel."""
    direct = list_children(session, parent)
    found = [c for c in direct if c.looks_parallel()]
    if found or not direct:
        return [follow_reuse(c) for c in found or direct]
    listings = 1
    level = direct
    for _ in range(MAX_DEPTH - 1):
        deeper: list[JobRef] = []
        for child in level:
            if listings >= MAX_LISTINGS:
                break
            listings += 1
            grand = list_children(session, child)
            deeper.extend(replace(g, note=f"inside sub-pipeline {child.label()}") for g in grand)
        found = [g for g in deeper if g.looks_parallel()]
        if found:
            return [follow_reuse(g) for g in found]
        if not deeper:
            break
        level = deeper
    return [follow_reuse(c) for c in direct]


def choose_step(
    parent: JobRef,
    steps: Sequence[JobRef],
    wanted: str | None = None,
    ask: Callable[[Sequence[JobRef]], JobRef] | None = None,
    wait: bool = False,
) -> JobRef | None:
    """Pick the step to follow: the only one, the one `--step` names, or the user's choice.

    None means "no step yet" (a parent whose children the service has not created yet, or,
    with `wait`, whose `--step` has not appeared yet: a pipeline creates a step when its
    inputs are ready): the caller keeps looking.
    """
    if wanted:
        for step in steps:
            if wanted in (step.name, step.display_name):
                return step
        if not steps or wait:
            return None
        names = ", ".join(s.label() for s in steps)
        raise AzureError(
            "job",
            f"job {parent.name} has no step '{wanted}' (steps: {names}).",
            "pass --step with one of those names.",
            exit_code=2,
        )
    if len(steps) == 1:
        return steps[0]
    if not steps:
        return None
    if ask is not None:
        return ask(steps)
    names = ", ".join(f"{s.label()} ({s.name})" for s in steps)
    raise AzureError(
        "job",
        f"job {parent.name} has several steps: {names}.",
        "pass --step NAME to pick one.",
        exit_code=2,
    )


def ask_on_terminal(steps: Sequence[JobRef]) -> JobRef:
    """Numbered menu on stderr, answer on stdin (only used when both are terminals)."""
    print("Several steps can be followed:", file=sys.stderr)
    for i, step in enumerate(steps, 1):
        print(f"  {i}. {step.label()}  [{step.status}]  {step.name}", file=sys.stderr)
    while True:
        print(f"Pick 1-{len(steps)}: ", end="", file=sys.stderr, flush=True)
        answer = sys.stdin.readline()
        if not answer:
            raise AzureError("job", "no step picked.", "pass --step NAME.", exit_code=2)
        if answer.strip().isdigit() and 1 <= int(answer) <= len(steps):
            return steps[int(answer) - 1]


def find_step(
    session: Session,
    parent: JobRef,
    wanted: str | None = None,
    ask: Callable[[Sequence[JobRef]], JobRef] | None = None,
    wait: bool = False,
) -> JobRef | None:
    """The step of `parent` to follow, with its run-history times; None if none exists yet.

    `--step` may name any direct child, not only the parallel-looking ones.
    """
    steps = list_steps(session, parent)
    if wanted and not any(wanted in (s.name, s.display_name) for s in steps):
        known = {s.name for s in steps}
        steps = steps + [c for c in list_children(session, parent) if c.name not in known]
    step = choose_step(parent, steps, wanted, ask, wait)
    return None if step is None else with_times(session, step)


def resolve_target(
    session: Session,
    name: str,
    wanted_step: str | None = None,
    interactive: bool = False,
    wait: bool = False,
) -> tuple[JobRef, JobRef | None]:
    """(job the user named, job whose logs to follow): the same job unless it is a parent;
    None for a parent whose scoring step (or, with `wait`, `--step`) does not exist yet."""
    job = get_job(session, name)
    if not job.is_parent:
        return job, job
    ask = ask_on_terminal if interactive else None
    return job, find_step(session, job, wanted_step, ask, wait)
