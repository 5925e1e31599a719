"""`batchtop report JOB` reads a workspace job through the same Azure path as `--once`, and
writes the same report as `--dir` on the same tree (emulated workspace, Azurite storage)."""

from __future__ import annotations

import re

from conftest import ROOT, LogTree

from batchtop.cli import main


def test_report_of_a_workspace_job_tells_what_the_dir_report_tells(
    emu, container, job_name, tmp_path, capsys
):
    fixture = ROOT / "fixtures" / "v2-failed"
    child = emu.run_id()
    created = "2023-05-16T22:00:00Z"
    emu.add_job(job_name, status="Failed", created=created,
                children=[emu.run(child, display="batchscoring", status="Failed",
                                  created=created)])  # fmt: skip
    LogTree(container, child).write_tree(fixture)
    s = emu.state
    from_job, from_dir = tmp_path / "job.html", tmp_path / "dir.html"
    code = main(["report", job_name, "--subscription", s.subscription, "-g", s.resource_group,
                 "-w", s.workspace, "-o", str(from_job)])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    assert main(["report", "--dir", str(fixture), "-o", str(from_dir)]) == 0
    job_html, dir_html = from_job.read_text(), from_dir.read_text()
    assert "exceeds error threshold 40" in job_html
    assert set(re.findall(r'data-chart="(\w+)"', job_html)) == {
        "throughput", "nodes", "cpu", "memory"
    }  # fmt: skip

    def errors(html: str) -> list[str]:
        return re.findall(r'<td class="n">([\d,]+)</td><td><a href="#error-\d+">([^<]*)</a>', html)

    assert errors(job_html) == errors(dir_html) and errors(job_html)
