"""Parsers against the real public log lines of ../shared/formats/evidence.md, one test per
line shape, each citing its source. Where a line is crafted (no public sample exists, as for
job_result.txt), the test says so and checks only that batchtop does not guess.

Source ids (I1, I4, D1, C2, ...) are those of evidence.md's source table.
"""

from __future__ import annotations

import pytest

from batchtop import events as ev
from batchtop.parsers.csvfiles import AttemptsCsvParser
from batchtop.parsers.joberror import JobErrorParser
from batchtop.parsers.registry import classify
from batchtop.parsers.syslog import SysLogParser
from helpers import ingest_files


def snap_of(files):
    return ingest_files(files).snapshot()


def unparsed(snap, suffix: str) -> int:
    return sum(f.unparsed for f in snap.files if f.path.endswith(suffix))


def feed(parser_cls, path: str, text: str) -> list[ev.Event]:
    parser = parser_cls(path, classify(path))
    return parser.feed(text) + parser.flush()


# ------------------------------------------------------------------ job_result.txt (item 1)
# No public sample of job_result.txt exists (evidence.md §2, R1-R4). Its failure templates are
# real job-level failure texts seen elsewhere; success lines below are crafted.

OVERVIEW_DONE = (
    "2024-05-16T22:00:00.000000 Scheduling finished. Scheduled 100 mini batches in 2 seconds."
    " There are 100 tasks with 500 items.\n"
    "2024-05-16T22:09:00.000000 All 100 mini batches have been processed.\n"
)


def test_job_result_success_summary_with_0_failed_is_completed():
    """code-review.md finding 4: a crafted success summary holding "failed" and "0 failed"."""
    snap = snap_of(
        {
            "logs/job_progress_overview.2024051622.txt": OVERVIEW_DONE,
            "logs/job_result.txt": "2024-05-16T22:10:00.000000 The job completed. 100 mini"
            " batches processed: 100 succeeded, 0 failed.\n",
        }
    )
    assert snap.status == "Completed"
    assert snap.verdict is None
    assert unparsed(snap, "job_result.txt") == 0


@pytest.mark.parametrize(
    "line",
    [
        "Job finished with no errors.",
        "The job succeeded. Error threshold not exceeded.",
        "Job failed. 40 succeeded, 5 failed.",
        "The job completed successfully. Some mini batches failed; check logs/job_error.txt.",
        "Something the runtime may write one day: failed to frobnicate.",
    ],
)
def test_job_result_unknown_wording_is_shown_counted_and_sets_no_status(line):
    """Crafted (code-review.md finding 4): wording of no known template. It must not fail the
    job (before: any "fail"/"error"/"exceed" meant Failed) and must not be silently "known"."""
    snap = snap_of(
        {
            "logs/job_progress_overview.2024051622.txt": OVERVIEW_DONE,
            "logs/job_result.txt": f"2024-05-16T22:10:00.000000 {line}\n",
        }
    )
    assert snap.status == "Completed"  # from the overview's `All 100 ... processed`
    assert snap.verdict == line
    assert unparsed(snap, "job_result.txt") == 1


def test_job_result_unknown_line_alone_leaves_the_status_alone():
    snap = snap_of({"logs/job_result.txt": "2024-05-16T22:10:00.000000 Job failed badly.\n"})
    assert snap.status == "NotStarted"
    assert snap.verdict == "Job failed badly."


@pytest.mark.parametrize(
    "line",
    [
        # I6 and D2 (the batch-endpoint troubleshooting doc)
        "There is no succeeded mini batch item returned from run(). Please check 'response:"
        " run()' in https://aka.ms/batch-inference-documentation",
        # I6: the text as the job error shows it
        "The master role failed with error: There is no succeeded mini batch item returned"
        " from run().",
        # https://github.com/Azure/azure-sdk-for-python/issues/16568 (title)
        "Exception: No temp file found.",
        # the threshold template (old code, C2; evidence.md O7)
        "The number of failed items is 45, which exceeds error threshold 40.",
    ],
)
def test_job_result_known_failure_templates_fail_the_job(line):
    snap = snap_of({"logs/job_result.txt": f"2024-05-16T22:10:00.000000 {line}\n"})
    assert snap.status == "Failed"
    assert snap.verdict == line
    assert unparsed(snap, "job_result.txt") == 0


def test_job_result_pointer_lines_in_the_runtime_wording_are_known():
    """I5: `Please check logs for error. You can check logs/readme.txt for the layout of
    logs..` (the worker's continuation line); the same pointer phrasing in job_result.txt is
    neither a status nor a verdict."""
    text = (
        "2024-05-16T22:10:00.000000 The number of failed items is 45, which exceeds error"
        " threshold 40.\n"
        "2024-05-16T22:10:00.000000 Please check logs for error. You can check logs/readme.txt"
        " for the layout of logs..\n"
    )
    snap = snap_of({"logs/job_result.txt": text})
    assert snap.verdict == "The number of failed items is 45, which exceeds error threshold 40."
    assert unparsed(snap, "job_result.txt") == 0


def test_job_result_without_timestamps_is_read_the_same_way():
    """R1: that the file has the overview's timestamped shape is NO EVIDENCE; bare lines are
    read by the same templates (before: ignored as "pointers")."""
    snap = snap_of({"logs/job_result.txt": "The master role failed with error: boom\n"})
    assert snap.status == "Failed"
    assert snap.verdict == "The master role failed with error: boom"


# ------------------------------------------------------------------ job_error.txt (item 2)

JOB_ERROR_I4 = (
    # I4 (azure-sdk-for-python#31361), first two lines verbatim; the traceback's end is cut in
    # the evidence, so its last frame and exception line are made up here.
    "2023-07-27T05:57:40.285984 The process001 on node 0 failed on mini batch 784 with error:"
    " Traceback (most recent call last):\n"
    '  File "/mnt/azureml/cr/j/<id>/exe/wd/driver/azureml_user/parallel_run/payload_thread.py",'
    " line 294, in process_task\n"
    "    result = self.process(payload)\n"
    "ValueError: could not convert string to float: 'abc'\n"
)
JOB_ERROR_I3 = (
    # I3 (MicrosoftDocs/azure-docs#105903), verbatim; the traceback's end is made up
    "2023-02-28T11:11:55.543843 This file shows errors in loading, calling init() and calling"
    " run() of the entry script. An error here may not impact the job result. Please check"
    ' "job_result.txt" for the job result.\n'
    "2023-02-28T11:12:07.031290 The process000 on node 0 failed with error: Traceback (most"
    " recent call last):\n"
    '  File "/mnt/azureml/cr/j/<id>/exe/wd/score.py", line 9, in init\n'
    "FileNotFoundError: [Errno 2] No such file or directory: 'model.pkl'\n"
)


def test_job_error_run_failure_on_mini_batch_is_an_error_of_that_process():
    """I4: before, `failed on mini batch 784 with error` matched nothing and was dropped."""
    events = feed(JobErrorParser, "logs/job_error.txt", JOB_ERROR_I4)
    (record,) = [e for e in events if isinstance(e, ev.ErrorRecord)]
    assert (record.node, record.process, record.mini_batch) == ("0", "process001", 784)
    assert record.text.endswith("ValueError: could not convert string to float: 'abc'")
    snap = snap_of({"logs/job_error.txt": JOB_ERROR_I4})
    (group,) = snap.errors
    assert group.where == ("0/process001",)
    assert group.mini_batches == (784,)
    assert group.signature == "ValueError: could not convert string to float: '…'"
    # "An error here may not impact the job result" (I3): run() ran, so the job is running
    assert snap.status == "Running"


def test_job_error_banner_and_init_failure():
    snap = snap_of({"logs/job_error.txt": JOB_ERROR_I3})
    (group,) = snap.errors
    assert group.where == ("0/process000",)
    assert unparsed(snap, "job_error.txt") == 0


def test_job_error_head_of_unknown_shape_is_counted_as_unparsed():
    """code-review.md finding 6: an unknown head was silently "known"."""
    text = "2023-07-27T05:57:41.000000 Some line the v2 runtime writes that we never saw.\n"
    snap = snap_of({"logs/job_error.txt": JOB_ERROR_I3 + text})
    assert unparsed(snap, "job_error.txt") == 1


# ------------------------------------------------------------------ task.csv (item 3)

TASK_CSV_HEADER = (
    # I7 (MachineLearningNotebooks#957), verbatim header
    "Task Id,Dequeue Count,Start Time,Total,Succeeded,Failed,Elapsed Seconds,Process Seconds,"
    "Run Method Seconds,Status,Error\n"
)
TASK_CSV_INIT = (
    # I7, verbatim row
    "N/A,N/A,2020-05-06T05:50:48.682392,N/A,N/A,N/A,N/A,N/A,N/A,ENTRY_SCRIPT_INIT_START,\n"
)


def test_task_csv_real_init_row_is_a_sign_of_life_not_an_attempt():
    snap = snap_of({"logs/sys/worker/10.0.0.4/Process-1.task.csv": TASK_CSV_HEADER + TASK_CSV_INIT})
    assert snap.mini_batches.processed == 0
    (node,) = snap.nodes
    assert node.name == "10.0.0.4" and node.last_seen is not None
    assert unparsed(snap, ".task.csv") == 0


def test_task_csv_enum_statuses_count_attempts():
    """C2 (worker_progress_report writes `str(result.status)` of the `ProgressStatus` enum):
    the statuses are enum names. Before, these rows counted no attempt at all (finding 7).
    Row values other than the status are made up, in I7's shape."""
    rows = (
        "0,1,2020-05-06T05:51:00.000000,2,2,0,1.0,1.0,1.0,ENTRY_SCRIPT_RUN_DONE,\n"
        "1,1,2020-05-06T05:51:02.000000,2,0,2,1.0,1.0,1.0,ENTRY_SCRIPT_RUN_EXCEPTION,ValueError: x\n"
        "2,1,2020-05-06T05:51:04.000000,2,0,2,60.0,60.0,60.0,ENTRY_SCRIPT_RUN_TIMEOUT,\n"
        "1,2,2020-05-06T05:51:09.000000,2,2,0,1.0,1.0,1.0,TASK_PROCESSED,\n"
        "3,1,2020-05-06T05:51:10.000000,N/A,N/A,N/A,N/A,N/A,N/A,TASK_PICKED,\n"
    )
    path = "logs/sys/worker/10.0.0.4/Process-1.task.csv"
    snap = snap_of({path: TASK_CSV_HEADER + TASK_CSV_INIT + rows})
    mb = snap.mini_batches
    assert (mb.processed, mb.succeeded, mb.failed, mb.retried) == (3, 2, 1, 1)
    (proc,) = snap.nodes[0].processes
    assert (proc.processed, proc.failed, proc.current) == (4, 2, 3)
    assert unparsed(snap, ".task.csv") == 0


def test_task_csv_poisoned_task_fails_the_mini_batch_without_a_new_attempt():
    """C2 progress_status: `TASK_POISONED = 51  # A task was poisoned on the fourth pick up.`"""
    rows = (
        "5,3,2020-05-06T05:51:00.000000,2,0,2,1.0,1.0,1.0,ENTRY_SCRIPT_RUN_EXCEPTION,boom\n"
        "5,4,2020-05-06T05:52:00.000000,2,0,2,N/A,N/A,N/A,TASK_POISONED,\n"
        "6,4,2020-05-06T05:52:00.000000,2,0,2,N/A,N/A,N/A,TASK_POISONED,\n"
    )
    snap = snap_of({"logs/sys/worker/10.0.0.4/Process-1.task.csv": TASK_CSV_HEADER + rows})
    mb = snap.mini_batches
    assert (mb.processed, mb.failed, mb.retried) == (2, 2, 0)
    (proc,) = snap.nodes[0].processes
    assert (proc.processed, proc.failed) == (1, 1)


def test_task_csv_enum_written_as_numbers_by_newer_python():
    """C2: `ProgressStatus(IntEnum)`; `str()` of an IntEnum is its number on Python 3.11+."""
    rows = "0,1,2020-05-06T05:51:00.000000,2,2,0,1.0,1.0,1.0,24,\n"
    snap = snap_of({"logs/sys/worker/10.0.0.4/Process-1.task.csv": TASK_CSV_HEADER + rows})
    assert snap.mini_batches.succeeded == 1


def test_unknown_status_is_counted_as_unparsed_not_as_a_lifecycle_row():
    rows = "0,1,2020-05-06T05:51:00.000000,2,2,0,1.0,1.0,1.0,SOMETHING_NEW,\n"
    snap = snap_of({"logs/sys/worker/10.0.0.4/Process-1.task.csv": TASK_CSV_HEADER + rows})
    assert snap.mini_batches.processed == 0
    assert unparsed(snap, ".task.csv") == 1


def test_load_timeout_in_processed_mini_batches_is_a_failed_attempt():
    """D3 lists `LOAD_DONE, LOAD_TIMEOUT, RUN_DONE, RUN_TIMEOUT, RUN_EXCEPTION` (code-review.md
    section 5: LOAD_TIMEOUT rows were not counted). Header from the D3 doc table."""
    text = (
        "Mini-batch Id,Picked Count,Process,Start Time,Total,Succeeded,Failed,Elapsed Seconds,"
        "Process Seconds,Run Method Seconds,Status,Error Category,Error Message,Mini-batch Detail\n"
        '7,1,process000,"2020-10-24T02:59:04.227237",3,0,3,30.0,30.0,0,LOAD_TIMEOUT,,,\n'
        '7,2,process001,"2020-10-24T03:00:04.227237",3,3,0,3.0,3.0,2.0,RUN_DONE,,,\n'
    )
    snap = snap_of({"logs/sys/job_report/processed_mini-batches.csv": text})
    mb = snap.mini_batches
    assert (mb.processed, mb.succeeded, mb.failed, mb.retried) == (1, 1, 0, 1)
    attempts = feed(AttemptsCsvParser, "logs/sys/job_report/processed_mini-batches.csv", text)
    assert [e.ok for e in attempts if isinstance(e, ev.Attempt)] == [False, True]


# ------------------------------------------------------------------ processed_tasks.csv (item 4)


def test_processed_tasks_success_after_a_failed_row_turns_the_mini_batch_into_a_success():
    """code-review.md finding 13, its crafted 2020 tree; header from C2 job_progress_report."""
    text = (
        "Task Id,Ip Address,Process Id,Start Time,Total,Succeeded,Failed,Elapsed Seconds,"
        "Process Seconds,Run Method Seconds\n"
        "1,10.0.0.4,230,2020-09-17T09:43:00.000000,5,5,0,1.0,1.0,1.0\n"
        "5,10.0.0.4,230,2020-09-17T09:43:10.000000,5,0,5,1.0,1.0,1.0\n"
        "5,10.0.0.5,231,2020-09-17T09:43:20.000000,5,5,0,1.0,1.0,1.0\n"
    )
    snap = snap_of({"logs/sys/report/processed_tasks.csv": text})
    mb = snap.mini_batches
    assert (mb.processed, mb.succeeded, mb.failed, mb.retried) == (2, 2, 0, 1)
    assert (snap.items.succeeded, snap.items.failed) == (10, 0)
    assert snap.status == "Running"  # finished attempts: the job has started (was NotStarted)


def test_processed_tasks_and_numbered_task_csv_together_count_each_attempt_once():
    """The numbered task.csv rows and the unnumbered processed_tasks.csv rows of the same two
    attempts, in either order: one retried mini-batch, succeeded, never counted twice."""
    task_csv = TASK_CSV_HEADER + (
        "5,1,2020-09-17T09:43:10.000000,5,0,5,1.0,1.0,1.0,ENTRY_SCRIPT_RUN_EXCEPTION,boom\n"
        "5,2,2020-09-17T09:43:20.000000,5,5,0,1.0,1.0,1.0,ENTRY_SCRIPT_RUN_DONE,\n"
    )
    tasks = (
        "Task Id,Ip Address,Process Id,Start Time,Total,Succeeded,Failed,Elapsed Seconds,"
        "Process Seconds,Run Method Seconds\n"
        "5,10.0.0.4,230,2020-09-17T09:43:10.000000,5,0,5,1.0,1.0,1.0\n"
        "5,10.0.0.4,230,2020-09-17T09:43:20.000000,5,5,0,1.0,1.0,1.0\n"
    )
    paths = ("logs/sys/worker/10.0.0.4/Process-1.task.csv", "logs/sys/report/processed_tasks.csv")
    for order in (paths, paths[::-1]):
        files = dict.fromkeys(order, "")
        files.update({paths[0]: task_csv, paths[1]: tasks})
        files = {p: files[p] for p in order}
        snap = snap_of(files)
        mb = snap.mini_batches
        assert (mb.processed, mb.succeeded, mb.failed, mb.retried) == (1, 1, 0, 1), order
        assert (snap.items.succeeded, snap.items.failed) == (5, 0), order
        (proc,) = [p for n in snap.nodes for p in n.processes]
        assert (proc.processed, proc.failed) == (2, 1), order


# ------------------------------------------------------------------ executionlogs, exits (item 5)


def test_execution_log_job_finished_is_not_success():
    """I10 (MachineLearningNotebooks#1194): `Job finished` then `Failed to update outputs and
    mark job as failed`. The first line is verbatim; the run id and the rest are cut there."""
    finished = "[2020-10-19 12:31:26Z] Job finished, job RunId is c0755db9-0000\n"
    snap = snap_of({"logs/azureml/executionlogs.txt": finished})
    assert snap.status != "Completed"
    assert unparsed(snap, "executionlogs.txt") == 0
    failed = finished + (
        "[2020-10-19 12:31:27Z] Failed to update outputs and mark job as failed. Exception: x\n"
    )
    snap = snap_of({"logs/azureml/executionlogs.txt": failed})
    assert snap.status == "Failed"


def test_execution_log_unknown_line_is_counted():
    text = "[2020-10-19 12:31:26Z] A line the service never wrote in public\n"
    assert unparsed(snap_of({"logs/azureml/executionlogs.txt": text}), "executionlogs.txt") == 1


@pytest.mark.parametrize("code", [41, 71, 72, 73, 74])
def test_worker_and_process_exit_codes_are_not_job_results(code):
    """D1: "Worker nodes exit with 41 ... It is expected. A leader node may exit with 0 or 42
    which indicates the job result." 71-74 are worker-process exit codes (C2). The traceback
    shape is the real one of I8 (amlbi_main.py lines 275/226)."""
    text = (
        "[2023-07-20 10:00:00.000000] Azure Machine Learning Batch Inference Start\n"
        "Traceback (most recent call last):\n"
        '  File "driver/amlbi_main.py", line 275, in <module>\n'
        "    main()\n"
        '  File "driver/amlbi_main.py", line 226, in main\n'
        "    sys.exit(exitcode_candidate)\n"
        f"SystemExit: {code}\n"
    )
    snap = snap_of({"user_logs/std_log_1.txt": text})
    assert snap.status == "Running"
    assert snap.verdict is None
    assert snap.errors == ()


def test_leader_exit_42_still_fails_the_job():
    text = (
        "[2023-07-20 10:00:00.000000] Azure Machine Learning Batch Inference Start\n"
        "Traceback (most recent call last):\n"
        '  File "driver/amlbi_main.py", line 275, in <module>\n'
        "    main()\n"
        "SystemExit: 42\n"
    )
    assert snap_of({"user_logs/std_log_0.txt": text}).status == "Failed"


def test_job_error_run_failure_alone_makes_its_mini_batch_failed_not_succeeded():
    """A batch endpoint's job_error.txt (I4) with the overview's count (I2 shape): before, the
    failed mini-batch was counted among the succeeded ones (succeeded := processed - failed)."""
    overview = (
        "2023-07-27T05:58:00.000000 Processed 500 of 800 mini batches in 0:08:00."
        " Estimated remaining time 0:04:48.\n"
    )
    snap = snap_of(
        {"logs/job_progress_overview.2023072705.txt": overview, "logs/job_error.txt": JOB_ERROR_I4}
    )
    mb = snap.mini_batches
    assert (mb.processed, mb.succeeded, mb.failed) == (500, 499, 1)
    (proc,) = snap.nodes[0].processes  # the error names it; its attempts are not known
    assert (proc.name, proc.processed, proc.failed) == ("process001", 0, 0)


def test_job_error_and_the_csv_report_of_the_same_failure_count_it_once_in_any_order():
    """The CSV row numbers the attempt and gives its items; job_error.txt (read first, as
    batchtop does) gives neither. Row shape from the D3 doc table."""
    csv_text = (
        "Mini-batch Id,Picked Count,Process,Start Time,Total,Succeeded,Failed,Elapsed Seconds,"
        "Process Seconds,Run Method Seconds,Status,Error Category,Error Message,Mini-batch Detail\n"
        "784,1,0/process001,2023-07-27T05:57:39.000000,4,0,4,1.285984,1.2,1.1,RUN_EXCEPTION,"
        "UserError,ValueError: could not convert string to float: 'abc',\n"
        "784,2,0/process000,2023-07-27T05:57:45.000000,4,4,0,1.0,1.0,1.0,RUN_DONE,,,\n"
    )
    files = {
        "logs/job_error.txt": JOB_ERROR_I4,
        "logs/sys/job_report/processed_mini-batches.csv": csv_text,
    }
    for order in (list(files), list(files)[::-1]):
        one_row = {
            p: files[p] if p.endswith("txt") else csv_text.rsplit("784,2", 1)[0] for p in order
        }
        snap = snap_of(one_row)
        mb = snap.mini_batches
        assert (mb.processed, mb.failed, snap.items.failed) == (1, 1, 4), order
        procs = {p.key: (p.processed, p.failed) for n in snap.nodes for p in n.processes}
        assert procs == {"0/process001": (1, 1)}, order
        snap = snap_of({p: files[p] for p in order})
        mb = snap.mini_batches
        assert (mb.processed, mb.succeeded, mb.failed, mb.retried) == (1, 1, 0, 1), order
        assert (snap.items.succeeded, snap.items.failed) == (4, 0), order


# ------------------------------------------------------------------ worker failure record, chunked

WORKER_FAILURE_I5 = (
    # I5 (microsoft/MLOpsPython#328): the head and the next line verbatim up to the evidence's
    # cuts (`The run() method …`); the rest of the message and the traceback are made up.
    '2020-09-17 09:43:39,318|ERROR|230|Failed to process {"id": 0, "dequeue_count": 3,'
    ' "minibatch": [0], "location": "diabetes_scoring_ds", "partition_size": 1048576,'
    ' "task_type": 10} with error The run() method raised an exception.\n'
    "Please check logs for error. You can check logs/readme.txt for the layout of logs.. Detail:"
    " Traceback (most recent call last):\n"
    '  File "/mnt/batch/tasks/shared/score.py", line 20, in run\n'
    "\n"
    "    return model.predict(data)\n"
    "ValueError: Input contains NaN\n"
    "2020-09-17 09:43:40,001|INFO|230|next record\n"
)


def test_worker_failure_record_reads_the_same_whatever_the_chunk_boundaries():
    """A chunk boundary inside the record's continuation lines used to leave an empty line
    in its text (the block's last newline read as one more line), so a live follow and a
    whole read showed different tracebacks."""
    path = "logs/sys/worker/10.0.0.4/Process-1.txt"
    whole = [
        e.text for e in feed_chunks(path, [WORKER_FAILURE_I5]) if isinstance(e, ev.ErrorRecord)
    ]
    assert len(whole) == 1 and whole[0].endswith("ValueError: Input contains NaN")
    lines = WORKER_FAILURE_I5.splitlines(keepends=True)
    for cut in range(1, len(lines)):
        pieces = ["".join(lines[:cut]), "".join(lines[cut:])]
        got = [e.text for e in feed_chunks(path, pieces) if isinstance(e, ev.ErrorRecord)]
        assert got == whole, cut


def feed_chunks(path: str, pieces: list[str]) -> list[ev.Event]:
    parser = SysLogParser(path, classify(path))
    out: list[ev.Event] = []
    for piece in pieces:
        out += parser.feed(piece)
    return out + parser.flush()
