"""Parsers, table-driven: real-shaped lines of every era -> the events they must produce."""

from __future__ import annotations

import pytest

from batchtop import events as ev
from batchtop.parsers.registry import classify
from helpers import ingest_files


@pytest.mark.parametrize(
    ("path", "kind", "node", "process"),
    [
        ("logs/job_progress_overview.2023051622.txt", "overview", None, None),
        ("logs/job_progress_overview.txt", "overview", None, None),
        ("logs/user/job_progress_overview.20230516.txt", "overview", None, None),
        ("logs/overview.txt", "overview", None, None),
        ("logs/overview.2019-11-02.txt", "overview", None, None),
        ("logs/job_result.txt", "job_result", None, None),
        ("logs/job_error.txt", "job_error", None, None),
        ("logs/job_error.3.txt", "job_error", None, None),
        ("logs/user/job_error.txt", "job_error", None, None),
        ("logs/readme.txt", "readme", None, None),
        ("logs/sys/master_role.txt", "syslog", None, None),
        ("logs/sys/master_role.2023051622.10.0.0.4.txt", "syslog", None, None),
        ("logs/sys/node/10.0.0.4/process003.txt", "syslog", "10.0.0.4", "process003"),
        ("logs/sys/node/2/process000.txt", "syslog", "2", "process000"),
        ("logs/sys/worker/10.0.0.5/Process-2.txt", "syslog", "10.0.0.5", "Process-2"),
        ("logs/worker/10.0.0.5/Process-1.txt", "syslog", "10.0.0.5", "Process-1"),
        ("logs/sys/master.txt", "syslog", None, None),
        ("logs/master.txt", "syslog", None, None),
        ("logs/sys/error/1/process001.txt", "syslog", "1", "process001"),
        ("logs/user/error.txt", "user_error_summary", None, None),
        ("logs/user/error/1/process002.txt", "user_error", "1", "process002"),
        ("logs/user/stdout/0/process000.stdout.txt", "user_log", "0", "process000"),
        ("logs/user/stderr/0/process001.stderr.txt", "user_log", "0", "process001"),
        ("logs/user/entry_script_log/3/process000.log.txt", "user_log", "3", "process000"),
        ("logs/user/10.0.0.4/process000.log.txt", "user_log", "10.0.0.4", "process000"),
        ("logs/sys/job_report/processed_mini-batches.csv", "attempts_csv", None, None),
        ("logs/sys/report/processed_tasks.csv", "attempts_csv", None, None),
        ("logs/sys/worker/10.0.0.4/Process-1.task.csv", "attempts_csv", "10.0.0.4", "Process-1"),
        ("logs/sys/metrics/abc/progress.csv", "metrics_csv", None, None),
        ("logs/perf/0/node_resource_usage.csv", "perf_csv", "0", None),
        ("logs/sys/perf/10.0.0.4/node_resource_usage.csv", "perf_csv", "10.0.0.4", None),
        (
            "logs/performance/10.0.0.4/sys_resource_monitor_10.0.0.4.csv",
            "perf_csv",
            "10.0.0.4",
            None,
        ),
        ("logs/azureml/executionlogs.txt", "execution_log", None, None),
        ("azureml-logs/70_driver_log.txt", "driver_log", None, None),
        ("user_logs/std_log_0.txt", "driver_log", None, None),
        ("logs/perf/0/node_disk_usage.csv", "raw", "0", None),
        ("logs/something_new.bin", "raw", None, None),
        ("outputs/parallel_run_step.txt", "raw", None, None),
    ],
)
def test_files_are_recognised_by_path_in_every_era(path, kind, node, process):
    got = classify(path)
    assert (got.kind, got.node, got.process) == (kind, node, process)


def snap_of(files):
    return ingest_files(files).snapshot()


OVERVIEW_2021 = """\
2021-04-15T22:03:32.226929 Start the simulator.
2021-04-15T22:03:34.285780 The overviewer on 10.0.0.4 started.
2021-04-15T22:03:54.767763 Scheduling finished. Scheduled 276 mini batches in 22 seconds. There are 276 tasks with 551 items.
2021-04-15T22:03:54.899666 No task has been processed yet.
2021-04-15T22:10:05.237617 Processed 100 of 276 mini batches in 0:06:10. Estimated remaining time 0:10:52.
2021-04-15T22:12:05.237617 Processed 150 of 276 mini batches in 0:08:10. Estimated remaining time 0:06:52.
"""


def test_overview_2021_progress_total_items_and_eta():
    snap = snap_of({"logs/job_progress_overview.2021041522.txt": OVERVIEW_2021})
    assert snap.status == "Running"
    assert (snap.mini_batches.total, snap.mini_batches.processed) == (276, 150)
    assert snap.items.total == 551
    assert snap.runtime_eta_seconds == 6 * 60 + 52
    assert snap.rate_per_min == pytest.approx(25.0)  # 50 in 2 minutes
    assert snap.eta_seconds == pytest.approx(126 / 25 * 60)


def test_overview_2019_wording_and_day_long_durations():
    text = (
        "2019-11-02T10:00:00.000001 Scheduling finished. Scheduled 10 mini batches with 40 items"
        " in 3 seconds.\n"
        "2019-11-03T12:00:00 Processed 4 of 10 mini batches in 1 day, 2:00:00. Estimate remaining"
        " 1 day, 15:00:00.\n"
    )
    snap = snap_of({"logs/overview.txt": text})
    assert (snap.mini_batches.total, snap.mini_batches.processed, snap.items.total) == (10, 4, 40)
    assert snap.runtime_eta_seconds == 86400 + 15 * 3600


def test_overview_completion_and_stop_reasons():
    text = OVERVIEW_2021 + (
        "2021-04-15T22:20:00 All 276 mini batches have been processed.\n"
        "2021-04-15T22:20:01 Progress update stopped for reasons: ['All 276 mini batches have been"
        " processed.'].\n"
    )
    snap = snap_of({"logs/job_progress_overview.2021041522.txt": text})
    assert snap.status == "Completed"
    assert snap.mini_batches.processed == 276
    assert snap.verdict is None
    assert snap.eta_seconds is None


def test_overview_error_threshold_is_a_failed_verdict():
    text = OVERVIEW_2021 + (
        "2021-04-15T22:13:00 The number of failed items is 12, which exceeds error threshold 10.\n"
        "2021-04-15T22:13:01 Progress update stopped for reasons: ['Exceeded error threshold.'].\n"
    )
    snap = snap_of({"logs/job_progress_overview.2021041522.txt": text})
    assert snap.status == "Failed"
    assert snap.verdict == "The number of failed items is 12, which exceeds error threshold 10."


def test_overview_unknown_wording_is_counted_not_fatal():
    text = OVERVIEW_2021 + "2021-04-15T22:13:00 Something the runtime never said before.\n"
    snap = snap_of({"logs/job_progress_overview.2021041522.txt": text})
    (stats,) = [f for f in snap.files if f.path.endswith("2021041522.txt")]
    assert stats.unparsed == 1
    assert "never said before" in stats.unparsed_sample
    assert snap.mini_batches.processed == 150


def test_init_timeout_and_other_failure_messages_fail_the_job():
    text = (
        "2023-05-16T22:00:00 Start the simulator.\n"
        "2023-05-16T22:30:00 The init() in the entry scipt had timeout for 3 times. Please check"
        " logs/user/error for details.\n"
    )
    snap = snap_of({"logs/job_progress_overview.2023051622.txt": text})
    assert snap.status == "Failed"
    assert snap.verdict.startswith("The init() in the entry scipt had timeout for 3 times")


SYSLOG_PROCESS = """\
2023-05-16 22:10:01,123|INFO|1234|140001|Start processing mini batch {"id": 7, "dequeue_count": 1, "total": 10}.
2023-05-16 22:10:03,456|INFO|1234|140001|Processed mini batch {"id": 7, "dequeue_count": 1, "total": 10, "succeeded": 10, "failed": 0, "elapsed_seconds": 2.3}.
2023-05-16 22:10:04,000|INFO|1234|140001|Start processing mini batch {"id": 8, "dequeue_count": 1, "total": 10}.
2023-05-16 22:10:05,000|ERROR|1234|140001|Failed to process {"id": 8, "dequeue_count": 1, "minibatch": ["a.csv", "b.csv"], "total": 10} with error KeyError: 'price'
Traceback (most recent call last):
  File "/mnt/azureml/cr/j/1/exe/wd/score.py", line 20, in run
    return df["price"]
KeyError: 'price'
2023-05-16 22:10:06,000|INFO|1234|140001|stderr: some noise | with pipes
2023-05-16 22:10:07,000|INFO|1234|140001|Start processing mini batch {"id": 9, "dequeue_count": 1, "total": 10}.
"""


def test_worker_log_attempts_current_mini_batch_and_traceback():
    snap = snap_of({"logs/sys/node/3/process002.txt": SYSLOG_PROCESS})
    (node,) = snap.nodes
    (proc,) = node.processes
    assert (node.name, proc.name) == ("3", "process002")
    assert (proc.processed, proc.failed, proc.current) == (2, 1, 9)
    assert snap.mini_batches.processed == 2
    assert snap.mini_batches.failed == 1
    (err,) = snap.errors
    assert err.signature == "KeyError: '…'"
    assert err.where == ("3/process002",)
    assert err.traceback.startswith("KeyError: 'price'\nTraceback (most recent call last):")
    assert 'return df["price"]' in err.traceback
    assert proc.last_seen is not None


def test_timeout_line_names_the_agent_and_counts_a_failed_attempt():
    line = (
        "2023-05-16 22:10:05,000|ERROR|1|2|Stop for run() unable to finish within 60 seconds for"
        ' {"agent": "process001", "task_id": 4, "dequeue_count": 2, "total": 5, "succeeded": 0,'
        ' "method": "run"}\n'
    )
    snap = snap_of({"logs/sys/node/0/process001.txt": line})
    assert snap.mini_batches.failed == 1
    assert snap.errors[0].where == ("0/process001",)
    assert snap.errors[0].signature == "run() unable to finish within <n> seconds."
    assert '"task_id": 4' in snap.errors[0].traceback


def test_timeout_reported_by_worker_log_and_csv_is_one_group():
    log = (
        "2023-05-16 22:10:05,000|ERROR|1|2|Stop for run() unable to finish within 60 seconds for"
        ' {"agent": "process001", "task_id": 4, "dequeue_count": 1, "total": 5, "succeeded": 0,'
        ' "method": "run"}\n'
    )
    csv = (
        "Mini-batch Id,Picked Count,Process,Start Time,Total,Succeeded,Failed,Elapsed Seconds,"
        "Status,Error Category,Error Message\n"
        "4,1,0/process001,2023-05-16T22:09:05,5,0,5,60,RUN_TIMEOUT,UserError,"
        "run() unable to finish within 60 seconds.\n"
    )
    snap = snap_of(
        {
            "logs/sys/node/0/process001.txt": log,
            "logs/sys/job_report/processed_mini-batches.csv": csv,
        }
    )
    (group,) = snap.errors
    assert group.count == 1


def test_master_role_failure_sets_verdict():
    text = (
        "2023-05-16 22:10:05,000|root|ERROR|77|The master role failed with error: Unable to"
        ' read input.\nDetail: Traceback (most recent call last):\n  File "x.py", line 1\n'
        "OSError: disk full\n"
    )
    snap = snap_of({"logs/sys/master_role.txt": text})
    assert snap.status == "Failed"
    assert snap.verdict == "The master role failed with error: Unable to read input."


def test_job_error_records_carry_node_and_process_from_the_line():
    text = (
        "2023-05-16T22:00:00.1 This file shows errors of loading, init() and run() of the entry"
        " script.\n"
        "2023-05-16T22:10:00.2 The process001 on node 2 failed with error: Traceback (most recent"
        " call last):\n"
        '  File "/mnt/score.py", line 9, in init\n'
        "    model = load()\n"
        "FileNotFoundError: [Errno 2] No such file or directory: 'model.pkl'\n"
        "2023-05-16T22:10:01.0 The process000 on node 0 failed with error: Traceback (most recent"
        " call last):\n"
        '  File "/mnt/score.py", line 9, in init\n'
        "FileNotFoundError: [Errno 2] No such file or directory: 'other.pkl'\n"
    )
    snap = snap_of({"logs/job_error.txt": text})
    (err,) = snap.errors
    assert err.count == 2
    assert set(err.where) == {"2/process001", "0/process000"}
    assert err.signature == "FileNotFoundError: […] No such file or directory: '…'"


ATTEMPTS_CSV = (
    "Mini-batch Id,Picked Count,Process,Start Time,Total,Succeeded,Failed,Elapsed Seconds,"
    "Process Seconds,Run Method Seconds,Status,Error Category,Error Message,Mini-batch Detail\n"
    '1,1,0/process000,2023-05-16T22:10:00,5,5,0,2.0,1.9,1.8,RUN_DONE,,,"{""files"": [""a"", ""b""]}"\n'
    "2,1,0/process001,2023-05-16T22:10:00,5,0,5,1.0,1.0,1.0,RUN_EXCEPTION,UserError,\"KeyError: 'p'\",{}\n"
    "2,2,1/process000,2023-05-16T22:11:00,5,5,0,1.0,1.0,1.0,RUN_DONE,,,{}\n"
    "3,1,1/process001,2023-05-16T22:11:30,4,0,4,60.0,60,60,RUN_TIMEOUT,System,timeout,{}\n"
    "N/A,N/A,1/process001,2023-05-16T22:12:00,N/A,N/A,N/A,N/A,N/A,N/A,ENTRY_SCRIPT_INIT_DONE,,,\n"
)


def test_processed_mini_batches_csv_counts_mini_batches_not_rows():
    snap = snap_of({"logs/sys/job_report/processed_mini-batches.csv": ATTEMPTS_CSV})
    mb = snap.mini_batches
    assert (mb.processed, mb.succeeded, mb.failed, mb.retried) == (3, 2, 1, 1)
    assert (snap.items.succeeded, snap.items.failed) == (10, 4)
    procs = {p.key: (p.processed, p.failed) for n in snap.nodes for p in n.processes}
    assert procs == {
        "0/process000": (1, 0),
        "0/process001": (1, 1),
        "1/process000": (1, 0),
        "1/process001": (1, 1),
    }


def test_csv_columns_are_mapped_by_name_in_any_order():
    text = (
        "Status,Succeeded,Mini-batch Id,Total,Failed,Start Time\n"
        "RUN_DONE,3,10,3,0,2023-05-16T22:10:00\n"
        "RUN_EXCEPTION,0,11,3,3,2023-05-16T22:10:00\n"
    )
    snap = snap_of({"logs/sys/job_report/processed_mini-batches.csv": text})
    assert (snap.mini_batches.succeeded, snap.mini_batches.failed) == (1, 1)


def test_2019_task_csv_and_2020_processed_tasks():
    task_csv = (
        "Task Id,Dequeue Count,Start Time,Total,Succeeded,Failed,Elapsed Seconds,Process Seconds,"
        "Run Method Seconds,Status,Error\n"
        "N/A,N/A,2020-05-06T05:50:48.682392,N/A,N/A,N/A,N/A,N/A,N/A,ENTRY_SCRIPT_INIT_START,\n"
        "0,1,2020-05-06T05:51:00,2,2,0,1.0,1.0,1.0,RUN_DONE,\n"
        "1,1,2020-05-06T05:51:02,2,0,2,1.0,1.0,1.0,RUN_EXCEPTION,ValueError: x\n"
    )
    processed_tasks = (
        "Task Id,Ip Address,Process Id,Start Time,Total,Succeeded,Failed,Elapsed Seconds,"
        "Process Seconds,Run Method Seconds\n"
        "0,10.0.0.4,1234,2020-05-06T05:51:00,2,2,0,1.0,1.0,1.0\n"
        "2,10.0.0.5,2222,2020-05-06T05:51:00,2,2,0,1.0,1.0,1.0\n"
    )
    snap = snap_of(
        {
            "logs/sys/worker/10.0.0.4/Process-1.task.csv": task_csv,
            "logs/sys/report/processed_tasks.csv": processed_tasks,
        }
    )
    mb = snap.mini_batches
    assert (mb.processed, mb.succeeded, mb.failed) == (3, 2, 1)
    names = {p.key for n in snap.nodes for p in n.processes}
    assert "10.0.0.4/Process-1" in names


def test_perf_csv_gives_percentages_and_rates():
    text = (
        "Utc Time,Cpu Percent,Memory Total (MB),Memory Available (MB),Memory Used (MB),"
        "Memory Used Percent,Disk Io Read Count,Disk Io Write Count,Disk Io Read (MB),"
        "Disk Io Write (MB),Network Sent (MB),Network Recv (MB)\n"
        "2023-05-16 22:00:00,10.0,1000,800,200,20.0,1,1,100,50,10,20\n"
        "2023-05-16 22:10:00,90.5,1000,300,700,70.0,2,2,700,50,70,20\n"
    )
    snap = snap_of({"logs/perf/1/node_resource_usage.csv": text})
    (node,) = snap.nodes
    assert node.latest["cpu"] == 90.5
    assert node.latest["memory"] == 70.0
    assert node.latest["disk_read"] == pytest.approx(1.0)  # 600 MB in 600 s
    assert node.latest["net_sent"] == pytest.approx(0.1)
    assert node.series["cpu"] == (10.0, 90.5)


def test_metrics_progress_csv():
    text = (
        "Datetime,Total Tasks,Scheduled Tasks,Completed Tasks,Failed Tasks,Elapsed Time,"
        "Estimated Remaining Time\n"
        "2023-05-16 22:00:00,100,100,10,0,0:01:00,0:09:00\n"
        "2023-05-16 22:01:00,100,100,20,1,0:02:00,0:08:00\n"
    )
    snap = snap_of({"logs/sys/metrics/x/progress.csv": text})
    assert (snap.mini_batches.total, snap.mini_batches.processed) == (100, 20)
    assert snap.runtime_eta_seconds == 480


def test_user_error_file_traceback_is_the_best_error_source():
    text = (
        "2023-05-16 22:10:05,001 - score - ERROR - run() failed\n"
        "Traceback (most recent call last):\n"
        '  File "/mnt/score.py", line 20, in run\n'
        '    return df["price"]\n'
        "KeyError: 'price'\n"
        "more output after\n"
    )
    snap = snap_of(
        {
            "logs/user/error/3/process002.txt": text,
            "logs/sys/node/3/process002.txt": SYSLOG_PROCESS,
        }
    )
    (err,) = snap.errors
    assert err.count == 1  # the worker log's report of the same failure is not a second one
    assert err.path == "logs/sys/node/3/process002.txt" or err.path.startswith("logs/user/error")
    assert set(err.files) == {"logs/user/error/3/process002.txt", "logs/sys/node/3/process002.txt"}


def test_driver_log_exit_code_42_is_the_failure_verdict():
    text = (
        "[2023-05-16 22:00:00.000001] Azure Machine Learning Batch Inference Start\n"
        "[2023-05-16 22:30:00.000001] Azure Machine Learning Batch Inference End\n"
        "Traceback (most recent call last):\n"
        '  File "driver/amlbi_main.py", line 275, in <module>\n'
        "    main()\n"
        "SystemExit: 42\n"
    )
    snap = snap_of({"azureml-logs/70_driver_log.txt": text})
    assert snap.status == "Failed"
    assert "exit code 42" in snap.verdict
    assert snap.errors == ()


def test_execution_log_statuses():
    text = (
        "[2023-05-16 22:00:00Z] Submitting 1 runs, first five are: abc:123\n"
        "[2023-05-16 22:01:00Z] Job is running, job runstatus is Running\n"
        '[2023-05-16 22:09:00Z] Job failed, job RunId is 123. Error: {"Error":{"Code":"UserError",'
        '"Message":"x"},"error":{"message":"The job failed: see logs"}}\n'
    )
    snap = snap_of({"logs/azureml/executionlogs.txt": text})
    assert snap.status == "Failed"
    assert snap.verdict == "The job failed: see logs"


STREAM = """\
RunId: blue_sky_1234
Web View: https://ml.azure.com/runs/blue_sky_1234?wsid=/subscriptions/x

Streaming logs/job_progress_overview.2023051622.txt
====================================================

2023-05-16T22:00:00 Scheduling finished. Scheduled 10 mini batches in 2 seconds. There are 10 tasks with 20 items.
2023-05-16T22:05:00 Processed 4 of 10 mini batches in 0:05:00. Estimated remaining time 0:07:30.

Streaming logs/sys/node/0/process000.txt
========================================

2023-05-16 22:04:01,000|INFO|1|2|Start processing mini batch {"id": 5, "dequeue_count": 1, "total": 2}.

Streaming logs/job_progress_overview.2023051622.txt
====================================================

2023-05-16T22:09:00 The number of failed items is 3, which exceeds error threshold 2.

Execution Summary
=================
RunId: blue_sky_1234
Web View: https://ml.azure.com/runs/blue_sky_1234?wsid=/subscriptions/x

Error:
{
  "error": {
    "code": "UserError",
    "message": "Execution failed. User process exited with status code 42."
  }
}
"""


def test_stream_output_is_demultiplexed_into_the_same_model():
    snap = snap_of({"az-ml-job-stream.stream": STREAM})
    assert snap.job_name == "blue_sky_1234"
    assert snap.job_url.startswith("https://ml.azure.com/runs/blue_sky_1234")
    assert (snap.mini_batches.total, snap.mini_batches.processed) == (10, 4)
    assert snap.status == "Failed"
    assert snap.verdict == "The number of failed items is 3, which exceeds error threshold 2."
    (node,) = snap.nodes
    assert node.processes[0].current == 5


def test_stream_summary_without_error_means_completed():
    text = STREAM.split("Error:")[0]
    text = text.replace(
        "2023-05-16T22:09:00 The number of failed items is 3, which exceeds error threshold 2.\n",
        "",
    )
    snap = snap_of({"az-ml-job-stream.stream": text})
    assert snap.status == "Completed"


def test_events_are_typed_dataclasses():
    assert ev.Attempt(1, True, None).ok is True
