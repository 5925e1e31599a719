"""`batchtop report`: one self-contained file, checked as text and in a real browser.

The browser tests open the HTML in headless Chromium (Debian `chromium`; .ci/run installs it)
and check that it rendered, that the charts are in the DOM it built, and that opening it made no
request an empty page does not make (from Chromium's own net log). They skip, saying so, only
where no Chromium is installed.
"""

from __future__ import annotations

import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from batchtop.report import browser
from batchtop.report.data import gather
from batchtop.report.html import render_html
from batchtop.report.markdown import render_markdown
from batchtop.simulator import SimConfig, write_tree
from batchtop.timeline import RecordingState
from helpers import ingest_files

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
TREES = sorted(p.name for p in FIXTURES.iterdir() if (p / "expected.json").exists())
CHARTS = {"throughput", "nodes", "cpu", "memory"}

needs_browser = pytest.mark.skipif(
    browser.find_browser() is None,
    reason="no Chromium installed (apt-get install -y chromium); the report is not opened",
)


def report(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "batchtop", "report", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONPATH": str(ROOT / "tui"), "PATH": "/usr/bin:/bin"},
    )


class _Refs(HTMLParser):
    """Every tag and every attribute that could make a browser fetch something."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.fetching: list[tuple[str, str, str]] = []
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for name, value in attrs:
            if tag == "a" and name == "href":
                self.links.append(value or "")
            elif name in ("src", "href", "srcset", "data", "poster", "action", "xlink:href"):
                self.fetching.append((tag, name, value or ""))


def check_self_contained(html: str) -> _Refs:
    refs = _Refs()
    refs.feed(html)
    assert refs.fetching == []  # no img/script/link/iframe/object source at all
    assert not {"script", "link", "iframe", "object", "embed", "img"} & set(refs.tags)
    assert "url(" not in html and "@import" not in html
    outside_links = re.sub(r'<a href="[^"]*"', "", html)
    assert not re.search(r"https?://", outside_links.replace(">https://", ">"))  # link texts
    return refs


@pytest.fixture(scope="module")
def sim_tree(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("sim")
    write_tree(
        folder,
        SimConfig(
            era="v2", nodes=4, processes=2, mini_batches=600, failure_rate=0.03,
            timeout_rate=0.01, dead_node=3, dead_at=0.5, seed=5,
        ),
    )  # fmt: skip
    return folder


@pytest.mark.parametrize("name", TREES)
def test_every_fixture_gives_a_self_contained_report_with_its_charts(name, tmp_path):
    out = tmp_path / "report.html"
    result = report("--dir", str(FIXTURES / name), "-o", str(out))
    assert result.returncode == 0, result.stderr
    html = out.read_text()
    check_self_contained(html)
    assert set(re.findall(r'data-chart="(\w+)"', html)) == CHARTS


def test_failed_job_report_tells_the_story(tmp_path):
    out = tmp_path / "r.html"
    assert report("--dir", str(FIXTURES / "v2-failed"), "-o", str(out)).returncode == 0
    html = out.read_text()
    assert "exceeds error threshold 40" in html  # verdict
    assert 'class="status bad"' in html
    assert "2023-05-16T22:00:00Z" in html  # start
    assert html.count('class="failure"') > 0  # failures marked on the throughput chart
    assert html.count('class="bar"') > 0
    assert html.count("Traceback (most recent call last):") >= 4  # one full traceback a group
    assert "how-to-debug-parallel-run-step#parameters-for-parallelrunconfig" in html  # advice
    refs = check_self_contained(html)
    assert all(link.startswith(("https://", "#")) for link in refs.links)


def test_dead_node_shows_dead_on_the_node_timeline(sim_tree, tmp_path):
    out = tmp_path / "r.html"
    assert report("--dir", str(sim_tree), "-o", str(out)).returncode == 0
    html = out.read_text()
    dead = re.findall(r'<rect class="state dead"[^>]*><title>([^:<]+):', html)
    assert set(dead) == {"3"}  # node 3 died half way; the others never did
    assert 'class="state working"' in html


def test_log_text_is_escaped_in_html_and_markdown():
    hostile = (
        "2023-05-16 22:00:01,000 ERROR\nTraceback (most recent call last):\n"
        '  File "score.py", line 1, in run\n'
        "ValueError: <script>alert(1)</script> | ``` `x`\n"
    )
    ingestor = ingest_files({"logs/user/error/0/process000.txt": hostile})
    # replay the same text through a recording state to have a timeline
    from batchtop.ingest import Ingestor

    recorded = Ingestor(RecordingState())
    recorded.feed("logs/user/error/0/process000.txt", hostile.encode())
    recorded.flush(final=True)
    assert ingestor.snapshot().errors  # the parser saw the error
    data = gather(recorded.snapshot(), recorded.state.timeline, "test")
    html = render_html(data)
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    md = render_markdown(data)
    fence = re.search(r"^(`{3,})text$", md, re.M)
    assert fence and len(fence.group(1)) > 3  # longer than the ``` inside the traceback


def test_markdown_has_tables_and_links_the_html_for_charts(tmp_path):
    html_out, md_out = tmp_path / "job.html", tmp_path / "job.md"
    tree = str(FIXTURES / "v2-failed")
    assert report("--dir", tree, "-o", str(html_out)).returncode == 0
    result = report("--dir", tree, "-o", str(md_out), "--format", "md")
    assert result.returncode == 0, result.stderr
    md = md_out.read_text()
    assert "| Status | Failed |" in md
    assert "|---:|---|---|---|---|" in md  # the error table
    assert "[job.html](job.html)" in md
    assert "<svg" not in md


def test_bad_usage_is_one_line_and_exit_2(tmp_path):
    result = report("--dir", str(tmp_path), "-o", str(tmp_path / "x.html"))
    assert result.returncode == 2 and "no log files found" in result.stderr
    both = report("--dir", str(tmp_path), "--stream", "-", "-o", str(tmp_path / "x.html"))
    assert both.returncode == 2 and "exactly one of" in both.stderr


def test_report_from_a_stream_transcript(tmp_path):
    stream = tmp_path / "stream.txt"
    stream.write_text(
        "RunId: job-1\nWeb View: https://ml.azure.com/runs/job-1\n\n"
        "Streaming logs/azureml/executionlogs.txt\n"
        "========================================\n\n"
        "[2020-10-19 12:31:26Z] Job is running, job runstatus is Running\n"
    )
    out = tmp_path / "r.html"
    result = report("--stream", str(stream), "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert "job-1" in out.read_text()


@needs_browser
def test_the_browser_renders_the_report_with_no_fetch(tmp_path, sim_tree):
    page = tmp_path / "report.html"
    assert report("--dir", str(sim_tree), "-o", str(page)).returncode == 0
    empty = tmp_path / "empty.html"
    empty.write_text("<!doctype html><html><body></body></html>")
    baseline_png, report_png = tmp_path / "empty.png", tmp_path / "report.png"
    baseline = browser.screenshot(empty, baseline_png, height=1600)
    requested = browser.screenshot(page, report_png, height=1600)
    # Chromium itself may call home; the report must add no request of its own
    assert browser.hosts(requested) <= browser.hosts(baseline), requested
    # it rendered: a page of charts and tables compresses far worse than a blank page
    assert report_png.stat().st_size > 10 * baseline_png.stat().st_size
    dom, _ = browser.dump_dom(page)
    assert set(re.findall(r'data-chart="(\w+)"', dom)) == CHARTS
    assert len(re.findall(r'<rect class="bar"', dom)) > 20
    assert "<polyline" in dom and 'class="state dead"' in dom


@needs_browser
def test_the_no_fetch_check_catches_a_page_that_fetches(tmp_path):
    # the check above can fail: a page with one remote image is caught by the net log
    empty, fetching = tmp_path / "empty.html", tmp_path / "fetch.html"
    empty.write_text("<html><body></body></html>")
    fetching.write_text('<html><body><img src="http://example.invalid/x.png"></body></html>')
    baseline = browser.screenshot(empty, tmp_path / "a.png", height=200)
    requested = browser.screenshot(fetching, tmp_path / "b.png", height=200)
    assert "example.invalid" in browser.hosts(requested) - browser.hosts(baseline)
