"""A job whose logs grow in Azurite while batchtop follows: only new bytes are fetched, and the
result is what `--dir` reports on the same tree."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from conftest import LogTree, ws_args

from batchtop.azure.follow import FollowStatus
from batchtop.azure.run import open_job
from batchtop.cli import read_tree_once
from batchtop.ingest import Ingestor
from batchtop.simulator import SimConfig, run_live
from batchtop.summary import summary_dict


class RecordingSink:
    """Records what the source delivered, per file, to compare with the blobs' content."""

    def __init__(self, inner: Ingestor | None = None) -> None:
        self.files: dict[str, bytearray] = {}
        self.resets: list[str] = []
        self.inner = inner

    def feed(self, path: str, data: bytes) -> None:
        self.files.setdefault(path, bytearray()).extend(data)
        if self.inner is not None:
            self.inner.feed(path, data)

    def reset(self, path: str) -> None:
        self.resets.append(path)
        self.files[path] = bytearray()
        if self.inner is not None:
            self.inner.reset(path)


def upload_growth(local: Path, tree: LogTree, done: threading.Event) -> None:
    """Copy what the simulator appended locally into blobs, as the runtime uploads: append
    blobs, and block blobs uploaded again whole under user_logs/ and system_logs/."""
    sent: dict[str, int] = {}
    while True:
        finished = done.is_set()
        for file in sorted(local.rglob("*")):
            if not file.is_file():
                continue
            rel = file.relative_to(local).as_posix()
            data = file.read_bytes()
            if len(data) > sent.get(rel, 0) or rel not in sent:
                tree.append(rel, data[sent.get(rel, 0):])
                sent[rel] = len(data)
        if finished:
            return
        time.sleep(0.15)


def test_growing_job_is_followed_with_only_new_bytes(emu, container, blob_proxy, job_name,
                                                      tmp_path):
    child = emu.run_id()
    emu.add_job(job_name, status="Running",
                children=[emu.run(child, display="batchscoring")])
    tree = LogTree(container, child)
    local = tmp_path / "job"
    local.mkdir()
    cfg = SimConfig(era="v2", nodes=2, processes=2, mini_batches=240, failure_rate=0.05,
                    max_attempts=3, error_threshold=-1, stop_at=1.0, seed=11)

    target = open_job(ws_args(emu, poll=0.2), job_name, interactive=False)
    assert target.step.name == child
    sink = RecordingSink(Ingestor())
    statuses: list[FollowStatus] = []
    stop = threading.Event()
    follower = threading.Thread(target=target.follow, args=(sink, stop),
                                kwargs={"on_status": statuses.append}, daemon=True)
    follower.start()

    sim_done = threading.Event()
    uploader = threading.Thread(target=upload_growth, args=(local, tree, sim_done), daemon=True)
    uploader.start()
    run_live(local, cfg, rate=120.0)
    sim_done.set()
    uploader.join(timeout=30)

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if all(len(sink.files.get(p, b"")) == n for p, n in tree.sizes.items()):
            break
        time.sleep(0.1)
    stop.set()
    follower.join(timeout=10)

    # Every byte arrived, in order, and nothing else.
    for rel, size in tree.sizes.items():
        blob = container.download_blob(tree.prefix + rel).readall()
        assert bytes(sink.files[rel]) == blob, rel
        assert len(blob) == size
    assert not sink.resets
    # Cost: the proxy in front of Azurite counted every downloaded byte.
    total = tree.total
    fetched = blob_proxy.blob_bytes
    print(f"\nfinal size {total} B, fetched {fetched} B ({fetched / total:.3f}x), "
          f"{blob_proxy.reads} range reads, {blob_proxy.lists} listings, "
          f"{len(statuses)} polls, intervals {sorted({round(s.next_poll_in, 2) for s in statuses})}")
    assert total > 100_000
    assert fetched <= 1.10 * total
    assert target.source.stats.bytes_fetched <= fetched  # the proxy also counts 412 answers
    assert len(statuses) >= 5 and all(s.ok for s in statuses)

    # Same report as --dir on the final tree (source label and job name aside).
    sink.inner.flush(final=True)
    followed = summary_dict(sink.inner.snapshot())
    local_ingestor, _ = read_tree_once(local)
    expected = summary_dict(local_ingestor.snapshot())
    for data in (followed, expected):
        data.pop("source"), data.pop("job"), data.pop("status"), data.pop("compute", None)
    assert normalised(followed) == normalised(expected)


def normalised(data: dict) -> dict:
    """The part of the report that must not depend on the order bytes arrive in.

    A live follow feeds interleaved chunks of many files; a directory read goes file by file.
    As the model stands, the rate (observation times), per-process "current" mini-batch and an
    error group's sample message, places and first_seen follow arrival order (reported to the
    core); counts, verdict, error signatures and unparsed lines must be identical.
    """
    return {
        "mini_batches": data["mini_batches"],
        "items": data["items"],
        "verdict": data["verdict"],
        "started_at": data["started_at"],
        "data_time": data["data_time"],
        "errors": sorted((e["signature"], e["count"]) for e in data["errors"]),
        "nodes": sorted((n["name"], tuple((p["name"], p["processed"], p["failed"])
                                          for p in n["processes"])) for n in data["nodes"]),
        "unparsed_lines": data["unparsed_lines"],
    }
