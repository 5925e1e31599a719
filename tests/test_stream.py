"""`az ml job stream | batchtop --stream -`, on transcripts in the SDK's real shape.

The transcripts in tests/data/stream/ are produced by azure-ai-ml's own
`stream_logs_until_completion` (make_streams.py there) with log lines quoted from public sources,
or copied from a real v1 `wait_for_completion` output; tests/data/stream/README.md cites each.
Hand-built streams below follow the SDK's format strings (quoted where used).
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from batchtop.ingest import Ingestor
from batchtop.snapshot import Snapshot
from batchtop.sources.stream import STREAM_PATH, NotAStream, read_stream
from batchtop.status import ENDED_UNKNOWN
from batchtop.summary import EXIT_OUTCOME_UNKNOWN, exit_code
from helpers import ingest_files

DATA = Path(__file__).resolve().parent / "data" / "stream"
STD_LOG = "user_logs/std_log.txt"
# azure-ai-ml _job_ops_helper.py: the JobException text a failed job raises
KEDRO6_MESSAGE = (
    "AzureMLCompute job failed.\nOrchestrateJobError: Failed to execute command group with error "
    "Got CommonRuntimeJobError from executing command: \nDocker container "
    "`xxxxxxxx-execution-wrapper` failed with status code `1` due to response error: \nNone"
)


def stream_file(path: Path) -> Ingestor:
    """What `batchtop --stream FILE` reads: the source, to its EOF."""
    ingestor = Ingestor()
    with path.open("rb") as handle:
        read_stream(handle, ingestor)
    return ingestor


def stream_text(text: str, tmp_path: Path) -> Snapshot:
    saved = tmp_path / "saved.stream.txt"
    saved.write_text(text)
    return stream_file(saved).snapshot()


def lines_of(ingestor: Ingestor, path: str) -> int:
    stats = ingestor.state.files.get(path)
    return stats.lines if stats else 0


# ------------------------------------------------------------------ v2: the outcome is never printed
def test_a_completed_pipeline_stream_ends_with_outcome_unknown_not_completed():
    ingestor = stream_file(DATA / "pipeline-completed.stream")
    snap = ingestor.snapshot()
    assert snap.job_name == "placid_pot_bdcyntnkvn"
    assert snap.job_url.startswith("https://ml.azure.com/runs/placid_pot_bdcyntnkvn?wsid=")
    assert snap.status == ENDED_UNKNOWN
    assert exit_code(snap) == EXIT_OUTCOME_UNKNOWN == 6
    assert snap.finished
    assert lines_of(ingestor, "logs/azureml/executionlogs.txt") == 5  # R2's five lines, no more


def test_a_failed_pipeline_is_failed_from_its_executionlogs_line():
    snap = stream_file(DATA / "pipeline-failed.stream").snapshot()
    assert snap.status == "Failed"
    assert snap.verdict is not None and snap.verdict.startswith("AzureMLCompute job failed.")
    assert exit_code(snap) == 1


def test_merged_stderr_exception_is_the_failure_and_its_json_never_reaches_the_log():
    ingestor = stream_file(DATA / "command-failed-merged-stderr.stream")
    snap = ingestor.snapshot()
    assert snap.job_name == "INC_PTQ_1666128985_788b95f3"
    assert snap.status == "Failed"
    assert snap.verdict == KEDRO6_MESSAGE
    assert exit_code(snap) == 1
    # the std_log section: a blank line and R1's four lines; none of the error JSON
    assert lines_of(ingestor, STD_LOG) == 5
    assert ingestor.state.files[STREAM_PATH].unparsed == 0


def test_python_traceback_form_of_the_exception_is_read(tmp_path):
    spec = importlib.util.spec_from_file_location("make_streams", DATA / "make_streams.py")
    assert spec is not None and spec.loader is not None
    make = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make)
    body = make.transcript(
        "job_1", "Command",
        [("Running", {STD_LOG: make.R1_STD_LOG[:3]}), ("Failed", {STD_LOG: make.R1_STD_LOG})],
        error=make.KEDRO6_ERROR, merge_stderr="python",
    )  # fmt: skip
    assert b"azure.ai.ml.exceptions.JobException: Exception : \n {\n" in body
    snap = stream_text(body.decode(), tmp_path)
    assert (snap.status, snap.verdict) == ("Failed", KEDRO6_MESSAGE)


def test_web_view_none_is_no_url():
    snap = stream_file(DATA / "command-no-studio.stream").snapshot()
    assert snap.job_name == "INC_PTQ_1666128985_788b95f3"
    assert snap.job_url is None
    assert snap.status == ENDED_UNKNOWN


def test_a_job_not_found_error_string_still_fails(tmp_path):
    # `_current_details.error` unset: the SDK dumps a JSON string instead of an object
    error = json.dumps("Detailed error not set on the Run. Please check the logs for details.")
    text = (
        "RunId: job_1\nWeb View: None\n\nExecution Summary\n=================\nRunId: job_1\n"
        f"Web View: None\nERROR: Exception : \n {error} \n"
    )
    snap = stream_text(text, tmp_path)
    assert snap.status == "Failed"
    assert snap.verdict == "Detailed error not set on the Run. Please check the logs for details."


def test_exception_right_after_a_partial_stdout_line_keeps_both_halves(tmp_path):
    # stdout is flushed in 8 KiB blocks, so stderr can land mid-line
    text = (DATA / "command-failed-merged-stderr.stream").read_text()
    cut = text.index("Created a worker pool")
    error_start = text.index("ERROR: Exception")
    error_end = text.index("} \n") + 3
    glued = text[: cut + 3] + text[error_start:error_end] + text[cut + 3 : error_start]
    glued += text[error_end:]
    ingestor = ingest_files({STREAM_PATH: glued})
    snap = ingestor.snapshot()
    assert (snap.status, snap.verdict) == ("Failed", KEDRO6_MESSAGE)
    assert lines_of(ingestor, STD_LOG) == 6  # the cut line arrives as two pieces, nothing lost


def test_an_exception_like_user_line_without_json_stays_in_its_file(tmp_path):
    text = (
        "RunId: job_1\nWeb View: None\n\nStreaming user_logs/std_log.txt\n" + "=" * 31 + "\n\n"
        "ERROR: Exception : \nconnection reset, retrying\nstep 2 done\n"
    )
    ingestor = ingest_files({STREAM_PATH: text})
    assert ingestor.snapshot().status != "Failed"
    assert lines_of(ingestor, STD_LOG) == 3


# ------------------------------------------------------------------ framing, checked by the rule
def test_streaming_and_summary_words_inside_a_log_are_content(tmp_path):
    # `Streaming <file>` is followed by exactly len(file) + 10 `=`; `Execution Summary` by 17
    text = (
        "RunId: job_1\nWeb View: None\n\nStreaming user_logs/std_log.txt\n" + "=" * 31 + "\n\n"
        "Streaming shards from blob storage\nloaded 10 shards\nExecution Summary\n"
        "rows: 10\n"
    )
    ingestor = ingest_files({STREAM_PATH: text})
    assert lines_of(ingestor, STD_LOG) == 4
    assert lines_of(ingestor, "shards from blob storage") == 0


def test_the_sdk_section_header_is_recognised_with_the_sdk_rule_length():
    text = (DATA / "pipeline-completed.stream").read_text()
    assert "Streaming logs/azureml/executionlogs.txt\n" + "=" * 40 + "\n" in text  # as R2 shows


def test_the_preamble_az_prints_is_counted_unparsed_not_lost():
    # azure-cli#27363: a real `az ml job stream` begins with this line
    text = (
        "Class WorkspaceHubOperations: This is an experimental class, and may change at any time. "
        "Please see https://aka.ms/azuremlexperimental for more information.\n"
        + (DATA / "pipeline-completed.stream").read_text()
    )
    ingestor = ingest_files({STREAM_PATH: text})
    assert ingestor.snapshot().job_name == "placid_pot_bdcyntnkvn"
    assert ingestor.state.files[STREAM_PATH].unparsed == 1


def test_every_chunking_gives_the_same_answer():
    for name in ("pipeline-failed.stream", "command-failed-merged-stderr.stream"):
        data = (DATA / name).read_bytes()
        whole = ingest_files({STREAM_PATH: data}).snapshot()
        for size in (1, 7, 64):
            ingestor = Ingestor()
            for i in range(0, len(data), size):
                ingestor.feed(STREAM_PATH, data[i : i + size])
            ingestor.flush(final=True)
            snap = ingestor.snapshot()
            assert (snap.status, snap.verdict, snap.job_name, snap.job_url) == (
                whole.status, whole.verdict, whole.job_name, whole.job_url,
            ), (name, size)  # fmt: skip


# ------------------------------------------------------------------ v1 wait_for_completion
def test_v1_pipeline_summary_status_is_the_outcome():
    ingestor = stream_file(DATA / "v1-pipeline-finished.stream")
    snap = ingestor.snapshot()
    assert snap.job_name == "5dd4f320-7a3a-45a5-b874-3b1d403bd3ae"
    assert snap.job_url.startswith("https://ml.azure.com/runs/5dd4f320-7a3a-45a5-b874-3b1d403bd3ae")
    assert snap.status == "Finished"
    assert exit_code(snap) == 0
    assert ingestor.state.files[STREAM_PATH].unparsed == 0  # warnings and details dicts known


V1_HEAD = (  # azureml-pipeline-core run.py: PipelineRun.wait_for_completion's prints
    "PipelineRunId: p1\nLink to Azure Machine Learning Portal: https://ml.azure.com/runs/p1\n"
    "PipelineRun Status: Running\n\n\n"
    "StepRunId: s1\nLink to Azure Machine Learning Portal: https://ml.azure.com/runs/s1\n"
    "StepRun( prep ) Status: Running\n"
)


def v1_step_summary(step: str, status: str) -> str:
    title = f"\nStepRun({step}) Execution Summary"  # '=' * len(summary_title), newline counted
    return f"{title}\n{'=' * len(title)}\nStepRun( {step} ) Status: {status}\n"


def test_v1_a_finished_step_is_not_the_pipeline_outcome(tmp_path):
    text = V1_HEAD + v1_step_summary("prep", "Finished") + "{'runId': 's1'}\n\n\n\n"
    text += "StepRunId: s2\nLink to Azure Machine Learning Portal: https://ml.azure.com/runs/s2\n"
    text += "StepRun( score ) Status: Running\n"  # the stream stops here
    snap = stream_text(text, tmp_path)
    assert snap.status == ENDED_UNKNOWN
    assert snap.job_name == "p1" and snap.job_url == "https://ml.azure.com/runs/p1"


def test_v1_a_failed_step_fails_the_pipeline(tmp_path):
    # raise_on_error=True: the step's summary, then ActivityFailedException (stderr)
    snap = stream_text(V1_HEAD + v1_step_summary("prep", "Failed"), tmp_path)
    assert snap.status == "Failed"
    assert exit_code(snap) == 1


def test_v1_error_block_gives_the_verdict(tmp_path):
    error = json.dumps({"error": {"code": "UserError", "message": "Step prep failed"}}, indent=4)
    title = "\nPipelineRun Execution Summary"
    text = f"{V1_HEAD}{title}\n{'=' * len(title)}\nPipelineRun Status: Failed\n\nError:\n{error}\n"
    snap = stream_text(text, tmp_path)
    assert (snap.status, snap.verdict) == ("Failed", "Step prep failed")


def test_v1_pipeline_canceled_is_canceled(tmp_path):
    title = "\nPipelineRun Execution Summary"
    snap = stream_text(f"{V1_HEAD}{title}\n{'=' * len(title)}\nPipelineRun Status: Canceled\n", tmp_path)
    assert snap.status == "Canceled"


# ------------------------------------------------------------------ the end of the input
def test_a_stopped_reader_does_not_claim_the_stream_ended(tmp_path):
    saved = tmp_path / "s.stream.txt"
    saved.write_bytes((DATA / "pipeline-completed.stream").read_bytes())
    stop = threading.Event()
    stop.set()
    ingestor = Ingestor()
    with saved.open("rb") as handle:
        read_stream(handle, ingestor, stop=stop)
    assert ingestor.snapshot().status != ENDED_UNKNOWN


def test_an_empty_stream_is_refused_not_an_unknown_outcome(tmp_path):
    # `az` failed before printing anything (its error went to stderr): nothing was streamed
    with pytest.raises(NotAStream, match="no stream lines found"):
        stream_text("", tmp_path)


def test_a_text_without_stream_lines_is_refused_but_one_header_line_is_enough(tmp_path):
    with pytest.raises(NotAStream):
        stream_text("# batchtop\n\nA TUI that follows logs.\n", tmp_path)
    assert stream_text("RunId: j1\n", tmp_path).status == ENDED_UNKNOWN
    assert stream_text("Link to Portal: https://ml.azure.com/x\n", tmp_path).job_url == (
        "https://ml.azure.com/x"
    )


@pytest.mark.parametrize(
    ("name", "code", "status"),
    [
        ("pipeline-completed.stream", 6, ENDED_UNKNOWN),
        ("pipeline-failed.stream", 1, "Failed"),
        ("command-failed-merged-stderr.stream", 1, "Failed"),
        ("v1-pipeline-finished.stream", 0, "Finished"),
    ],
)
def test_cli_once_exit_codes(name, code, status):
    proc = subprocess.run(
        [sys.executable, "-m", "batchtop", "--stream", "-", "--json"],
        input=(DATA / name).read_bytes(), capture_output=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == code, proc.stderr
    data = json.loads(proc.stdout)
    assert data["status"] == status
    assert b"sig=" not in proc.stdout


def test_a_hostile_long_line_ending_like_the_exception_is_read_in_linear_time():
    # its CPU time is a figure in bench/hostile_inputs.py, not an assert here; under the 64 KiB line cap, so the parser sees the whole line
    text = "RunId: j\n" + "x" * 60_000 + "JobException: Exception :\nnot json\n"
    ingestor = ingest_files({STREAM_PATH: text})
    assert ingestor.snapshot().status != "Failed"
    assert ingestor.state.files[STREAM_PATH].unparsed == 2  # both lines seen, neither lost
