"""What `batchtop/cli.py` imports: `add_azure_arguments(parser)` and `run_job(args)`.

`run_job` handles `batchtop JOB --once/--json` (via `run.run_once`) and the live view, where
the Azure follow loop runs as the TUI's follower thread, feeding the same Ingestor the local
source feeds. Exit codes: 0 job fine or running, 1 job failed, 2 bad usage, 3 sign-in,
workspace or network failure.
"""

from __future__ import annotations

import argparse
import sys
import threading
from collections.abc import Callable
from typing import Any

from batchtop.azure.errors import AzureError, redact
from batchtop.azure.follow import FollowStatus
from batchtop.azure.run import AzureTarget, add_azure_arguments, open_job, run_once

__all__ = ["add_azure_arguments", "run_job"]


def run_job(args: argparse.Namespace) -> int:
    """`batchtop JOB_NAME [...]`: one summary with --once/--json, else the live view."""
    if getattr(args, "once", False) or getattr(args, "json", False):
        return run_once(args, args.job_name)
    try:
        target = open_job(args, args.job_name)
    except AzureError as exc:
        print(redact(str(exc)), file=sys.stderr)
        return exc.exit_code
    return _run_live(target, args)


class _NotifyingSink:
    """Feeds the Ingestor and tells the view something changed."""

    def __init__(self, ingestor: Any, on_change: Callable[[], None]) -> None:
        self.ingestor = ingestor
        self.on_change = on_change

    def feed(self, path: str, data: bytes) -> None:
        self.ingestor.feed(path, data)
        self.on_change()

    def reset(self, path: str) -> None:
        self.ingestor.reset(path)


def source_note(status: FollowStatus | None) -> str | None:
    """The header's warning while Azure is failing: what, since when, next try (else None)."""
    if status is None or status.ok:
        return None
    if status.fatal is not None:
        return f"Azure: {status.fatal.step} failed; q to quit and see why"
    age = status.age()
    since = f"; last good data {int(age)} s ago" if age is not None else ""
    return f"Azure: {status.error or 'poll failed'}{since}; retry in {status.next_poll_in:.0f} s"


def _run_live(target: AzureTarget, args: argparse.Namespace) -> int:
    from batchtop.app.main import run_tui
    from batchtop.ingest import Ingestor

    ingestor = Ingestor()
    for event in target.job_events():
        ingestor.state.apply(event)
    fatal: list[AzureError] = []
    latest: list[FollowStatus] = []
    wake = threading.Event()

    def on_status(status: FollowStatus) -> None:
        latest[:] = [status]
        if status.fatal is not None:
            fatal.append(status.fatal)

    def follower(stop: threading.Event, on_change: Callable[[], None]) -> None:
        def apply(event: Any) -> None:
            with ingestor.lock:
                ingestor.state.apply(event)
            on_change()

        target.follow(
            _NotifyingSink(ingestor, on_change), stop, wake=wake, on_status=on_status, apply=apply
        )

    def read_file(rel: str) -> bytes:
        mirror = target.source.mirror
        if mirror is not None:
            return mirror.local_path(rel).read_bytes()
        blob = target.source.client.download_blob(target.location.prefix + rel)
        return blob.readall()

    code = run_tui(
        ingestor=ingestor,
        follower=follower,
        label=f"{target.job.name} ({target.session.workspace.workspace})",
        list_files=lambda: sorted(target.source.files),
        read_file=read_file,
        bell=getattr(args, "bell", False),
        source_note=lambda: (
            source_note(latest[0] if latest else None) or target.source.mirror_error
        ),
        refresh_source=wake.set,
    )
    if fatal:
        print(redact(str(fatal[-1])), file=sys.stderr)
        return fatal[-1].exit_code
    return code
