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
from typing import TYPE_CHECKING, Any

from azure.core.exceptions import AzureError as CoreAzureError

from batchtop.azure.errors import AzureError, redact
from batchtop.azure.flags import add_azure_arguments
from batchtop.azure.follow import FollowStatus
from batchtop.azure.run import AzureTarget, open_job, run_once
from batchtop.azure.session import sdk_error
from batchtop.timeline import RecordingState

if TYPE_CHECKING:  # the app imports Textual: only a live follow needs it
    from batchtop.app.app import BatchtopApp

__all__ = ["add_azure_arguments", "run_job"]


def run_job(args: argparse.Namespace) -> int:
    """`batchtop JOB_NAME [...]`: one summary with --once/--json, else the live view."""
    if getattr(args, "once", False) or getattr(args, "json", False):
        return run_once(args, args.job_name)
    try:
        try:
            target = open_job(args, args.job_name)
        except CoreAzureError as exc:  # an SDK error raised outside Session.call
            raise sdk_error("job", exc, None) from None
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


class _HistorySink(_NotifyingSink):
    """The first download: also tells the ingestor how much of what the listing found is in
    (`reading history… N%`), so node states are held back until all of it is (issue 16, U2).
    A switch from a pipeline's parent to its scoring step starts a new first download."""

    def __init__(self, ingestor: Any, on_change: Callable[[], None], target: Any) -> None:
        super().__init__(ingestor, on_change)
        self.target = target
        self.source: Any = None
        self.fed = 0
        self.reading = False
        self._begin()

    def _begin(self) -> None:
        self.source, self.fed, self.reading = self.target.source, 0, True
        self.ingestor.reading_history(0, 0)

    def feed(self, path: str, data: bytes) -> None:
        if self.target.source is not self.source:
            self._begin()
        if self.reading:
            self.fed += len(data)
            self.ingestor.reading_history(self.fed, self.source.listed_bytes)
        super().feed(path, data)

    def on_status(self, status: FollowStatus) -> None:
        """After each poll: the history is in once a good poll left nothing pending (files
        larger than one read take several polls), or when following stopped for good."""
        if self.target.source is not self.source:
            self._begin()
        if self.reading and ((status.ok and not self.source.pending) or status.fatal):
            self.reading = False
            self.ingestor.history_read()
            self.on_change()


def source_note(status: FollowStatus | None) -> str | None:
    """The header's warning while Azure is failing: what, since when, next try (else None)."""
    if status is None or status.ok:
        return None
    if status.fatal is not None:
        return f"Azure: {status.fatal.step} failed; q to quit and see why"
    age = status.age()
    since = f"; last good data {int(age)} s ago" if age is not None else ""
    return f"Azure: {status.error or 'poll failed'}{since}; retry in {status.next_poll_in:.0f} s"


class LiveAzure:
    """An opened job as the TUI's `Source` (app/source.py): the follower thread's body, the
    header note, `r`, the file list and readers. The app is built over it by the one factory
    (`make_app`), so tests drive the same app on the emulators (`app(...)`)."""

    live = True
    can_refresh = True

    def __init__(
        self, target: AzureTarget, status_every: float = 30.0, step_every: float = 5.0
    ) -> None:
        from batchtop.ingest import Ingestor

        self.target = target
        self.label = f"{target.job.name} ({target.session.workspace.workspace})"
        self.ingestor = Ingestor(RecordingState())  # the timeline the replay keys scrub
        for event in target.job_events():
            self.ingestor.state.apply(event)
        self.fatal: list[AzureError] = []
        self.latest: list[FollowStatus] = []
        self.wake = threading.Event()
        self.status_every = status_every
        self.step_every = step_every

    def on_status(self, status: FollowStatus) -> None:
        self.latest[:] = [status]
        if status.fatal is not None:
            self.fatal.append(status.fatal)

    def follow(self, stop: threading.Event, on_change: Callable[[], None]) -> None:
        ingestor = self.ingestor

        def apply(event: Any) -> None:
            with ingestor.lock:
                ingestor.state.apply(event)
            on_change()

        sink = _HistorySink(ingestor, on_change, self.target)

        def on_status(status: FollowStatus) -> None:
            self.on_status(status)
            sink.on_status(status)

        self.target.follow(
            sink,
            stop,
            wake=self.wake,
            on_status=on_status,
            apply=apply,
            status_every=self.status_every,
            step_every=self.step_every,
        )

    def note(self) -> str | None:
        """The header's warning: a sign-in waiting for the user (its prompt on stderr is hidden
        under the TUI), the source's trouble, the job's, then --save's."""
        prompt = self.target.session.credential.prompt
        return (
            (prompt.pending if prompt is not None else None)
            or source_note(self.latest[0] if self.latest else None)
            or self.target.note
            or self.target.source.mirror_error
        )

    def refresh(self) -> None:
        """`r`: wake the follower, which polls the workspace at once."""
        self.wake.set()

    def files(self) -> list[str]:
        return sorted(self.target.source.files)

    def read(self, rel: str) -> bytes:
        target = self.target
        mirror = target.source.mirror
        if mirror is not None:
            return mirror.local_path(rel).read_bytes()
        blob = target.source.client.download_blob(target.location.prefix + rel)
        return blob.readall()

    def read_from(self, rel: str, offset: int) -> tuple[int, bytes]:
        """The log viewer's tail: the file's size and its bytes after `offset` (issue 10 item
        7). A growing blob costs one properties request and one ranged read of the new bytes,
        never a whole download per growth (the quadratic cost of `jobs.stream`)."""
        target = self.target
        mirror = target.source.mirror
        if mirror is not None:
            from batchtop.app.log_viewer_screen import read_tail

            return read_tail(mirror.local_path(rel), offset)
        blob = target.source.client.get_blob_client(target.location.prefix + rel)
        size = int(blob.get_blob_properties().size)
        if size <= offset:
            return size, b""
        return size, blob.download_blob(offset=offset, length=size - offset).readall()

    def app(self, bell: bool = False) -> BatchtopApp:
        """The app over this job, as `batchtop --workspace ... JOB` runs it."""
        from batchtop.app.source import make_app

        return make_app(self, bell=bell)


def _run_live(target: AzureTarget, args: argparse.Namespace) -> int:
    from batchtop.cli import alerts_of

    live = LiveAzure(target)
    alerts = alerts_of(args, live.label)
    if getattr(args, "watch", False) and alerts is not None:
        from batchtop.watch import watch

        code = watch(live.ingestor, live.follow, alerts)
    else:
        from batchtop.app.main import run_source

        code = run_source(
            live, bell=getattr(args, "bell", False), at=getattr(args, "at", None), alerts=alerts
        )  # `batchtop JOB --at +25m` opens replaying that moment
    if live.fatal:
        print(redact(str(live.fatal[-1])), file=sys.stderr)
        return live.fatal[-1].exit_code
    return code
