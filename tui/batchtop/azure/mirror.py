"""`--save DIR`: keep a local copy of every fetched byte, and resume from it after a restart.

The folder holds the job's log tree exactly as `az ml job download --all` would lay it out, so
`batchtop --dir DIR` reopens it. One dot-file, `.batchtop-azure.json`, records per file the
offset and etag fetched and the container/prefix they came from. On restart the local bytes are
replayed to the model (no re-fetch) and polling resumes at each file's offset.

Write order makes a crash harmless: data first, then the state file (atomically renamed). A
local file longer than its recorded offset is cut back; a shorter one lowers the offset.
"""

from __future__ import annotations

import json
import os
from pathlib import Path, PurePosixPath
from typing import Any

from batchtop.azure.errors import AzureError
from batchtop.azure.source import OVERLAP, Chunk, FileState

STATE_FILE = ".batchtop-azure.json"
REPLAY_BLOCK = 1024 * 1024


class Mirror:
    """A local folder mirroring one job's log tree (see module doc)."""

    def __init__(self, root: Path, origin: dict[str, str]) -> None:
        self.root = root
        self.origin = origin
        try:
            root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise AzureError(
                "save",
                f"cannot create {root}: {exc.strerror}",
                "pick a writable folder for --save.",
                exit_code=2,
            ) from None

    def local_path(self, rel: str) -> Path:
        """Map a blob's relative name to a file under root, refusing anything that escapes."""
        parts = PurePosixPath(rel).parts
        if not parts or any(p in ("..", "") for p in parts) or PurePosixPath(rel).is_absolute():
            raise ValueError(f"unsafe blob name {rel!r}")
        return self.root.joinpath(*parts)

    def load(self) -> tuple[dict[str, FileState], list[Chunk]]:
        """State to resume from and the local bytes to replay; empty if the folder is new or
        holds another job's logs (then we start over rather than mix two jobs)."""
        try:
            saved = json.loads((self.root / STATE_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}, []
        if saved.get("origin") != self.origin:
            return {}, []
        files: dict[str, FileState] = {}
        replay: list[Chunk] = []
        for rel, entry in (saved.get("files") or {}).items():
            try:
                path = self.local_path(rel)
                offset = int(entry.get("offset", 0))
                local = path.stat().st_size if path.exists() else 0
            except (ValueError, OSError):
                continue
            if local > offset:
                with open(path, "r+b") as fh:
                    fh.truncate(offset)
            offset = min(offset, local)
            size = int(entry.get("size", offset))
            state = FileState(
                offset=offset, size=size, etag=entry.get("etag") if offset == size else None
            )
            if offset:
                replay.extend(self._replay_file(rel, path, offset, state))
            files[rel] = state
        return files, replay

    def _replay_file(self, rel: str, path: Path, length: int, state: FileState) -> list[Chunk]:
        chunks = []
        with open(path, "rb") as fh:
            pos = 0
            while pos < length:
                data = fh.read(min(REPLAY_BLOCK, length - pos))
                if not data:
                    break
                chunks.append(Chunk(rel, pos, data))
                pos += len(data)
        state.offset = pos
        if chunks:
            state.tail = b"".join(c.data for c in chunks[-2:])[-OVERLAP:]
        return chunks

    def write(self, chunk: Chunk) -> None:
        """Put a chunk's bytes at its offset (a reset truncates the file first)."""
        try:
            path = self.local_path(chunk.path)
        except ValueError:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        mode = "r+b" if path.exists() and not chunk.reset else "wb"
        with open(path, mode) as fh:
            fh.seek(chunk.offset)
            fh.write(chunk.data)
            fh.truncate(chunk.offset + len(chunk.data))

    def save(self, files: dict[str, FileState]) -> None:
        """Record offsets and etags, atomically."""
        data: dict[str, Any] = {
            "origin": self.origin,
            "files": {
                rel: {"offset": s.offset, "etag": s.etag, "size": s.size}
                for rel, s in files.items()
            },
        }
        tmp = self.root / (STATE_FILE + ".tmp")
        tmp.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
        os.replace(tmp, self.root / STATE_FILE)
