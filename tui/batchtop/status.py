"""Every job status word batchtop knows, and what each one means for the rest of the program.

Status words come from four places (the service's run details, `az ml job stream`, the
runtime's own files, and our own "the stream ended" marker), and several parts of the program
must agree on them: the model ranks them, liveness stops judging silence after a job ended,
the ETA stops, `--once` turns them into exit codes, the screen and the report colour them.
They used to be spelled in nine places and drifted (`NotResponding` kept an ETA). This module is
the one place: a new status word is added here and nowhere else.

The service's list is azure-ai-ml's `JobStatus`; its `TERMINAL_STATUSES` are Completed, Failed,
Canceled, NotResponding and Paused, and we take the same set as final.
"""

from __future__ import annotations

ENDED_UNKNOWN = "Stream ended (outcome unknown)"
"""A piped `az ml job stream` ended without saying how the job ended (the v2 stream never
prints the final status; a failed job's error goes to stderr). Never read as Completed."""

RANK: dict[str, int] = {
    "NotStarted": 0,
    "Queued": 1,
    "Preparing": 2,
    "Provisioning": 3,
    "Starting": 4,
    "Running": 5,
    "Finalizing": 6,
    "CancelRequested": 7,
    "Completed": 8,
    "Finished": 8,
    ENDED_UNKNOWN: 8,  # outranks a Completed guessed from log wording, not Canceled or Failed
    "Paused": 9,
    "Canceled": 9,
    "NotResponding": 9,
    "Failed": 10,
}
"""How far along a status is: a status never moves back to a lower rank from the same source."""

RUNNING_RANK = RANK["Running"]

FINAL = frozenset(s for s, rank in RANK.items() if rank >= RANK["Completed"])
"""The job will not change by itself: azure-ai-ml's TERMINAL_STATUSES, plus v1's Finished and
our stream marker."""

SERVICE_TERMINAL = FINAL - {ENDED_UNKNOWN}
"""Final words the service or the stream itself may print (our own marker excluded)."""

SUCCESS = frozenset({"Completed", "Finished"})
FAILURE = frozenset({"Failed"})
STOPPED = frozenset({"Canceled", "CancelRequested", "Paused"})
"""Stopped by someone, not by an error."""

STUCK = frozenset({"NotResponding"})
"""The service cannot reach the job. Final to the SDK, but the nodes may still be running: their
states are still judged from the logs (a stuck node must not be hidden as `ended`)."""

ENDS_WORK = FINAL - STUCK
"""No work is done any more: liveness calls every quiet process `ended`, not stale or dead."""


def is_final(status: str | None) -> bool:
    return status in FINAL


def ends_work(status: str | None) -> bool:
    """The job's processes have stopped: no stale or dead judgement from silence any more."""
    return status in ENDS_WORK


def has_eta(status: str | None) -> bool:
    """Only a job that may still make progress gets an estimate of its end."""
    return status not in FINAL and status not in STOPPED


def rank(status: str | None) -> int:
    return RANK.get(status or "", 0)


def style_class(status: str) -> str:
    """One word for colouring a status, shared by the screen and the report."""
    if status in SUCCESS:
        return "ok"
    if status in FAILURE or status in STUCK:
        return "bad"
    if status in STOPPED:
        return "stopped"
    if status == "Running":
        return "running"
    if status == "NotStarted":
        return "waiting"
    return "other"
