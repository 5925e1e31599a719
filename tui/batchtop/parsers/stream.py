"""Output of `az ml job stream -n JOB` / `ml_client.jobs.stream(JOB)`, read from a pipe or file.

The stream interleaves several log files: a `Streaming <path>` header, a row of `=`, a blank
line, then that file's new lines. The demultiplexer hands each section's lines on as if they
had been appended to `<path>` itself, so the ordinary parsers read them (the same model as with
a local folder). The header (`RunId:`, `Web View:`) and the closing `Execution Summary` with its
`Error:` JSON block are the stream's own events: the job's identity and its final status.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from batchtop import events as ev
from batchtop.parsers.base import Parser
from batchtop.parsers.registry import FileKind

_STREAMING = re.compile(r"^Streaming (\S.*?)\s*$")
_RULE = re.compile(r"^=+\s*$")
_RUN_ID = re.compile(r"^(?:RunId|PipelineRunId|StepRunId):\s*(\S+)")
_WEB_VIEW = re.compile(r"^Web View:\s*(\S+)")
_STEP_STATUS = re.compile(r"^StepRun\s*\(\s*(.+?)\s*\)\s*Status:\s*(\w+)")
_SUMMARY = re.compile(r"^(?:StepRun\s*\(.*\)\s*)?Execution Summary\s*$")

MAX_ERROR_LINES = 1000
"""An `Error:` block longer than this is closed as it stands (a stream cut mid-JSON, or not
JSON at all, must not be collected forever)."""

SectionSink = Callable[[str, str], None]
"""Receives (path of the streamed file, a block of its complete lines)."""


class StreamParser(Parser):
    def __init__(self, path: str, kind: FileKind, sink: SectionSink | None = None) -> None:
        super().__init__(path, kind)
        self.sink = sink
        self._section: str | None = None
        self._expect_rule = False
        self._in_summary = False
        self._error_lines: list[str] | None = None
        self._error_json = _JsonEnd()
        self._saw_run_id = False
        self._failed = False
        self._completed = False

    def feed(self, block: str) -> list[ev.Event]:
        out: list[ev.Event] = []
        pending: list[str] = []
        for line in block.split("\n")[:-1]:
            section = self._section
            if self._header(line, out):
                self._send(pending, section)
                pending = []
                continue
            if self._in_summary:
                self._summary_line(line, out)
            elif self._section is not None:
                pending.append(line)
        self._send(pending, self._section)
        return out

    def flush(self) -> list[ev.Event]:
        """End of the stream: a summary without an Error block means the job completed."""
        out = self._finish_error()
        if self._in_summary and not self._failed and not self._completed:
            self._completed = True
            out.append(ev.StatusHint("Completed", None, authority=2))
        return out

    def _send(self, lines: list[str], section: str | None) -> None:
        if lines and section is not None and self.sink is not None:
            self.sink(section, "\n".join(lines) + "\n")

    def _header(self, line: str, out: list[ev.Event]) -> bool:
        """Stream framing lines; True if the line was framing, not file content."""
        if self._expect_rule:
            self._expect_rule = False
            if _RULE.match(line):
                return True
        m = _STREAMING.match(line)
        if m:
            self._section, self._in_summary, self._expect_rule = m.group(1), False, True
            return True
        if _SUMMARY.match(line):
            self._section, self._in_summary, self._expect_rule = None, True, True
            return True
        if self._section is None or self._in_summary:
            m = _STEP_STATUS.match(line)
            if m:
                out.append(ev.StatusHint(m.group(2), None, authority=2))
                return True
            m = _RUN_ID.match(line)
            if m:
                if not self._saw_run_id:
                    out.append(ev.JobInfo(name=m.group(1)))
                    self._saw_run_id = True
                return True
            m = _WEB_VIEW.match(line)
            if m:
                out.append(ev.JobInfo(url=m.group(1)))
                return True
        return False

    def _summary_line(self, line: str, out: list[ev.Event]) -> None:
        stripped = line.strip()
        if stripped == "Error:":
            self._error_lines = []
            self._error_json = _JsonEnd()
            return
        if stripped == "Warnings:":
            out.extend(self._finish_error())
            return
        if self._error_lines is not None:
            self._error_lines.append(line)
            if self._error_json.closed_by(line) or len(self._error_lines) >= MAX_ERROR_LINES:
                out.extend(self._finish_error())
            return

    def _finish_error(self) -> list[ev.Event]:
        if self._error_lines is None:
            return []
        text, self._error_lines = "\n".join(self._error_lines).strip(), None
        self._failed = True
        message = text
        try:
            data = json.loads(text)
            err = data.get("error", data) if isinstance(data, dict) else {}
            message = err.get("message") or text if isinstance(err, dict) else text
        except (ValueError, RecursionError, AttributeError):
            pass
        return [ev.StatusHint("Failed", None, authority=2), ev.Verdict(str(message)[:2000], None)]


class _JsonEnd:
    """Tells, one line at a time, when a JSON object that starts the text has closed.

    Incremental, so an error block is scanned once, not again on every new line."""

    __slots__ = ("depth", "in_string", "escaped", "started", "not_json")

    def __init__(self) -> None:
        self.depth = 0
        self.in_string = self.escaped = self.started = self.not_json = False

    def closed_by(self, line: str) -> bool:
        if self.not_json:
            return False
        if not self.started:
            if not line.strip():
                return False
            if not line.lstrip().startswith("{"):
                self.not_json = True
                return False
            self.started = True
        for ch in line:
            if self.in_string:
                if self.escaped:
                    self.escaped = False
                elif ch == "\\":
                    self.escaped = True
                elif ch == '"':
                    self.in_string = False
            elif ch == '"':
                self.in_string = True
            elif ch == "{":
                self.depth += 1
            elif ch == "}":
                self.depth -= 1
                if self.depth == 0:
                    return True
        if self.in_string:
            self.escaped = False  # the original scan joined lines with "\n": an escaped newline
        return False
