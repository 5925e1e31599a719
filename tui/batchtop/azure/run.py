"""Glue for the CLI: opening a job as a byte source, and `--once` mode.

`cli.py` adds the flags of `flags.py` to its parser, and when a job name is given either
`run_once(args)` (for `--once`) or `open_job(args)` (for the live view, which then runs
`target.follow(ingestor, stop, wake=...)` on a worker thread). Every Azure failure leaves
here as `AzureError` (one redacted line, exit code 3); `run_once` prints it and returns the
code itself so cli.py needs no Azure knowledge.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from azure.core.exceptions import AzureError as CoreAzureError

from batchtop.azure.credentials import SignInPrompt, check_sign_in, make_credential
from batchtop.azure.errors import (
    AzureError,
    TransientError,
    first_line,
    quiet_sdk_logging,
    redact,
)
from batchtop.azure.follow import FollowStatus, PollTimer, follow, poll_once
from batchtop.azure.jobs import JobRef, run_details
from batchtop.azure.mirror import Mirror
from batchtop.azure.session import NETWORK_HINT, Session, sdk_error, transient_to_fatal
from batchtop.azure.source import AzureSource, Sink, deliver
from batchtop.azure.steps import find_step, resolve_target
from batchtop.azure.store import BlobLocation, container_client, locate_logs
from batchtop.azure.workspace import resolve_workspace

ONCE_ATTEMPTS = 4


WAITING_NOTE = "waiting for the scoring step to start"


class _StopOrSwitch(threading.Event):
    """The stop event `follow` sees: set when the user quits *or* when the scoring step has
    appeared and the target must switch sources (follow then returns and we re-enter it)."""

    def __init__(self, stop: threading.Event, target: AzureTarget) -> None:
        super().__init__()
        self._stop = stop
        self._target = target

    def is_set(self) -> bool:
        return self._stop.is_set() or self._target.switch_to is not None


@dataclass
class AzureTarget:
    """An opened job: who it is, where its logs are, and the source that reads them.

    `waiting` is True while a parent job has no scoring step yet: we follow the parent's own
    logs and look for the step on every status refresh (`step_every`), then switch to it.
    """

    session: Session
    job: JobRef
    step: JobRef
    location: BlobLocation
    source: AzureSource
    poll_fast: float = 2.0
    waiting: bool = False
    wanted_step: str | None = None
    save: Path | None = None
    status_note: str | None = None
    """Trouble with the job's status or step lookup, for the header (following goes on)."""
    switch_to: JobRef | None = None
    switches: int = 0

    @property
    def note(self) -> str | None:
        """What the header shows about the job itself (None when all is well)."""
        prompt = self.session.credential.prompt
        parts = [
            prompt.pending if prompt is not None else None,  # a sign-in waiting for the user
            self.waiting_note() if self.waiting else None,
            self.status_note,
        ]
        return "; ".join(p for p in parts if p) or None

    def waiting_note(self) -> str:
        if self.wanted_step:
            return f"waiting for step {self.wanted_step} to start"
        return WAITING_NOTE

    def job_events(self, step: JobRef | None = None) -> list[Any]:
        """JobInfo + the service's own status (authority 2) for the model."""
        from batchtop.events import JobInfo, StatusHint

        step = step or self.step
        events: list[Any] = [
            JobInfo(
                name=self.job.name,
                url=self.job.studio_url,
                job_type=step.job_type or self.job.job_type,
                compute=step.compute or self.job.compute,
                started=step.started,
                created=step.created,
            )
        ]
        status = step.status or self.job.status
        if status:
            # at=None: the service's status is not a log line; it must not move the data time.
            events.append(StatusHint(status, None, authority=2))
        return events

    def refresh_status(self) -> JobRef:
        """Ask run history for the followed step's status and times again (one GET)."""
        self.step = run_details(self.session, self.step)
        return self.step

    def look_for_step(self) -> JobRef | None:
        """While waiting: the parent's scoring step if it exists now (then `switch_to` is set)."""
        step = find_step(self.session, self.job, self.wanted_step, wait=True)
        if step is not None:
            self.switch_to = step
        return step

    def refresh(self, apply: Callable[[Any], None] | None) -> None:
        """One status round: look for the step (while waiting) or refresh the step's status.

        Never raises: a failure is shown in the header (`status_note`) and retried at the next
        round, while the logs keep flowing.
        """
        try:
            if self.waiting:
                self.job = run_details(self.session, self.job)
                self.step = self.job
                if self.look_for_step() is not None:
                    self.status_note = None
                    return
                if self.job.terminal:
                    self.waiting = False  # it ended before any step started: nothing to wait for
            else:
                self.refresh_status()
        except AzureError as exc:
            # a usage problem (several steps and no --step) needs the hint; others are retried
            then = f" Next: {exc.hint}" if exc.exit_code == 2 and exc.hint else " (retrying)"
            self.status_note = f"job status: {exc.message}{then}"
            return
        except TransientError as exc:
            self.status_note = f"job status: {exc} (retrying)"
            return
        except Exception as exc:  # noqa: BLE001 - the follower must never die of a refresh
            self.status_note = f"job status: {type(exc).__name__}: {first_line(exc)} (retrying)"
            return
        self.status_note = None
        if apply is not None:
            for event in self.job_events():
                apply(event)

    def switch(self, sink: Sink) -> None:
        """Leave the parent's logs for the scoring step's (found by `look_for_step`)."""
        step = self.switch_to
        if step is None:
            return
        try:
            location = locate_logs(self.session, step)
        except TransientError as exc:
            raise AzureError("storage", str(exc), NETWORK_HINT) from None
        for path in list(self.source.files):
            sink.reset(path)  # close the parent's open records; what it said stays counted
        self.source = make_source(self.session, step, location, self.save)
        self.location, self.step, self.waiting, self.switch_to = location, step, False, None
        self.switches += 1

    def follow(
        self,
        sink: Sink,
        stop: threading.Event,
        *,
        wake: threading.Event | None = None,
        on_status: Callable[[FollowStatus], None] | None = None,
        apply: Callable[[Any], None] | None = None,
        status_every: float = 30.0,
        step_every: float = 5.0,
    ) -> None:
        """Follow live on this (worker) thread until `stop`; set `wake` to poll now.

        `apply` receives job events (JobInfo/StatusHint) every `status_every` seconds (every
        `step_every` while waiting for the scoring step). An unexpected exception never ends
        this thread: it is reported through `on_status` and following resumes after a backoff.
        """
        wake = wake or threading.Event()
        last = [time.monotonic()]
        timer = PollTimer(fast=self.poll_fast)

        def on_poll() -> None:
            every = step_every if self.waiting else status_every
            if time.monotonic() - last[0] < every:
                return
            last[0] = time.monotonic()
            self.refresh(apply)

        while not stop.is_set():
            try:
                if self.switch_to is not None:
                    self.switch(sink)
                    if apply is not None:
                        for event in self.job_events():
                            apply(event)
                follow(
                    self.source,
                    sink,
                    _StopOrSwitch(stop, self),
                    wake=wake,
                    on_status=on_status,
                    timer=timer,
                    on_poll=on_poll,
                )
            except Exception as exc:  # noqa: BLE001 - report and retry, never die silently
                delay = timer.backoff(None)
                if on_status is not None:
                    on_status(
                        FollowStatus(
                            False,
                            None,
                            f"{type(exc).__name__}: {first_line(exc)}",
                            delay,
                            self.source.stats.bytes_fetched,
                        )
                    )
                stop.wait(delay)
                continue
            if self.switch_to is None:
                return  # the user quit, or a fatal error already reported through on_status


def make_source(
    session: Session, step: JobRef, location: BlobLocation, save: Path | None
) -> AzureSource:
    """The byte source for one job's log tree; after a storage 401/403 `connect` re-reads the
    datastore secret (a fresh SAS) and reconnects."""
    current = [location]
    calls = [0]

    def connect() -> Any:
        if calls[0]:
            try:
                current[0] = locate_logs(session, step)
            except TransientError as exc:
                raise transient_to_fatal(exc) from None
        calls[0] += 1
        return container_client(current[0])

    mirror = None
    if save is not None:
        mirror = Mirror(
            Path(save),
            {
                "account": location.account_url,
                "container": location.container,
                "prefix": location.prefix,
            },
        )
    return AzureSource(connect, location.prefix, mirror=mirror)


def open_job(
    args: argparse.Namespace,
    name: str | None = None,
    interactive: bool | None = None,
    wait: bool = True,
) -> AzureTarget:
    """Resolve workspace, sign in, find the job and its scoring step, locate its logs.

    A parent whose scoring step does not exist yet (just after `az ml batch-endpoint invoke`)
    is opened on its own logs with `waiting=True`; the live view switches when the step
    appears. With `wait` (the live view) a `--step` that does not exist yet is waited for too;
    without it (`--once`) that is an error listing the steps there are. `--save` starts with
    the step: the parent's logs are not mirrored.
    """
    quiet_sdk_logging(getattr(args, "verbose", False))
    name = name or getattr(args, "job_name", None)
    if not name:
        raise AzureError("job", "no job name given.", "batchtop JOB_NAME", exit_code=2)
    workspace = resolve_workspace(args.subscription, args.resource_group, args.workspace)
    device, tenant = getattr(args, "device_code", False), getattr(args, "tenant", None)
    prompt = SignInPrompt()
    session = Session(workspace, lambda: make_credential(device, tenant, prompt), prompt)
    wanted = getattr(args, "step", None)
    try:
        check_sign_in(session.credential)
        if interactive is None:
            interactive = sys.stdin.isatty() and sys.stderr.isatty()
        job, step = resolve_target(session, name, wanted, interactive, wait)
        waiting = step is None
        followed = job if step is None else step
        location = locate_logs(session, followed)
    except TransientError as exc:
        raise transient_to_fatal(exc) from None
    save = getattr(args, "save", None)
    source = make_source(session, followed, location, None if waiting else save)
    return AzureTarget(
        session,
        job,
        followed,
        location,
        source,
        poll_fast=getattr(args, "poll", 2.0) or 2.0,
        waiting=waiting,
        wanted_step=wanted,
        save=save,
    )


def fetch_all(
    target: AzureTarget,
    sink: Sink,
    attempts: int = ONCE_ATTEMPTS,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Catch up with everything there is now (for --once), backing off on throttling."""
    timer = PollTimer(fast=1.0)
    failures = 0
    while True:
        try:
            deliver(poll_once(target.source), sink)
        except TransientError as exc:
            failures += 1
            if failures >= attempts:
                raise transient_to_fatal(exc) from None
            sleep(min(timer.backoff(exc.retry_after), 30.0))
            continue
        if not target.source.pending:
            return


def run_once(args: argparse.Namespace, name: str | None = None) -> int:
    """`batchtop JOB --once [--json]`: fetch, summarise, print; returns the exit code."""
    from batchtop.ingest import Ingestor
    from batchtop.summary import exit_code, summary_dict, summary_text

    try:
        try:
            target = open_job(args, name, interactive=False, wait=False)
            ingestor = Ingestor()
            for event in target.job_events():
                ingestor.state.apply(event)
            fetch_all(target, ingestor)
            ingestor.flush(final=True)
        except CoreAzureError as exc:  # an SDK error raised outside Session.call
            raise sdk_error("job", exc, None) from None
    except AzureError as exc:
        print(redact(str(exc)), file=sys.stderr)
        return exc.exit_code
    for ref in {target.job.note, target.step.note} - {None}:
        print(f"batchtop: note: {redact(str(ref))}", file=sys.stderr)
    if target.waiting:
        print(
            f"batchtop: note: job {target.job.name} has no scoring step yet; "
            "this is the parent job's own log.",
            file=sys.stderr,
        )
    snap = ingestor.snapshot()
    data = summary_dict(snap, source=f"azure:{target.step.name}")
    if getattr(args, "json", False):
        print(json.dumps(data, indent=2))
    else:
        print(summary_text(data))
    if target.source.mirror_error:
        print(f"batchtop: warning: {redact(target.source.mirror_error)}", file=sys.stderr)
    return exit_code(snap)
