"""Which parser reads which file: path patterns of every era, in one table.

The runtime moved files around several times since 2019 (see shared/formats/README.md); a path
is recognised by its shape, not by one fixed layout, and anything unknown is listed as `raw`
(shown in the file list and the log viewer, never parsed, never fatal).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

_NODE = r"(?P<node>[^/]+)"
_PERF = r"(?:^|/)logs/(?:sys/)?perf/" + _NODE
_PERF_2019 = r"(?:^|/)logs/performance/" + _NODE
_LIFECYCLER = r"(?:^|/)system_logs/lifecycler/" + _NODE
_WORKER_DIR = r"(?:^|/)logs/(?:sys/(?:node|worker)|worker)/" + _NODE
PROCESS_NAME = r"(?:process\d+|Process-\d+|agent\d+)"
"""A worker process as the runtime names it: `process000` (2020 on), `Process-1` (2019),
`agent000` (the about-2020 runtime whose readme calls workers agents: evidence.md N6)."""
_PROC_IN_NAME = re.compile(f"({PROCESS_NAME})", re.IGNORECASE)

_PLACE = re.compile(
    r"(?:^|/)(?:"
    # v2 and 2021+: user output, user errors, worker logs, perf, kills (shared/formats
    # README §3-5; evidence.md D1, D2)
    r"logs/user/(?:stdout|stderr|error|entry_script_log)/(?P<user>[^/]+)"
    r"|logs/sys/(?:node|worker|error|warning|perf)/(?P<sys>[^/]+)"
    # 2019/2020: logs/worker/<ip>/, logs/perf/<node>/, logs/performance/<ip>/
    r"|logs/(?:worker|perf|performance)/(?P<old>[^/]+)"
    # evidence.md D1: system_logs/lifecycler/<node-id>/execution-wrapper.txt
    r"|system_logs/lifecycler/(?P<lifecycler>[^/]+)"
    # 2020: logs/user/<ip>/<process>.log.txt, and the agent era's logs/user/<ip>/error/ and
    # log/ (N6); only a node-like folder name, so an unknown logs/user/<folder>/ never becomes
    # a phantom node
    r"|logs/user/(?P<user2020>\d{1,3}(?:\.\d{1,3}){3}|\d{1,5})(?:/(?:error|log)(?=/))?"
    r")/",
    re.IGNORECASE,
)
"""Every per-node folder of every era, one alternation (one search per path: a tree may hold
100,000 files); alternatives are tried in this order at each position."""


@lru_cache(maxsize=16384)
def place(path: str) -> tuple[str | None, str | None]:
    """(node, process) a per-node path names, whatever its kind (parsed, perf, raw).

    Every per-node folder of every era names its node; a file named `processNNN...`,
    `Process-N...` or `agentNNN...` directly in it names a process too (a `_main.txt` or `os/`
    snapshot does not).
    """
    normalised = path.replace("\\", "/")
    m = _PLACE.search(normalised)
    if m is None or m.lastgroup is None:
        return None, None
    rest = normalised[m.end() :]
    proc = _PROC_IN_NAME.search(rest) if "/" not in rest else None
    return m.group(m.lastgroup), (proc.group(1) if proc else None)


# (kind, pattern) in priority order; patterns match the path relative to the job root, with
# an optional leading folder (a user may point us at a parent folder or at logs/ itself).
_TABLE: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern, re.IGNORECASE))
    for kind, pattern in (
        ("readme", r"(?:^|/)logs/readme\.txt$"),
        # logs/sys/overview.txt: the agent era's readme (N6)
        ("overview", r"(?:^|/)logs/(?:user/|sys/)?(?:job_progress_overview|overview)[^/]*\.txt$"),
        ("job_result", r"(?:^|/)logs/(?:user/)?job_?result[^/]*\.txt$"),
        ("job_error", r"(?:^|/)logs/(?:user/)?job_?error[^/]*\.txt$"),
        ("attempts_csv", r"(?:^|/)logs/sys/(?:job_)?report/processed_(?:mini-batches|tasks)\.csv$"),
        # <proc>.task.csv beside its worker log: sys/worker/ (C2), sys/node/ (agent era, N6)
        ("attempts_csv", _WORKER_DIR + r"/[^/]+\.task\.csv$"),
        ("metrics_csv", r"(?:^|/)logs/sys/metrics/(?:.+/)?progress\.csv$"),
        # sys.csv: "the resource usages of the node" in the agent era's readme (N6)
        ("perf_csv", r"(?:^|/)logs/(?:sys/)?perf/" + _NODE + r"/(?:node_resource_usage|sys)\.csv$"),
        ("perf_csv", r"(?:^|/)logs/performance/" + _NODE + r"/sys_resource_monitor[^/]*\.csv$"),
        # the rest of a node's resource monitor (D1, D3): parsers/perffiles.py
        ("process_usage_csv", _PERF + r"/processes_resource_usage\.csv$"),
        ("process_usage_csv", _PERF_2019 + r"/process_resource[^/]*\.csv$"),
        ("disk_usage_csv", _PERF + r"/node_disk_usage\.csv$"),
        ("ps_listing", _PERF + r"/os/\d{10}/processes_\d\d[^/]*$"),
        # worker exits and out-of-memory kills (D1): parsers/processexit.py
        ("node_main", r"(?:^|/)logs/sys/node/" + _NODE + r"/_main\.txt$"),
        ("execution_wrapper", _LIFECYCLER + r"/execution-wrapper[^/]*\.txt$"),
        # a subprocess's inherited stdout/stderr (evidence.md D1, S8): user output, not sys log
        ("user_log", r"(?:^|/)logs/sys/node/" + _NODE + r"/[^/]+\.std(?:out|err)\.txt$"),
        ("syslog", r"(?:^|/)logs/sys/(?:node|worker)/" + _NODE + r"/[^/]+\.txt$"),
        ("syslog", r"(?:^|/)logs/worker/" + _NODE + r"/[^/]+\.txt$"),
        ("syslog", r"(?:^|/)logs/sys/(?:error|warning)/" + _NODE + r"/[^/]+\.txt$"),
        ("syslog", r"(?:^|/)logs/(?:sys/)?master[^/]*\.txt$"),
        ("syslog", r"(?:^|/)logs/sys/[^/]+\.txt$"),
        ("user_error", r"(?:^|/)logs/user/error/" + _NODE + r"/[^/]+\.txt$"),
        # the agent era (N6): logs/user/<node ip>/error/ and log/; file names inside unknown
        ("user_error", r"(?:^|/)logs/user/" + _NODE + r"/error/[^/]+$"),
        ("user_log", r"(?:^|/)logs/user/" + _NODE + r"/log/[^/]+$"),
        ("user_error_summary", r"(?:^|/)logs/user/error\.txt$"),
        ("user_log", r"(?:^|/)logs/user/(?:stdout|stderr|entry_script_log)/" + _NODE + r"/[^/]+$"),
        ("user_log", r"(?:^|/)logs/user/" + _NODE + r"/[^/]+\.txt$"),
        ("execution_log", r"(?:^|/)logs/azureml/executionlogs\.txt$"),
        ("driver_log", r"(?:^|/)azureml-logs/70_driver_log[^/]*\.txt$"),
        ("driver_log", r"(?:^|/)user_logs/std_log[^/]*\.txt$"),
        ("stream", r"(?:^|/)[^/]*\.stream(?:\.txt)?$"),
    )
)


@dataclass(frozen=True, slots=True)
class FileKind:
    """What a path is: its kind and, where the path says, its node and process (`place`)."""

    kind: str
    node: str | None = None
    process: str | None = None


@lru_cache(maxsize=16384)
def classify(path: str) -> FileKind:
    """Recognise a file by its path (any era); `raw` when nothing matches.

    Cached: a followed tree asks again for the same few thousand paths at every rescan.
    """
    normalised = path.replace("\\", "/")
    node, process = place(normalised)
    for kind, pattern in _TABLE:
        if pattern.search(normalised) is not None:
            return FileKind(kind, node, process)
    return FileKind("raw", node, process)


FIRST_KINDS = ("overview", "job_result", "metrics_csv", "execution_log", "driver_log", "job_error")
"""Read these first when attaching to a big tree: they say where the job is in a few KB."""

_LAST_NAMES = ("processed_tasks.csv",)
"""Attempt reports without attempt numbers: read after those that have them, so the model
credits each attempt to its named process (see MiniBatchLedger.record)."""


def read_order(path: str) -> tuple[int, int, str]:
    """Sort key for reading a tree: important small files first, weak duplicates last."""
    kind = classify(path).kind
    rank = FIRST_KINDS.index(kind) if kind in FIRST_KINDS else len(FIRST_KINDS)
    return rank, path.endswith(_LAST_NAMES), path
