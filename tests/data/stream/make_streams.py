"""Writes the `*.stream` transcripts beside this file by running the SDK's own streaming code.

Each transcript is what `az ml job stream -n JOB` / `ml_client.jobs.stream(JOB)` prints, produced
by azure-ai-ml's real `stream_logs_until_completion` (operations/_job_ops_helper.py): only the
service is scripted (the run-details polls and the log files' text). So the framing (`RunId:`,
`Web View:`, `Streaming ...`, the rules, `Execution Summary`, the JobException) is the SDK's, byte
for byte, and the log lines inside are real lines quoted from public sources (cited per job below
and in README.md here). Run it again after an SDK upgrade:

    PYTHONPATH=tui /work/venv/bin/python tests/data/stream/make_streams.py

Merged stderr (`2>&1 |`) is reproduced as a pipe does it: stdout block-buffered (8 KiB, as
Python's stdout is when it is a pipe), stderr written at once, so the error lands before the tail
of stdout. The `ERROR: ` prefix is az's way of printing an exception (azure-cli
`azclierror.AzCLIError.print_error` -> `logger.error`); the ml extension's own handling is not
public, so that prefix is an assumption.
"""

from __future__ import annotations

import io
import sys
import traceback
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from unittest import mock

from azure.ai.ml._restclient.runhistory.models import RunDetails
from azure.ai.ml.exceptions import JobException
from azure.ai.ml.operations import _job_ops_helper as helper

HERE = Path(__file__).resolve().parent
URL = "https://ml.azure.com/runs/{name}?wsid=/subscriptions/<redacted>/resourcegroups/<redacted>/workspaces/ml-ops-sandbox"

# getindata/kedro-azureml docs/source/03_quickstart.md (2022-07), a real pipeline stream (R2)
R2_EXECUTIONLOGS = [
    "[2022-07-22 11:45:38Z] Submitting 2 runs, first five are: 1ee5f43f:8cf2e387-e7ec-44cc-9615-2108891153f7,7d81aeeb:c8b837a9-1f79-4971-aae3-3191b29b42e8",
    "[2022-07-22 11:47:02Z] Completing processing run id c8b837a9-1f79-4971-aae3-3191b29b42e8.",
    "[2022-07-22 11:47:25Z] Completing processing run id 8cf2e387-e7ec-44cc-9615-2108891153f7.",
    "[2022-07-22 11:47:26Z] Submitting 1 runs, first five are: 362b9632:7867ead0-b308-49df-95ca-efa26f8583cb",
    "[2022-07-22 11:49:27Z] Completing processing run id 7867ead0-b308-49df-95ca-efa26f8583cb.",
]

# getindata/kedro-azureml issue #6 (2022-08): the failure line of executionlogs.txt. The user's
# paste wraps it over several lines; here it is joined into the one line the file holds.
KEDRO6_MESSAGE = (
    "AzureMLCompute job failed.\nOrchestrateJobError: Failed to execute command group with error "
    "Got CommonRuntimeJobError from executing command: \nDocker container "
    "`xxxxxxxx-execution-wrapper` failed with status code `1` due to response error: \nNone"
)
KEDRO6_LINE = (
    '[2022-08-06 11:16:48Z] Job failed, job RunId is xxxxxxxxxxxxxxx. Error: {"Error":'
    '{"Code":"ServiceError","Severity":null,"Message":"AzureMLCompute job failed.'
    "OrchestrateJobError: Failed to execute command group with error Got CommonRuntimeJobError "
    "from executing command: Docker container `xxxxxxxx-execution-wrapper` failed with status "
    'code `1` due to response error: None","MessageFormat":null,"MessageParameters":null,'
    '"ReferenceCode":null,"DetailsUri":null,"Target":null,"Details":[],"InnerError":null,'
    '"DebugInfo":null,"AdditionalInfo":null},"Correlation":{"operation":"xxxxxxx","request":'
    '"xxxxx"},"Environment":"switzerlandnorth","Location":"switzerlandnorth","Time":'
    '"2022-08-06T11:16:48.1243444+00:00","ComponentName":"globaljobdispatcher"}'
)
KEDRO6_ERROR = {  # the same error as run history serves it (camelCase wire names)
    "error": {"code": "ServiceError", "message": KEDRO6_MESSAGE, "details": []},
    "correlation": {"operation": "xxxxxxx", "request": "xxxxx"},
    "environment": "switzerlandnorth",
    "location": "switzerlandnorth",
    "time": "2022-08-06T11:16:48.1243444+00:00",
    "componentName": "globaljobdispatcher",
}

# intel/ai-workflows language_modeling/pytorch/bert_base/inference/README.md (2022-10), R1
R1_STD_LOG = [
    "",
    "Downloading builder script:   0%|          | 0.00/7.78k [00:00<?, ?B/s]",
    "Downloading builder script: 28.8kB [00:00, 12.3MB/s]                   ",
    "2022-10-18 21:39:50 [INFO] Created a worker pool for first use",
    "2022-10-18 21:43:00 [INFO] FP32 baseline is: [Accuracy: 0.8394, Duration (seconds): 177.0837]",
]


def transcript(name: str, job_type: str, polls: list[tuple[str, dict[str, list[str]]]],
               error: dict[str, Any] | None = None, merge_stderr: str | None = None,
               studio: bool = True) -> bytes:
    """Run the SDK's streaming loop over scripted polls; return what the pipe would carry.

    `merge_stderr`: None (stderr not in the pipe), "az" (az prints `ERROR: <message>`) or
    "python" (a script calling `ml_client.jobs.stream`: the traceback's last line, as Python
    prints it)."""
    pipe = bytearray()

    class Raw(io.RawIOBase):
        def writable(self) -> bool:
            return True

        def write(self, b: Any) -> int:
            pipe.extend(bytes(b))
            return len(b)

    stdout = io.TextIOWrapper(io.BufferedWriter(Raw(), buffer_size=8192), encoding="utf-8")
    urls = {}
    details = []
    for status, files in polls:
        log_files = {}
        for path, lines in files.items():
            url = f"https://store.example/{path}?sig=REDACTED"
            urls[url] = "".join(line + "\n" for line in lines)
            log_files[path] = url
        body: dict[str, Any] = {"status": status, "logFiles": log_files}
        if status == "Failed" and error is not None:
            body["error"] = error
        details.append(RunDetails(body))
    calls = iter(details)
    last = details[-1]
    run_ops = SimpleNamespace(get_run_details=lambda _name: next(calls, last))
    services = {"Studio": SimpleNamespace(endpoint=URL.format(name=name))} if studio else {}
    job = SimpleNamespace(
        name=name,
        properties=SimpleNamespace(job_type=job_type, services=services, properties={}),
    )
    with (
        mock.patch.object(helper, "download_text_from_url", lambda url, *a, **k: urls[url]),
        mock.patch.object(helper, "create_requests_pipeline_with_retry", lambda **k: None),
        mock.patch.object(helper.time, "sleep", lambda s: None),
        mock.patch.object(sys, "stdout", stdout),
    ):
        try:
            helper.stream_logs_until_completion(run_ops, job, None, requests_pipeline=None)
        except JobException as exc:
            # stderr is written at once; stdout's buffer follows when the process exits
            if merge_stderr == "az":
                pipe.extend(f"ERROR: {exc}\n".encode())
            elif merge_stderr == "python":
                pipe.extend(b"Traceback (most recent call last):\n  ...\n")
                pipe.extend("".join(traceback.format_exception_only(exc)).encode())
        stdout.flush()
    return bytes(pipe)


def main() -> None:
    files = {
        # a batch/pipeline job that succeeded: R2's lines, then Completed
        "pipeline-completed.stream": transcript(
            "placid_pot_bdcyntnkvn", "Pipeline",
            [("Running", {}),
             ("Running", {"logs/azureml/executionlogs.txt": R2_EXECUTIONLOGS[:2]}),
             ("Running", {"logs/azureml/executionlogs.txt": R2_EXECUTIONLOGS}),
             ("Completed", {"logs/azureml/executionlogs.txt": R2_EXECUTIONLOGS})],
        ),
        # the same pipeline failing as in kedro-azureml#6; stderr not merged: no error printed
        "pipeline-failed.stream": transcript(
            "placid_pot_bdcyntnkvn", "Pipeline",
            [("Running", {}),
             ("Running", {"logs/azureml/executionlogs.txt": R2_EXECUTIONLOGS[:1]}),
             ("Failed", {"logs/azureml/executionlogs.txt": [*R2_EXECUTIONLOGS[:1], KEDRO6_LINE]})],
            error=KEDRO6_ERROR,
        ),
        # a command job whose std_log carries no failure sign: only the merged exception does
        "command-failed-merged-stderr.stream": transcript(
            "INC_PTQ_1666128985_788b95f3", "Command",
            [("Running", {}),
             ("Running", {"user_logs/std_log.txt": R1_STD_LOG[:3]}),
             ("Failed", {"user_logs/std_log.txt": R1_STD_LOG})],
            error=KEDRO6_ERROR, merge_stderr="az",
        ),
        # a job with no Studio endpoint: the SDK prints `Web View: None`
        "command-no-studio.stream": transcript(
            "INC_PTQ_1666128985_788b95f3", "Command",
            [("Running", {"user_logs/std_log.txt": R1_STD_LOG[:3]}),
             ("Completed", {"user_logs/std_log.txt": R1_STD_LOG})],
            studio=False,
        ),
    }  # fmt: skip
    for name, data in files.items():
        (HERE / name).write_bytes(data)
        print(f"{name}: {len(data)} bytes")


if __name__ == "__main__":
    main()
