"""Text of the simulated logs: timestamps, per-era paths and line prefixes, user exceptions.

Everything here is about *spelling*: the runtime changed file names, sys-log field layouts and
overview wording between eras, and batchtop must recognise all of them. Keeping the spelling
in one module makes it easy to compare with docs/formats and with the parsers.

`WORDING` below is the one place that says, for every message the simulator writes, whether
the wording is real (a public log line), from the old public runtime code or docs, or
invented. The simulator writes the real wording wherever evidence exists
(../shared/formats/evidence.md); tests/test_sim_wording.py fails if it writes a message that
this table does not list. The headers of the per-process/disk perf files and the `ps`
listings are invented too; they are marked where they are written, in sim/perf.py.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

# --------------------------------------------------------------------------- provenance

REAL = "real"
"""Seen verbatim in a public log (issue threads): the source ids of evidence.md."""
CODE = "code"
"""A template of the old public runtime code (about 2020, C2) or the docs, never seen in a
real log: the wording of that era, maybe not of later ones."""
INVENTED = "invented"
"""No public evidence at all: batchtop's own guess. A parser must not rest a count on it
alone (see docs/assumptions.md for what happens when real logs differ)."""


@dataclass(frozen=True)
class Wording:
    """One message shape the simulator writes, and where its wording comes from."""

    where: str  # which files: overview, job_result, job_error, master, worker, driver, ...
    pattern: str  # regex of the message (after the timestamp and sys-log prefix)
    provenance: str  # REAL, CODE or INVENTED
    source: str  # evidence.md source ids, or why it is invented
    parsed: str = ""  # what batchtop reads from it ("" = nothing, only a sign of life)


_J = r"\{.*\}"  # a JSON descriptor
WORDING: tuple[Wording, ...] = (
    # overview (job_progress_overview.*.txt; overview.txt before Sep 2020)
    Wording("overview", r"Start the simulator\.", REAL, "I1"),
    Wording("overview", r"Start scheduling\.", CODE, "C2 (old eras)"),
    Wording("overview", r"The overviewer on \S+ (started|stopped)\.", REAL, "I1, I2"),
    Wording("overview", r"No task has been processed yet\.", REAL, "I1"),
    Wording(
        "overview",
        r"Scheduling finished\. Scheduled \d+ mini batches in \d+ seconds\. "
        r"There are \d+ tasks with \d+ items\.",
        REAL,
        "I1",
        "total, items total",
    ),
    Wording(
        "overview",
        r"Scheduling finished\. Scheduled \d+ mini batches with \d+ items in \d+ seconds\.",
        CODE,
        "C2",
        "total, items total",
    ),
    Wording("overview", r"Scheduled \d+ mini batches in \d+ seconds\.", CODE, "C2", "scheduling"),
    Wording("overview", r"Processed \d+ mini batches\.", CODE, "C2", "processed"),
    Wording(
        "overview",
        r"Processed \d+ of \d+ mini batches in \S+\. Estimated remaining time \S+\.",
        REAL,
        "I1, I2",
        "processed, total, runtime ETA",
    ),
    Wording(
        "overview",
        r"Processed \d+ of \d+ mini batches in \S+\. Estimate remaining \S+\.",
        CODE,
        "C2",
        "processed, total, runtime ETA",
    ),
    Wording("overview", r"All \d+ mini batches have been processed\.", CODE, "C2", "Completed"),
    Wording("overview", r"Progress update stopped for reasons: \[.*\]\.", CODE, "C2", "status"),
    Wording(
        "overview",
        r"The number of failed items is \d+, which exceeds error threshold -?\d+\.",
        CODE,
        "C2 (O7: no real line)",
        "Failed + verdict",
    ),
    Wording(
        "overview",
        r"There are \d+ temp files to concatenate\. Total size is [\d.]+ MB\.",
        CODE,
        "C2",
    ),
    Wording("overview", r"Finished concatenating \d+ files in \S+\.", CODE, "C2"),
    # job_result.txt: no public sample at all (evidence.md section 2)
    Wording(
        "job_result",
        r"All \d+ mini batches have been processed\.",
        CODE,
        "C2 (overview wording; its use in job_result.txt is a guess)",
        "Completed",
    ),
    Wording(
        "job_result",
        r"The job completed successfully\.",
        INVENTED,
        "no public job_result.txt (R2)",
        "Completed",
    ),
    Wording(
        "job_result",
        r"The number of failed items is \d+, which exceeds error threshold -?\d+\.",
        CODE,
        "C2 (its use in job_result.txt is a guess)",
        "Failed + verdict",
    ),
    Wording(
        "job_result",
        r"Please check logs/job_error\.txt for the errors\. "
        r"You can check logs/readme\.txt for the layout of logs\.",
        INVENTED,
        "the second sentence is real (I5, I6); the first and its place are a guess",
    ),
    # job_error.txt (v2)
    Wording(
        "job_error",
        r"This file shows errors in loading, calling init\(\) and calling run\(\) of the entry "
        r"script\. An error here may not impact the job result\. Please check "
        r'"job_result\.txt" for the job result\.',
        REAL,
        "I3",
    ),
    Wording(
        "job_error",
        r"The process\d+ on node \S+ failed on mini batch \d+ with error: "
        r"Traceback \(most recent call last\):",
        REAL,
        "I4",
        "error record of that node/process and mini-batch",
    ),
    # master role / master.txt
    Wording("master", r"Start the master role on node \S+\.", INVENTED, "no public line"),
    Wording(
        "master",
        r"\S+: setting job stage to [A-Z_]+(, reason: .*|\.)",
        CODE,
        "shape real (D3 sample); these stage names and reasons are guesses",
    ),
    Wording(
        "master",
        r"Scheduled \d+ mini batches in \d+ seconds\.",
        CODE,
        "C2 overview wording; in the master log a guess",
    ),
    Wording("master", r"Node \S+ is lost\.", INVENTED, "no public line"),
    Wording("master", r"Failed to set task visible because of \(\d+, \d+\)\.", REAL, "I1", "error"),
    Wording(
        "master",
        r"The master role failed with error: .*",
        REAL,
        "I6 (seen inside the job error, not in master_role.txt)",
        "Failed + verdict",
    ),
    # worker sys logs (sys/node/<n>/<proc>.txt, sys/worker/<ip>/<proc>.txt)
    Wording("worker", r"Setting job stage to [A-Z]+\.", INVENTED, "no public line"),
    Wording("worker", r"Start worker \S+ on node \S+, pid \d+\.", INVENTED, "no public line"),
    Wording("worker", r"stderr: terminate called without an active exception", REAL, "I1", "noise"),
    Wording("worker", r"init\(\) finished in [\d.]+ seconds\.", INVENTED, "no public line"),
    Wording(
        "worker",
        rf"Start processing mini batch {_J}\.",
        INVENTED,
        "S3: the docs name the content, no line shows the words",
        "current mini-batch of a process",
    ),
    Wording(
        "worker",
        rf"Processed mini batch {_J}\.",
        INVENTED,
        "S3: no public line; the old code logs other words at DEBUG only",
        "attempts per process (also counted from the CSV reports)",
    ),
    Wording(
        "worker",
        rf"Failed to process {_J} with error .*",
        REAL,
        "I5 (the descriptor's `total` key is a guess)",
        "failed attempt + error record",
    ),
    Wording(
        "worker",
        rf"Stop for run\(\) unable to finish within \d+ seconds for {_J}",
        REAL,
        "I1",
        "failed attempt + error record",
    ),
    Wording(
        "worker",
        r"Save checkpoint for folder \S+, offset \d+, task_id \d+, total_items \d+, "
        r"finished=True\.",
        INVENTED,
        "no public line",
    ),
    Wording("worker", r"Worker \S+ exits\.", INVENTED, "no public line"),
    # user error files
    Wording(
        "user_error",
        rf"run\(\) raised an exception for mini batch {_J}\.",
        INVENTED,
        "no public line (the traceback after it is what is read)",
        "error record (its traceback)",
    ),
    Wording(
        "user_error_summary",
        r"\S+ \S+: mini batch \d+ \(attempt \d+\) failed: .*",
        INVENTED,
        "no public sample of logs/user/error.txt",
    ),
    # driver (70_driver_log.txt, user_logs/std_log_<i>.txt)
    Wording("driver", r"Azure Machine Learning Batch Inference Start", REAL, "I9", "Running"),
    Wording(
        "driver",
        r"Azure Machine Learning Batch Inference End",
        INVENTED,
        "named by the field guide, not in evidence.md",
    ),
    Wording(
        "driver",
        r"Entry script: \S+, mini_batch_size: \d+, error_threshold: -?\d+, node: \S+",
        INVENTED,
        "no public line",
    ),
    Wording("driver", r"Start \d+ worker processes on node \S+\.", INVENTED, "no public line"),
    Wording(
        "driver",
        r"The number of failed items is \d+, which exceeds error threshold -?\d+\.",
        CODE,
        "C2 wording; that the driver repeats it before SystemExit is a guess",
    ),
    # logs/sys/node/<n>/_main.txt (written by sim/perf.py with `oom_kill`)
    Wording(
        "node_main",
        r"\S+ exits with returncode -9\.",
        REAL,
        "D1 (the message; the pipe prefix before it is invented, see sim/perf.py)",
        "a kill (likely out of memory) of that process",
    ),
    # Status column of the CSV reports
    Wording("report_status", r"RUN_DONE|RUN_EXCEPTION|RUN_TIMEOUT", CODE, "D3, C3", "attempts"),
    Wording(
        "task_status",
        r"ENTRY_SCRIPT_INIT_START",
        REAL,
        "I7",
    ),
    Wording(
        "task_status",
        r"ENTRY_SCRIPT_INIT_DONE|ENTRY_SCRIPT_RUN_(DONE|EXCEPTION|TIMEOUT)",
        CODE,
        "C2 progress_status / worker_progress_report",
        "attempts",
    ),
    Wording(
        "report_process",
        r"\S+/(process\d+|Process-\d+)",
        INVENTED,
        "C-3: D3 says `Process` is the process name; the `node/` part is a guess",
        "node and process of an attempt",
    ),
)


def wording_of(where: str, message: str) -> Wording | None:
    """The WORDING entry a simulated message of `where` matches (None: not listed)."""
    for w in WORDING:
        if w.where == where and re.fullmatch(w.pattern, message):
            return w
    return None


# --------------------------------------------------------------------------- timestamps


class Stamps:
    """UTC timestamp text for simulated seconds since the job start, cached per second.

    strftime costs microseconds; a million-mini-batch tree writes millions of timestamps, so
    the "YYYY-MM-DD HH:MM:SS" part is computed once per simulated second and reused.
    """

    def __init__(self, start: datetime) -> None:
        self.start = start
        self._epoch = start.timestamp()
        self._base: dict[int, str] = {}
        self._iso: dict[int, str] = {}

    def _sec(self, sec: int) -> str:
        text = self._base.get(sec)
        if text is None:
            text = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(self._epoch + sec))
            self._base[sec] = text
        return text

    def comma(self, t: float) -> str:
        """`2023-05-16 22:00:01,234` (sys logs, Python logging)."""
        sec = int(t)
        return f"{self._sec(sec)},{int((t - sec) * 1000):03d}"

    def iso(self, t: float) -> str:
        """`2023-05-16T22:00:01.234567` (overview, CSV start times)."""
        sec = int(t)
        base = self._iso.get(sec)
        if base is None:
            base = self._iso[sec] = self._sec(sec).replace(" ", "T")
        return f"{base}.{int((t - sec) * 1e6):06d}"

    def bracket(self, t: float) -> str:
        """`[2023-05-16 22:00:01.234567]` (driver log)."""
        sec = int(t)
        return f"[{self._sec(sec)}.{int((t - sec) * 1e6):06d}]"

    def plain(self, t: float) -> str:
        """`2023-05-16 22:00:01` (resource CSVs)."""
        return self._sec(int(t))

    def at(self, t: float) -> datetime:
        return self.start + timedelta(seconds=t)


def duration(seconds: float) -> str:
    """Python timedelta text as the runtime prints it: `0:05:02`, `1 day, 2:03:04`."""
    return str(timedelta(seconds=max(0, int(seconds))))


def csv_field(value: str) -> str:
    """Quote one CSV field only when it needs it (comma, quote, newline), like csv.writer."""
    if any(c in value for c in ',"\n\r'):
        return '"' + value.replace('"', '""') + '"'
    return value


# --------------------------------------------------------------------------- layout per era


@dataclass(frozen=True)
class Layout:
    """Where one era writes each file (templates take `node`, `proc`, `i`) and how it spells."""

    era: str
    proc_prefix: str
    overview_first: str  # takes `stamp` (YYYYMMDDHH) or nothing
    overview_next: str  # takes `stamp` / `day` for files after midnight
    master_log: str
    proc_sys_log: str
    task_csv: str | None
    report_csv: str | None
    report_kind: str  # "mini_batches" | "tasks" | ""
    perf_csv: str
    user_log: str
    user_stdout: str | None
    user_stderr: str | None
    user_error: str
    user_error_summary: str | None
    driver_log: str  # takes `i` (node rank)
    driver_per_node: bool
    job_error: str | None
    job_result: str | None
    metrics_csv: str | None
    old_wording: bool
    sys_variant: str
    readme: str | None = None
    """The era's own `logs/readme.txt` text, where it is known (else README_TEXT)."""

    def proc_name(self, index: int) -> str:
        if self.proc_prefix == "Process-":
            return f"Process-{index + 1}"
        return f"{self.proc_prefix}{index:03d}"


_LAYOUT_2019 = Layout(
    era="2019",
    proc_prefix="Process-",
    overview_first="logs/overview.txt",
    overview_next="logs/overview.{day}.txt",
    master_log="logs/sys/master.txt",
    proc_sys_log="logs/sys/worker/{node}/{proc}.txt",
    task_csv="logs/sys/worker/{node}/{proc}.task.csv",
    report_csv=None,
    report_kind="",
    perf_csv="logs/performance/{node}/sys_resource_monitor_{node}.csv",
    user_log="logs/user/{node}/{proc}.log.txt",
    user_stdout=None,
    user_stderr=None,
    user_error="logs/user/error/{node}/{proc}.txt",
    user_error_summary=None,
    driver_log="azureml-logs/70_driver_log.txt",
    driver_per_node=False,
    job_error=None,
    job_result=None,
    metrics_csv=None,
    old_wording=True,
    sys_variant="level-pid",
)
# Each later era is the previous one with what changed (see the formats guide).
_LAYOUT_2020 = replace(
    _LAYOUT_2019,
    era="2020",
    proc_prefix="process",
    overview_first="logs/job_progress_overview.{stamp}.txt",
    overview_next="logs/job_progress_overview.{stamp}.txt",
    master_log="logs/sys/master_role.txt",
    report_csv="logs/sys/report/processed_tasks.csv",
    report_kind="tasks",
    perf_csv="logs/perf/{node}/node_resource_usage.csv",
    user_error_summary="logs/user/error.txt",
    sys_variant="logger-level-pid",
)
_LAYOUT_2021 = replace(
    _LAYOUT_2020,
    era="2021",
    proc_sys_log="logs/sys/node/{node}/{proc}.txt",
    task_csv=None,
    report_csv="logs/sys/job_report/processed_mini-batches.csv",
    report_kind="mini_batches",
    user_log="logs/user/entry_script_log/{node}/{proc}.log.txt",
    user_stdout="logs/user/stdout/{node}/{proc}.stdout.txt",
    user_stderr="logs/user/stderr/{node}/{proc}.stderr.txt",
    old_wording=False,
    sys_variant="level-pid-thread",
)
_LAYOUT_V2 = replace(
    _LAYOUT_2021,
    era="v2",
    driver_log="user_logs/std_log_{i}.txt",
    driver_per_node=True,
    job_error="logs/job_error.txt",
    job_result="logs/job_result.txt",
    metrics_csv="logs/sys/metrics/job/progress.csv",
    sys_variant="logger-level-pid-thread-func",
)
AGENT_README = """\
About the logs folder:
logs/
  azureml/    : azureml logs
  user/       : Including errors and logs from users.
    <node ip>
        error/    : Error from input, entry script validation or running.
                    Output to the sys.stderr in entry script.
        log/      : The logs from entry script using entry script helper and print() in entry script.
  sys/        : sys error folder.
    error/    : sys error logs
    perf/     : node and process resource usages, each node has a sub folder.
                Check sys.csv for the resource usages of the node.
                Check other files for the resource usages of a process.
                Try a larger VM size or more nodes.
                Reduce the value of --process_count_per_node if it's larger than 1.
    report/     : processing results, which can be used to check task distribution, succeeded or failed tasks.
    node/     : logs from nodes. each node has a sub folder
        <node ip>
            _main.txt           : Log for the node main file, which starts the task server and agent manager.
            _master_poller.txt  : Log for the master poller.
            _task_server.txt    : Log for the task server.
            agentNNN.task.csv   : Tasks picked and processed by the agent.
            agentNNN.txt        : Logs of the agent.
    simulator/  : Logs for the master-less simulator.
    warning/    : warning logs
    master.txt  : the master logs, including task creation, progress monitoring, run result.
    overview.txt: high level progress.

Links:
https://channel9.msdn.com/Shows/AI-Show/Batch-Inference-using-Azure-Machine-Learning
https://aka.ms/batch-inference-notebooks
https://aka.ms/batch-inference-documentation
"""  # noqa: E501 - verbatim
"""The about-2020 runtime's own readme (evidence.md N6), verbatim: the agent era's layout."""

# The about-2020 runtime of N6: workers are agents. Paths are the readme's; what is inside the
# files (wording, the sys.csv header, file names under user/<ip>/error/ and log/, the overview
# after midnight) is the 2020 era's, assumed.
_LAYOUT_AGENT = replace(
    _LAYOUT_2020,
    era="2020-agent",
    proc_prefix="agent",
    overview_first="logs/sys/overview.txt",
    overview_next="logs/sys/overview.{day}.txt",
    master_log="logs/sys/master.txt",
    proc_sys_log="logs/sys/node/{node}/{proc}.txt",
    task_csv="logs/sys/node/{node}/{proc}.task.csv",
    perf_csv="logs/sys/perf/{node}/sys.csv",
    user_log="logs/user/{node}/log/{proc}.txt",
    user_error="logs/user/{node}/error/{proc}.txt",
    user_error_summary=None,
    readme=AGENT_README,
)
LAYOUTS: dict[str, Layout] = {
    layout.era: layout
    for layout in (_LAYOUT_2019, _LAYOUT_2020, _LAYOUT_2021, _LAYOUT_V2, _LAYOUT_AGENT)
}


def node_names(era: str, count: int) -> list[str]:
    """Private IPs from 10.0.0.4 (v1 eras) or rank indices (v2 runtime)."""
    if era == "v2":
        return [str(i) for i in range(count)]
    return [f"10.0.{(4 + i) // 256}.{(4 + i) % 256}" for i in range(count)]


def sys_prefix(variant: str, level: str, pid: int, thread: int, logger: str, func: str) -> str:
    """The part of a pipe-separated sys-log line between the timestamp and the message.

    The variants coexist in real trees (see the formats guide, section 3); each era uses one.
    """
    if variant == "level-pid":
        return f"|{level}|{pid}|"
    if variant == "logger-level-pid":
        return f"|{logger}|{level}|{pid}|"
    if variant == "level-pid-thread":
        return f"|{level}|{pid}|{thread}|"
    return f"|{logger}|{level}|{pid}|{thread}|{func}()|"


# --------------------------------------------------------------------------- user exceptions

# Each kind: exception type, message shape (as batchtop's error grouping would spell it: quoted
# values -> '…', [..] -> […], numbers -> <n>), and the user/library frames of its traceback.
ERROR_KINDS: tuple[tuple[str, str, tuple[tuple[str, int, str, str], ...]], ...] = (
    (
        "ValueError",
        "could not convert string to float: '…'",
        (
            ("{wd}/score.py", 42, "run", "values = [float(v) for v in row]"),
            ("{wd}/score.py", 42, "<listcomp>", "values = [float(v) for v in row]"),
        ),
    ),
    (
        "KeyError",
        "'…'",
        (
            ("{wd}/score.py", 51, "run", "x = features[name]"),
            ("{wd}/score.py", 77, "lookup", "return table[key]"),
        ),
    ),
    (
        "FileNotFoundError",
        "[…] No such file or directory: '…'",
        (
            ("{wd}/score.py", 37, "run", "df = pd.read_csv(path)"),
            (
                "{site}/pandas/io/parsers/readers.py",
                912,
                "read_csv",
                "return _read(filepath_or_buffer, kwds)",
            ),
        ),
    ),
    (
        "RuntimeError",
        "CUDA out of memory. Tried to allocate <n> GiB (GPU <n>; <n> GiB total capacity; "
        "<n> GiB already allocated)",
        (
            ("{wd}/score.py", 60, "run", "preds = model(batch.to(device))"),
            (
                "{site}/torch/nn/modules/module.py",
                1501,
                "_call_impl",
                "return forward_call(*args, **kwargs)",
            ),
        ),
    ),
)

ERROR_WEIGHTS = (0.45, 0.25, 0.2, 0.1)
_BAD_VALUES = ("abc", "N/A", "?", "1,5", "nan%", "--")


def error_message(kind: int, r: float, mb: int, item: str) -> str:
    """A message of one kind whose variable parts (numbers, quoted values) vary per failure."""
    if kind == 0:
        pick = int(r * 8)
        value = _BAD_VALUES[pick] if pick < len(_BAD_VALUES) else f"x{mb % 997}"
        return f"could not convert string to float: '{value}'"
    if kind == 1:
        return f"'feature_{int(r * 200)}'"
    if kind == 2:
        return f"[Errno 2] No such file or directory: '/mnt/azureml/inputs/{item}'"
    return (
        f"CUDA out of memory. Tried to allocate {0.5 + r * 3:.2f} GiB (GPU {mb % 4}; "
        f"15.78 GiB total capacity; {11 + r * 4:.2f} GiB already allocated)"
    )


def error_key(kind: int) -> str:
    """Group key of a kind: `<ExcType>: <message shape>`."""
    exc, shape, _ = ERROR_KINDS[kind]
    return f"{exc}: {shape}"


RUNTIME_FRAMES = {
    # I4 (azure-sdk-for-python#31361): the v2 runtime's real frame. Its source line is not in
    # the evidence: the code line under it is invented.
    "v2": (
        '  File "{wd}/driver/azureml_user/parallel_run/payload_thread.py", line 294, in '
        "process_task",
        "    result = self.task_processor.process_mini_batch(mini_batch)",
    ),
    # older eras: invented (no public traceback of the v1 runtime's frames)
    "v1": (
        '  File "{wd}/driver/azureml_user/parallel_run/job.py", line 108, in run',
        "    result = self.entry_script.run(mini_batch)",
    ),
}


def traceback_lines(kind: int, message: str, wd: str, site: str, era: str = "v1") -> list[str]:
    """A real-looking Python traceback (runtime frame, user frames, exception line)."""
    exc, _, frames = ERROR_KINDS[kind]
    frame, code = RUNTIME_FRAMES["v2" if era == "v2" else "v1"]
    lines = ["Traceback (most recent call last):", frame.format(wd=wd), code]
    for path, line, func, code in frames:
        lines.append(f'  File "{path.format(wd=wd, site=site)}", line {line}, in {func}')
        lines.append(f"    {code}")
    lines.append(f"{exc}: {message}")
    return lines


# The real v2 driver traceback (I8: amlbi_main.py lines 275/226).
SYSTEM_EXIT_TRACEBACK = (
    "Traceback (most recent call last):",
    '  File "driver/amlbi_main.py", line 275, in <module>',
    "    main()",
    '  File "driver/amlbi_main.py", line 226, in main',
    "    sys.exit(exitcode_candidate)",
    "SystemExit: 42",
)

# Invented: the real about-2020 readme begins `About the logs folder:` (C2); not parsed.
README_TEXT = """\
This folder contains the logs of the ParallelRunStep / parallel job (simulated by batchtop).

- job_progress_overview.<stamp>.txt (overview.txt in older versions): the progress of the job.
- job_result.txt / job_error.txt: the result of the job and the errors of init()/run().
- sys/: logs of the runtime. sys/node/<node>/<process>.txt: mini batches picked and processed.
- sys/job_report/processed_mini-batches.csv: one row per processing attempt of a mini batch.
- perf/<node>/: resource usage of each node.
- user/: logs of the entry script: stdout, stderr, entry_script_log and error.
"""
