"""Disk full on `--save`: the summary stays right, mirroring stops with a clear warning."""

from __future__ import annotations

import errno
import json
import os

from conftest import ROOT, LogTree
from test_once import cli_args

from batchtop.azure import mirror as mirror_module
from batchtop.cli import main


def test_disk_full_on_save_keeps_the_summary_and_warns(emu, container, job_name, tmp_path, capsys,
                                                       monkeypatch):
    fixture = ROOT / "fixtures" / "v2-failed"
    main(["--dir", str(fixture), "--once", "--json"])
    from_dir = json.loads(capsys.readouterr().out)
    child = emu.run_id()
    emu.add_job(
        job_name,
        status="Failed",
        created=from_dir["started_at"],
        children=[emu.run(child, display="batchscoring", status="Failed", created=from_dir["started_at"])],
    )
    LogTree(container, child).write_tree(fixture)
    save = tmp_path / "mirror"

    # every write fails as on a full disk (ENOSPC). (This test used to plant a symlink to
    # /dev/full; the mirror now refuses to write through any symlink.)
    def disk_full(fd: int, data: bytes, offset: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(mirror_module, "_pwrite_all", disk_full)

    code = main(cli_args(emu, job_name, "--once", "--json", "--save", str(save)))
    captured = capsys.readouterr()
    from_azure = json.loads(captured.out)
    assert code == 1
    # the service names the compute; a log tree does not
    assert (from_azure.pop("compute"), from_dir.pop("compute")) == ("cpu-cluster", None)
    for data in (from_azure, from_dir):
        data.pop("job"), data.pop("source")
    assert from_azure == from_dir  # nothing lost from the model
    (warning,) = captured.err.strip().splitlines()
    assert warning.startswith("batchtop: warning: --save stopped: No space left on device")
