"""Open a report in headless Chromium: a PNG of what it shows, the DOM it built, the URLs it
requested. Used by the tests (the report must render, with no fetch) and to make screenshots:

    python -m batchtop.report.browser          # writes screenshots/report-*.png

Not needed to *write* a report: nothing here runs unless a browser is asked for.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)
TIMEOUT = 120


def find_browser() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _run(page: Path, *extra: str) -> tuple[str, set[str]]:
    """Run the browser on `page`; its stdout and every URL it requested (from a net log)."""
    browser = find_browser()
    if browser is None:
        raise RuntimeError("no Chromium found (Debian: apt-get install -y chromium)")
    with tempfile.TemporaryDirectory(prefix="batchtop-browser-") as tmp:
        netlog = Path(tmp) / "net.json"
        result = subprocess.run(
            [
                browser,
                *FLAGS,
                f"--user-data-dir={tmp}/profile",
                f"--log-net-log={netlog}",
                *extra,
                page.resolve().as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
        )
        if result.returncode != 0:
            raise RuntimeError(f"browser failed ({result.returncode}): {result.stderr[-500:]}")
        text = netlog.read_text(errors="replace") if netlog.exists() else ""
    urls = set(re.findall(r'"url":"([^"]+)"', text))
    return result.stdout, urls


def screenshot(page: Path, png: Path, width: int = 1000, height: int = 2000) -> set[str]:
    """Write a PNG of `page`; returns the URLs the browser requested meanwhile."""
    _, urls = _run(page, f"--window-size={width},{height}", f"--screenshot={png.resolve()}")
    if not png.exists():
        raise RuntimeError("the browser wrote no screenshot")
    return urls


def dump_dom(page: Path) -> tuple[str, set[str]]:
    """The DOM the browser built from `page` (after parsing, as HTML) and the URLs requested."""
    return _run(page, "--dump-dom")


def hosts(urls: set[str]) -> set[str]:
    return {m.group(1) for u in urls if (m := re.match(r"[a-z]+://([^/:?#]+)", u))}


def main() -> int:
    """Screenshots of the report of the failed v2 fixture and of a simulated 4-node job."""
    from batchtop.report.cli import main as report_main
    from batchtop.simulator import SimConfig, write_tree

    root = Path(__file__).resolve().parents[3]
    out = root / "screenshots"
    with tempfile.TemporaryDirectory() as tmp:
        sim = Path(tmp) / "sim"
        write_tree(
            sim,
            SimConfig(
                era="v2", nodes=4, processes=4, mini_batches=2000, failure_rate=0.02,
                timeout_rate=0.003, max_attempts=3, dead_node=3, dead_at=0.6, seed=7,
            ),
        )  # fmt: skip
        for name, tree, height in (
            ("report-failed", root / "fixtures" / "v2-failed", 2600),
            ("report-demo", sim, 1900),
        ):
            page = Path(tmp) / f"{name}.html"
            if report_main(["--dir", str(tree), "-o", str(page)]) != 0:
                return 1
            screenshot(page, out / f"{name}.png", height=height)
            print(json.dumps({"wrote": str(out / f"{name}.png")}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
