"""Local folder source: offsets, late files, truncation, replacement, rotation, deletion,
special files; and live following with watchfiles."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from batchtop.ingest import Ingestor
from batchtop.sources.local import LocalTree, SourceError, find_root, follow

OVERVIEW = "logs/job_progress_overview.2023051622.txt"


def line(n: int, total: int = 100, minute: int = 0) -> str:
    return (
        f"2023-05-16T22:{minute:02d}:{n % 60:02d} Processed {n} of {total} mini batches in "
        f"0:01:00. Estimated remaining time 0:02:00.\n"
    )


def make_tree(tmp_path: Path) -> LocalTree:
    (tmp_path / "logs").mkdir()
    return LocalTree.open(tmp_path, Ingestor())


def processed(tree: LocalTree) -> int:
    return tree.ingestor.snapshot().mini_batches.processed


def test_root_may_be_the_parent_or_logs_itself(tmp_path):
    (tmp_path / "logs").mkdir()
    assert find_root(tmp_path) == (tmp_path, "")
    assert find_root(tmp_path / "logs") == (tmp_path / "logs", "logs/")
    with pytest.raises(SourceError, match="no such folder"):
        find_root(tmp_path / "nope")


def test_only_new_bytes_are_read_and_partial_lines_wait(tmp_path):
    tree = make_tree(tmp_path)
    path = tmp_path / OVERVIEW
    path.write_text(line(1))
    assert tree.read_all() == len(line(1))
    with path.open("a") as f:
        f.write(line(5)[:20])  # half a line
    tree.read_all()
    assert processed(tree) == 1
    with path.open("a") as f:
        f.write(line(5)[20:])
    tree.read_all()
    assert processed(tree) == 5
    assert tree.bytes_read == len(line(1)) + len(line(5))


def test_truncated_and_replaced_files_are_reread_without_double_counting(tmp_path):
    tree = make_tree(tmp_path)
    csv = tmp_path / "logs/sys/job_report/processed_mini-batches.csv"
    csv.parent.mkdir(parents=True)
    header = "Mini-batch Id,Picked Count,Process,Start Time,Status\n"
    rows = "".join(f"{i},1,0/process000,2023-05-16T22:00:{i:02d},RUN_DONE\n" for i in range(10))
    csv.write_text(header + rows)
    tree.read_all()
    assert processed(tree) == 10
    csv.write_text(header)  # truncated (the runtime rewrote it)
    tree.read_all()
    csv.write_text(header + rows)
    tree.read_all()
    assert processed(tree) == 10
    replacement = csv.with_suffix(".tmp")
    replacement.write_text(header + rows + "10,1,0/process000,2023-05-16T22:00:10,RUN_DONE\n")
    os.replace(replacement, csv)  # new inode, same name
    tree.read_all()
    assert processed(tree) == 11
    proc = tree.ingestor.snapshot().nodes[0].processes[0]
    assert proc.processed == 11


def test_daily_rotation_reads_every_overview_in_stamp_order(tmp_path):
    tree = make_tree(tmp_path)
    (tmp_path / "logs/job_progress_overview.2023051622.txt").write_text(line(10))
    tree.read_all()
    (tmp_path / "logs/job_progress_overview.2023051700.txt").write_text(line(20, minute=1))
    tree.read_all()
    assert processed(tree) == 20


def test_deleted_file_keeps_what_it_reported(tmp_path):
    tree = make_tree(tmp_path)
    path = tmp_path / OVERVIEW
    path.write_text(line(7))
    tree.read_all()
    path.unlink()
    tree.read_all()
    assert processed(tree) == 7
    assert OVERVIEW not in tree.tails


def test_special_files_and_symlink_loops_are_skipped_with_a_note(tmp_path):
    tree = make_tree(tmp_path)
    (tmp_path / OVERVIEW).write_text(line(3))
    os.mkfifo(tmp_path / "logs/fifo.txt")
    os.symlink(tmp_path / "logs", tmp_path / "logs/loop")
    os.symlink(tmp_path / "logs/a", tmp_path / "logs/b")
    os.symlink(tmp_path / "logs/b", tmp_path / "logs/a")
    tree.read_all()
    assert processed(tree) == 3
    assert "not a regular file" in tree.notes["logs/fifo.txt"]
    assert "logs/loop" in tree.notes
    assert "unreadable" in tree.notes["logs/a"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads folders without permission")
def test_unreadable_folder_is_a_note(tmp_path):
    tree = make_tree(tmp_path)
    locked = tmp_path / "logs/sys"
    locked.mkdir()
    locked.chmod(0)
    try:
        tree.read_all()
        assert "cannot list" in tree.notes["logs/sys"]
    finally:
        locked.chmod(0o755)


def wait_for(condition, timeout: float = 5.0) -> float:
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if condition():
            return time.monotonic() - start
        time.sleep(0.02)
    raise AssertionError("condition not met in time")


def test_follow_sees_new_files_folders_and_appends_live(tmp_path):
    tree = LocalTree.open(tmp_path, Ingestor())
    stop = threading.Event()
    changes = []
    worker = threading.Thread(target=follow, args=(tree, stop, lambda: changes.append(1)))
    worker.start()
    try:
        time.sleep(0.3)
        (tmp_path / "logs").mkdir()  # the folder appears after we started
        (tmp_path / OVERVIEW).write_text(line(1))
        wait_for(lambda: processed(tree) == 1)
        with (tmp_path / OVERVIEW).open("a") as f:
            f.write(line(2))
        latency = wait_for(lambda: processed(tree) == 2)
        assert latency < 1.0
        node_log = tmp_path / "logs/sys/node/0/process000.txt"
        node_log.parent.mkdir(parents=True)
        node_log.write_text(
            '2023-05-16 22:10:05,000|ERROR|1|2|Failed to process {"id": 8, "dequeue_count": 1}'
            " with error KeyError: 'x'\nTraceback (most recent call last):\n"
            "  File \"s.py\", line 1, in run\nKeyError: 'x'\n"
        )
        # the traceback has no following line: it is closed once the file goes quiet
        wait_for(lambda: len(tree.ingestor.snapshot().errors) == 1, timeout=6)
        assert changes
    finally:
        stop.set()
        worker.join(timeout=5)
    assert not worker.is_alive()


def test_bytes_written_before_the_watch_began_are_read_within_seconds(tmp_path):
    """Between the caller's first read and the start of the watch no event reports a write;
    without a catch-up read it waited for the 10 s rescan."""
    tree = make_tree(tmp_path)
    path = tmp_path / OVERVIEW
    path.write_text(line(1))
    tree.read_all()
    with path.open("a") as f:
        f.write(line(2))  # before follow() starts watching
    stop = threading.Event()
    worker = threading.Thread(target=follow, args=(tree, stop))
    worker.start()
    try:
        assert wait_for(lambda: processed(tree) == 2, timeout=5.0) < 3.0
    finally:
        stop.set()
        worker.join(timeout=5)
