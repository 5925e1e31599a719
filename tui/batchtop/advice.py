"""What to do about a known failure: match error groups and the verdict to the advice table.

The table lives in `advice.toml` beside this module (package data) so that a maintainer adds a
problem by editing data, not code. Matching is by the runtime's real wording only: an error that
matches no pattern gets no advice, because wrong advice costs the user more than none.
Pure: no I/O beyond reading the packaged table once.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

from batchtop.snapshot import ErrorView, Snapshot

HEAD_CHARS = 1000
TAIL_CHARS = 4000
"""Of a traceback only its head (the runtime's own line) and tail (the exception) are searched:
a 32 KB record times 500 groups times every pattern would make --json slow for nothing."""


@dataclass(frozen=True, slots=True)
class Advice:
    id: str
    problem: str
    fix: str
    doc: str
    patterns: tuple[re.Pattern[str], ...]
    evidence: str

    def matches(self, text: str) -> bool:
        return any(p.search(text) for p in self.patterns)

    def as_dict(self) -> dict[str, str]:
        return {"id": self.id, "problem": self.problem, "fix": self.fix, "doc": self.doc}


def parse_table(data: dict[str, Any]) -> tuple[Advice, ...]:
    """Entries of a parsed advice table; a malformed entry is a clear error, not a skip."""
    out = []
    seen: set[str] = set()
    for i, raw in enumerate(data.get("advice", [])):
        missing = [k for k in ("id", "problem", "fix", "doc", "match") if not raw.get(k)]
        if missing:
            raise ValueError(f"advice entry {i}: missing {', '.join(missing)}")
        if raw["id"] in seen:
            raise ValueError(f"advice entry {i}: duplicate id {raw['id']!r}")
        seen.add(raw["id"])
        patterns = tuple(re.compile(p, re.IGNORECASE) for p in raw["match"])
        out.append(
            Advice(
                raw["id"], raw["problem"], raw["fix"], raw["doc"], patterns, raw.get("evidence", "")
            )
        )
    return tuple(out)


@lru_cache(maxsize=1)
def table() -> tuple[Advice, ...]:
    """The packaged table, read once."""
    text = resources.files("batchtop").joinpath("advice.toml").read_text(encoding="utf-8")
    return parse_table(tomllib.loads(text))


def error_text(error: ErrorView) -> str:
    """The parts of an error group worth matching: message, and head and tail of its text."""
    tb = error.traceback or ""
    if len(tb) > HEAD_CHARS + TAIL_CHARS:
        tb = tb[:HEAD_CHARS] + "\n" + tb[-TAIL_CHARS:]
    return f"{error.message}\n{tb}"


def advice_for_text(text: str, entries: Iterable[Advice] | None = None) -> list[Advice]:
    """Every entry whose wording appears in `text`, in table order."""
    return [a for a in (entries if entries is not None else table()) if a.matches(text)]


def advice_for_error(error: ErrorView) -> list[Advice]:
    return advice_for_text(error_text(error))


def advice_for_snapshot(snap: Snapshot) -> list[Advice]:
    """Advice for the verdict and every error group, each entry once, verdict's first."""
    found: dict[str, Advice] = {}
    texts = ([snap.verdict] if snap.verdict else []) + [error_text(e) for e in snap.errors]
    for text in texts:
        for entry in advice_for_text(text):
            found.setdefault(entry.id, entry)
    return list(found.values())
