"""Fuzz every parser through the Ingestor: arbitrary bytes, and real-shaped lines from the
fixture trees mutated with hostile content, in arbitrary chunks. No exception may escape, the
ledger's counters must agree with a recount of its own per-mini-batch bits, and a re-read must
not double anything. A simulated job followed in random steps, file order and chunking must
show the simulator's step-by-step truth after every step. `BATCHTOP_FUZZ_EXAMPLES=N` runs N
examples per test."""

from __future__ import annotations

from pathlib import Path

import pytest
from corpus import CONTROL, ESCAPES, MARKUP, SECRETS
from hypothesis import given, settings
from hypothesis import strategies as st

from batchtop import ledger as ledger_bits
from batchtop.ingest import PARSERS, Ingestor
from batchtop.parsers.registry import classify
from batchtop.simulator import ERAS, LiveSimulator, SimConfig
from batchtop.summary import summary_dict, summary_text

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
PATHS = {
    "overview": "logs/job_progress_overview.2023051622.txt",
    "job_result": "logs/job_result.txt",
    "job_error": "logs/job_error.txt",
    "attempts_csv": "logs/sys/job_report/processed_mini-batches.csv",
    "metrics_csv": "logs/sys/metrics/job/progress.csv",
    "perf_csv": "logs/perf/0/node_resource_usage.csv",
    "syslog": "logs/sys/node/0/process000.txt",
    "user_error": "logs/user/error/0/process000.txt",
    "user_error_summary": "logs/user/error.txt",
    "user_log": "logs/user/stdout/0/process000.stdout.txt",
    "execution_log": "logs/azureml/executionlogs.txt",
    "driver_log": "user_logs/std_log_0.txt",
    "stream": "az-ml-job-stream.stream",
    "process_usage_csv": "logs/perf/0/processes_resource_usage.csv",
    "disk_usage_csv": "logs/perf/0/node_disk_usage.csv",
    "ps_listing": "logs/perf/0/os/2023051622/processes_05",
    "node_main": "logs/sys/node/0/_main.txt",
    "execution_wrapper": "system_logs/lifecycler/0/execution-wrapper.txt",
}
assert set(PATHS) >= set(PARSERS) and all(classify(p).kind == k for k, p in PATHS.items())


def _real_lines() -> dict[str, list[str]]:
    lines: dict[str, list[str]] = {kind: [] for kind in PATHS}
    for path in sorted(FIXTURES.glob("*/**/*")):
        if not path.is_file() or path.name == "expected.json":
            continue
        rel = path.relative_to(FIXTURES).as_posix().split("/", 1)[1]
        kind = classify(rel).kind
        if kind in lines and len(lines[kind]) < 400:
            lines[kind].extend(path.read_text(errors="replace").splitlines()[:60])
    lines["stream"] = [
        "RunId: job_1", "Web View: https://x", "", "Streaming logs/job_progress_overview.txt",
        "=" * 40, "", *lines["overview"][:20], "Execution Summary", "=================",
        "Error:", "{", '  "error": {"message": "boom"}', "}",
    ]  # fmt: skip
    return lines


REAL = _real_lines()
HOSTILE = st.sampled_from([*ESCAPES, *MARKUP, *SECRETS, *CONTROL, "\r", "\r\n", '"', "|", "{", "9" * 5000, "-1", "\ufffd", "Traceback (most recent call last):"])  # fmt: skip


@st.composite
def mutated_file(draw, kind: str) -> bytes:
    lines = list(REAL[kind]) or ["x"]
    lines = draw(st.lists(st.sampled_from(lines), max_size=40))
    out = []
    for line in lines:
        action = draw(st.integers(0, 6))
        if action == 1 and line:
            cut = draw(st.integers(0, len(line)))
            line = line[:cut] + draw(HOSTILE) + line[cut:]
        elif action == 2 and line:
            line = line[: draw(st.integers(0, len(line)))]
        elif action == 3:
            line = line.replace(
                draw(st.sampled_from(["1", "0", ",", "|", " ", ":"])), draw(HOSTILE)
            )
        out.append(line)
    data = "\n".join(out).encode("utf-8", "surrogatepass")
    if draw(st.booleans()):
        data += b"\n"
    return data


def chunks(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({min(c, len(data)) for c in cuts})
    pieces, last = [], 0
    for p in [*points, len(data)]:
        pieces.append(data[last:p])
        last = p
    return pieces


def feed_and_check(kind: str, data: bytes, cuts: list[int]) -> None:
    ingestor = Ingestor()
    path = PATHS[kind]
    fed = b""
    for piece in chunks(data, cuts):
        ingestor.feed(path, piece)
        fed += piece
        check(ingestor, fed)
    ingestor.flush(final=True)
    check(ingestor, data)
    ingestor.reset(path)  # read again from the start: nothing may double
    before = ingestor.snapshot()
    ingestor.feed(path, data)
    ingestor.flush(final=True)
    after = ingestor.snapshot()
    assert (after.mini_batches.processed, after.mini_batches.retried) == (
        before.mini_batches.processed,
        before.mini_batches.retried,
    )
    # error groups have no ids, so a file read again counts its errors again (ingest.reset
    # keeps what the old bytes reported); the bound is over everything fed, twice over
    check(ingestor, data + b"\n" + data)


def lines_in(data: bytes) -> int:
    """An upper bound worked out from the input alone: every mini-batch seen and every error
    counted needs at least one line of it (a last line without its newline counts too)."""
    return data.count(b"\n") + data.count(b"\r") + 1


def recount(ingestor: Ingestor) -> tuple[int, int, int, int]:
    """(processed, succeeded, failed, retried) recounted from the ledger's bits, one
    mini-batch at a time: the counters are kept incrementally, so they can drift from this."""
    processed = succeeded = failed = retried = 0
    seen_mask = ledger_bits._ATTEMPT_MASK | ledger_bits._UNNUMBERED
    for bits in ingestor.state.ledger._bits:
        if not bits & seen_mask:
            assert bits == 0, bits  # outcome bits without any attempt seen
            continue
        processed += 1
        succeeded += bool(bits & ledger_bits._SUCCEEDED)
        failed += bits & (ledger_bits._SUCCEEDED | ledger_bits._FAILED) == ledger_bits._FAILED
        retried += bool(bits & ledger_bits._RETRIED)
    return processed, succeeded, failed, retried


def check(ingestor: Ingestor, fed: bytes | None = None) -> None:
    """`fed`: everything this ingestor was given, when it is one file's bytes; the counts are
    then bounded by a recount of its lines, which the program's own bookkeeping cannot fake."""
    snap = ingestor.snapshot()
    mb = snap.mini_batches
    ledger = ingestor.state.ledger
    assert recount(ingestor) == (ledger.processed, ledger.succeeded, ledger.failed, mb.retried)
    for value in (snap.items.total, snap.items.succeeded, snap.items.failed):
        assert value is None or value >= 0
    if fed is not None:
        most = lines_in(fed)
        assert ledger.processed <= most
        assert sum(p.processed for n in snap.nodes for p in n.processes) <= most
        assert sum(e.count for e in snap.errors) <= most
    text = summary_text(summary_dict(snap))
    assert "\x1b" not in text and "\x07" not in text and "\x9b" not in text


KINDS = pytest.mark.parametrize("kind", sorted(PATHS))
CUTS = st.lists(st.integers(0, 5000), max_size=6)


@KINDS
@settings(settings.get_profile("hostile"))
@given(data=st.binary(max_size=3000), cuts=CUTS)
def test_every_parser_survives_arbitrary_bytes(kind, data, cuts):
    feed_and_check(kind, data, cuts)


@KINDS
@settings(settings.get_profile("hostile"))
@given(data=st.data(), cuts=CUTS)
def test_every_parser_survives_mutated_real_lines(kind, data, cuts):
    feed_and_check(kind, data.draw(mutated_file(kind)), cuts)


@st.composite
def followed_job(draw, era: str):
    """A small simulated job of an era, and how it is followed: clock steps, the order the
    changed files are read in, and where their new bytes are cut."""
    cfg = SimConfig(
        era=era,
        nodes=draw(st.integers(1, 3)),
        processes=draw(st.integers(1, 2)),
        mini_batches=draw(st.integers(1, 40)),
        failure_rate=draw(st.sampled_from([0.3, 0.1, 0.0])),
        timeout_rate=draw(st.sampled_from([0.0, 0.05])),
        max_attempts=draw(st.integers(1, 3)),
        error_threshold=draw(st.sampled_from([-1, 15])),
        seed=draw(st.integers(0, 10_000)),
        mb_seconds=draw(st.sampled_from([1.0, 5.0, 30.0])),
    )
    steps = draw(st.lists(st.floats(1.0, 120.0), min_size=1, max_size=8))
    return cfg, steps, draw(st.randoms(use_true_random=False))


FOLLOW_EXAMPLES = min(25, settings.get_profile("hostile").max_examples)


@pytest.mark.parametrize("era", ERAS)
@settings(settings.get_profile("hostile"), max_examples=FOLLOW_EXAMPLES)
@given(data=st.data())
def test_a_followed_job_shows_the_simulators_truth_after_every_step(era, data, tmp_path_factory):
    cfg, steps, rnd = data.draw(followed_job(era))
    root = tmp_path_factory.mktemp("job")
    sim = LiveSimulator(root, cfg)
    ingestor = Ingestor()
    offsets: dict[str, int] = {}
    for step in [*steps, None]:
        if step is None:
            sim.finish()
        else:
            sim.step(step)
        files = sorted(p for p in root.rglob("*") if p.is_file())
        rnd.shuffle(files)
        for path in files:
            rel = path.relative_to(root).as_posix()
            data = path.read_bytes()[offsets.get(rel, 0) :]
            offsets[rel] = offsets.get(rel, 0) + len(data)
            cuts = sorted(rnd.sample(range(len(data) + 1), min(3, len(data) + 1)))
            for piece in chunks(data, cuts):
                ingestor.feed(rel, piece)
        ingestor.flush()
        truth = sim.plan.truth_at(sim.clock)
        snap = ingestor.snapshot()
        mb = snap.mini_batches
        where = (cfg, sim.clock)
        assert (mb.processed, mb.succeeded, mb.failed, mb.retried) == (
            truth.processed,
            truth.succeeded,
            truth.failed,
            truth.retried,
        ), where
        if truth.processed:
            assert (snap.items.succeeded, snap.items.failed) == (
                truth.items_succeeded,
                truth.items_failed,
            ), where
        procs = {(p.node, p.name): (p.processed, p.failed) for n in snap.nodes for p in n.processes}
        assert {k: v for k, v in procs.items() if v[0]} == truth.processes, where
        check(ingestor)
