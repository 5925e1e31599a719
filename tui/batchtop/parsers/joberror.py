"""logs/job_error*.txt (v2 runtime): one record per process that failed, with its traceback.

Real records (evidence.md E1, E2):
- `The process000 on node 0 failed with error: Traceback (most recent call last):`
  (loading the entry script or init(); MicrosoftDocs/azure-docs#105903)
- `The process001 on node 0 failed on mini batch 784 with error: Traceback ...`
  (a run() failure; Azure/azure-sdk-for-python#31361)
then the traceback lines (no timestamp) up to the next timestamped line. The file opens with a
banner (`This file shows errors in loading, calling init() and calling run() of the entry
script. An error here may not impact the job result. ...`): it says nothing about the job's
status, so nothing here sets one. A head of any other shape is counted as unparsed.

A run() failure names its mini-batch, so it is also a failed attempt of that mini-batch, of
unknown number: it counts only as first news (see MiniBatchLedger.record), and it credits no
process's attempt count, because the CSV report or worker log that numbers the same attempt
credits it there. Without those files (a batch endpoint's job_error.txt alone), the
mini-batch still shows as failed, not as succeeded.
"""

from __future__ import annotations

import re

from batchtop import events as ev
from batchtop.parsers.timestamped import HeadResult, TimestampedParser

_WHO = re.compile(
    r"The (\S+) on node (\S+) failed(?: on mini batch (\d{1,15}))? with error:?\s?(.*)$"
)
_BANNER = re.compile(r"^This file shows errors\b")


class JobErrorParser(TimestampedParser):
    def on_head(self, at: float | None, message: str) -> HeadResult | None:
        m = _WHO.search(message)
        if m is None:
            return HeadResult() if _BANNER.match(message) else None
        process, node, mini_batch, rest = m.groups()
        mb = int(mini_batch) if mini_batch else None
        return HeadResult(
            [] if mb is None else [ev.Attempt(mb, False, at, status="RUN_EXCEPTION")],
            error_head=rest or message,
            node=node,
            process=process,
            mini_batch=mb,
        )
