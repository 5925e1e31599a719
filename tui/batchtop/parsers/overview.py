"""The progress overview (`job_progress_overview.*.txt`, old `overview.txt`) and job_result.txt.

The overview is the job's heartbeat: scheduling, `Processed p of t`, the runtime's ETA, why
progress stopped. Every template of every era is one regex here; new wording falls through to
"unparsed" (counted and shown), never to a wrong number.
"""

from __future__ import annotations

import ast
import re

from batchtop import events as ev
from batchtop.parsers.timestamped import HeadResult, TimestampedParser
from batchtop.timeparse import parse_duration

_N = r"(\d{1,15})(?!\d)"
"""A count: at most 15 digits (exact as a float). Longer numbers are garbage, and a line
holding one falls through to "unparsed" instead of raising or showing a made-up figure."""
_PROCESSED = re.compile(
    rf"Processed {_N} of {_N} mini batches in (.{{1,40}}?)\.\s*"
    r"Estimated? remaining(?: time)? (.{1,40}?)\.?$"
)
_PROCESSED_PLAIN = re.compile(rf"Processed {_N} (?:of {_N} )?mini batches\.?")
_SCHEDULED_ALL = re.compile(
    rf"Scheduling finished\. Scheduled {_N} mini batches"
    rf"(?: in [\d.]+ seconds\. There are \d+ tasks with {_N} items| with {_N} items)?"
)
_SCHEDULED = re.compile(rf"Scheduled {_N} mini batches in")
_ALL_DONE = re.compile(rf"All {_N} mini batches have been processed")
_STOPPED = re.compile(r"Progress update stopped for reasons: (\[.*\])")
_THRESHOLD = re.compile(
    r"The number of failed items is (\d+), which exceeds error threshold (-?\d+)"
)
_STOPPING = re.compile(r"Received stop signal and the ParallelRunStep is stopping")
_FAILURE_PHRASES = (
    "had timeout for",
    "raised exception for",
    "There is no succeeded mini batch item returned from run()",
    "No task has been picked.",
    "No task has been processed.",
    "Unable to create any task within",
    "Failed to create tasks with",
    "No temp file found. The job failed.",
    "The master role failed",
)
_KNOWN_QUIET = (
    "Start the simulator",
    "The overviewer on",
    "Start scheduling",
    "No task has been processed yet",
    "There are ",
    "Concatenated ",
    "Finished concatenating",
    "All temp files are empty",
)


def _stop_reasons(text: str) -> list[str]:
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return [text]
    return [str(v) for v in value] if isinstance(value, (list, tuple)) else [str(value)]


def interpret_overview_message(at: float | None, msg: str) -> HeadResult | None:
    """One overview message -> events. Shared with job_result.txt, which reuses the wording."""
    m = _PROCESSED.search(msg)
    if m:
        return HeadResult(
            [
                ev.Progress(
                    int(m.group(1)),
                    int(m.group(2)),
                    at,
                    parse_duration(m.group(3)),
                    parse_duration(m.group(4)),
                )
            ]
        )
    m = _SCHEDULED_ALL.search(msg)
    if m:
        items = m.group(2) or m.group(3)
        return HeadResult([ev.Scheduled(int(m.group(1)), at, True, int(items) if items else None)])
    m = _SCHEDULED.search(msg)
    if m:
        return HeadResult([ev.Scheduled(int(m.group(1)), at, False)])
    m = _ALL_DONE.search(msg)
    if m:
        n = int(m.group(1))
        return HeadResult([ev.Progress(n, n, at), ev.StatusHint("Completed", at)])
    m = _THRESHOLD.search(msg)
    if m:
        return HeadResult([ev.StatusHint("Failed", at), ev.Verdict(msg.strip(), at, 3)])
    m = _STOPPED.search(msg)
    if m:
        return HeadResult(_stopped(at, _stop_reasons(m.group(1))))
    m = _PROCESSED_PLAIN.search(msg)
    if m:
        total = int(m.group(2)) if m.group(2) else None
        return HeadResult([ev.Progress(int(m.group(1)), total, at)])
    if _STOPPING.search(msg):
        return HeadResult([ev.StatusHint("CancelRequested", at)])
    if any(phrase in msg for phrase in _FAILURE_PHRASES):
        text = msg.strip()
        return HeadResult([ev.StatusHint("Failed", at), ev.Verdict(text, at, 3)], error_head=text)
    if msg.startswith(_KNOWN_QUIET) or not msg.strip():
        return HeadResult([ev.StatusHint("Running", at)])
    return None


def _stopped(at: float | None, reasons: list[str]) -> list[ev.Event]:
    joined = " ".join(reasons)
    if "have been processed" in joined:
        return [ev.StatusHint("Completed", at)]
    if "error threshold" in joined.lower() or "No progress update" in joined:
        return [ev.StatusHint("Failed", at), ev.Verdict(joined, at)]
    if "stop signal" in joined:
        return [ev.StatusHint("Canceled", at), ev.Verdict(joined, at)]
    return [ev.Verdict(joined, at)] if joined else []


_PIPE_LEVEL = re.compile(r"\|(?:DEBUG|INFO|WARNING|WARN|ERROR|CRITICAL)\|")
"""Old `overview.txt` may be written `asctime|LEVEL|message` (evidence.md: the 2019/2020
`LogConfig.config_overview()` handler): the level is dropped and the message read as usual."""


class OverviewParser(TimestampedParser):
    def on_head(self, at: float | None, message: str) -> HeadResult | None:
        pipe = _PIPE_LEVEL.match(message)
        if pipe is not None:
            message = message[pipe.end() :]
        return interpret_overview_message(at, message)


_RESULT_FAILURE_TEMPLATES = (
    "There is no succeeded mini batch item returned from run()",
    "The master role failed",
    "No temp file found",
)
"""The only failure wordings job_result.txt is trusted with, besides the threshold message
(`_THRESHOLD`): each is a real job-level failure text (evidence.md O9). No public sample of
job_result.txt exists, so a bare keyword ("fail", "error") never decides anything: a success
summary such as `100 succeeded, 0 failed` holds both."""
_RESULT_OK = re.compile(r"\b(?:completed|succeeded)\b", re.IGNORECASE)
_RESULT_COUNTS = re.compile(
    r"\b\d+ (?:mini[ -]?batch(?:es)?|items?|tasks?)? ?(?:succeeded|failed)\b", re.IGNORECASE
)
"""`100 succeeded`, `0 failed`: counts, not the job's outcome; removed before looking."""
_RESULT_DOUBT = re.compile(
    r"\b(?:not|no|never|none|without|un\w+|fail\w*|error\w*|exceed\w*)\b|n't\b", re.IGNORECASE
)
"""Words that make a `completed`/`succeeded` line doubtful (`Job failed. 40 succeeded`,
`completed unsuccessfully`, `not completed`): such a line is shown, not trusted."""
_RESULT_POINTER = re.compile(
    r"^(?:(?:Please check|You can check) (?:[^.]|\.(?!\s|$))*\.+\s*)+$", re.IGNORECASE
)
"""`Please check logs for error. You can check logs/readme.txt for the layout of logs.`:
pointers to other files, the runtime's real phrasing (evidence.md I5, I6). Nothing to count."""


class JobResultParser(TimestampedParser):
    """logs/job_result.txt: the runtime's final word, read by known templates only.

    Known failure templates (threshold, no succeeded item, master role failed, no temp file)
    mean Failed with that line as the verdict; `All N mini batches have been processed` and
    `completed`/`succeeded` with no negation and no failure word (counts such as `0 failed`
    aside) mean Completed. Any other line is shown as the
    verdict text (the weakest kind, so a known reason from any file wins), counted as
    unparsed, and sets no status: the file's real wording has never been seen publicly.
    Lines without a timestamp are read the same way (the file may have none at all), unless
    they continue a failure record (its traceback).
    """

    _after_failure = False
    """The last record was a failure template: lines without a timestamp are its detail
    (a traceback), not lines of their own."""

    def on_head(self, at: float | None, message: str) -> HeadResult | None:
        return self._interpret(at, message.strip())

    def on_loose_line(self, line: str) -> list[ev.Event]:
        text = line.strip()
        if not text or self._after_failure:
            return []
        result = self._interpret(None, text)
        if result.unparsed:
            self._count_unparsed(line)
        return result.events

    def _interpret(self, at: float | None, text: str) -> HeadResult:
        self._after_failure = False
        if not text or _RESULT_POINTER.match(text):
            return HeadResult()
        if _THRESHOLD.search(text) or any(p in text for p in _RESULT_FAILURE_TEMPLATES):
            self._after_failure = True
            return HeadResult([ev.StatusHint("Failed", at), ev.Verdict(text[:1000], at, 3)])
        m = _ALL_DONE.search(text)
        if m:
            n = int(m.group(1))
            return HeadResult([ev.Progress(n, n, at), ev.StatusHint("Completed", at)])
        words = _RESULT_COUNTS.sub("", text)
        if _RESULT_OK.search(words) and not _RESULT_DOUBT.search(words):
            return HeadResult([ev.StatusHint("Completed", at)])
        # Unknown wording: shown (the user should read it) but never a status or a count.
        return HeadResult([ev.Verdict(text[:1000], at, 1)], unparsed=True)
