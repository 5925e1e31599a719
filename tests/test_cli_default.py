"""`batchtop` with no job (issue 20, workspace view): with no workspace resolved it still says
how to start, now naming `batchtop jobs`; `--dir` never imports the Azure SDK for this."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "v2-failed"


def _env_without_workspace(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AZURE", "AZUREML"))}
    env["AZURE_CONFIG_DIR"] = str(tmp_path / "no-az")  # no `az configure --defaults`
    return env


def test_no_job_and_no_workspace_names_batchtop_jobs(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "batchtop"], capture_output=True, text=True, cwd=tmp_path,
        env=_env_without_workspace(tmp_path), timeout=120,
    )
    assert proc.returncode == 2
    assert "batchtop jobs" in proc.stderr and "--dir PATH" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_dir_imports_no_azure_sdk(tmp_path):
    code = (
        "import sys\n"
        "from batchtop.cli import main\n"
        f"main(['--dir', {str(FIXTURE)!r}, '--once'])\n"
        "print(sorted(m for m in sys.modules if m == 'azure' or m.startswith('azure.')"
        " or m in ('batchtop.azure.workspace', 'batchtop.azure.jobs_cli')))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=tmp_path, env=_env_without_workspace(tmp_path), timeout=120)
    assert proc.stdout.strip().splitlines()[-1] == "[]"
