"""Output of `az ml job stream -n JOB` / `ml_client.jobs.stream(JOB)` (and v1's
`run.wait_for_completion(show_output=True)`), read from a pipe or a saved file.

What the stream really carries (azure-ai-ml `operations/_job_ops_helper.py`,
`stream_logs_until_completion`; azureml-pipeline-core `PipelineRun`/`StepRun.wait_for_completion`):
- a header: `RunId: X` and `Web View: URL` (v2), or `PipelineRunId:` / `StepRunId:` and
  `Link to Azure Machine Learning Portal:` (v1, 2021 and 2022), `Link to Portal:` (v1, 2019:
  evidence.md N7). The URL is the text `None` when the job has no Studio endpoint. In a notebook
  cell, `Experiment.submit` prints `Created step …` and `Submitted PipelineRun …` before the
  stream (N9, 2022): known, quiet;
- sections: `Streaming <file>`, a rule of exactly len(file) + 10 `=`, (v2: a blank line), then
  that file's new lines. v2 streams only `user_logs/std_log*.txt`, `azureml-logs/NN_*.txt`, or
  `logs/azureml/executionlogs.txt` for a pipeline (a batch endpoint job is one); it refuses a
  pipeline child, so a parallel step's own `logs/` never appear. Each section's lines go on to the
  ordinary parsers as if appended to `<file>` itself;
- a closing `Execution Summary` (rule of 17 `=`), `RunId:`, `Web View:`, optional `Warnings:`.
  **The v2 summary never states the outcome.** A failed job raises a `JobException` whose text is
  `Exception : \\n {json}` after the summary; it goes to stderr, so it is in the pipe only with
  `2>&1`. `Error:` + JSON is printed only under a flag `jobs.stream()` never passes (v1 prints it
  with `raise_on_error=False`). v1 summaries do state it: `PipelineRun Status: Finished`,
  `StepRun( x ) Status: Failed`.

So this parser reports an outcome only on evidence: a v1 terminal status in a summary, an
`Error:` block, or a merged `Exception :` block. The end of the input is not evidence of success:
the source marks it "stream ended, outcome unknown" (sources/stream.py), and log hints (an
executionlogs `Job failed ...` line, or the `Execution of experiment failed ...` line that is a
failed batch job's only failure on stdout: parsers/executionlog.py) still count.

With `2>&1 |` stdout is block-buffered and stderr is not, so the exception text reaches the pipe
before the tail of stdout (the last log lines and the summary), possibly right after a partial
line. The `Exception :` block is therefore recognised anywhere, not only after the summary.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from batchtop import events as ev
from batchtop.parsers.base import Parser
from batchtop.parsers.registry import FileKind
from batchtop.status import SERVICE_TERMINAL

_STREAMING = re.compile(r"^Streaming (\S.*?)\s*$")
_RULE = re.compile(r"^(=+)\s*$")
_SUMMARY = re.compile(
    r"^(?:(?P<pipeline>PipelineRun )|(?P<step>StepRun\s*\(.*\)\s*))?Execution Summary\s*$"
)
_RUN_ID = re.compile(r"^(?P<kind>RunId|PipelineRunId|StepRunId):\s*(?P<id>\S+)")
_URL = re.compile(r"^(?:Web View|Link to (?:Azure Machine Learning )?Portal):\s*(\S+)")
_V1_SUBMIT = re.compile(r"^(?:Submitted PipelineRun \S+$|Created step \S)")
"""v1 `Experiment.submit` prints, seen before the stream in a notebook cell (N9)."""
_PIPELINE_STATUS = re.compile(r"^PipelineRun Status:\s*(\w+)")
_STEP_STATUS = re.compile(r"^StepRun\s*\(\s*(.+?)\s*\)\s*Status:\s*(\w+)")
_DETAILS_DICT = re.compile(r"^\{'runId': ")
"""v1 prints the run's details as a Python dict after its summary (with SAS URLs in it)."""


TERMINAL = SERVICE_TERMINAL

MAX_ERROR_LINES = 1000
"""An error block longer than this is closed as it stands (a stream cut mid-JSON, or not JSON at
all, must not be collected forever)."""

SectionSink = Callable[[str, str], None]
"""Receives (path of the streamed file, a block of its complete lines)."""


class StreamParser(Parser):
    def __init__(self, path: str, kind: FileKind, sink: SectionSink | None = None) -> None:
        super().__init__(path, kind)
        self.sink = sink
        self._section: str | None = None
        self._summary: str | None = None  # "job", "pipeline" or "step" while in a summary
        self._in_warnings = False
        self._held: tuple[str, str, tuple[int, ...]] | None = None
        """A `Streaming X` / summary title waiting for its rule: (line, kind, rule lengths)."""
        self._skip_blank = False
        self._blanks = 0
        """Blank lines of a section held back: the last one before a title is the SDK's."""
        self._block: _ErrorBlock | None = None
        self._pipeline = False
        self._named = self._linked = False
        self._unparsed = 0
        self._unparsed_sample = ""

    # ----------------------------------------------------------------- Parser interface
    def feed(self, block: str) -> list[ev.Event]:
        out: list[ev.Event] = []
        pending: list[str] = []
        for line in block.split("\n")[:-1]:
            self._line(line, pending, out)
        self._send(pending)
        self._report_unparsed(out)
        return out

    def flush(self) -> list[ev.Event]:
        """No more lines for now: a title still waiting for its rule is content after all; an
        error block cut short is closed as it stands. Never an outcome by itself."""
        out: list[ev.Event] = []
        pending: list[str] = []
        self._release_held(pending, out)
        self._release_blanks(pending)
        if self._block is not None:
            out.extend(self._close_block(pending, cut=True))
        self._send(pending)
        self._report_unparsed(out)
        return out

    @property
    def has_open_record(self) -> bool:
        return self._block is not None or self._held is not None or self._blanks > 0

    # ----------------------------------------------------------------- one line
    def _line(self, line: str, pending: list[str], out: list[ev.Event]) -> None:
        if self._block is not None:
            if self._block.add(line):
                out.extend(self._close_block(pending, cut=False))
            return
        if self._held is not None:
            held, kind, lengths = self._held
            self._held = None
            m = _RULE.match(line)
            if m and len(m.group(1)) in lengths:
                self._blanks = max(0, self._blanks - 1)  # the SDK writes one before each title
                self._enter(held, kind, pending)
                return
            self._release_blanks(pending)
            self._content(held, pending, out)
        if self._skip_blank:
            self._skip_blank = False
            if not line.strip():
                return
        end = line.rstrip()
        if not end and self._section is not None:
            self._blanks += 1  # content, or the blank line the SDK writes before a title
            return
        # cheap substring tests first: almost every line is a log line (about 1 µs each)
        streaming = _STREAMING.match(line) if line.startswith("Streaming ") else None
        summary = _SUMMARY.match(end) if end.endswith("Execution Summary") else None
        if self._blanks and streaming is None and summary is None:
            self._release_blanks(pending)
        start = _exception_start(end)
        if start is not None:
            if start:
                self._content(line[:start], pending, out)  # a stdout line cut short by stderr
            self._send(pending)
            pending.clear()
            self._block = _ErrorBlock(marker=line[start:])
            return
        if streaming:
            self._held = (line, "section", (len(streaming.group(1)) + 10,))
            return
        if summary:
            kind = "pipeline" if summary["pipeline"] else "step" if summary["step"] else "job"
            self._held = (line, kind, (len(end), len(end) + 1))  # v1 counts the title's "\n"
            return
        self._content(line, pending, out)

    def _release_blanks(self, pending: list[str]) -> None:
        if self._blanks and self._section is not None:
            pending.extend([""] * self._blanks)
        self._blanks = 0

    def _enter(self, title: str, kind: str, pending: list[str]) -> None:
        """A confirmed section or summary title: what follows belongs to it."""
        self._release_blanks(pending)
        self._send(pending)
        pending.clear()
        self._in_warnings = False
        if kind == "section":
            m = _STREAMING.match(title)
            self._section, self._summary = (m.group(1) if m else None), None
            self._skip_blank = True
        else:
            self._section, self._summary = None, kind

    def _release_held(self, pending: list[str], out: list[ev.Event]) -> None:
        if self._held is not None:
            held = self._held[0]
            self._held = None
            self._release_blanks(pending)
            self._content(held, pending, out)

    def _content(self, line: str, pending: list[str], out: list[ev.Event]) -> None:
        """A line that is not section framing: the stream's own lines, or a file's line."""
        if self._section is None or self._summary is not None:
            self._framing(line, out)
        else:
            pending.append(line)

    def _framing(self, line: str, out: list[ev.Event]) -> None:
        """Header and summary lines: identity, v1 statuses, error blocks."""
        stripped = line.strip()
        if not stripped:
            return
        m = _RUN_ID.match(stripped)
        if m:
            if m.group("kind") == "PipelineRunId":
                self._pipeline = True
            if not self._named:
                self._named = True
                out.append(ev.JobInfo(name=m.group("id")))
            return
        m = _URL.match(stripped)
        if m:
            if not self._linked and m.group(1) != "None":
                self._linked = True
                out.append(ev.JobInfo(url=m.group(1)))
            return
        m = _PIPELINE_STATUS.match(stripped)
        if m:
            final = self._summary == "pipeline"
            out.append(_status(m.group(1), final=final))
            return
        m = _STEP_STATUS.match(stripped)
        if m:
            status = m.group(2)
            if self._summary != "step":
                out.append(_status(status, final=False))
            elif not self._pipeline:
                out.append(_status(status, final=True))  # the step is the whole followed run
            elif status == "Failed":
                out.append(ev.StatusHint("Failed", None))  # a step of the pipeline failed
            return
        if _V1_SUBMIT.match(stripped):
            return
        if self._summary is not None:
            if stripped == "Error:":
                self._block = _ErrorBlock(marker=None)
                return
            if stripped == "Warnings:":
                self._in_warnings = True
                return
            if self._in_warnings or _DETAILS_DICT.match(stripped):
                return
        self._unparsed += 1
        if not self._unparsed_sample:
            self._unparsed_sample = stripped[:500]

    # ----------------------------------------------------------------- error blocks
    def _close_block(self, pending: list[str], cut: bool) -> list[ev.Event]:
        block, self._block = self._block, None
        if block is None:
            return []
        message = block.message(cut)
        if message is None:
            # not an error JSON after all: the lines were the current file's (or unparsed)
            out: list[ev.Event] = []
            for line in [*([block.marker] if block.marker else []), *block.lines]:
                self._content(line, pending, out)
            return out
        return [ev.StatusHint("Failed", None, authority=2), ev.Verdict(message[:2000], None)]

    def _send(self, lines: list[str]) -> None:
        if lines and self._section is not None and self.sink is not None:
            self.sink(self._section, "\n".join(lines) + "\n")

    def _report_unparsed(self, out: list[ev.Event]) -> None:
        if self._unparsed:
            out.append(ev.Unparsed(self.path, self._unparsed, self._unparsed_sample))
            self._unparsed, self._unparsed_sample = 0, ""


def _exception_start(end: str) -> int | None:
    """Where the JobException text starts in a line (right-stripped), or None.

    `Exception :` bare (as str(e) prints it), after az's `ERROR: `, or after the traceback's
    `azure.ai.ml.exceptions.JobException: `. The `ERROR: ` form is az's usual error prefix; no
    public transcript of a merged `az ml job stream` failure was found (an assumption, see
    tests/data/stream/README.md). Plain string tests: linear even on a hostile long line."""
    if not end.endswith("Exception :"):
        return None
    before = end[: -len("Exception :")]
    if not before:
        return 0
    if before.endswith("ERROR: "):
        return len(before) - len("ERROR: ")
    if before.endswith("JobException: "):
        return before.rfind(" ", 0, len(before) - len("JobException: ")) + 1
    return None


def _status(status: str, final: bool) -> ev.StatusHint:
    """A status the stream prints: the service's word (authority 2) only when it is an outcome
    printed in a summary; a status printed on the way (`Running`) is a mere hint."""
    if final and status in TERMINAL:
        return ev.StatusHint(status, None, authority=2)
    return ev.StatusHint(status, None)


class _ErrorBlock:
    """An `Error:` or `Exception :` block: the JSON that follows, collected until it closes.

    The SDK writes `json.dumps(error, indent=4)`: an object, or a JSON string when the run has no
    error set ("Detailed error not set on the Run..."). After `Exception :` the first line is
    ` {` and the last `} ` (the message's format string pads both)."""

    def __init__(self, marker: str | None) -> None:
        self.marker = marker
        """The `Exception :` line that opened the block; None for `Error:`."""
        self.from_exception = marker is not None
        self.lines: list[str] = []
        self.json = _JsonEnd()

    def add(self, line: str) -> bool:
        """Take a line; True when the block is complete."""
        self.lines.append(line)
        if not line.strip() and not self.json.started:
            # v2 `Error:` is followed directly by the JSON; tolerate blank lines, boundedly
            return len(self.lines) >= 3
        if not self.json.started and line.lstrip().startswith('"'):
            return True  # a JSON string on one line
        return self.json.closed_by(line) or self.json.not_json or len(self.lines) >= MAX_ERROR_LINES

    def message(self, cut: bool) -> str | None:
        """The error's message; None when the block is not an error at all."""
        text = "\n".join(self.lines).strip()
        if not text:
            return None if self.from_exception else "the job failed (no error details printed)"
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):
            if self.json.not_json and self.from_exception:
                return None
            return text  # cut mid-JSON, or not JSON at all after `Error:`: show what came
        if isinstance(data, str):
            return data
        found = _message_in(data)
        if found is None and self.from_exception and not isinstance(data, dict):
            return None
        return found if found is not None else text


def _message_in(data: object) -> str | None:
    """`error.message` of the service's error JSON (v2 `as_dict()`, or v1's capitalised form)."""
    depth = 0
    while isinstance(data, dict) and depth < 16:
        for key in ("message", "Message"):
            if isinstance(data.get(key), str):
                return str(data[key])
        data = data.get("error", data.get("Error"))
        depth += 1
    return None


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
