"""logs/azureml/executionlogs.txt: the pipeline parent's log, what `az ml job stream` shows.

`[2023-05-16 22:00:01Z] Job is running, job runstatus is Running` and friends.
"""

from __future__ import annotations

import json
import re

from batchtop import events as ev
from batchtop.parsers.timestamped import HeadResult, TimestampedParser

_RUNSTATUS = re.compile(r"job runstatus is (\w+)")
_FAILED = re.compile(r"Job failed, job RunId is (\S+?)\.? Error: (.*)$")


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
        if message.startswith("Job finished"):
            return HeadResult([ev.StatusHint("Completed", at)])
        return HeadResult()

    def on_loose_line(self, line: str) -> list[ev.Event]:
        return []
