"""Property: following a tree live (files arriving interleaved, in any order) ends in the same
model as reading the finished tree at once. This is what makes `batchtop JOB` (Azure, files
polled in whatever order) and `batchtop --dir` agree."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from batchtop.ingest import Ingestor
from batchtop.summary import summary_dict

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
TREES = ("v2-running", "v2-completed", "2021-failed", "2020-running", "2019-failed")


def tree_files(name: str) -> dict[str, bytes]:
    root = FIXTURES / name
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != "expected.json"
    }


FILES_OF = {name: tree_files(name) for name in TREES}


def stable_view(ingestor: Ingestor) -> dict:
    snap = ingestor.snapshot()
    data = summary_dict(snap)
    for node in data["nodes"]:
        node.pop("last_seen")
    data["errors"] = sorted(
        (e["signature"], e["count"], e["first_seen"], e["last_seen"], sorted(e["where"]))
        for e in data["errors"]
    )
    data["tracebacks"] = sorted(e.traceback for e in snap.errors)
    return data


def read_whole(files: dict[str, bytes]) -> dict:
    ingestor = Ingestor()
    for path, data in files.items():
        ingestor.feed(path, data)
    ingestor.flush(final=True)
    return stable_view(ingestor)


WHOLE_OF = {name: read_whole(files) for name, files in FILES_OF.items()}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(TREES),
    st.randoms(use_true_random=False),
    st.integers(min_value=1, max_value=12),
)
def test_interleaved_arrival_in_any_order_gives_the_same_model(tree, rnd, pieces):
    # each file is cut into line-aligned pieces (as a writer appends), and the pieces of all
    # files arrive interleaved in a random order that keeps each file's own order
    queues = {}
    for path, data in FILES_OF[tree].items():
        lines = data.splitlines(keepends=True)
        cuts = sorted(rnd.sample(range(1, len(lines)), min(pieces, len(lines) - 1)))
        bounds = [0, *cuts, len(lines)]
        queues[path] = [b"".join(lines[a:b]) for a, b in zip(bounds, bounds[1:], strict=False)]
    ingestor = Ingestor()
    while queues:
        path = rnd.choice(sorted(queues))
        ingestor.feed(path, queues[path].pop(0))
        if not queues[path]:
            del queues[path]
    ingestor.flush(final=True)
    assert stable_view(ingestor) == WHOLE_OF[tree]
