"""Worker processes that ended: `_main.txt` exit lines and the lifecycler's out-of-memory lines.

The v1 debug doc (D1 in shared/formats/evidence.md, "Processes terminated unexpectedly") says
`~/logs/sys/node/<node-id>/_main.txt` carries lines like

    <process-name> exits with returncode -9.

when the system kills a worker for using too much memory, and that the out-of-memory error
itself "can be found in `~/system_logs/lifecycler/<node-id>/execution-wrapper.txt`". Only the
`exits with returncode` wording is public; the rest of a `_main.txt` line (its timestamp and
prefix) and every execution-wrapper.txt line are not (see ASSUMED below). A killed process is
invisible otherwise: its in-flight attempt is simply marked failed and a new processNNN starts
(D1, "Why do I have many processNNN files?").
"""

from __future__ import annotations

import re

from batchtop import events as ev
from batchtop.parsers.base import Parser
from batchtop.parsers.syslog import SysLogParser
from batchtop.timeparse import parse_stamp

OOM_HEAD = "killed (signal 9), likely out of memory"
"""The error message of an OOM kill: both files report under it, so the error group counts the
best-tier file's reports (`_main.txt`) and one kill told by both files is not counted twice."""

_EXIT = re.compile(r"([\w.\-]{1,64}) exits with returncode (-?\d{1,4})\b")
"""D1, verbatim template: `<process-name> exits with returncode -9.`"""
_LEADING_STAMP = re.compile(r"\[?(\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?)")

ASSUMED = {
    "_main.txt line prefix": "the timestamp, if any, starts the line as in the other sys logs "
    "(pipe or ISO); a line without one gives a kill without a time",
    "other return codes": "the same template with another code: -N is signal N, N > 0 an "
    "abnormal exit; only -9 is called out of memory",
    "execution-wrapper.txt": "no public line: a line saying 'out of memory', 'OutOfMemory', "
    "'oom-kill' or 'OOM' is taken as an out-of-memory report; it is an error on the node, "
    "never a process state",
}
"""Every wording this module relies on without public evidence, in one place."""


def exit_head(returncode: int) -> str:
    """The error message of an abnormal exit, from its return code."""
    if returncode == -9:
        return OOM_HEAD
    if returncode < 0:
        return f"killed (signal {-returncode})"
    return f"exited with returncode {returncode}"


def line_stamp(line: str) -> float | None:
    m = _LEADING_STAMP.match(line)
    return parse_stamp(m.group(1)) if m else None


class NodeMainParser(SysLogParser):
    """`logs/sys/node/<n>/_main.txt`: a pipe sys log like the others (activity, errors), plus
    one ProcessExit (and, when abnormal, one error on that process) per `exits with returncode`
    line. Its first timestamped line says the job is Running (a final status still wins)."""

    _said_running = False

    def feed(self, block: str) -> list[ev.Event]:
        out = super().feed(block)
        if not self._said_running:
            # the node's main process writes this file only while the job runs on the node
            first = next((e for e in out if isinstance(e, ev.Activity)), None)
            if first is not None:
                self._said_running = True
                out.append(ev.StatusHint("Running", first.at))
        if " exits with returncode " not in block:
            return out
        for line in block.split("\n"):
            m = _EXIT.search(line)
            if m is None or not self.node:
                continue
            process, code = m.group(1), int(m.group(2))
            at = line_stamp(line)
            out.append(ev.ProcessExit(self.node, process, at, code))
            if code != 0:
                text = f"{exit_head(code)}\n{line.strip()}"
                out.append(ev.ErrorRecord(text, at, self.path, self.node, process, alive=False))
        return out


_OOM_WORDS = re.compile(r"out of memory|outofmemory|oom[-_ ]?kill|\bOOM\b", re.IGNORECASE)


class ExecutionWrapperParser(Parser):
    """`system_logs/lifecycler/<n>/execution-wrapper.txt`: only its out-of-memory lines are
    read (ASSUMED wording, see above); the rest of the file is the compute's own chatter and is
    shown raw, not counted as unparsed."""

    def feed(self, block: str) -> list[ev.Event]:
        out: list[ev.Event] = []
        if _OOM_WORDS.search(block) is None:
            return out
        for line in block.split("\n"):
            if not _OOM_WORDS.search(line):
                continue
            # on the node only: which worker it was is told by _main.txt, and a process
            # touched here at a later time would look restarted after its kill
            text = f"{OOM_HEAD}\n{line.strip()[:2000]}"
            out.append(ev.ErrorRecord(text, line_stamp(line), self.path, self.node, None))
        return out
