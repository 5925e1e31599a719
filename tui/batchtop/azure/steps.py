"""Find the step of a parent job whose logs to follow: its parallel (batch scoring) step.

A pipeline's own logs say little; the runtime's logs (`logs/job_progress_overview...`,
`logs/sys/...`) belong to its parallel child step. Children are listed with azure-ai-ml's
`jobs.list(parent_job_name=...)` (run history's `children` call; see `CHILDREN_PER_PAGE` on its
paging).

What says "parallel" (service-recordings.md, A5): the parent's ARM record, which `get_job`
already read, declares every node and its type (`properties.jobs.<node>.type == "parallel"`,
recording S7). The child run of a node has a GUID id, the component name `azureml_anonymous`,
`StepType: PythonScriptStep` and the SDK type `base` (S1, S2, S6): nothing on it says parallel,
but its display name is the node's key (or the node's own display name) and its properties
carry `azureml.nodeid`. So a child is a parallel step when it runs a parallel node.

A parent that declares no node types (a batch endpoint's job has `jobs: null`, S3) falls back
to the older rule: a child whose name, display name, type or a property value says parallel /
ParallelRunStep / batchscoring (the SDK's `_get_batch_job_scoring_output_uri` says a batch job's
scoring child is "named batchscoring"), searched into sub-pipelines when the direct children have
none. A reused step (`azureml.isreused = true`) is followed to `azureml.reusedrunid`, as the
SDK's `jobs.download` does.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import replace

from batchtop.azure.errors import AzureError
from batchtop.azure.jobs import JobRef, get_job, job_ref, with_times
from batchtop.azure.session import Session

REUSED_FLAG = "azureml.isreused"
REUSED_RUN = "azureml.reusedrunid"
MAX_DEPTH = 3
"""How deep to look for a parallel step (pipeline > sub-pipeline > sub-sub-pipeline)."""
MAX_LISTINGS = 20
"""At most this many child listings per search: a huge pipeline must not stall the start."""
CHILDREN_PER_PAGE = 100
"""The page of children we ask for (`$top`). Run history pages children (about 50 a page,
Azure/azure-cli#27502) with a continuation token that azure-ai-ml 1.35.2's `jobs.list(
parent_job_name=...)` never follows: only the first page is read. `max_results` (`$top`) is the
public way to make that page bigger; 100 is what Azure/azure-sdk-for-python#32440 shows to work.
A pipeline with more direct children than that has the rest unseen."""


def list_children(session: Session, parent: JobRef) -> list[JobRef]:
    """Direct children of a job (run history; the first `CHILDREN_PER_PAGE`), as JobRefs."""
    return session.call(
        "child job lookup",
        lambda ml: [
            job_ref(c, parent.name)
            for c in ml.jobs.list(parent_job_name=parent.name, max_results=CHILDREN_PER_PAGE)
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


def parallel_children(parent: JobRef, children: Sequence[JobRef]) -> list[JobRef]:
    """The children that run one of `parent`'s parallel nodes, each tagged with its node."""
    found = []
    for child in children:
        node = parent.node_of(child)
        if node is not None and node.parallel:
            found.append(replace(child, node=node.key))
    return found


def list_steps(session: Session, parent: JobRef) -> list[JobRef]:
    """Candidate steps of `parent`.

    A parent that declares parallel nodes: the children that run them, and none while none of
    them has started (a pipeline creates a step when its inputs are ready, so `prep_data` may be
    the only child for a while; following it would be wrong). Once the parent has ended, a
    parallel node that never ran leaves the older rules below, so a pipeline that failed early
    still shows the step that failed.

    Otherwise: parallel-looking children, searched into sub-pipelines when the direct children
    have none; all direct children if nothing anywhere looks parallel.
    """
    direct = list_children(session, parent)
    if parent.parallel_nodes:
        found = parallel_children(parent, direct)
        if found or not parent.terminal:
            return [follow_reuse(c) for c in found]
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


def names_step(step: JobRef, wanted: str) -> bool:
    """Does `--step wanted` name this step (its run id, display name or pipeline node)?"""
    return wanted in (step.name, step.display_name, step.node)


def choose_step(
    parent: JobRef,
    steps: Sequence[JobRef],
    wanted: str | None = None,
    ask: Callable[[Sequence[JobRef]], JobRef] | None = None,
    wait: bool = False,
) -> JobRef | None:
    """Pick the step to follow: the only one, the one `--step` names, or the user's choice.

    A parent that declares several parallel nodes needs a choice even while only one of them
    has started: the names offered are the node names, started or not.

    None means "no step yet" (a parent whose children the service has not created yet, or,
    with `wait`, whose `--step` has not appeared yet: a pipeline creates a step when its
    inputs are ready): the caller keeps looking.
    """
    if wanted:
        for step in steps:
            if names_step(step, wanted):
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
    declared = parent.parallel_nodes
    if len(declared) > 1:
        if not steps:
            return None
        if ask is not None:
            return ask(steps)
        started = {s.node for s in steps}
        names = ", ".join(
            n.key if n.key in started else f"{n.key} (not started)" for n in declared
        )
        raise AzureError(
            "job",
            f"job {parent.name} has several parallel steps: {names}.",
            "pass --step NODE to pick one.",
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

    `--step` may name any direct child, not only the parallel ones.
    """
    steps = list_steps(session, parent)
    if wanted and not any(names_step(s, wanted) for s in steps):
        known = {s.name for s in steps}
        extra = [c for c in list_children(session, parent) if c.name not in known]
        steps = steps + [
            replace(c, node=node.key) if (node := parent.node_of(c)) else c for c in extra
        ]
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
