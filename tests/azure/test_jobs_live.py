"""Following a job as the service really behaves (issue 10 items 2, 3, 5, 10), on the emulators.

Each scenario is what a real workspace does and our first emulator did not: a batch endpoint
job whose scoring step does not exist yet when batchtop attaches; a step whose status changes
while it is followed (read through run history, the way `jobs.stream` reads it); a job type the
SDK cannot parse; a reused step; a parallel step inside a sub-pipeline.
"""

from __future__ import annotations

import threading
import time

from azure_emulator import Fault

# at import time, when `conftest` is still this folder's (see test_faults.py)
from conftest import LogTree, ws_args
from test_faults import assert_no_secrets

from batchtop import events as ev
from batchtop.azure.cli import LiveAzure
from batchtop.azure.follow import FollowStatus
from batchtop.azure.run import WAITING_NOTE, open_job
from batchtop.cli import main
from batchtop.ingest import Ingestor
from batchtop.model import JobState

OVERVIEW = "logs/job_progress_overview.2023051622.txt"
# Real v2 overview lines (evidence.md §1, source I2: azure-sdk-for-python#30421).
PROGRESS = (
    b"2023-05-16T22:20:53.233813 Processed 4117 of 20000 mini batches in 5:02:14. "
    b"Estimated remaining time 19:25:59.\n"
)
PARENT_LOG = "logs/azureml/executionlogs.txt"


def cli(emu, job: str, *extra: str) -> list[str]:
    s = emu.state
    return [
        job,
        "--subscription",
        s.subscription,
        "-g",
        s.resource_group,
        "-w",
        s.workspace,
        "--once",
        "--json",
        *extra,
    ]


class Following:
    """`target.follow` on a thread, feeding a real Ingestor, as the live view runs it."""

    def __init__(self, target, **kwargs) -> None:
        self.target = target
        self.ingestor = Ingestor()
        for event in target.job_events():
            self.ingestor.state.apply(event)
        self.statuses: list[FollowStatus] = []
        self.stop = threading.Event()

        def apply(event) -> None:
            with self.ingestor.lock:
                self.ingestor.state.apply(event)

        self.thread = threading.Thread(
            target=target.follow,
            args=(self.ingestor, self.stop),
            kwargs={"on_status": self.statuses.append, "apply": apply, **kwargs},
            daemon=True,
        )

    def __enter__(self) -> Following:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join(timeout=10)
        assert not self.thread.is_alive()

    def snapshot(self):
        return self.ingestor.snapshot()


async def wait_for(pilot, condition, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting for the app"
        await pilot.pause(0.05)


def _wait(condition, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


# -- item 2: attach before the scoring step exists --------------------------------------------


def test_attach_before_the_step_exists_waits_then_switches(emu, container, job_name):
    """`az ml batch-endpoint invoke` then `batchtop JOB` at once: the parent has no child yet.
    Before: the parent was followed for good (no progress ever). Now: a header note while
    waiting, then the scoring step's logs as soon as run history lists it."""
    emu.add_job(job_name, status="Preparing", children=[])
    LogTree(container, job_name).append(PARENT_LOG, b"[2023-05-16 22:00:01Z] Submitting 1 runs\n")
    target = open_job(ws_args(emu, poll=0.1), job_name, interactive=False)
    assert target.waiting and target.step.name == job_name
    assert target.note == WAITING_NOTE
    live = LiveAzure(target)
    assert WAITING_NOTE in (live.note() or "")  # what the header shows

    with Following(target, status_every=0.2, step_every=0.2) as run:
        _wait(lambda: PARENT_LOG in target.source.files)
        child = emu.run_id()
        LogTree(container, child).append(OVERVIEW, PROGRESS)
        emu.add_child(
            job_name,
            emu.run(
                child, display="batchscoring", status="Running", started="2023-05-16T22:10:00Z"
            ),
        )
        _wait(lambda: run.snapshot().mini_batches.total == 20000)
        assert target.step.name == child and not target.waiting
        assert target.note is None
        assert run.snapshot().mini_batches.processed == 4117
        assert run.snapshot().status == "Running"
    assert not any(s.fatal for s in run.statuses)


async def test_the_header_says_waiting_until_the_step_appears(emu, container, job_name):
    """In the real app: the header's note while waiting, then the step's progress on screen."""
    from batchtop.app.header_bar import HeaderBar

    emu.add_job(job_name, status="Preparing", children=[])
    LogTree(container, job_name).append(PARENT_LOG, b"[2023-05-16 22:00:01Z] Submitting\n")
    target = open_job(ws_args(emu, poll=0.1), job_name, interactive=False)
    app = LiveAzure(target, status_every=0.2, step_every=0.2).app()

    def header() -> str:
        return app.main.query_one(HeaderBar).render().plain

    async with app.run_test(size=(160, 36)) as pilot:
        await wait_for(pilot, lambda: app.latest is not None and WAITING_NOTE in header())
        child = emu.run_id()
        LogTree(container, child).append(OVERVIEW, PROGRESS)
        emu.add_child(job_name, emu.run(child, display="batchscoring", status="Running"))
        await wait_for(pilot, lambda: app.latest.mini_batches.total == 20000)
        await wait_for(pilot, lambda: WAITING_NOTE not in header())
        app.exit()


def test_a_named_step_that_does_not_exist_yet_is_waited_for(emu, container, job_name):
    """A pipeline creates its scoring step after the steps it needs: `--step score` given while
    only `prep` exists waits for it (live), where `--once` says which steps there are."""
    prep, score = emu.run_id(), emu.run_id()
    emu.add_job(job_name, status="Running", children=[emu.run(prep, display="prep")])
    LogTree(container, prep).append("user_logs/std_log.txt", b"preparing\n")
    target = open_job(ws_args(emu, poll=0.1, step="score"), job_name, interactive=False)
    assert target.waiting and target.note == "waiting for step score to start"
    with Following(target, step_every=0.2) as run:
        LogTree(container, score).append(OVERVIEW, PROGRESS)
        emu.add_child(job_name, emu.run(score, display="score"))
        _wait(lambda: run.snapshot().mini_batches.processed == 4117)
        assert target.step.name == score and target.note is None


def test_several_steps_appearing_while_waiting_ask_for_step(emu, container, job_name):
    emu.add_job(job_name, status="Running", children=[])
    LogTree(container, job_name).append(PARENT_LOG, b"[2023-05-16 22:00:01Z] Submitting\n")
    target = open_job(ws_args(emu, poll=0.1), job_name, interactive=False)
    with Following(target, step_every=0.2):
        for suffix in ("a", "b"):
            emu.add_child(
                job_name, emu.run(display=f"batchscoring_{suffix}")
            )
        _wait(lambda: "--step" in (target.note or ""))
        assert target.waiting and WAITING_NOTE in target.note
        assert "batchscoring_a" in target.note


def test_a_parent_that_ends_before_any_step_stops_waiting(emu, container, job_name):
    emu.add_job(job_name, status="Preparing", children=[])
    LogTree(container, job_name).append(PARENT_LOG, b"[2023-05-16 22:00:01Z] Submitting\n")
    target = open_job(ws_args(emu, poll=0.1), job_name, interactive=False)
    with Following(target, step_every=0.2) as run:
        emu.set_status(job_name, "Failed")
        _wait(lambda: run.snapshot().status == "Failed")
        _wait(lambda: not target.waiting)
        assert target.note is None


def test_once_on_a_parent_without_step_says_so(emu, container, job_name, capsys):
    emu.add_job(job_name, status="Queued", children=[])
    LogTree(container, job_name).append(PARENT_LOG, b"[2023-05-16 22:00:01Z] Submitting\n")
    assert main(cli(emu, job_name)) == 0
    out = capsys.readouterr()
    assert "no scoring step yet" in out.err and "Traceback" not in out.err
    assert_no_secrets(emu, out.out, out.err)
    assert f'"source": "azure:{job_name}"' in out.out


# -- item 3: live status through run history ---------------------------------------------------


def test_step_status_is_refreshed_through_run_history(emu, container, job_name):
    """The service ends the step while we follow: the model says so within a refresh, read from
    run history (`runs/{id}/details`), and no failed refresh runs a `jobs.list`."""
    child = emu.run_id()
    emu.add_job(
        job_name,
        status="Running",
        children=[
            emu.run(
                child,
                display="batchscoring",
                status="Running",
                started="2023-05-16T22:10:00Z",
                created="2023-05-16T22:00:00Z",
            )
        ],
    )
    LogTree(container, child).append(OVERVIEW, PROGRESS)
    target = open_job(ws_args(emu, poll=0.1), job_name, interactive=False)
    with Following(target, status_every=0.2) as run:
        _wait(lambda: run.snapshot().mini_batches.processed == 4117)
        details_before = emu.calls_to("run_details")
        emu.set_status(child, "Failed", ended="2023-05-16T23:00:00Z")
        _wait(lambda: run.snapshot().status == "Failed")
    assert emu.calls_to("run_details") > details_before
    assert emu.calls_to("jobs") == 0  # no "did you mean" listing on the refresh path
    assert target.step.ended is not None
    assert run.snapshot().queued_seconds == 600.0  # created 22:00, started 22:10


def test_a_final_log_status_beats_an_older_running_service_status():
    state = JobState()
    state.apply(ev.StatusHint("Running", None, authority=2))  # service, polled 30 s ago
    state.apply(ev.StatusHint("Failed", 1_700_000_000.0))  # the runtime's logs: it ended
    assert state.snapshot().status == "Failed"
    state.apply(ev.StatusHint("Running", None, authority=2))  # service still lagging
    assert state.snapshot().status == "Failed"
    state.apply(ev.StatusHint("Completed", None, authority=2))  # the service's final word
    assert state.snapshot().status == "Completed"
    fresh = JobState()
    fresh.apply(ev.StatusHint("Running", None, authority=2))
    fresh.apply(ev.StatusHint("Queued", 1.0))  # a non-final log hint never overrides
    assert fresh.snapshot().status == "Running"


async def test_bell_rings_when_the_service_ends_the_job(emu, container, job_name):
    """`--bell` in the real app: the step completes in run history while the TUI follows."""
    child = emu.run_id()
    emu.add_job(
        job_name,
        status="Running",
        children=[emu.run(child, display="batchscoring", status="Running")],
    )
    LogTree(container, child).append(OVERVIEW, PROGRESS)
    target = open_job(ws_args(emu, poll=0.1), job_name, interactive=False)
    live = LiveAzure(target, status_every=0.2)
    app = live.app(bell=True)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(
            pilot,
            lambda: app.latest is not None and app.latest.mini_batches.processed == 4117,
            timeout=20,
        )
        assert app.bells == 0
        emu.set_status(child, "Completed")
        await wait_for(pilot, lambda: app.latest.status == "Completed", timeout=20)
        await pilot.pause(0.2)
        assert app.bells == 1
        app.exit()


# -- item 5: SDK exceptions --------------------------------------------------------------------


def test_unknown_job_type_is_read_from_run_history(emu, container, job_name, capsys):
    """`JobException: Unsupported job type Labeling` escaped as a traceback before."""
    emu.add_job(job_name, job_type="Labeling", status="Running", compute=None)
    LogTree(container, job_name).append(OVERVIEW, PROGRESS)
    assert main(cli(emu, job_name)) == 0
    out = capsys.readouterr()
    assert "Traceback" not in out.err and '"processed": 4117' in out.out


def test_unknown_job_type_without_run_history_is_one_line(emu, container, job_name, capsys):
    emu.add_job(job_name, job_type="Labeling", status="Running", compute=None)
    emu.inject("run", Fault(404, body={"error": {"code": "UserError", "message": "gone"}}))
    assert main(cli(emu, job_name)) == 3
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert "Unsupported job type Labeling" in err and "azure-ai-ml" in err
    assert_no_secrets(emu, err)


def test_a_failing_refresh_is_shown_and_retried_not_fatal(emu, container, job_name):
    """A status refresh that fails (here: run history answers 400 three times) must not kill
    the follower or freeze the status: the header says so, the logs keep flowing, the next
    refresh recovers."""
    child = emu.run_id()
    emu.add_job(
        job_name,
        status="Running",
        children=[emu.run(child, display="batchscoring", status="Running")],
    )
    tree = LogTree(container, child)
    tree.append(OVERVIEW, PROGRESS)
    target = open_job(ws_args(emu, poll=0.1), job_name, interactive=False)
    emu.inject(
        "run_details",
        *[Fault(400, body={"error": {"code": "BadRequest", "message": "not now"}})] * 3,
    )
    notes: list[str] = []
    with Following(target, status_every=0.2) as run:
        _wait(lambda: run.snapshot().mini_batches.processed == 4117)
        _wait(lambda: bool(target.note) and notes.append(target.note) is None)
        tree.append(OVERVIEW, PROGRESS.replace(b"4117", b"4200"))
        _wait(lambda: run.snapshot().mini_batches.processed == 4200)
        emu.set_status(child, "Completed")
        _wait(lambda: run.snapshot().status == "Completed")
        assert target.note is None
        assert run.thread.is_alive()
    assert notes and notes[0].startswith("job status:") and "retrying" in notes[0]
    assert_no_secrets(emu, *notes)


def test_follower_survives_an_unexpected_exception(emu, container, job_name):
    """Whatever escapes a poll is reported (header) and followed by a retry, never a dead
    thread."""
    emu.add_job(job_name, job_type="Command", status="Running")
    tree = LogTree(container, job_name)
    tree.append(OVERVIEW, PROGRESS)
    target = open_job(ws_args(emu, poll=0.1), job_name, interactive=False)
    original = target.source.poll
    calls = [0]

    def flaky():
        calls[0] += 1
        if calls[0] == 2:
            raise RuntimeError("boom from the SDK")
        return original()

    target.source.poll = flaky
    with Following(target) as run:
        _wait(lambda: run.snapshot().mini_batches.processed == 4117)
        tree.append(OVERVIEW, PROGRESS.replace(b"4117", b"4300"))
        _wait(lambda: run.snapshot().mini_batches.processed == 4300, timeout=30)
    errors = [s for s in run.statuses if not s.ok]
    assert errors and "RuntimeError: boom from the SDK" in errors[0].error
    assert run.statuses[-1].ok


# -- item 10: step detection from real properties ----------------------------------------------


def test_reused_step_follows_the_reused_run(emu, container, job_name, capsys):
    """A reused step ran nothing; its logs are the reused run's (`jobs.download` does this)."""
    old = emu.run_id()
    emu.add_job(
        f"{job_name}-earlier",
        status="Completed",
        children=[emu.run(old, display="batchscoring", status="Completed")],
    )
    LogTree(container, old).append(OVERVIEW, PROGRESS)
    emu.add_job(
        job_name,
        status="Completed",
        children=[
            emu.run(
                emu.run_id(),
                display="batchscoring",
                status="Completed",
                properties={"azureml.isreused": "true", "azureml.reusedrunid": old},
            )
        ],
    )
    assert main(cli(emu, job_name)) == 0
    captured = capsys.readouterr()
    out = captured.out
    assert f'"source": "azure:{old}"' in out and '"processed": 4117' in out
    assert f"reused run {old}" in captured.err  # said, not silently swapped


def test_scoring_step_inside_a_sub_pipeline_is_found(emu, container, job_name, capsys):
    sub, prep, inner = emu.run_id(), emu.run_id(), emu.run_id()
    emu.add_job(
        job_name,
        status="Running",
        children=[
            emu.run(prep, display="prep_data", status="Completed"),
            emu.run(
                sub, display="scoring_pipeline", status="Running", run_type="azureml.PipelineRun"
            ),
        ],
    )
    emu.add_child(sub, emu.run(inner, display="parallel_score", status="Running"))
    LogTree(container, inner).append(OVERVIEW, PROGRESS)
    assert main(cli(emu, job_name)) == 0
    assert f'"source": "azure:{inner}"' in capsys.readouterr().out


def test_the_log_viewer_tails_a_blob_by_offset(emu, container, job_name):
    """issue 10 item 7: the viewer of a workspace job (no --save) reads only the new bytes of
    a growing blob; it used to download the whole blob on every growth."""
    emu.add_job(job_name, status="Running", children=[])
    tree = LogTree(container, job_name)
    tree.append(PARENT_LOG, b"[2023-05-16 22:00:01Z] Submitting 1 runs\n")
    target = open_job(ws_args(emu, poll=0.1), job_name, interactive=False)
    live = LiveAzure(target)
    first = b"[2023-05-16 22:00:01Z] Submitting 1 runs\n"
    assert live.read_from(PARENT_LOG, 0) == (len(first), first)
    more = b"[2023-05-16 22:00:05Z] Job is running, job runstatus is Running\n"
    tree.append(PARENT_LOG, more)
    size, data = live.read_from(PARENT_LOG, len(first))
    assert (size, data) == (len(first) + len(more), more)  # only the new bytes travel
    assert live.read_from(PARENT_LOG, size) == (size, b"")
    assert live.app().read_from == live.read_from  # the app built over it tails the same way


async def test_a_followed_workspace_job_can_be_scrubbed(emu, container, job_name):
    """issue 13: "a finished or followed job can be scrubbed" — the live view of a workspace
    job keeps the compact timeline, so `[` rewinds instead of saying it keeps no history."""
    emu.add_job(job_name, status="Running", children=[])
    tree = LogTree(container, job_name)
    tree.append(OVERVIEW, b"2023-05-16T22:10:00.000000 The overviewer on 0 started.\n")
    tree.append(OVERVIEW, PROGRESS)
    target = open_job(ws_args(emu, poll=0.1), job_name, interactive=False)
    app = LiveAzure(target, status_every=0.2, step_every=0.2).app()
    async with app.run_test(size=(160, 36)) as pilot:
        await wait_for(pilot, lambda: app.latest is not None and app.latest.mini_batches.total)
        assert app.replay_timeline() is not None
        await pilot.press("left_square_bracket")
        await wait_for(pilot, lambda: app.replay_at is not None)
        replayed, _ = app.replayed(app.latest)
        assert replayed.mini_batches.processed <= app.latest.mini_batches.processed
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.replay_at is None)
        app.exit()
