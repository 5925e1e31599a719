"""Property: the same bytes in any chunking (inside lines, inside UTF-8 characters, inside
CRLF pairs and tracebacks) give the same model."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from batchtop.ingest import Ingestor
from batchtop.summary import summary_dict
from test_parsers import ATTEMPTS_CSV, OVERVIEW_2021, SYSLOG_PROCESS

USER_ERROR = (
    "2023-05-16 22:10:05,001 - score - ERROR - échec du run() — données «invalides»\r\n"
    "Traceback (most recent call last):\r\n"
    '  File "/mnt/score.py", line 20, in run\r\n'
    '    return df["prix"]\r\n'
    "KeyError: 'prix'\r\n"
    "日本語の出力\r\n"
)
PERF = (
    "Utc Time,Cpu Percent,Memory Used Percent,Disk Io Read (MB),Disk Io Write (MB),"
    "Network Sent (MB),Network Recv (MB)\n"
    "2023-05-16 22:00:00,10.0,20.0,100,50,10,20\n"
    "2023-05-16 22:10:00,90.5,70.0,700,50,70,20\n"
)
TREE: dict[str, bytes] = {
    "logs/job_progress_overview.2021041522.txt": OVERVIEW_2021.encode(),
    "logs/sys/node/3/process002.txt": SYSLOG_PROCESS.encode(),
    "logs/user/error/3/process002.txt": USER_ERROR.encode(),
    "logs/sys/job_report/processed_mini-batches.csv": ATTEMPTS_CSV.encode(),
    "logs/perf/3/node_resource_usage.csv": PERF.encode(),
    # SDK-shaped: a std_log section, then az's exception (2>&1) before the summary
    "az-ml-job-stream.stream": (
        Path(__file__).parent / "data" / "stream" / "command-failed-merged-stderr.stream"
    ).read_bytes(),
}


def model_of(cuts_per_file: dict[str, list[int]]) -> str:
    ingestor = Ingestor()
    for path, data in TREE.items():
        last = 0
        for cut in sorted({c % (len(data) + 1) for c in cuts_per_file.get(path, [])}):
            ingestor.feed(path, data[last:cut])
            last = cut
        ingestor.feed(path, data[last:])
    ingestor.flush(final=True)
    snap = ingestor.snapshot()
    detail = summary_dict(snap)
    detail["tracebacks"] = [e.traceback for e in snap.errors]
    detail["current"] = [p.current for n in snap.nodes for p in n.processes]
    return json.dumps(detail, sort_keys=True)


WHOLE = model_of({})


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.fixed_dictionaries(
        {
            path: st.lists(st.integers(min_value=0, max_value=len(data)), max_size=30)
            for path, data in TREE.items()
        }
    )
)
def test_any_chunking_gives_the_same_model(cuts):
    assert model_of(cuts) == WHOLE


def test_byte_at_a_time_gives_the_same_model():
    assert model_of({p: list(range(len(d))) for p, d in TREE.items()}) == WHOLE


def test_the_reference_model_is_not_empty():
    data = json.loads(WHOLE)
    assert data["mini_batches"]["processed"] >= 150
    assert data["errors"] and data["nodes"]
