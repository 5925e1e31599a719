"""`batchtop JOB --watch --notify CMD` on a workspace job (issue 20, alerts): it exits with the
job's code when the service says the job failed, having sent one job_finished event."""

from __future__ import annotations

import functools
import json
import threading
import time

from conftest import LogTree

import batchtop.azure.cli as azure_cli
from batchtop.cli import main

PROGRESS = (  # a real v2 overview line (evidence.md §1, source I2)
    b"2023-05-16T22:20:53.233813 Processed 4117 of 20000 mini batches in 5:02:14. "
    b"Estimated remaining time 19:25:59.\n"
)


def test_watch_exits_with_the_job_code_and_one_job_finished(
    emu, container, job_name, tmp_path, monkeypatch, capsys
):
    # the service's status is asked every 3 s instead of 30 s, so the test is not slow; not
    # under watch.SETTLE (1 s): each status answer is a model change, and history at attach
    # settles only after a second without one
    monkeypatch.setattr(
        azure_cli, "LiveAzure", functools.partial(azure_cli.LiveAzure, status_every=3.0)
    )
    child = emu.run_id()
    emu.add_job(job_name, status="Running",
                children=[emu.run(child, display="batchscoring", status="Running",
                                  started="2023-05-16T22:10:00Z")])
    LogTree(container, child).append("logs/job_progress_overview.2023051622.txt", PROGRESS)
    events = tmp_path / "events.jsonl"
    s = emu.state
    argv = [job_name, "--subscription", s.subscription, "-g", s.resource_group,
            "-w", s.workspace, "--poll", "0.1", "--watch", "--notify", f"cat >> {events}"]
    result: list[int] = []
    thread = threading.Thread(target=lambda: result.append(main(argv)), daemon=True)
    thread.start()
    said = ""
    while "batchtop: watching" not in said:  # signed in, job found: the watch loop runs
        assert thread.is_alive(), said
        time.sleep(0.1)
        said += capsys.readouterr().err
    time.sleep(3.0)  # history at attach settles (a second without change); Running sends nothing
    assert thread.is_alive() and not events.exists()

    emu.set_status(child, "Failed", ended="2023-05-16T22:30:00Z")
    emu.set_status(job_name, "Failed", ended="2023-05-16T22:30:01Z")
    thread.join(timeout=120)
    assert not thread.is_alive()
    assert result == [1]  # Failed: the job's exit code, as --once says it
    sent = [json.loads(line) for line in events.read_text().splitlines()]
    finished = [e for e in sent if e["event"] == "job_finished"]
    assert len(finished) == 1 and finished[0]["status"] == "Failed"
    assert finished[0]["job"] == job_name
