"""A file rewritten in place (same inode, now longer) is read again from its start, not on
from the old offset (code review 3, R9): `cat new > f` and `open('r+'); truncate; write` keep
the inode, so only the bytes just before the offset tell a rewrite from an append."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from batchtop.ingest import Ingestor
from batchtop.sources.local import LocalTree

CSV = "logs/sys/job_report/processed_mini-batches.csv"
HEADER = "Mini-batch Id,Picked Count,Process,Start Time,Status\n"


def rows(ids) -> str:
    return "".join(
        f"{i},1,0/process000,2023-05-16T22:{i // 60 % 60:02d}:{i % 60:02d},RUN_DONE\n" for i in ids
    )


def rewrite_in_place(path: Path, text: str) -> None:
    ino = path.stat().st_ino
    with open(path, "r+b") as handle:
        handle.truncate(0)
        handle.write(text.encode())
    assert path.stat().st_ino == ino  # the premise: no new inode to notice


def open_tree(root: Path) -> tuple[LocalTree, Path]:
    path = root / CSV
    path.parent.mkdir(parents=True)
    path.write_text(HEADER)
    return LocalTree.open(root, Ingestor()), path


def snapshot_counts(tree: LocalTree) -> tuple[int, int]:
    snap = tree.ingestor.snapshot()
    unparsed = sum(f.unparsed for f in snap.files)
    return snap.mini_batches.processed, unparsed


def test_rewritten_in_place_and_longer_is_read_from_the_start(tmp_path):
    # the review's probe: 10 rows (0..9), then the same file, same inode, holds 20 other rows
    tree, path = open_tree(tmp_path)
    path.write_text(HEADER + rows(range(10)))
    tree.read_all()
    assert snapshot_counts(tree) == (10, 0)
    rewrite_in_place(path, HEADER + rows(range(100, 120)))
    tree.read_all()
    # 0..9 stay counted (what a file reported stays, as for a replaced file), and every one of
    # 100..119 is counted once, none lost to the old offset and no row cut in half: 30, 0
    # (the old reader counted 110..119 only: 20, and dropped the cut row)
    assert snapshot_counts(tree) == (30, 0)


def test_an_append_is_not_a_rewrite(tmp_path):
    tree, path = open_tree(tmp_path)
    path.write_text(HEADER + rows(range(10)))
    tree.read_all()
    with open(path, "a") as handle:
        handle.write(rows(range(10, 15)))
    tree.read_all()
    assert snapshot_counts(tree) == (15, 0)
    # each byte read once: a rewrite would have read the first rows again
    assert tree.bytes_read == path.stat().st_size


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["append", "rewrite", "rewrite-keeping"]), st.integers(1, 6)),
        min_size=1,
        max_size=8,
    )
)
def test_any_mix_of_appends_and_rewrites_counts_each_mini_batch_once(tmp_path_factory, steps):
    """Whatever the order of appends and in-place rewrites (longer than what was read), the
    count is the number of distinct mini-batches ever written: none twice, none lost."""
    tree, path = open_tree(tmp_path_factory.mktemp("rewrite"))
    written: list[int] = []
    ever: set[int] = set()
    next_id = 0
    for kind, count in steps:
        new = list(range(next_id, next_id + count))
        next_id += count
        if kind == "append":
            with open(path, "a") as handle:
                handle.write(rows(new))
            written += new
        else:
            # a rewrite holds more rows than the file had, so it is longer than what was read
            extra = list(range(next_id, next_id + len(written)))
            next_id += len(written)
            written = (written if kind == "rewrite-keeping" else []) + new + extra
            rewrite_in_place(path, HEADER + rows(written))
        ever |= set(written)
        tree.read_all()
        assert snapshot_counts(tree) == (len(ever), 0), (kind, count)
