"""Files the local source cannot read reach the user (code review 3, R18): FIFOs, symlinked
folders and unreadable files are named, with the reason, in `--json`, `--once` and the file
picker, instead of vanishing silently; a folder is never noted as "not a regular file"."""

from __future__ import annotations

import json
import os
from pathlib import Path

from textual.widgets import OptionList

from batchtop.app.source import LocalSource, make_app
from batchtop.cli import main
from batchtop.ingest import Ingestor
from batchtop.sources.local import LocalTree

OVERVIEW = "logs/job_progress_overview.2023051622.txt"
LINE = "2023-05-16T22:00:03 Processed 3 of 100 mini batches in 0:01:00.\n"
WORKER_LINE = "2023-05-16 22:00:04,000|worker|INFO|1|1|f()|Setting job stage to RUNNING.\n"


def odd_tree(root: Path) -> Path:
    """A job tree with one readable overview and three things that cannot be read."""
    (root / "logs/sys/node/0").mkdir(parents=True)
    (root / OVERVIEW).write_text(LINE)
    (root / "logs/sys/node/0/process001.txt").write_text(WORKER_LINE)
    os.mkfifo(root / "logs/sys/node/0/process000.txt")  # a FIFO where a worker log is expected
    (root / "elsewhere").mkdir()
    os.symlink(root / "elsewhere", root / "logs/linked")  # a symlinked folder: not followed
    os.symlink("loop-b", root / "logs/loop-a.txt")  # a symlink loop: unreadable
    os.symlink("loop-a.txt", root / "logs/loop-b")
    return root


EXPECTED = {
    "logs/sys/node/0/process000.txt": "not a regular file (skipped)",
    "logs/linked": "symlinked folder not followed",
}


def test_json_names_every_skipped_file_and_why(tmp_path, capsys):
    assert main(["--dir", str(odd_tree(tmp_path)), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    skipped = data["skipped_files"]
    for path, why in EXPECTED.items():
        assert skipped[path] == why
    assert skipped["logs/loop-a.txt"].startswith("unreadable: ")  # the OS's words follow
    assert len(skipped) == 4  # the loop's two links, the FIFO, the linked folder
    assert data["mini_batches"]["processed"] == 3  # what could be read still counts


def test_once_names_them_too(tmp_path, capsys):
    main(["--dir", str(odd_tree(tmp_path)), "--once"])
    out = capsys.readouterr().out
    assert "skipped  logs/sys/node/0/process000.txt: not a regular file (skipped)" in out
    assert "skipped  logs/linked: symlinked folder not followed" in out


def test_a_folder_seen_while_following_is_not_a_skipped_file(tmp_path):
    tree = LocalTree.open(odd_tree(tmp_path), Ingestor())
    tree.read_all()
    (tmp_path / "logs/sys/node/1").mkdir()  # what watchfiles reports as `added` while following
    tree.read("logs/sys/node/1")
    assert "logs/sys/node/1" not in tree.notes
    assert "logs/sys/node/1" not in dict(tree.ingestor.snapshot().skipped)


def test_a_note_goes_when_the_file_becomes_readable(tmp_path):
    tree = LocalTree.open(odd_tree(tmp_path), Ingestor())
    tree.read_all()
    fifo = "logs/sys/node/0/process000.txt"
    assert fifo in dict(tree.ingestor.snapshot().skipped)
    os.unlink(tmp_path / fifo)
    (tmp_path / fifo).write_text(WORKER_LINE)
    tree.read_all()
    assert fifo not in dict(tree.ingestor.snapshot().skipped)


def listed(app) -> dict[str, bool]:
    """Each option's text in the screen's file list, and whether it is disabled."""
    options = app.screen.query_one(OptionList)
    return {
        str(options.get_option_at_index(i).prompt): options.get_option_at_index(i).disabled
        for i in range(options.option_count)
    }


async def test_the_file_lists_show_skipped_files_greyed_with_why(tmp_path):
    tree = LocalTree.open(odd_tree(tmp_path), Ingestor())
    app = make_app(LocalSource(tree, "notes", live=False), tick=None, clock=lambda: 1684274400.0)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("l")
        await pilot.pause()
        shown = listed(app)  # the `l` file picker
        assert shown[OVERVIEW] is False  # readable: can be opened
        for path, why in EXPECTED.items():
            assert shown[f"{path}: {why}"] is True  # named, with why, and cannot be opened
        await pilot.press("escape")
        app.open_node("0")  # what enter on node 0's row does
        await pilot.pause()
        fifo = "logs/sys/node/0/process000.txt"
        assert listed(app) == {
            fifo + ": not a regular file (skipped)": True,
            "logs/sys/node/0/process001.txt": False,
        }
