"""Reading a busy job's blobs (issue 10 item 6, code review finding 8): a blob appended every
20 ms while batchtop follows it. The real azure-storage-blob client reads Azurite through the
counting proxy; nothing of batchtop's is mocked.

Before: every range read carried `If-Match: <listed etag>`, so each append between listing and
read answered 412 and the follower re-polled at once: 29 polls in 6 s on one blob.
"""

from __future__ import annotations

import threading
import time

from azure_blobproxy import ProxyFault
from conftest import LogTree, ws_args
from test_follow_growth import RecordingSink

from batchtop.azure.follow import FollowStatus, PollTimer
from batchtop.azure.run import open_job
from batchtop.azure.source import FileState

OVERVIEW = "logs/job_progress_overview.2024051622.txt"
USER = "user_logs/std_log_0.txt"


def start_follow(target, sink, statuses, fast: float):
    stop = threading.Event()
    target.poll_fast = fast
    thread = threading.Thread(target=target.follow, args=(sink, stop),
                              kwargs={"on_status": statuses.append}, daemon=True)
    thread.start()
    return stop, thread


def wait_for(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def test_busy_blob_is_read_without_a_poll_storm_and_nothing_is_lost(emu, container, blob_proxy,
                                                                      job_name):
    emu.add_job(job_name, job_type="Command", status="Running")
    tree = LogTree(container, job_name)
    tree.append(USER, b"[2024-05-16 22:00:00.000000] start\n")
    target = open_job(ws_args(emu), job_name, interactive=False)
    sink = RecordingSink()
    statuses: list[FollowStatus] = []
    fast = 1.0
    stop, thread = start_follow(target, sink, statuses, fast)
    assert wait_for(lambda: sink.files.get(USER), 10)

    # The runtime appends a line every 20 ms for 6 s.
    polls_before = target.source.stats.polls
    began = time.monotonic()
    i = 0
    while time.monotonic() - began < 6.0:
        tree.append(USER, f"[2024-05-16 22:00:{i % 60:02d}.000000] line {i:05d} of a busy job\n"
                    .encode())
        i += 1
        time.sleep(0.02)
    window = time.monotonic() - began
    polls = target.source.stats.polls - polls_before

    blob = container.download_blob(tree.prefix + USER).readall()
    arrived = wait_for(lambda: bytes(sink.files.get(USER, b"")) == blob, 20)
    stop.set()
    thread.join(timeout=10)

    print(f"\n{i} appends in {window:.1f} s: {polls} polls, {getattr(target.source.stats, 'races', '?')} races, "
          f"{blob_proxy.reads} reads, {blob_proxy.lists} listings, "
          f"delays {sorted({round(s.next_poll_in, 2) for s in statuses})}")
    assert i > 50  # the writer really was busy
    assert arrived, f"{len(sink.files.get(USER, b''))} of {len(blob)} bytes arrived"
    assert not sink.resets  # growth is growth, never mistaken for a replacement
    # At most one poll per `fast` seconds (+2 for the poll running when the window opened
    # and timer jitter): 60/min at --poll 1, where the If-Match reads made ~290/min.
    assert polls <= window / fast + 2, polls
    assert all(s.next_poll_in > 0 for s in statuses)  # never a zero-delay re-poll
    assert all(s.ok for s in statuses)


def test_read_past_the_listed_size_takes_the_new_size_from_the_response(emu, container,
                                                                         job_name):
    emu.add_job(job_name, job_type="Command", status="Running")
    tree = LogTree(container, job_name)
    tree.append(USER, b"first line\n")
    target = open_job(ws_args(emu), job_name, interactive=False)
    source = target.source
    listing = source._list()
    assert listing[USER][0] == len(b"first line\n")
    tree.append(USER, b"appended after the listing\n")  # the race the etag condition lost
    state = source.files.setdefault(USER, FileState())
    size, etag = listing[USER]
    chunks = source._fetch(USER, state, size, etag)
    assert b"".join(c.data for c in chunks) == b"first line\nappended after the listing\n"
    assert state.size == state.offset == len(b"first line\nappended after the listing\n")
    assert state.etag is not None and state.etag != etag  # the etag of what we now hold
    assert source.stats.races == 0


def test_a_lost_race_is_no_reason_to_poll_at_once(emu, container, blob_proxy, job_name):
    emu.add_job(job_name, job_type="Command", status="Running")
    tree = LogTree(container, job_name)
    tree.append(USER, b"first line\n")
    target = open_job(ws_args(emu), job_name, interactive=False)
    sink = RecordingSink()
    statuses: list[FollowStatus] = []
    # A read answered 412 (condition not met) and one 404 (blob gone): both lose a race.
    blob_proxy.inject(ProxyFault(412, kind="read", code="ConditionNotMet"))
    stop, thread = start_follow(target, sink, statuses, 1.0)
    assert wait_for(lambda: len(statuses) >= 1, 15)
    blob_proxy.inject(ProxyFault(404, kind="read", code="BlobNotFound"))
    tree.append(USER, b"second line\n")
    assert wait_for(lambda: bytes(sink.files.get(USER, b"")) == b"first line\nsecond line\n", 20)
    stop.set()
    thread.join(timeout=10)
    assert target.source.stats.races >= 2
    assert all(s.next_poll_in >= 1.0 for s in statuses), [s.next_poll_in for s in statuses]


def test_poll_timer_never_turns_a_poll_without_bytes_into_a_zero_delay():
    timer = PollTimer(fast=2.0)
    assert timer.next_delay(changed=False, pending=True) == 3.0  # nothing fetched: wait
    assert timer.next_delay(changed=True, pending=True) == 0.0  # backlog, progress: go on
