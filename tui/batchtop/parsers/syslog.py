"""Pipe-separated system logs: master_role, per-process worker logs, sys/error, 2019 worker logs.

`2023-05-16 22:10:01,123|INFO|1234|140001234|message` (several field variants coexist; the
message may itself contain `|`). These files are the biggest of a job (a line or two per
mini-batch attempt), so the parser does not loop over lines in Python: one regex scans the
whole block for the few messages that matter, and everything else is skipped at C speed.
"""

from __future__ import annotations

import re

from batchtop import events as ev
from batchtop.parsers.base import OpenRecord, Parser, last_match, split_continuation
from batchtop.parsers.registry import FileKind
from batchtop.timeparse import parse_stamp

_INTERESTING = re.compile(
    r"^(?P<ts>\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(?:[.,]\d+)?)\|[^\n]*?(?:"
    r"Start processing mini batch (?P<pick>\{[^\n]*)"
    r"|Processed mini batch (?P<done>\{[^\n]*)"
    r"|Failed to process (?P<fail>\{[^\n]*)"
    r"|(?P<tout>Stop for run\(\) unable to finish within[^\n]*)"
    r"|The master role failed with error:?\s?(?P<master>[^\n]*)"
    r"|(?P<visible>Failed to set task visible because of[^\n]*)"
    r")",
    re.M,
)
_CONTINUATION = re.compile(r"(?:\n(?!\[?\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d)[^\n]*)*")
_LAST_STAMP = re.compile(r"^(\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(?:[.,]\d+)?)\|", re.M)
_N = r"(\d{1,15})(?!\d)"  # a count; longer digit runs are garbage, not a number to show
_ID = re.compile(r'"(?:id|task_id)":\s*' + _N)
_DEQUEUE = re.compile(r'"dequeue_count":\s*' + _N)
_AGENT = re.compile(r'"agent":\s*"([^"]+)"')
_NUMBER_FIELDS = {
    name: re.compile(rf'"{name}":\s*{_N}') for name in ("total", "succeeded", "failed")
}
_TIMEOUT_SECONDS = re.compile(r"within (\d+) seconds")
_WITH_ERROR = re.compile(r"\} with error:?\s?(.*)$")
TAIL_SCAN = 4096


def _int(pattern: re.Pattern[str], text: str) -> int | None:
    m = pattern.search(text)
    return int(m.group(1)) if m else None


class SysLogParser(Parser):
    def __init__(self, path: str, kind: FileKind) -> None:
        super().__init__(path, kind)
        self._open: OpenRecord | None = None

    @property
    def has_open_record(self) -> bool:
        return self._open is not None

    def flush(self) -> list[ev.Event]:
        if self._open is None:
            return []
        record, self._open = self._open, None
        return [record.to_event(self.path)]

    def feed(self, block: str) -> list[ev.Event]:
        out: list[ev.Event] = []
        if self._open is not None:
            continuation, block = split_continuation(block)
            if continuation:
                self._open.extend(continuation.rstrip("\n"))
            if not block:
                return out
            out.extend(self.flush())
        end = len(block)
        for m in _INTERESTING.finditer(block):
            at = parse_stamp(m.group("ts"))
            kind = m.lastgroup
            if kind == "pick":
                self._picked(m.group("pick"), at, out)
            elif kind == "done":
                self._finished(m.group("done"), at, True, out)
            else:
                head, process = self._error_head(kind, m, at, out)
                cont = _CONTINUATION.match(block, m.end())
                record = OpenRecord(head, at, self.node, process)
                if cont.end() > m.end():
                    record.extend(block[m.end() + 1 : cont.end()])
                if cont.end() >= end - 1:
                    self._open = record  # the traceback may go on in the next chunk
                else:
                    out.append(record.to_event(self.path))
        self._activity(block, out)
        return out

    def _picked(self, desc: str, at: float | None, out: list[ev.Event]) -> None:
        mb = _int(_ID, desc)
        if mb is not None and self.node and self.process:
            out.append(ev.Picked(mb, self.node, self.process, at))

    def _finished(self, desc: str, at: float | None, ok: bool, out: list[ev.Event]) -> str | None:
        """Emit the Attempt a finish/fail line reports; returns the process it names."""
        agent = _AGENT.search(desc)
        process = agent.group(1) if agent else self.process
        mb = _int(_ID, desc)
        if mb is None:
            return process
        out.append(
            ev.Attempt(
                mb,
                ok,
                at,
                self.node,
                process,
                _int(_DEQUEUE, desc),
                _int(_NUMBER_FIELDS["total"], desc),
                _int(_NUMBER_FIELDS["succeeded"], desc) if ok else 0,
                _int(_NUMBER_FIELDS["failed"], desc) if ok else None,
                "RUN_DONE" if ok else "RUN_FAILED",
            )
        )
        return process

    def _error_head(
        self, kind: str | None, m: re.Match[str], at: float | None, out: list[ev.Event]
    ) -> tuple[str, str | None]:
        """First line of the error record an error message starts, and whose error it is."""
        if kind == "fail":
            desc = m.group("fail")
            process = self._finished(desc, at, False, out)
            err = _WITH_ERROR.search(desc)
            return (err.group(1) if err else m.group(0).split("|")[-1]), process
        if kind == "tout":
            # Lead with the runtime's own short wording, as processed_mini-batches.csv writes
            # it, so the two reports of one timeout fall into one error group.
            text = m.group("tout")
            seconds = _TIMEOUT_SECONDS.search(text)
            short = (
                f"run() unable to finish within {seconds.group(1)} seconds." if seconds else text
            )
            return f"{short}\n{text}", self._finished(text, at, False, out)
        if kind == "master":
            text = m.group("master") or "The master role failed"
            out.append(ev.StatusHint("Failed", at))
            out.append(ev.Verdict(f"The master role failed with error: {text}".strip(), at))
            return text, self.process
        return m.group("visible"), self.process

    def _activity(self, block: str, out: list[ev.Event]) -> None:
        """Last sign of life in this block: one regex over the block's tail, not every line."""
        if not self.node:
            return
        start = max(0, len(block) - TAIL_SCAN)
        last = last_match(_LAST_STAMP, block, start)
        if last is None and start:
            last = last_match(_LAST_STAMP, block)
        if last is not None:
            at = parse_stamp(last.group(1))
            if at is not None:
                out.append(ev.Activity(self.node, self.process, at))
