"""The report judges as the live view does, counts in the job's units, and refuses what it
cannot do (issue 16: code-review-3 R5, ux-review-3 U5, U6; issue 17: `-o x.pdf`).

Checked through the commands a user runs: `batchtop report` writes the HTML, and each node's
strip on its node timeline ends in the state `batchtop --dir … --json` gives that node.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from batchtop.cli import main as batchtop_main
from batchtop.ingest import Ingestor
from batchtop.report.cli import main as report_main
from batchtop.report.data import gather
from batchtop.sources.local import LocalTree
from batchtop.timeline import RecordingState

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
TREES = sorted(p.name for p in FIXTURES.iterdir() if (p / "expected.json").exists())
_STRIP = re.compile(r'<rect class="state [^"]*"[^>]*><title>([^<]*): ([a-z]+)</title></rect>')


def json_states(capsys, tree: Path) -> dict[str, str]:
    batchtop_main(["--dir", str(tree), "--json"])
    data = json.loads(capsys.readouterr().out)
    return {node["name"]: node["state"] for node in data["nodes"]}


def report_states(tmp_path: Path, tree: Path) -> dict[str, str]:
    """Each node's state in the last segment of its strip (segments are drawn in time order)."""
    out = tmp_path / "r.html"
    assert report_main(["--dir", str(tree), "-o", str(out)]) == 0
    last: dict[str, str] = {}
    for name, state in _STRIP.findall(out.read_text()):
        last[name] = state
    return last


@pytest.mark.parametrize("name", TREES)
def test_the_reports_node_states_end_as_json_says(name, tmp_path, capsys):
    """R5: the node timeline was a copy of the liveness rules with different answers."""
    said = json_states(capsys, FIXTURES / name)
    drawn = report_states(tmp_path, FIXTURES / name)
    capsys.readouterr()
    # a node with no sign of life at any time has no strip: nothing to draw, not a state
    assert {n: s for n, s in said.items() if n in drawn} == drawn
    assert set(said) - set(drawn) <= {n for n, s in said.items() if s in ("idle", "ended")}


def test_v2_running_node_2_is_dead_in_the_report_as_in_expected_json(tmp_path):
    """fixtures/v2-running's node_states (worked out by hand, fixtures/README.md) call node 2
    dead: the dead node of its config, silent while nodes 0 and 1 went on to 22:01:49. The old
    report drew it stale."""
    expected = json.loads((FIXTURES / "v2-running" / "expected.json").read_text())
    assert expected["node_states"]["2"]["state"] == "dead"
    assert report_states(tmp_path, FIXTURES / "v2-running")["2"] == "dead"


def test_throughput_counts_what_the_overview_says_when_no_file_names_mini_batches():
    """U6: fixtures/v2-endpoint-runfailures names 3 failed mini-batches (job_error.txt at
    05:54:12, 05:57:40, 05:57:51) and otherwise has only the overview: 300 processed at
    05:55:00, 500 at 05:58:00. By hand, mini-batches per slice: 1 at 05:54:12, 299 more at
    05:55:00 (the overview's 300 include it), none for the two later failures (within the
    300), 200 at 05:58:00. The old chart drew only the 3 named ones."""
    ingestor = Ingestor(RecordingState())
    LocalTree.open(FIXTURES / "v2-endpoint-runfailures", ingestor).read_all()
    ingestor.flush(final=True)
    data = gather(ingestor.snapshot(), ingestor.state.timeline, "t")
    done = {
        start: round(per_minute * data.width / 60, 6)
        for start, per_minute, _ in data.throughput
        if per_minute
    }
    slice_of = {stamp: stamp - stamp % data.width for stamp in (1690437252.1, 1690437300.0)}
    assert done == {
        slice_of[1690437252.1]: 1,  # 05:54:12
        slice_of[1690437300.0]: 299,  # 05:55:00
        1690437480.0: 200,  # 05:58:00, the newest stamp: the final slice
    }


def test_a_folder_of_two_jobs_is_refused_and_nothing_written(tmp_path, capsys):
    """U5: `report --dir fixtures` merged 17 jobs into one 1182-day report, exit 0."""
    folder = tmp_path / "two"
    for name in ("v2-failed", "2021-running"):
        shutil.copytree(FIXTURES / name, folder / name)
    out = tmp_path / "r.html"
    assert report_main(["--dir", str(folder), "-o", str(out)]) == 2
    assert not out.exists()
    err = capsys.readouterr().err
    assert "this folder holds 2 jobs: 2021-running, v2-failed" in err


@pytest.mark.parametrize("name", ["x.pdf", "x.png", "report.docx"])
def test_an_extension_the_report_cannot_write_is_refused(name, tmp_path, capsys):
    """Issue 17: `-o x.pdf` wrote HTML into a file named .pdf."""
    out = tmp_path / name
    assert report_main(["--dir", str(FIXTURES / "v2-failed"), "-o", str(out)]) == 2
    assert not out.exists()
    assert "give a name ending in .html or .md" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("name", "fmt", "said"),
    [
        ("x.pdf", "html", "give a name ending in .html or .md"),
        ("x.md", "html", "names a md file, but --format says html"),
    ],
)
def test_format_does_not_override_a_name_that_says_otherwise(name, fmt, said, tmp_path, capsys):
    """`-o x.pdf --format html` wrote HTML into a .pdf; `-o x.md --format html` wrote HTML
    into a .md: a file named for one format never holds another."""
    out = tmp_path / name
    code = report_main(["--dir", str(FIXTURES / "v2-failed"), "-o", str(out), "--format", fmt])
    assert code == 2
    assert not out.exists()
    assert said in capsys.readouterr().err
