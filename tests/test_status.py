"""One status vocabulary: what each service status means for the ETA, liveness and exit codes."""

from __future__ import annotations

import pytest

from batchtop import events as ev
from batchtop import status
from batchtop.model import JobState
from batchtop.summary import EXIT_CANCELED, EXIT_NOT_RESPONDING, exit_code

T0 = 1_684_274_400.0


def running_state(final_status: str) -> JobState:
    state = JobState()
    for i in range(40):
        state.apply(ev.Progress(i * 5, 1000, T0 + i * 15, runtime_eta=600.0))
    state.apply(ev.StatusHint(final_status, T0 + 600, authority=2))
    return state


def test_not_responding_gets_no_eta_and_its_own_exit_code():
    snap = running_state("NotResponding").snapshot()
    assert snap.status == "NotResponding"
    assert (snap.eta_seconds, snap.runtime_eta_seconds) == (None, None)
    assert exit_code(snap) == EXIT_NOT_RESPONDING
    # final to the SDK, but the nodes may still run: liveness keeps judging them
    assert snap.finished and not snap.work_ended


def test_running_job_keeps_its_eta():
    snap = running_state("Running").snapshot()
    assert snap.runtime_eta_seconds == 600.0


@pytest.mark.parametrize("word", ["Paused", "Canceled"])
def test_paused_is_final_as_azure_ai_ml_says_and_exits_as_stopped(word):
    snap = running_state(word).snapshot()
    assert snap.finished and snap.work_ended
    assert snap.eta_seconds is None
    assert exit_code(snap) == EXIT_CANCELED


def test_final_set_is_the_sdks_terminal_statuses_plus_v1_and_our_marker():
    # azure-ai-ml: JobStatus TERMINAL_STATUSES (see shared/reviews/service-recordings.md §5)
    sdk_terminal = {"Completed", "Failed", "Canceled", "NotResponding", "Paused"}
    assert status.FINAL == sdk_terminal | {"Finished", status.ENDED_UNKNOWN}
    assert not status.is_final("Running") and not status.is_final("CancelRequested")
