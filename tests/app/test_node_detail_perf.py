"""The node detail screen shows per-process CPU/memory, disks, OOM kills and the latest `ps`
listing (issue 9, items 8 and 9), every log-derived character through textsafe."""

from __future__ import annotations

from pathlib import Path

from apphelpers import screen_text, wait_for

from batchtop.app.node_detail_screen import NodeDetailScreen
from screenshots import tree_app

SIZE = (120, 40)
PIPE = "2021-04-13 03:{m}:00,000|INFO|254|140325028292352|"
FILES = {
    "logs/sys/node/0/process000.txt": PIPE.format(m="20") + "init() done\n",
    "logs/sys/node/0/process001.txt": PIPE.format(m="20") + "init() done\n",
    # D1 (evidence.md): `<process-name> exits with returncode -9.`
    "logs/sys/node/0/_main.txt": PIPE.format(m="25") + "process001 exits with returncode -9.\n",
    "logs/perf/0/processes_resource_usage.csv": (
        "Utc Time,Process Name,Pid,Cpu Percent,Memory Percent,Memory Used (MB)\n"
        "2021-04-13 03:24:00,process000,137,97.0,63.0,9900\n"
        "2021-04-13 03:24:00,process001,174,12.5,88.0,13800\n"
    ),
    "logs/perf/0/node_disk_usage.csv": (
        "Utc Time,Device,Total (GB),Used (GB)\n2021-04-13 03:24:00,/dev/sdb1,100,93\n"
    ),
    "logs/perf/0/os/2021041303/processes_24": (
        "USER PID %CPU %MEM COMMAND\n"
        "root 174 12.5 88.0 python \x1b]52;c;SGVsbG8=\x07 [bold]process001[/bold]\n"
    ),
}


def _tree(tmp_path: Path) -> Path:
    for rel, text in FILES.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


async def test_node_detail_shows_usage_disk_kill_and_ps_listing(tmp_path):
    app = tree_app(_tree(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.push_screen(NodeDetailScreen("0"))
        await wait_for(pilot, lambda: isinstance(app.screen, NodeDetailScreen))
        await pilot.pause()
        text = screen_text(app)
        assert "killed, likely out of memory ×1, dead" in text
        assert "  97.0   63.0     9900" in text
        assert "disk /dev/sdb1" in text and "93% used" in text
        assert "ps at 2021-04-13T03:24:00Z" in text
        assert "USER PID %CPU %MEM COMMAND" in text
        # the listing is shown as the characters it is: the OSC 52 escape visible, no markup
        assert "␛]52;c;" in text and "[bold]process001[/bold]" in text
        assert "\x1b" not in text


async def test_node_detail_without_perf_files_hides_those_parts(tmp_path):
    root = tmp_path / "plain"
    (root / "logs/sys/node/0").mkdir(parents=True)
    (root / "logs/sys/node/0/process000.txt").write_text(PIPE.format(m="20") + "init() done\n")
    app = tree_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.push_screen(NodeDetailScreen("0"))
        await wait_for(pilot, lambda: isinstance(app.screen, NodeDetailScreen))
        await pilot.pause()
        assert not app.screen.query_one("#node-ps").display
        assert not app.screen.query_one("#node-usage").display
        assert "ps at" not in screen_text(app)
