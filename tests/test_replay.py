"""Replay (--at): the job as it stood at a log time, from the compact timeline.

Properties on every fixture and on simulated trees: counts that only grow in the live model
only grow with the moment, and recording the timeline does not change what the model says.
(Comparisons with the simulator's truth and across read orders are in test_replay_truth.py.)
Facts without a time of their own belong to the job's end: an untimed `SystemExit: 42` after a
stamped start banner does not make an early moment Failed (R3).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from batchtop.events import StatusHint, Verdict
from batchtop.ingest import Ingestor
from batchtop.liveness import states_of
from batchtop.replay import ReplayTimeError, parse_at, snapshot_at
from batchtop.simulator import SimConfig, write_tree
from batchtop.sources.local import LocalTree
from batchtop.summary import summary_dict
from batchtop.timeline import Bucket, RecordingState, Timeline

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
TREES = sorted(p.name for p in FIXTURES.iterdir() if (p / "expected.json").exists())
ROOT = Path(__file__).resolve().parent.parent


def read(folder: Path, recording: bool):
    state = RecordingState() if recording else None
    ingestor = Ingestor(state)
    LocalTree.open(folder, ingestor).read_all()
    ingestor.flush(final=True)
    return ingestor


@pytest.fixture(scope="module")
def simulated(tmp_path_factory) -> list[Path]:
    """Simulated trees with retries, timeouts and a node that dies, in two eras."""
    out = []
    for era in ("v2", "2021"):
        folder = tmp_path_factory.mktemp(f"sim-{era}")
        write_tree(
            folder,
            SimConfig(
                era=era,
                nodes=3,
                processes=2,
                mini_batches=300,
                failure_rate=0.08,
                timeout_rate=0.02,
                dead_node=2,
                dead_at=0.5,
                seed=3,
            ),
        )
        out.append(folder)
    return out


@pytest.mark.parametrize("name", TREES)
def test_recording_the_timeline_does_not_change_the_model(name):
    plain = summary_dict(read(FIXTURES / name, False).snapshot())
    recorded = summary_dict(read(FIXTURES / name, True).snapshot())
    assert recorded == plain


def _counts(snap) -> dict[str, int]:
    """The counts that only grow. Not succeeded/failed: when the runtime's own progress line
    is ahead of the per-mini-batch reports, succeeded = processed - failed drops as a known
    failure arrives, in the live model too; both stay within processed (checked below)."""
    mb = snap.mini_batches
    out = {"processed": mb.processed, "retried": mb.retried, "errors": snap.error_occurrences}
    if snap.items.succeeded is not None:
        out["items_ok"] = snap.items.succeeded
    for error in snap.errors:
        out[f"error {error.signature}"] = error.count
    return out


def check_monotone(ingestor: Ingestor, fractions: list[float]) -> None:
    final = ingestor.snapshot()
    timeline = ingestor.state.timeline
    start, end = final.started_at, final.data_time
    assert start is not None and end is not None
    final_counts = _counts(final)
    previous: dict[str, int] = {}
    for fraction in sorted(fractions):
        snap = snapshot_at(timeline, final, start + fraction * (end - start))
        counts = _counts(snap)
        for key, value in counts.items():
            assert value <= final_counts.get(key, 0), (key, fraction)
            assert value >= previous.get(key, 0), (key, fraction)
        mb = snap.mini_batches
        # failed may shrink (a retry succeeds later), but only by what was retried
        assert mb.failed <= final.mini_batches.failed + final.mini_batches.retried
        previous = counts


FRACTIONS = st.lists(st.floats(min_value=-0.1, max_value=1.1), min_size=2, max_size=12)


@pytest.mark.parametrize("name", TREES)
@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(fractions=FRACTIONS)
def test_counts_at_a_time_grow_and_never_exceed_the_final_ones(name, fractions):
    check_monotone(_cached(FIXTURES / name), fractions)


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(fractions=FRACTIONS)
def test_counts_grow_on_simulated_jobs_with_retries_and_a_dead_node(simulated, fractions):
    for folder in simulated:
        check_monotone(_cached(folder), fractions)


_CACHE: dict[Path, Ingestor] = {}


def _cached(folder: Path) -> Ingestor:
    if folder not in _CACHE:
        _CACHE[folder] = read(folder, True)
    return _CACHE[folder]


def test_before_the_job_started_nothing_is_done():
    ingestor = _cached(FIXTURES / "v2-failed")
    final = ingestor.snapshot()
    snap = snapshot_at(ingestor.state.timeline, final, final.started_at - 60)
    assert snap.mini_batches.processed == 0 and not snap.errors and not snap.nodes
    assert snap.verdict is None and snap.status != "Failed"


def test_failed_job_is_running_before_its_verdict_and_failed_after():
    ingestor = _cached(FIXTURES / "v2-failed")
    final = ingestor.snapshot()
    timeline = ingestor.state.timeline
    verdict_at = min(when for when, _ in timeline.verdicts.values())
    before = snapshot_at(timeline, final, verdict_at - 2)
    assert before.status == "Running" and before.verdict is None
    after = snapshot_at(timeline, final, verdict_at + timeline.width)
    assert after.verdict == final.verdict


def test_parse_at_accepts_iso_and_offsets_and_refuses_the_rest():
    start = 1_684_274_400.0  # 2023-05-16T22:00:00Z
    assert parse_at("2023-05-16T22:25:00", start) == start + 1500
    assert parse_at("2023-05-16T22:25:00Z", None) == start + 1500
    assert parse_at("+25m", start) == start + 1500
    assert parse_at("+1h30m", start) == start + 5400
    assert parse_at("+90s", start) == start + 90
    with pytest.raises(ReplayTimeError, match="ISO time"):
        parse_at("yesterday", start)
    with pytest.raises(ReplayTimeError, match="no start time"):
        parse_at("+5m", None)


def test_timeline_stays_bounded_and_merges_exactly():
    timeline = Timeline(width=1.0, max_buckets=8)
    for second in range(0, 1000, 3):
        timeline.bucket(float(second)).succeeded += 1
    assert len(timeline.buckets) <= 8
    assert sum(b.succeeded for b in timeline.buckets.values()) == len(range(0, 1000, 3))
    assert timeline.width >= 1000 / 8


def test_bucket_merge_keeps_newest_readings():
    a, b = Bucket(total=(5.0, 100)), Bucket(total=(9.0, 120), overview=7)
    a.merge(b)
    assert a.total == (9.0, 120) and a.overview == 7


def run_cli(*args: str) -> subprocess.CompletedProcess:
    env_path = str(ROOT / "tui")
    return subprocess.run(
        [sys.executable, "-m", "batchtop", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONPATH": env_path, "PATH": "/usr/bin:/bin"},
    )


def test_cli_json_at_shows_the_past_and_says_so():
    tree = str(FIXTURES / "v2-failed")
    early = run_cli("--dir", tree, "--json", "--at", "+25s")
    final = run_cli("--dir", tree, "--json")
    assert early.returncode == 0, early.stderr  # still running at +25 s: not failed yet
    data, last = json.loads(early.stdout), json.loads(final.stdout)
    assert data["replay"]["at"] == "2023-05-16T22:00:25Z"
    assert data["replay"]["live"] == last["data_time"]
    assert 0 < data["mini_batches"]["processed"] < last["mini_batches"]["processed"]
    assert data["status"] == "Running" and last["status"] == "Failed"
    assert "replay" not in last


def test_cli_bad_at_is_one_clear_line_and_exit_2():
    result = run_cli("--dir", str(FIXTURES / "v2-failed"), "--once", "--at", "noon-ish")
    assert result.returncode == 2
    assert result.stderr.startswith("batchtop: --at 'noon-ish': give an ISO time")
    assert "Traceback" not in result.stderr


DRIVER_42 = (
    "[2023-05-16 22:00:01.000000] Azure Machine Learning Batch Inference Start\n"
    "Traceback (most recent call last):\n"
    '  File "driver/amlbi_main.py", line 275, in <module>\n'
    "    main()\n"
    "SystemExit: 42\n"
)
"""A driver log whose only stamp is its start banner (the real shape, evidence.md I8/I9):
`SystemExit: 42` has no time of its own."""


def test_untimed_system_exit_belongs_to_the_end_not_to_the_banner_before_it(tmp_path):
    """v2-running (120 mini-batches, 22:00:00-22:01:49) plus a driver log that exits 42. By
    hand: the banner says Running from 22:00:01; the exit has no stamp, so the job is Failed
    only at its end, 22:01:49. Before R3's fix the exit took the banner's 22:00:01 and
    `--at +10s` said Failed with the driver's verdict."""
    tree = tmp_path / "sx"
    shutil.copytree(FIXTURES / "v2-running", tree)
    (tree / "azureml-logs").mkdir()
    (tree / "azureml-logs" / "70_driver_log.txt").write_text(DRIVER_42)
    ingestor = read(tree, True)
    final = ingestor.snapshot()
    assert final.status == "Failed"
    assert final.verdict == "Driver: the batch job failed (runtime exit code 42)"
    timeline = ingestor.state.timeline
    for offset in (10, 30, 60, 100):
        snap = snapshot_at(timeline, final, final.started_at + offset)
        assert snap.status == "Running", offset
        assert snap.verdict is None, offset
    states = states_of(snapshot_at(timeline, final, final.started_at + 30))
    assert all(state != "ended" for state, _ in states.values())


def test_untimed_system_exit_after_an_end_banner_in_another_chunk_is_still_untimed():
    """The same fact read in two chunks, the second holding only the exit: still no time."""
    from batchtop.parsers.freetext import DriverLogParser
    from batchtop.parsers.registry import classify

    path = "azureml-logs/70_driver_log.txt"
    parser = DriverLogParser(path, classify(path))
    head, tail = DRIVER_42.split("Traceback", 1)
    events = parser.feed(head) + parser.feed("Traceback" + tail) + parser.flush()
    hints = [(type(e).__name__, e.at) for e in events if isinstance(e, StatusHint | Verdict)]
    assert hints == [("StatusHint", 1684274401.0), ("StatusHint", None), ("Verdict", None)]


def test_a_replayed_moment_has_the_rate_the_live_model_had_then():
    """U10: every replay showed `rate -`. By hand: the overview says 60, 120, 180, 240 of 600
    at 22:01, 22:02, 22:03, 22:04. At 22:03:30 the live model had read the first three:
    (180 - 60) mini-batches in 120 s = 60/min, and 420 left at that pace is 420 s."""
    lines = "".join(
        f"2023-05-16T22:0{m}:00.000000 Processed {60 * m} of 600 mini batches in 0:0{m}:00. "
        f"Estimated remaining time 0:10:00.\n"
        for m in (1, 2, 3, 4)
    )
    ingestor = Ingestor(RecordingState())
    ingestor.feed("logs/job_progress_overview.2023051622.txt", lines.encode())
    ingestor.flush(final=True)
    final = ingestor.snapshot()
    at = parse_at("2023-05-16T22:03:30", None)
    snap = snapshot_at(ingestor.state.timeline, final, at)
    assert snap.mini_batches.processed == 180
    assert snap.rate_per_min == pytest.approx(60.0)
    assert snap.eta_seconds == pytest.approx(420.0)


def test_a_killed_worker_is_still_dead_a_second_before_the_end():
    """R4: fixtures/oom-kill. By hand: _main.txt says `process001 exits with returncode -9` at
    11:12:30, and process001.txt's last line is at 11:12:20, so at 11:12:44 (the tree's newest
    stamp is 11:12:45) process001 has one abnormal end, -9, and nothing of its own after it:
    dead, as live. The old replay dropped the exit and counted the kill record as the
    worker's own activity: idle."""
    ingestor = _cached(FIXTURES / "oom-kill")
    final = ingestor.snapshot()
    at = parse_at("2023-02-28T11:12:44", None)
    snap = snapshot_at(ingestor.state.timeline, final, at)
    (proc,) = [p for n in snap.nodes for p in n.processes if p.name == "process001"]
    assert (proc.exits, proc.exit_code, proc.after_exit) == (1, -9, "dead")
    assert states_of(snap)["0"][1]["process001"] == "dead"


def test_an_attempt_implies_running_in_the_replay_too():
    """R4: fixtures/2020-taskcsv has no overview; its first attempts end at 05:50:57. The
    model calls the job Running from its first attempt; the old replay said NotStarted with
    mini-batches processed, because that Running was applied without being recorded."""
    ingestor = _cached(FIXTURES / "2020-taskcsv")
    final = ingestor.snapshot()
    snap = snapshot_at(ingestor.state.timeline, final, final.started_at + 20)
    assert snap.mini_batches.processed > 0
    assert snap.status == "Running"
