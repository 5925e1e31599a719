"""Real `jobs.stream` / `wait_for_completion` transcripts from public notebooks (fixtures/real-streams).

Each file is a notebook cell's output, copied as it was printed (fixtures/real-streams/NOTES.md
cites the repository, commit and run date of each). The expected answers below were worked out
by reading the transcripts, not by running batchtop:

- N1/N2 (failed batch endpoint jobs): stdout holds `RunId:`/`Web View:`, one executionlogs
  section with `Submitting 1 runs, …` and `Execution of experiment failed, …`, and the summary.
  That line is the only failure on stdout: Failed, the line as verdict, pointing to the child
  step. With stderr appended, the `JobException` JSON's `message` is the verdict (it outranks the
  weak executionlogs one).
- N3/N4 (completed): the stream never states the outcome, so the status stays "outcome
  unknown" (exit 6); `Completing processing run id …` and `Finishing experiment: …` are quiet.
- v1 2019/2021/2022 (ParallelRunStep pipelines): `PipelineRun Status: Finished` in the pipeline
  summary is the outcome; the job is the `PipelineRunId`, its link the first portal link.
What no stream shows stays unknown: no nodes, no mini-batch total, no error groups.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from batchtop.ingest import Ingestor
from batchtop.sources.stream import STREAM_PATH, read_stream
from batchtop.status import ENDED_UNKNOWN
from batchtop.summary import exit_code

REAL = Path(__file__).resolve().parent.parent / "fixtures" / "real-streams"
EXECUTION_LOG = "logs/azureml/executionlogs.txt"
EXPERIMENT_FAILED_LINE = "Execution of experiment failed, update experiment status and cancel running nodes."  # N1, N2 verbatim
CHILD_FAILED = (
    "Pipeline has failed child jobs. For more details and logs, please go to the job detail "
    "page and check the child jobs."
)


def read(name: str) -> Ingestor:
    ingestor = Ingestor()
    with (REAL / name).open("rb") as handle:
        read_stream(handle, ingestor)
    return ingestor


def unparsed(ingestor: Ingestor, path: str) -> int:
    return ingestor.state.files[path].unparsed


# (file, job name, status, exit code, lines of executionlogs.txt)
BATCH_STREAMS = [
    ("n1-batch-failed.stdout.stream", "batchjob-87246ea0-1274-4349-b56b-8b14a3e3d28e", "Failed", 1, 2),
    ("n2-batch-failed.stdout.stream", "batchjob-f47ea9fe-132f-4b91-b038-ca19fb71c9be", "Failed", 1, 2),
    ("n1-batch-failed.with-stderr.stream", "batchjob-87246ea0-1274-4349-b56b-8b14a3e3d28e", "Failed", 1, 2),
    ("n2-batch-failed.with-stderr.stream", "batchjob-f47ea9fe-132f-4b91-b038-ca19fb71c9be", "Failed", 1, 2),
    ("n3-batch-completed.stream", "batchjob-1b83708d-5b9d-44d3-847a-2b26fd2253c8", ENDED_UNKNOWN, 6, 2),
    ("n4-pipeline-completed.stream", "goofy_camel_rmfv43qfht", ENDED_UNKNOWN, 6, 5),
]  # fmt: skip


@pytest.mark.parametrize(("name", "job", "status", "code", "lines"), BATCH_STREAMS)
def test_batch_endpoint_streams(name, job, status, code, lines):
    ingestor = read(name)
    snap = ingestor.snapshot()
    assert (snap.job_name, snap.status, exit_code(snap)) == (job, status, code)
    assert snap.job_url == f"https://ml.azure.com/runs/{job}?" + snap.job_url.split("?", 1)[1]
    assert ingestor.state.files[EXECUTION_LOG].lines == lines
    assert unparsed(ingestor, EXECUTION_LOG) == 0  # every real executionlogs line is known
    assert unparsed(ingestor, STREAM_PATH) == 0
    # what a stream cannot show stays unknown
    assert snap.nodes == () and snap.errors == ()
    assert snap.mini_batches.total is None


@pytest.mark.parametrize("name", ["n1-batch-failed.stdout.stream", "n2-batch-failed.stdout.stream"])
def test_stdout_alone_fails_on_the_executionlogs_line_and_points_to_the_child_step(name):
    snap = read(name).snapshot()
    assert snap.verdict is not None
    assert snap.verdict.startswith(EXPERIMENT_FAILED_LINE)
    assert "child step" in snap.verdict and "batchtop <job name>" in snap.verdict


@pytest.mark.parametrize(
    "name", ["n1-batch-failed.with-stderr.stream", "n2-batch-failed.with-stderr.stream"]
)
def test_the_stderr_tail_gives_the_service_reason(name):
    assert read(name).snapshot().verdict == CHILD_FAILED


# (file, pipeline run id, first portal link's start, stream lines known)
V1_TRANSCRIPTS = [
    ("v1-2019-pipeline-finished.stream", "e22d0cc4-3538-4ad6-b926-20147cbdb6d2",
     "https://ml.azure.com/experiments/automl-ojforecasting/runs/e22d0cc4-3538-4ad6-b926-20147cbdb6d2?wsid="),
    ("v1-2021-pipeline-finished.stream", "dac5b96c-b823-4293-8729-4d146cc0feec",
     "https://ml.azure.com/runs/dac5b96c-b823-4293-8729-4d146cc0feec?wsid="),
    ("v1-2022-pipeline-finished.stream", "69d940b3-cf03-411e-863f-b2393ee171c2",
     "https://ml.azure.com/runs/69d940b3-cf03-411e-863f-b2393ee171c2?wsid="),
]  # fmt: skip


@pytest.mark.parametrize(("name", "run_id", "link"), V1_TRANSCRIPTS)
def test_v1_transcripts(name, run_id, link):
    ingestor = read(name)
    snap = ingestor.snapshot()
    assert (snap.job_name, snap.status, exit_code(snap)) == (run_id, "Finished", 0)
    assert snap.job_url is not None and snap.job_url.startswith(link)
    # 2019's `Link to Portal:`, 2022's `Created step …` / `Submitted PipelineRun …` are known
    assert unparsed(ingestor, STREAM_PATH) == 0
    assert snap.nodes == () and snap.mini_batches.total is None


def test_v1_2019_sections_reach_their_files():
    ingestor = read("v1-2019-pipeline-finished.stream")
    files = ingestor.state.files
    # five `Streaming azureml-logs/…` sections, by hand: 55_…_d, 65_job_prep ×2, 70_driver_log, 75_job_post
    assert sorted(p for p in files if p != STREAM_PATH) == sorted(
        [
            "azureml-logs/55_azureml-execution-tvmps_8871c3cb012c9a026fee021d64b3ddf54c32b01cf412e073370019e2b556b4f3_d.txt",
            "azureml-logs/65_job_prep-tvmps_8ac5cb15deb2cb9d68a80c1d34a4bd3d1b7d991f9dee3233ee529a796c88d518_d.txt",
            "azureml-logs/65_job_prep-tvmps_8871c3cb012c9a026fee021d64b3ddf54c32b01cf412e073370019e2b556b4f3_d.txt",
            "azureml-logs/70_driver_log.txt",
            "azureml-logs/75_job_post-tvmps_8871c3cb012c9a026fee021d64b3ddf54c32b01cf412e073370019e2b556b4f3_d.txt",
        ]
    )  # fmt: skip


# ------------------------------------------------------------------ not a stream at all (U22)
def test_a_file_without_any_stream_line_is_refused_with_exit_2():
    readme = Path(__file__).resolve().parent.parent / "README.md"
    proc = subprocess.run(
        [sys.executable, "-m", "batchtop", "--stream", str(readme), "--once"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 2, proc.stdout
    assert "no stream lines found" in proc.stderr
    assert ENDED_UNKNOWN not in proc.stdout


def test_the_screen_refuses_a_file_without_stream_lines_before_it_opens(monkeypatch, capsys):
    from batchtop import cli
    from batchtop.app.app import BatchtopApp

    opened = []
    monkeypatch.setattr(BatchtopApp, "run", lambda self, *a, **k: opened.append(self))
    monkeypatch.setattr(cli.sys.stdout, "isatty", lambda: True)  # a terminal, not a pipe
    readme = Path(__file__).resolve().parent.parent / "README.md"
    assert cli.main(["--stream", str(readme)]) == 2
    assert opened == []
    assert f"{readme}: no stream lines found" in capsys.readouterr().err
    # a real stream opens the screen
    cli.main(["--stream", str(REAL / "n4-pipeline-completed.stream")])
    assert len(opened) == 1
