"""logs/job_error*.txt (v2 runtime): one record per process that failed, with its traceback.

`The process001 on node 2 failed with error: Traceback (most recent call last):` then the
traceback lines (no timestamp) up to the next timestamped line.
"""

from __future__ import annotations

import re

from batchtop import events as ev
from batchtop.parsers.timestamped import HeadResult, TimestampedParser

_WHO = re.compile(r"The (\S+) on node (\S+) failed with error:?\s?(.*)$")


class JobErrorParser(TimestampedParser):
    def on_head(self, at: float | None, message: str) -> HeadResult | None:
        m = _WHO.search(message)
        if m is None:
            # the banner ("This file shows errors of loading, init() and run()...") and
            # other prose: known, nothing to count
            return HeadResult()
        process, node, rest = m.groups()
        return HeadResult(error_head=rest or message, node=node, process=process)

    def on_loose_line(self, line: str) -> list[ev.Event]:
        return []
