"""Error grouping on hostile error text: linear time, same grouping as the original rule."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from batchtop.errorgroups import signature_of, split_exception
from helpers import ingest_files

# the rule as first written (one regex with nested repeats); kept to prove the rewrite agrees
_ORIGINAL = re.compile(
    r"^([A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt|Timeout|Failure|Fault|Warning)\w*)"
    r"(?::\s?(.*))?$"
)


def _original_split(line: str) -> tuple[str | None, str]:
    m = _ORIGINAL.match(line.strip())
    return (m.group(1), (m.group(2) or "").strip()) if m else (None, line.strip())


def test_exception_line_of_repeated_keywords_is_linear():
    line = "Error" * 13000 + " x"  # 65 KB, the longest line the reader keeps
    text = "Traceback (most recent call last):\n  File x\n" + line + "\n"
    # finishes (its CPU time is a figure in bench/hostile_inputs.py) and still finds the error
    errors = ingest_files({"logs/user/error/0/process000.txt": text}).snapshot().errors
    assert sum(e.count for e in errors) == 1
    assert signature_of("boom\n" + "a.ErrorErrorError" * 3800 + ":")


_NAME_PARTS = st.sampled_from(
    ["Value", "Error", "Exception", "x", ".", "_", "rror", "Exit", "Warning", "1", ":", " ", "é"]
)


@settings(settings.get_profile("hostile"))
@given(st.lists(_NAME_PARTS, max_size=12).map("".join), st.text(max_size=20))
def test_rewritten_exception_rule_agrees_with_the_original(name, message):
    line = f"{name}: {message}" if message else name
    if "\n" in line or "\r" in line:
        return
    assert split_exception(line) == _original_split(line)
