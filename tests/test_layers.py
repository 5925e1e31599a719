"""The core (reading and judging logs) and the sources load neither Textual nor Azure.

import-linter (`lint-imports` in .ci/run) checks the import graph statically; this test checks
what actually lands in `sys.modules` when the core is imported in a fresh interpreter, which
also catches an import hidden behind a package `__init__` or a third-party module that pulls
Textual or Azure in on its own. The list of modules is found on disk, so a new core module is
checked without anyone remembering to add it here.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import batchtop

PACKAGE = Path(batchtop.__file__).parent
NOT_CORE = {"cli", "__main__", "__init__"}
CORE_PACKAGES = ("parsers", "sources", "sim")


def core_modules() -> list[str]:
    """Every module at the package root but the CLI, and every module of the core packages."""
    names = [f"batchtop.{p.stem}" for p in PACKAGE.glob("*.py") if p.stem not in NOT_CORE]
    for package in CORE_PACKAGES:
        names += [
            f"batchtop.{package}.{p.stem}" if p.stem != "__init__" else f"batchtop.{package}"
            for p in (PACKAGE / package).glob("*.py")
        ]
    return sorted(names)


PROBE = """
import importlib, json, sys
for name in sys.argv[1:]:
    importlib.import_module(name)
print(json.dumps(sorted(sys.modules)))
"""


def test_the_core_lists_the_modules_it_should():
    names = core_modules()
    # a few known members on each side, so the glob above cannot silently find nothing
    assert {"batchtop.model", "batchtop.sources.local", "batchtop.parsers.stream"} <= set(names)
    assert "batchtop.cli" not in names and not any(n.startswith("batchtop.app") for n in names)


def test_core_and_sources_import_neither_textual_nor_azure():
    names = core_modules()
    out = subprocess.run(
        [sys.executable, "-c", PROBE, *names], capture_output=True, text=True, check=True
    ).stdout
    loaded = json.loads(out)
    assert set(names) <= set(loaded)  # the probe really imported them
    offending = [
        m
        for m in loaded
        if m.split(".")[0] in ("textual", "azure")
        or m.startswith(("batchtop.app", "batchtop.azure", "batchtop.report"))
    ]
    assert offending == []
