"""Symlinks in `--dir` (issue 10 item 9, code review finding 14): one policy for the first scan
and for the live watch. A symlinked FOLDER is not followed (noted in the file list), by the scan
and by the watcher alike; a symlinked FILE is read by both. Before, watchfiles followed the
linked folder, so `--once` and the live view saw different trees."""

from __future__ import annotations

import threading
import time

from batchtop.ingest import Ingestor
from batchtop.sources.local import LocalTree, follow

OVERVIEW = "logs/job_progress_overview.2023051622.txt"


def line(n: int) -> str:
    return f"2023-05-16T22:00:{n:02d} Processed {n} of 100 mini batches in 0:01:00.\n"


def wait_for(condition, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def test_a_symlinked_folder_is_followed_by_neither_scan_nor_watch(tmp_path):
    root = tmp_path / "job"
    (root / "logs" / "sys" / "node").mkdir(parents=True)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "process000.txt").write_text("2023-05-16 22:00:01,000|worker|INFO|1|1|f()|x\n")
    (outside / "linked.txt").write_text("a linked file\n")
    (root / "logs" / "sys" / "node" / "10.0.0.9").symlink_to(outside, target_is_directory=True)
    (root / "logs" / "user_linked.txt").symlink_to(outside / "linked.txt")
    (root / OVERVIEW).write_text(line(1))

    tree = LocalTree.open(root, Ingestor())
    tree.read_all()
    scanned = set(tree.tails)
    assert tree.notes["logs/sys/node/10.0.0.9"] == "symlinked folder not followed"
    assert "logs/user_linked.txt" in scanned  # a linked file is read

    stop = threading.Event()
    worker = threading.Thread(target=follow, args=(tree, stop), daemon=True)
    worker.start()
    try:
        time.sleep(0.5)
        with (outside / "process000.txt").open("a") as fh:  # behind the linked folder
            fh.write("2023-05-16 22:00:02,000|worker|INFO|1|1|f()|y\n")
        (outside / "process001.txt").write_text("new file behind the link\n")
        (outside / "sub").mkdir()
        (outside / "sub" / "deeper.txt").write_text("deeper\n")
        with (root / OVERVIEW).open("a") as fh:  # inside the tree: proves the watch is live
            fh.write(line(2))
        assert wait_for(lambda: tree.ingestor.snapshot().mini_batches.processed == 2)
        time.sleep(1.5)  # events behind the link would have been handled by now
    finally:
        stop.set()
        worker.join(timeout=5)
    behind = sorted(p for p in tree.tails if p.startswith("logs/sys/node/10.0.0.9"))
    assert behind == []
    assert set(tree.tails) == scanned


def test_through_symlink_names_paths_behind_a_linked_folder(tmp_path):
    (tmp_path / "logs" / "real").mkdir(parents=True)
    (tmp_path / "logs" / "link").symlink_to(tmp_path / "logs" / "real")
    tree = LocalTree.open(tmp_path, Ingestor())
    assert tree.through_symlink(str(tmp_path / "logs" / "link" / "a.txt"))
    assert tree.through_symlink(str(tmp_path / "logs" / "link" / "x" / "a.txt"))
    assert not tree.through_symlink(str(tmp_path / "logs" / "real" / "a.txt"))
    assert not tree.through_symlink(str(tmp_path / "logs" / "link"))  # the link itself
