"""logs/azureml/executionlogs.txt: the pipeline parent's log, what `az ml job stream` shows.

`[2023-05-16 22:00:01Z] Job is running, job runstatus is Running` and friends (evidence.md
I10, R2). `Job finished, job RunId is …` is NOT success: in
Azure/MachineLearningNotebooks#1194 it is followed by `Failed to update outputs and mark job
as failed.` It only says the job ended; the status comes from the runstatus lines, a
`Job failed` line, or another file. Lines of any other shape are counted as unparsed.

A batch endpoint job is a pipeline with one child step, and its stream on stdout shows only this
file (evidence.md N1-N4, azureml-examples notebooks 2023-2024):
- `Execution of experiment failed, update experiment status and cancel running nodes.` (N1, N2;
  the same template in N5's orchestrator code) is the only failure a stdout-only stream carries:
  Failed, with the line as a weak verdict (weight 1), since the reason is in the failed child
  step's own logs, which the stream never shows;
- `Finishing experiment: no runs left and nothing to schedule.` (N4) ends the parent's
  scheduling of child steps. It is quiet: the steps it scheduled may have failed or succeeded.
"""

from __future__ import annotations

import json
import re

from batchtop import events as ev
from batchtop.parsers.timestamped import HeadResult, TimestampedParser

_RUNSTATUS = re.compile(r"job runstatus is (\w+)")
_FAILED = re.compile(r"Job failed, job RunId is (\S+?)\.? Error: (.*)$")
_MARK_FAILED = re.compile(r"Failed to update outputs and mark job as failed")
_EXPERIMENT_FAILED = "Execution of experiment failed"
CHILD_STEP_POINTER = (
    " The reason is in the failed child step's logs, which this log does not show:"
    " follow the job with `batchtop <job name>`."
)
"""Added to the weak verdict: where the real reason is, and how to see it."""
_QUIET = (
    "Submitting ",
    "Job finished",
    "Completing processing run id",
    "Finishing experiment: no runs left and nothing to schedule",
)
"""Known lines that carry no status: `Submitting 2 runs, first five are: …` (R2),
`Completing processing run id …` and `Job finished, job RunId is …` (I10; the job ended,
which way is told elsewhere), `Finishing experiment: …` (N4: scheduling ended, not an
outcome)."""


def error_message(text: str) -> str:
    """The `message` inside the service's error JSON, or the text itself.

    executionlogs.txt writes it capitalised: `{"Error":{"Code":...,"Message":...}}`
    (getindata/kedro-azureml#6)."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return text.strip()
    while isinstance(data, dict):
        for key in ("message", "Message"):
            if isinstance(data.get(key), str):
                return str(data[key])
        data = data.get("error", data.get("Error"))
    return text.strip()


class ExecutionLogParser(TimestampedParser):
    def on_head(self, at: float | None, message: str) -> HeadResult | None:
        m = _RUNSTATUS.search(message)
        if m:
            return HeadResult([ev.StatusHint(m.group(1), at)])
        m = _FAILED.search(message)
        if m:
            return HeadResult(
                [ev.StatusHint("Failed", at), ev.Verdict(error_message(m.group(2)), at)]
            )
        if _MARK_FAILED.search(message):
            return HeadResult(_marked_failed(at, message))
        if message.startswith(_EXPERIMENT_FAILED):
            verdict = message.strip()[:1000] + CHILD_STEP_POINTER
            return HeadResult([ev.StatusHint("Failed", at), ev.Verdict(verdict, at, weight=1)])
        if message.startswith(_QUIET):
            return HeadResult()
        return None

    def on_loose_line(self, line: str) -> list[ev.Event]:
        if _MARK_FAILED.search(line):  # the issue shows it; whether it has a stamp, it does not
            return _marked_failed(None, line)
        return super().on_loose_line(line)


def _marked_failed(at: float | None, text: str) -> list[ev.Event]:
    return [ev.StatusHint("Failed", at), ev.Verdict(text.strip()[:1000], at)]
