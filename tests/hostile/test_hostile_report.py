"""`batchtop report` on the hostile corpus: no control byte (in node names, file names, log
text) and no secret in the HTML (its SVG charts included) or the Markdown."""

from __future__ import annotations

from pathlib import Path

import pytest
from corpus import CONTROL, SECRET_VALUES, unlock, write_corpus

from batchtop.report.cli import main

C1 = [chr(c) for c in range(0x80, 0xA0)]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("hostile-report")
    write_corpus(root)
    yield root
    unlock(root)


@pytest.mark.parametrize("name", ["report.html", "report.md"])
def test_report_holds_nothing_hostile(corpus, tmp_path, name, capsys):
    out = tmp_path / name
    assert main(["--dir", str(corpus), "-o", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    for ch in (*CONTROL, *C1):
        assert ch not in text, (repr(ch), text[max(0, text.find(ch) - 80) : text.find(ch) + 20])
    for value in SECRET_VALUES:
        assert value not in text, value
    if name.endswith(".html"):
        assert "<svg" in text and "PWNED" in text  # the hostile node is drawn, made harmless
