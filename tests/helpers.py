"""Small helpers shared by the tests: feed text into a fresh model, summarise a tree."""

from __future__ import annotations

from pathlib import Path

from batchtop.ingest import Ingestor
from batchtop.sources.local import LocalTree
from batchtop.summary import summary_dict


def ingest_files(files: dict[str, str | bytes], final: bool = True) -> Ingestor:
    """Feed {path: content} into a new Ingestor, in the given order."""
    ingestor = Ingestor()
    for path, content in files.items():
        data = content.encode() if isinstance(content, str) else content
        ingestor.feed(path, data)
    if final:
        ingestor.flush(final=True)
    return ingestor


def summarise_tree(path: Path) -> dict:
    ingestor = Ingestor()
    LocalTree.open(path, ingestor).read_all()
    ingestor.flush(final=True)
    return summary_dict(ingestor.snapshot())
