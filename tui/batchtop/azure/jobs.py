"""Find the job the user named and, for a parent job, its parallel (batch scoring) step.

A batch endpoint invocation and a pipeline are parent jobs whose logs say little; the runtime's
logs (`logs/job_progress_overview...`, `logs/sys/...`) belong to the parallel child step. We list
children with azure-ai-ml's `jobs.list(parent_job_name=...)` and keep the parallel ones; several
candidates are resolved by `--step` or by asking on the terminal.
"""

from __future__ import annotations

import difflib
import itertools
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from azure.core.exceptions import ResourceNotFoundError

from batchtop.azure.errors import AzureError
from batchtop.azure.session import Session

TERMINAL = {"Completed", "Failed", "Canceled", "NotResponding", "Finished"}
FAILED = {"Failed", "Canceled", "NotResponding"}
_PARALLEL_MARKERS = ("parallel", "parallelrunstep", "batchscoring", "batch_scoring")


@dataclass(frozen=True)
class JobRef:
    """What batchtop shows about a job: identity, status, where it runs, where to click."""

    name: str
    display_name: str | None
    status: str | None
    job_type: str | None
    compute: str | None
    started: float | None
    studio_url: str | None
    parent: str | None = None
    properties: tuple[tuple[str, str], ...] = ()

    @property
    def is_parent(self) -> bool:
        return (self.job_type or "").lower() == "pipeline"

    @property
    def terminal(self) -> bool:
        return (self.status or "") in TERMINAL

    @property
    def failed(self) -> bool:
        return (self.status or "") in FAILED

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


def job_ref(job: Any, parent: str | None = None) -> JobRef:
    """Flatten an azure-ai-ml Job entity (full job or run-history child) into a JobRef."""
    created = getattr(getattr(job, "creation_context", None), "created_at", None)
    started = created.timestamp() if isinstance(created, datetime) else None
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
        started=started,
        studio_url=studio,
        parent=parent,
        properties=tuple((str(k), str(v)) for k, v in props.items() if isinstance(v, str)),
    )


def get_job(session: Session, name: str) -> JobRef:
    """The named job, or an error that says the name is wrong and lists close matches."""

    def not_found(exc: ResourceNotFoundError) -> AzureError:
        matches = close_matches(session, name)
        also = f" Did you mean: {', '.join(matches)}?" if matches else ""
        return AzureError(
            "job",
            f"no job named '{name}' in {session.workspace.describe()}.{also}",
            "check the name with `az ml job list -o table` (same -g/-w).",
        )

    return session.call("job lookup", lambda ml: job_ref(ml.jobs.get(name)), not_found)


def close_matches(session: Session, name: str, limit: int = 300) -> list[str]:
    """Names of recent jobs that look like `name` (one page of `jobs.list`; best effort)."""
    try:
        jobs = session.ml.jobs.list()
        names = [j.name for j in itertools.islice(jobs, limit) if j is not None]
    except Exception:  # a hint must never turn "not found" into a different failure
        return []
    return difflib.get_close_matches(name, names, n=3, cutoff=0.6)


def list_steps(session: Session, parent: JobRef) -> list[JobRef]:
    """Children of a parent job, parallel-looking ones first (all children if none look so)."""
    children = session.call(
        "child job lookup",
        lambda ml: [
            job_ref(c, parent.name)
            for c in ml.jobs.list(parent_job_name=parent.name)
            if c is not None
        ],
    )
    parallel = [c for c in children if c.looks_parallel()]
    return parallel or children


def choose_step(
    parent: JobRef,
    steps: Sequence[JobRef],
    wanted: str | None = None,
    ask: Callable[[Sequence[JobRef]], JobRef] | None = None,
) -> JobRef:
    """Pick the step to follow: the only one, the one `--step` names, or the user's choice."""
    if wanted:
        for step in steps:
            if wanted in (step.name, step.display_name):
                return step
        names = ", ".join(s.display_name or s.name for s in steps) or "none"
        raise AzureError(
            "job",
            f"job {parent.name} has no step '{wanted}' (steps: {names}).",
            "pass --step with one of those names.",
            exit_code=2,
        )
    if len(steps) == 1:
        return steps[0]
    if not steps:
        # A parent without children yet (queued pipeline): follow the parent's own logs.
        return parent
    if ask is not None:
        return ask(steps)
    names = ", ".join(f"{s.display_name or s.name} ({s.name})" for s in steps)
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
        print(
            f"  {i}. {step.display_name or step.name}  [{step.status}]  {step.name}",
            file=sys.stderr,
        )
    while True:
        print(f"Pick 1-{len(steps)}: ", end="", file=sys.stderr, flush=True)
        answer = sys.stdin.readline()
        if not answer:
            raise AzureError("job", "no step picked.", "pass --step NAME.", exit_code=2)
        if answer.strip().isdigit() and 1 <= int(answer) <= len(steps):
            return steps[int(answer) - 1]


def resolve_target(
    session: Session, name: str, wanted_step: str | None = None, interactive: bool = False
) -> tuple[JobRef, JobRef]:
    """(job the user named, job whose logs to follow): the same job unless it is a parent."""
    job = get_job(session, name)
    if not job.is_parent:
        return job, job
    steps = list_steps(session, job)
    step = choose_step(job, steps, wanted_step, ask_on_terminal if interactive else None)
    return job, step
