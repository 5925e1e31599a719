"""Property (issue 16): reading a tree's files in any order, interleaved, in any chunking
(cuts inside lines and UTF-8 characters), gives the same final liveness judgement: the same
states, the same rhythm, the same killed workers, the same clock.

On the hand-made trees of issue 16 (printed dates, unknown wording with a silent node, a node
dead before the end), the OOM kill, and simulated trees of two eras.
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from batchtop.ingest import Ingestor
from batchtop.liveness import judge, killed, states_of_rows
from test_order import tree_files

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
TREES = (
    "v2-user-dated-output",
    "2021-unknown-wording",
    "2021-completed-dead-node",
    "oom-kill",
    "v2-running",
    "2019-running",
)
FILES_OF = {name: tree_files(name) for name in TREES}


def judgement(ingestor: Ingestor) -> tuple:
    snap = ingestor.snapshot()
    rows, stale_after = judge(snap)
    return (
        states_of_rows(rows),
        round(stale_after, 6),
        [k.label for k in killed(rows)],
        snap.started_at,
        snap.data_time,
    )


def read_whole(files: dict[str, bytes]) -> tuple:
    ingestor = Ingestor()
    for path, data in files.items():
        ingestor.feed(path, data)
    ingestor.flush(final=True)
    return judgement(ingestor)


WHOLE_OF = {name: read_whole(files) for name, files in FILES_OF.items()}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(TREES),
    st.randoms(use_true_random=False),
    st.integers(min_value=0, max_value=10),
)
def test_any_order_and_chunking_gives_the_same_judgement(tree, rnd, pieces):
    queues: dict[str, list[bytes]] = {}
    for path, data in FILES_OF[tree].items():
        cuts = sorted(rnd.sample(range(1, len(data)), min(pieces, max(0, len(data) - 1))))
        bounds = [0, *cuts, len(data)]
        queues[path] = [data[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]
    ingestor = Ingestor()
    while queues:
        path = rnd.choice(sorted(queues))
        ingestor.feed(path, queues[path].pop(0))
        if not queues[path]:
            del queues[path]
    ingestor.flush(final=True)
    assert judgement(ingestor) == WHOLE_OF[tree]


def test_the_reference_judgements_are_the_hand_worked_ones():
    """The property compares against these; they are the NOTES.md answers, not just any."""
    states = WHOLE_OF["2021-unknown-wording"][0]
    assert states["10.0.0.13"] == ("dead", {"process000": "dead"})
    assert WHOLE_OF["2021-completed-dead-node"][0]["10.0.0.7"][0] == "dead"
    assert WHOLE_OF["oom-kill"][2] == ["0/process001 killed (-9)"]
    assert WHOLE_OF["v2-user-dated-output"][0]["0"][0] == "idle"
