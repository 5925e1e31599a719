"""Alerts (alerts.py, notify.py, watch.py): each condition fires once per episode, history read
at attach is not news, and `--watch` follows a growing tree to its end with the job's exit code."""

from __future__ import annotations

import http.server
import json
import os
import ssl
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

from batchtop import alerts as al
from batchtop.liveness import DEAD, STALE, WORKING, NodeRow, ProcessRow, View
from batchtop.notify import Dispatcher, post_url, run_command
from batchtop.simulator import LiveSimulator, SimConfig
from batchtop.snapshot import (
    ErrorView,
    ItemCounts,
    MiniBatchCounts,
    NodeView,
    ProcessView,
    Snapshot,
)

T0 = 1_700_000_000.0


def view(states: dict[str, str], at: float = T0, failed: int = 0, errors: tuple[str, ...] = (),
         status: str = "Running", killed: int = 0, quiet: float | None = None) -> View:
    rows = []
    for name, state in states.items():
        p = ProcessView(node=name, name="process001", processed=5, failed=0, current=None,
                        last_seen=at, first_seen=T0,
                        exits=killed if name == "1" else 0,
                        exit_code=-9 if killed and name == "1" else None, exit_at=at)
        rows.append(NodeRow(NodeView(name, (p,), at), state, 60.0, (ProcessRow(p, state, 60.0, False),),
                            5, 0, 0, 0))
    snap = Snapshot(
        status=status, verdict=None, job_name="job1", job_url=None,
        mini_batches=MiniBatchCounts(100, 50, 50 - failed, failed, 0),
        items=ItemCounts(None, None, None), rate_per_min=None, eta_seconds=None,
        runtime_eta_seconds=None, started_at=T0, data_time=at, scheduling=None,
        nodes=tuple(r.view for r in rows),
        errors=tuple(ErrorView(e, e, 1, at, at, ("0/process000",), (), "", "") for e in errors),
        files=(), error_occurrences=len(errors), version=1,
    )
    return View(snap, tuple(rows), 60.0, None, True, quiet_for=quiet)


def kinds(events: list[al.Event]) -> list[tuple[str, str | None]]:
    return [(e.event, e.node) for e in events]


def test_a_node_dead_fires_once_per_episode():
    t = al.AlertTracker()
    assert t.observe(view({"0": WORKING, "1": WORKING})) == []
    assert kinds(t.observe(view({"0": WORKING, "1": DEAD}, T0 + 10))) == [("node_dead", "1")]
    assert t.observe(view({"0": WORKING, "1": DEAD}, T0 + 20)) == []  # a repaint, a re-read
    assert t.observe(view({"0": WORKING, "1": WORKING}, T0 + 30)) == []  # recovered
    assert kinds(t.observe(view({"0": WORKING, "1": DEAD}, T0 + 40))) == [("node_dead", "1")]


def test_stale_then_dead_are_two_conditions():
    t = al.AlertTracker()
    assert kinds(t.observe(view({"0": STALE}))) == [("node_stale", "0")]
    assert kinds(t.observe(view({"0": DEAD}, T0 + 1))) == [("node_dead", "0")]


def test_a_kill_fires_once_per_kill():
    t = al.AlertTracker()
    assert kinds(t.observe(view({"1": WORKING}, killed=1))) == [("process_killed", "1")]
    assert t.observe(view({"1": WORKING}, T0 + 5, killed=1)) == []
    assert kinds(t.observe(view({"1": WORKING}, T0 + 9, killed=2))) == [("process_killed", "1")]


def test_errors_burst_new_group_and_many_failures_within_the_window():
    t = al.AlertTracker(burst_failures=10, burst_window=300)
    assert t.observe(view({"0": WORKING}, failed=0)) == []
    assert [e.event for e in t.observe(view({"0": WORKING}, T0 + 10, 1, ("KeyError",)))] == [
        "errors_burst"]
    assert t.observe(view({"0": WORKING}, T0 + 20, 5, ("KeyError",))) == []
    burst = t.observe(view({"0": WORKING}, T0 + 100, 12, ("KeyError",)))
    assert [e.message for e in burst] == ["12 mini-batches failed within 5 min"]
    assert t.observe(view({"0": WORKING}, T0 + 150, 14, ("KeyError",))) == []  # same episode
    # ten minutes on, few new failures: the episode ends, and a new burst fires again
    assert t.observe(view({"0": WORKING}, T0 + 700, 15, ("KeyError",))) == []
    assert len(t.observe(view({"0": WORKING}, T0 + 800, 40, ("KeyError",)))) == 1


def test_job_finished_and_source_quiet_once():
    t = al.AlertTracker()
    quiet = replace(view({"0": WORKING}, quiet=999.0))
    assert [e.event for e in t.observe(quiet)] == ["source_quiet"]
    assert t.observe(quiet) == []
    done = view({"0": WORKING}, T0 + 5, status="Failed")
    assert [e.event for e in t.observe(done)] == ["job_finished"]
    assert t.observe(done) == []


def test_event_json_has_the_documented_fields_and_no_secret():
    v = view({"1": DEAD})
    event = al.Event("node_dead", T0, "node 1 dead AccountKey=abc123secret==", node="1")
    data = event.as_dict(v, "job1", "tree")
    assert set(data) == {"event", "job", "source", "at", "node", "process", "message", "status",
                         "summary"}
    assert data["at"] == "2023-11-14T22:13:20Z" and data["status"] == "Running"
    assert "abc123secret" not in json.dumps(data)


def test_a_hanging_command_is_killed_and_alerts_go_on(tmp_path):
    out = tmp_path / "after.txt"
    slow = run_command("sleep 30", timeout=0.5)
    after = run_command(f"cat >> {out}")
    dispatcher = Dispatcher([slow, after])
    dispatcher.send({"event": "node_dead", "n": 1})
    dispatcher.close(timeout=20)
    assert json.loads(out.read_text()) == {"event": "node_dead", "n": 1}


class _Hook(http.server.BaseHTTPRequestHandler):
    answers: list[int] = []
    bodies: list[dict] = []

    def do_POST(self):  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        code = self.answers.pop(0) if self.answers else 200
        if code == 200:
            self.bodies.append(json.loads(body))
        self.send_response(code)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def test_notify_url_posts_over_https_and_retries_a_500(tmp_path, monkeypatch):
    sys.path.insert(0, str(Path(__file__).parent / "azure"))
    from azure_emulator import make_test_cert

    cert, key = make_test_cert(tmp_path)
    server = http.server.HTTPServer(("127.0.0.1", 0), _Hook)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(str(cert), str(key))
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _Hook.answers, _Hook.bodies = [500], []
    try:
        deliver = post_url(f"https://127.0.0.1:{server.server_port}/hook", connection_verify=str(cert))
        deliver({"event": "job_finished", "status": "Failed"})
    finally:
        server.shutdown()
    assert _Hook.answers == []  # the 500 was answered, then the retry got through
    assert _Hook.bodies == [{"event": "job_finished", "status": "Failed"}]


def test_watch_follows_a_growing_tree_and_fires_each_event_once(tmp_path):
    """The simulator grows a tree while `batchtop --dir T --watch --notify` runs: a node dies,
    errors burst, the job fails. History at attach fires nothing."""
    cfg = SimConfig(era="v2", nodes=4, processes=2, mini_batches=1200, failure_rate=0.05,
                    timeout_rate=0.0, max_attempts=1, error_threshold=400, dead_node=3,
                    dead_at=0.3, seed=3)
    tree, events = tmp_path / "tree", tmp_path / "events.jsonl"
    tree.mkdir()
    sim = LiveSimulator(tree, cfg)
    sim.advance_to(120.0)  # history: two minutes in, errors already logged
    attach = cfg.start.timestamp() + 120.0
    proc = subprocess.Popen(
        [sys.executable, "-m", "batchtop", "--dir", str(tree), "--watch",
         "--notify", f"cat >> {events}"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert proc.stderr is not None
        assert "watching" in proc.stderr.readline()
        time.sleep(3.0)  # let the history settle
        t = 120.0
        while not sim.done:
            t += 20.0
            sim.advance_to(t)
            time.sleep(0.1)
        code = proc.wait(timeout=120)
    finally:
        proc.kill()
    lines = [json.loads(line) for line in events.read_text().splitlines()]
    got = [(e["event"], e["node"]) for e in lines]
    assert code == 1  # the job failed
    assert got.count(("node_dead", "3")) == 1
    assert got.count(("job_finished", None)) == 1
    assert [e["status"] for e in lines if e["event"] == "job_finished"] == ["Failed"]
    assert any(e == "errors_burst" for e, _ in got)
    assert len(got) == len(set((e["event"], e["node"], e["message"]) for e in lines))  # once each
    from batchtop.timeparse import parse_stamp

    for e in lines:  # nothing from the history read at attach
        assert e["at"] is None or parse_stamp(e["at"]) >= attach - 1, e


def test_watch_on_a_piped_stream_ends_with_the_jobs_exit_code(tmp_path):
    """`az ml job stream -n JOB | batchtop --stream - --watch`: the pipe's end is the job's."""
    stream = Path(__file__).parent / "data" / "stream" / "pipeline-failed.stream"
    events = tmp_path / "events.jsonl"
    done = subprocess.run(
        [sys.executable, "-m", "batchtop", "--stream", "-", "--watch", "--notify-history",
         "--notify", f"cat >> {events}"],
        stdin=stream.open("rb"), capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 1, done.stderr
    finished = [json.loads(x) for x in events.read_text().splitlines()]
    assert [(e["event"], e["status"]) for e in finished if e["event"] == "job_finished"] == [
        ("job_finished", "Failed")]
    assert "job_finished" in done.stdout  # --watch: one line per event on stdout


def test_watch_refuses_once_and_json():
    done = subprocess.run([sys.executable, "-m", "batchtop", "--demo", "--watch", "--json"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "--watch" in done.stderr
