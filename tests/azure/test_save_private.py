"""`--save` on a shared jump box (issue 10 items 7 and 9; code review findings 11 and 15).

The mirror holds raw, unredacted logs. It must be private (0700 folders, 0600 files, checked
with os.stat), refuse a folder another user owns or a symlinked root, never write through a
symlink planted inside, keep aliasing blob names apart, and resume by reading its files from
disk block by block: not holding the mirror in memory, not rewriting it.
"""

from __future__ import annotations

import json
import os
import stat
import tracemalloc

import pytest
from conftest import ROOT, LogTree, ws_args
from test_once import cli_args

from batchtop.azure.follow import poll_once
from batchtop.azure.mirror import ALIAS_DIR, STATE_FILE, Mirror
from batchtop.azure.run import fetch_all, open_job
from batchtop.azure.source import Chunk, Replay, deliver
from batchtop.cli import main

FIXTURE = ROOT / "fixtures" / "v2-completed"


def completed_job(emu, container, job_name, created: str = "2024-05-16T22:00:00Z") -> LogTree:
    child = emu.run_id()
    emu.add_job(job_name, status="Completed", created=created,
                children=[emu.run(child, display="batchscoring", status="Completed", created=created)])
    tree = LogTree(container, child)
    tree.write_tree(FIXTURE)
    return tree


@pytest.fixture
def loose_umask():
    old = os.umask(0o022)  # the common default that made the old mirror world-readable
    yield
    os.umask(old)


def modes(root):
    found = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in [*dirnames, *filenames]:
            path = os.path.join(dirpath, name)
            found[os.path.relpath(path, root)] = stat.S_IMODE(os.lstat(path).st_mode)
    return found


def test_mirror_is_private(emu, container, job_name, tmp_path, capsys, loose_umask):
    completed_job(emu, container, job_name)
    save = tmp_path / "shared" / "mirror"
    assert main(cli_args(emu, job_name, "--once", "--json", "--save", str(save))) == 0
    capsys.readouterr()
    assert stat.S_IMODE(os.stat(save).st_mode) == 0o700
    found = modes(save)
    assert len(found) > 10 and STATE_FILE in found
    for rel, mode in found.items():
        want = 0o700 if os.path.isdir(save / rel) else 0o600
        assert mode == want, f"{rel}: {oct(mode)}"


def test_older_loose_mirror_is_tightened_on_resume(emu, container, job_name, tmp_path, capsys,
                                                   loose_umask):
    completed_job(emu, container, job_name)
    save = tmp_path / "mirror"
    assert main(cli_args(emu, job_name, "--once", "--json", "--save", str(save))) == 0
    for rel in modes(save):  # as an older batchtop left it
        os.chmod(save / rel, 0o755 if os.path.isdir(save / rel) else 0o644)
    assert main(cli_args(emu, job_name, "--once", "--json", "--save", str(save))) == 0
    capsys.readouterr()
    loose = {rel: oct(m) for rel, m in modes(save).items() if m & 0o077}
    assert not loose


def test_root_owned_by_another_user_is_refused(emu, container, job_name, tmp_path, capsys):
    completed_job(emu, container, job_name)
    save = tmp_path / "theirs"
    save.mkdir()
    os.chown(save, 4242, 4242)  # the tests run as root on CI boxes; any other uid will do
    if os.geteuid() == 4242:
        pytest.skip("running as uid 4242")
    code = main(cli_args(emu, job_name, "--once", "--json", "--save", str(save)))
    err = capsys.readouterr().err
    assert code == 2
    assert "belongs to another user" in err and "--save" in err
    assert os.listdir(save) == []


def test_symlinked_root_is_refused(emu, container, job_name, tmp_path, capsys):
    completed_job(emu, container, job_name)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "link").symlink_to(elsewhere)
    code = main(cli_args(emu, job_name, "--once", "--json", "--save", str(tmp_path / "link")))
    assert code == 2
    assert "symlink" in capsys.readouterr().err
    assert os.listdir(elsewhere) == []


def test_symlinks_planted_inside_are_never_written_through(emu, container, job_name, tmp_path,
                                                          capsys):
    main(["--dir", str(FIXTURE), "--once", "--json"])
    from_dir = json.loads(capsys.readouterr().out)
    completed_job(emu, container, job_name, created=from_dir["started_at"])
    outside = tmp_path / "outside"
    outside.mkdir()
    victim = outside / "victim.txt"
    victim.write_bytes(b"precious\n")
    save = tmp_path / "mirror"
    save.mkdir(mode=0o700)
    (save / "logs").mkdir(mode=0o700)
    (save / "logs" / "job_result.txt").symlink_to(victim)  # a file link
    (save / "logs" / "sys").symlink_to(outside)  # a folder link

    code = main(cli_args(emu, job_name, "--once", "--json", "--save", str(save)))
    out, err = capsys.readouterr()
    assert code == 0
    assert victim.read_bytes() == b"precious\n"
    assert sorted(os.listdir(outside)) == ["victim.txt"]
    assert "--save stopped" in err  # said, not silent
    from_azure = json.loads(out)
    # the service names the compute; a log tree does not
    assert (from_azure.pop("compute"), from_dir.pop("compute")) == ("cpu-cluster", None)
    for data in (from_azure, from_dir):
        data.pop("job"), data.pop("source")
    assert from_azure == from_dir  # the model lost nothing


def test_aliasing_blob_names_are_kept_apart(tmp_path):
    mirror = Mirror(tmp_path / "m", {"a": "b"})
    names = ["logs/a/b.txt", "logs/a//b.txt", "logs/a/./b.txt", "logs/./a/b.txt",
             "logs/a/../a/b.txt", "logs\\a\\b.txt", "logs/a/b.txt/"]
    for i, name in enumerate(names):
        mirror.write(Chunk(name, 0, f"{i} {name}\n".encode()))
    paths = [mirror.local_path(n) for n in names]
    assert len(set(paths)) == len(names)
    for i, (name, path) in enumerate(zip(names, paths, strict=True)):
        assert path.read_bytes() == f"{i} {name}\n".encode()
        assert path.resolve().is_relative_to((tmp_path / "m").resolve())
    assert paths[0] == tmp_path / "m" / "logs" / "a" / "b.txt"  # plain names keep the layout
    assert all(p.parent.name == ALIAS_DIR for p in paths[1:])


def test_resume_reads_the_mirror_from_disk_without_holding_or_rewriting_it(emu, container,
                                                                           job_name, tmp_path):
    emu.add_job(job_name, job_type="Command", status="Running")
    tree = LogTree(container, job_name)
    big = b"".join(b"[2024-05-16 22:00:00.%06d] line %08d of a long user log\n" % (i % 10**6, i)
                   for i in range(400_000))  # ~21 MB
    tree.append("user_logs/std_log_0.txt", big)
    tree.append("logs/job_progress_overview.2024051622.txt",
                b"2024-05-16T22:01:00 Start scheduling.\n")
    save = tmp_path / "mirror"

    class Counting:
        def __init__(self):
            self.files: dict[str, int] = {}
            self.head: dict[str, bytes] = {}

        def feed(self, path, data):
            if path not in self.files:
                self.head[path] = data[:64]
            self.files[path] = self.files.get(path, 0) + len(data)

        def reset(self, path):
            self.files.pop(path, None)

    first = open_job(ws_args(emu, save=save), job_name, interactive=False)
    fetch_all(first, Counting())
    mirrored = save / "user_logs" / "std_log_0.txt"
    assert mirrored.read_bytes() == big
    before = {p: os.stat(p).st_mtime_ns for p in save.rglob("*") if p.is_file()}
    tree.append("logs/job_progress_overview.2024051622.txt",
                b"2024-05-16T22:02:00 Scheduled 5 mini batches in 1.0 seconds.\n")

    sink = Counting()
    tracemalloc.start()
    try:
        resumed = open_job(ws_args(emu, save=save), job_name, interactive=False)
        chunks = resumed.source.poll()
        deliver(chunks, sink)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    held = sum(len(c.data) for c in chunks if isinstance(c, Chunk))
    print(f"\nresume of a {len(big)} B mirror: peak {peak} B traced, {held} B in chunks")
    assert sink.files["user_logs/std_log_0.txt"] == len(big)  # everything replayed...
    assert sink.head["user_logs/std_log_0.txt"] == big[:64]
    assert any(isinstance(c, Replay) for c in chunks)
    assert held < 200  # ...but only the grown line came over the wire and sits in a chunk
    assert peak < len(big) // 4, peak  # one block at a time, not the mirror
    after = {p: os.stat(p).st_mtime_ns for p in save.rglob("*") if p.is_file()}
    assert after[mirrored] == before[mirrored]  # not rewritten
    assert resumed.source.stats.bytes_fetched < 200


def test_a_mirror_file_gone_before_replay_is_fetched_again(emu, container, job_name, tmp_path):
    emu.add_job(job_name, job_type="Command", status="Running")
    tree = LogTree(container, job_name)
    tree.append("user_logs/std_log_0.txt", b"one\ntwo\n")
    save = tmp_path / "mirror"
    fetch_all(open_job(ws_args(emu, save=save), job_name, interactive=False),
              type("S", (), {"feed": lambda *a: None, "reset": lambda *a: None})())
    resumed = open_job(ws_args(emu, save=save), job_name, interactive=False)
    os.unlink(save / "user_logs" / "std_log_0.txt")  # between load and replay
    got: dict[str, bytearray] = {}

    class Sink:
        def feed(self, path, data):
            got.setdefault(path, bytearray()).extend(data)

        def reset(self, path):
            got[path] = bytearray()

    deliver(poll_once(resumed.source), Sink())  # the replay fails: the file is reset...
    deliver(poll_once(resumed.source), Sink())  # ...and fetched again from 0
    assert bytes(got["user_logs/std_log_0.txt"]) == b"one\ntwo\n"
