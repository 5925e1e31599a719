"""Glue for the CLI: the Azure flags, opening a job as a byte source, and `--once` mode.

`cli.py` calls `add_azure_arguments(parser)` once, and when a job name is given either
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

from batchtop.azure.credentials import check_sign_in, make_credential
from batchtop.azure.errors import AzureError, TransientError, quiet_sdk_logging, redact
from batchtop.azure.follow import FollowStatus, PollTimer, follow, poll_once
from batchtop.azure.jobs import JobRef, get_job, resolve_target
from batchtop.azure.mirror import Mirror
from batchtop.azure.session import Session, transient_to_fatal
from batchtop.azure.source import AzureSource, Sink, deliver
from batchtop.azure.store import BlobLocation, container_client, locate_logs
from batchtop.azure.workspace import resolve_workspace

ONCE_ATTEMPTS = 4


def add_azure_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags named as the az CLI names them, plus batchtop's own Azure options."""
    group = parser.add_argument_group("Azure ML workspace (when following a job by name)")
    group.add_argument(
        "--subscription",
        metavar="ID_OR_NAME",
        help="subscription (default: $AZURE_SUBSCRIPTION_ID, config.json, `az account set`)",
    )
    group.add_argument(
        "-g",
        "--resource-group",
        metavar="NAME",
        help="resource group (default: $AZURE_RESOURCE_GROUP, config.json, "
        "`az configure --defaults group=`)",
    )
    group.add_argument(
        "-w",
        "--workspace",
        "--workspace-name",
        dest="workspace",
        metavar="NAME",
        help="workspace (default: $AZUREML_WORKSPACE_NAME, config.json, "
        "`az configure --defaults workspace=`)",
    )
    group.add_argument(
        "--step",
        metavar="NAME",
        help="child step to follow when the job is a pipeline with several",
    )
    group.add_argument(
        "--device-code",
        action="store_true",
        help="sign in with a device code (SSH box without az login)",
    )
    group.add_argument("--tenant", metavar="ID", help="tenant for --device-code")
    group.add_argument(
        "--save",
        metavar="DIR",
        type=Path,
        help="mirror fetched logs into DIR (reopen with --dir DIR; a restart "
        "resumes without re-fetching)",
    )
    group.add_argument(
        "--poll",
        metavar="SECONDS",
        type=float,
        default=2.0,
        help="fastest poll interval while logs change (default 2; idle polls slow down to 30)",
    )


@dataclass
class AzureTarget:
    """An opened job: who it is, where its logs are, and the source that reads them."""

    session: Session
    job: JobRef
    step: JobRef
    location: BlobLocation
    source: AzureSource
    poll_fast: float = 2.0

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
                started=step.started or self.job.started,
            )
        ]
        status = step.status or self.job.status
        if status:
            # at=None: the service's status is not a log line; it must not move the data time.
            events.append(StatusHint(status, None, authority=2))
        return events

    def refresh_status(self) -> JobRef:
        """Ask the service for the followed step's status again (cheap: one GET)."""
        self.step = get_job(self.session, self.step.name)
        return self.step

    def follow(
        self,
        sink: Sink,
        stop: threading.Event,
        *,
        wake: threading.Event | None = None,
        on_status: Callable[[FollowStatus], None] | None = None,
        apply: Callable[[Any], None] | None = None,
        status_every: float = 30.0,
    ) -> None:
        """Follow live on this (worker) thread until `stop`; set `wake` to poll now.

        `apply` receives job events (JobInfo/StatusHint) every `status_every` seconds.
        """
        last = [0.0]

        def on_poll() -> None:
            if apply is None or time.monotonic() - last[0] < status_every:
                return
            last[0] = time.monotonic()
            try:
                step = self.refresh_status()
            except (AzureError, TransientError):
                return  # keep the last known status; the logs still flow
            for event in self.job_events(step):
                apply(event)

        follow(
            self.source,
            sink,
            stop,
            wake=wake,
            on_status=on_status,
            timer=PollTimer(fast=self.poll_fast),
            on_poll=on_poll,
        )


def open_job(
    args: argparse.Namespace, name: str | None = None, interactive: bool | None = None
) -> AzureTarget:
    """Resolve workspace, sign in, find the job and its scoring step, locate its logs."""
    quiet_sdk_logging(getattr(args, "verbose", False))
    name = name or getattr(args, "job", None) or getattr(args, "job_name", None)
    if not name:
        raise AzureError("job", "no job name given.", "batchtop JOB_NAME", exit_code=2)
    workspace = resolve_workspace(args.subscription, args.resource_group, args.workspace)
    device, tenant = getattr(args, "device_code", False), getattr(args, "tenant", None)
    session = Session(workspace, lambda: make_credential(device, tenant))
    try:
        check_sign_in(session.credential)
        if interactive is None:
            interactive = sys.stdin.isatty() and sys.stderr.isatty()
        job, step = resolve_target(session, name, getattr(args, "step", None), interactive)
        location = locate_logs(session, step)
    except TransientError as exc:
        raise transient_to_fatal(exc) from None

    def connect() -> Any:
        # After a storage 401/403: re-read the datastore secret (a fresh SAS) and reconnect.
        nonlocal location
        if connect.calls:  # type: ignore[attr-defined]
            try:
                location = locate_logs(session, step)
            except TransientError as exc:
                raise transient_to_fatal(exc) from None
        connect.calls += 1  # type: ignore[attr-defined]
        return container_client(location)

    connect.calls = 0  # type: ignore[attr-defined]
    save = getattr(args, "save", None)
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
    source = AzureSource(connect, location.prefix, mirror=mirror)
    return AzureTarget(
        session, job, step, location, source, poll_fast=getattr(args, "poll", 2.0) or 2.0
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
        target = open_job(args, name, interactive=False)
        ingestor = Ingestor()
        for event in target.job_events():
            ingestor.state.apply(event)
        fetch_all(target, ingestor)
        ingestor.flush(final=True)
    except AzureError as exc:
        print(redact(str(exc)), file=sys.stderr)
        return exc.exit_code
    snap = ingestor.snapshot()
    data = summary_dict(snap, source=f"azure:{target.step.name}")
    if getattr(args, "json", False):
        print(json.dumps(data, indent=2))
    else:
        print(summary_text(data))
    if target.source.mirror_error:
        print(f"batchtop: warning: {redact(target.source.mirror_error)}", file=sys.stderr)
    return exit_code(snap)
