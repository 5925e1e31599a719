"""Alerts: turn successive views of a job into events that fire once per episode.

A user is not looking at the screen when a node dies at 3 a.m., so `--notify`, `--notify-url`
and `--watch` hand events to something that reaches them. An event is only worth sending if it
is news: it fires when a condition starts (a node turns dead), never again while it lasts (each
repaint, each re-read of a file), and again only after it ended and started anew (the node came
back and died again). What was already true when batchtop attached is history, not news:
`watch.Alerts` takes it in silently unless the user asked for it (`--notify-history`).

Pure and clock-free: it reads liveness's `View` (states judged on the job's own log clock)
and says nothing the view does not. `at` is log time, the moment the logs show the condition.

Defaults of the error burst (a choice, not evidence: a few failures are normal in a big job):
`BURST_FAILURES` failed attempts within `BURST_WINDOW` seconds of log time, or a new error group.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Any

from batchtop.liveness import DEAD, STALE, View
from batchtop.textsafe import safe
from batchtop.timeparse import format_stamp

NODE_DEAD = "node_dead"
NODE_STALE = "node_stale"
PROCESS_KILLED = "process_killed"
ERRORS_BURST = "errors_burst"
JOB_FINISHED = "job_finished"
SOURCE_QUIET = "source_quiet"

BURST_FAILURES = 10
BURST_WINDOW = 300.0
KILLED_CODE = -9
"""`exits with returncode -9`: the kernel's SIGKILL, most often the out-of-memory killer."""


@dataclass(frozen=True, slots=True)
class Event:
    event: str
    at: float | None
    """Log time of the condition (None: the logs give it no time)."""
    message: str
    node: str | None = None
    process: str | None = None

    def as_dict(self, view: View, job: str | None, source: str | None) -> dict[str, Any]:
        """The JSON object `--notify` writes to the command's stdin and `--notify-url` posts."""
        snap = view.snapshot
        mb = snap.mini_batches
        total = "?" if mb.total is None else str(mb.total)
        return {
            "event": self.event,
            "job": safe(job) if job else None,
            "source": safe(source) if source else None,
            "at": format_stamp(self.at),
            "node": safe(self.node) if self.node else None,
            "process": safe(self.process) if self.process else None,
            "message": safe(self.message),
            "status": snap.status,
            "summary": f"{snap.status} · {mb.processed}/{total} mini-batches · "
            f"{mb.failed} failed",
        }


class AlertTracker:
    """Remembers which conditions hold, so each episode fires once."""

    def __init__(
        self, burst_failures: int = BURST_FAILURES, burst_window: float = BURST_WINDOW
    ) -> None:
        self.burst_failures = burst_failures
        self.burst_window = burst_window
        self._holding: set[tuple[str, str]] = set()
        self._kills: dict[str, int] = {}
        self._groups: set[str] = set()
        self._failures: deque[tuple[float, int]] = deque()
        self._burst_since: float | None = None
        self._finished = False

    def observe(self, view: View) -> list[Event]:
        """Events that start with this view (call once per new view; repeats are harmless)."""
        snap = view.snapshot
        events: list[Event] = []
        now: set[tuple[str, str]] = set()
        for row in view.nodes:
            name = row.view.name
            if row.state in (DEAD, STALE):
                kind = NODE_DEAD if row.state == DEAD else NODE_STALE
                now.add((kind, name))
                if (kind, name) not in self._holding:
                    silent = "" if row.silence is None else f" (silent {row.silence:.0f}s)"
                    events.append(Event(kind, snap.data_time, f"node {name} {row.state}{silent}",
                                        node=name))
            for proc in row.processes:
                p = proc.view
                if p.exit_code != KILLED_CODE or p.exits <= self._kills.get(p.key, 0):
                    continue
                self._kills[p.key] = p.exits
                events.append(Event(
                    PROCESS_KILLED, p.exit_at,
                    f"{p.key} killed (return code {KILLED_CODE}, likely out of memory)",
                    node=p.node, process=p.name,
                ))
        if view.data_stale:
            now.add((SOURCE_QUIET, ""))
            if (SOURCE_QUIET, "") not in self._holding:
                quiet = "" if view.quiet_for is None else f" for {view.quiet_for:.0f}s"
                events.append(Event(SOURCE_QUIET, snap.data_time, f"no new data{quiet}"))
        self._holding = now
        events += self._errors(view)
        if snap.finished and not self._finished:
            self._finished = True
            verdict = f": {snap.verdict}" if snap.verdict else ""
            events.append(Event(JOB_FINISHED, snap.data_time, f"job {snap.status}{verdict}"))
        return events

    def restart_failure_window(self) -> None:
        """Forget the failure counts seen so far: while history is read, counts jump by
        whole files within one moment of log time, which says nothing about a burst."""
        self._failures.clear()
        self._burst_since = None

    def _errors(self, view: View) -> list[Event]:
        snap = view.snapshot
        events: list[Event] = []
        for group in snap.errors:
            if group.signature not in self._groups:
                self._groups.add(group.signature)
                place = group.where[0] if group.where else None
                node, _, process = (place or "").partition("/")
                events.append(Event(
                    ERRORS_BURST, group.first_seen,
                    f"new error: {group.message.splitlines()[0] if group.message else '?'}",
                    node=node or None, process=process or None,
                ))
        at, failed = snap.data_time, snap.mini_batches.failed
        if at is None:
            return events
        window = self._failures
        window.append((at, failed))
        while len(window) > 1 and window[0][0] < at - self.burst_window:
            window.popleft()
        recent = failed - window[0][1]
        if recent >= self.burst_failures and self._burst_since is None:
            self._burst_since = at
            events.append(Event(
                ERRORS_BURST, at,
                f"{recent} mini-batches failed within {self.burst_window / 60:.0f} min",
            ))
        elif recent < self.burst_failures:
            self._burst_since = None  # the episode is over: a new burst fires again
        return events
