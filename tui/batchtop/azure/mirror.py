"""`--save DIR`: keep a local copy of every fetched byte, and resume from it after a restart.

The folder holds the job's log tree exactly as `az ml job download --all` would lay it out, so
`batchtop --dir DIR` reopens it. One dot-file, `.batchtop-azure.json`, records per file the
offset and etag fetched and the container/prefix they came from. On restart the local files are
fed to the model one block at a time, straight from disk (nothing held, nothing rewritten), and
polling resumes at each file's offset.

Write order makes a crash harmless: data first, then the state file (atomically renamed). A
local file longer than its recorded offset is cut back; a shorter one lowers the offset.

The mirror holds raw logs: the very secrets the screen redacts. On a shared jump box it must be
private and must not be steered elsewhere, so (POSIX):

- the root is created 0700, folders inside 0700, files 0600 (older, looser ones are tightened);
- a root, folder or file that another user owns is refused, and so is a symlinked root;
- every open walks from the root one name at a time with `O_NOFOLLOW` relative to the parent's
  descriptor, so a symlink planted anywhere inside is refused, never written through;
- blob names are mapped one-to-one: a name with an empty, `.` or `..` segment (or a backslash)
  would alias another blob (`a//b` and `a/b` are one local file) or escape the root, so it is
  stored under `.batchtop-aliased/` with its whole name escaped instead.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

from batchtop.azure.errors import AzureError
from batchtop.azure.source import OVERLAP, Chunk, FileState, Replay

STATE_FILE = ".batchtop-azure.json"
ALIAS_DIR = ".batchtop-aliased"
REPLAY_BLOCK = 1024 * 1024
DIR_MODE = 0o700
FILE_MODE = 0o600

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_POSIX = bool(_NOFOLLOW) and os.open in os.supports_dir_fd and hasattr(os, "pwrite")


def local_parts(rel: str) -> tuple[str, ...]:
    """The path segments under the root where blob `rel` is kept; one-to-one for all names.

    Plain names keep their layout (so `--dir` reads the mirror as a job tree). Any other name
    goes into one flat folder, its segments joined by an escaped `/`: `quote(..., safe="")`
    escapes `%` too, so two different names never meet, and no segment is `..`.
    """
    parts = rel.split("/")
    if all(_plain(p) for p in parts):
        return tuple(parts)
    escaped = quote(rel, safe="")
    if len(escaped) > 200:  # NAME_MAX is 255 on common filesystems
        escaped = escaped[:120] + "-" + hashlib.sha256(rel.encode()).hexdigest()
    return (ALIAS_DIR, escaped)


def _plain(part: str) -> bool:
    return part not in ("", ".", "..") and "\\" not in part and "\x00" not in part


class Mirror:
    """A local folder mirroring one job's log tree (see module doc)."""

    def __init__(self, root: Path, origin: dict[str, str]) -> None:
        self.root = root
        self.origin = origin
        try:
            if _POSIX:
                os.close(self._open_root(create=True))
            else:
                root.mkdir(DIR_MODE, parents=True, exist_ok=True)
        except OSError as exc:
            raise AzureError(
                "save",
                f"cannot use {root}: {_why(exc)}",
                "pick a folder of your own for --save (a new path is created private).",
                exit_code=2,
            ) from None

    def local_path(self, rel: str) -> Path:
        """Where blob `rel` is kept (always inside the root; see `local_parts`)."""
        return self.root.joinpath(*local_parts(rel))

    # -- resume -------------------------------------------------------------------------------

    def load(self) -> tuple[dict[str, FileState], list[Replay]]:
        """State to resume from and the local files to replay (read later, block by block);
        empty if the folder is new or holds another job's logs (then we start over rather
        than mix two jobs)."""
        try:
            saved = json.loads(self._read_state())
        except (OSError, ValueError):
            return {}, []
        if not isinstance(saved, dict) or saved.get("origin") != self.origin:
            return {}, []
        files: dict[str, FileState] = {}
        replay: list[Replay] = []
        for rel, entry in (saved.get("files") or {}).items():
            try:
                offset = int(entry.get("offset", 0))
                size = int(entry.get("size", offset))
                offset, tail = self._resume_file(rel, offset)
            except (ValueError, TypeError, AttributeError, OSError):
                continue
            state = FileState(
                offset=offset,
                size=size,
                etag=entry.get("etag") if offset == size else None,
                tail=tail,
            )
            if offset:
                replay.append(Replay(rel, offset, self.blocks))
            files[rel] = state
        return files, replay

    def _resume_file(self, rel: str, offset: int) -> tuple[int, bytes]:
        """Cut the local file back to `offset` (bytes after it were never recorded), and
        return the usable offset and the last bytes (for the overlap check)."""
        try:
            fd = self._open_file(rel, os.O_RDWR, create=False)
        except FileNotFoundError:
            return 0, b""
        try:
            local = os.fstat(fd).st_size
            if local > offset:
                os.ftruncate(fd, offset)
            offset = min(offset, local)
            start = max(0, offset - OVERLAP)
            os.lseek(fd, start, os.SEEK_SET)
            tail = os.read(fd, offset - start)
            return offset, tail
        finally:
            os.close(fd)

    def blocks(self, rel: str, length: int) -> Iterator[bytes]:
        """The first `length` bytes of the local copy of `rel`, one block at a time."""
        fd = self._open_file(rel, os.O_RDONLY, create=False)
        try:
            with os.fdopen(fd, "rb", closefd=False) as fh:
                pos = 0
                while pos < length:
                    data = fh.read(min(REPLAY_BLOCK, length - pos))
                    if not data:
                        return
                    pos += len(data)
                    yield data
        finally:
            os.close(fd)

    # -- writing ------------------------------------------------------------------------------

    def write(self, chunk: Chunk) -> None:
        """Put a chunk's bytes at its offset (a reset truncates the file first)."""
        flags = os.O_WRONLY | (os.O_TRUNC if chunk.reset else 0)
        fd = self._open_file(chunk.path, flags, create=True)
        try:
            _pwrite_all(fd, chunk.data, chunk.offset)
            os.ftruncate(fd, chunk.offset + len(chunk.data))
        finally:
            os.close(fd)

    def save(self, files: dict[str, FileState]) -> None:
        """Record offsets and etags, atomically."""
        data: dict[str, Any] = {
            "origin": self.origin,
            "files": {
                rel: {"offset": s.offset, "etag": s.etag, "size": s.size}
                for rel, s in files.items()
            },
        }
        text = json.dumps(data, indent=1, sort_keys=True).encode("utf-8")
        tmp = STATE_FILE + ".tmp"
        if not _POSIX:
            (self.root / tmp).write_bytes(text)
            os.replace(self.root / tmp, self.root / STATE_FILE)
            return
        root = self._open_root(create=False)
        try:
            fd = self._open_in(root, tmp, os.O_WRONLY | os.O_TRUNC, create=True)
            try:
                _pwrite_all(fd, text, 0)
            finally:
                os.close(fd)
            os.replace(tmp, STATE_FILE, src_dir_fd=root, dst_dir_fd=root)
        finally:
            os.close(root)

    def _read_state(self) -> bytes:
        if not _POSIX:
            return (self.root / STATE_FILE).read_bytes()
        root = self._open_root(create=False)
        try:
            fd = self._open_in(root, STATE_FILE, os.O_RDONLY, create=False)
        finally:
            os.close(root)
        try:
            with os.fdopen(fd, "rb", closefd=False) as fh:
                return fh.read()
        finally:
            os.close(fd)

    # -- safe opens ---------------------------------------------------------------------------

    def _open_root(self, create: bool) -> int:
        """A descriptor of the root, created 0700 if missing; refused if it is a symlink,
        not a folder, or not ours."""
        if create and not os.path.lexists(self.root):
            self.root.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.mkdir(self.root, DIR_MODE)
            except FileExistsError:
                pass
        fd = os.open(self.root, os.O_RDONLY | _DIRECTORY | _NOFOLLOW | _CLOEXEC)
        try:
            _check_owner(fd, str(self.root), stat.S_ISDIR, tighten=None)
        except BaseException:
            os.close(fd)
            raise
        return fd

    def _open_file(self, rel: str, flags: int, create: bool) -> int:
        """Open the local file of blob `rel` without following any symlink on the way."""
        *folders, name = local_parts(rel)
        if not _POSIX:  # no dir_fd/O_NOFOLLOW (Windows): plain paths, best effort
            path = self.root.joinpath(*folders)
            if create:
                path.mkdir(DIR_MODE, parents=True, exist_ok=True)
            mode = flags | (os.O_CREAT if create else 0) | getattr(os, "O_BINARY", 0)
            return os.open(path / name, mode, FILE_MODE)
        fd = self._open_root(create=False)
        try:
            for folder in folders:
                if create:
                    try:
                        os.mkdir(folder, DIR_MODE, dir_fd=fd)
                    except FileExistsError:
                        pass
                inner = os.open(folder, os.O_RDONLY | _DIRECTORY | _NOFOLLOW | _CLOEXEC, dir_fd=fd)
                os.close(fd)
                fd = inner
                _check_owner(fd, folder, stat.S_ISDIR, tighten=DIR_MODE)
            return self._open_in(fd, name, flags, create)
        finally:
            os.close(fd)

    def _open_in(self, dir_fd: int, name: str, flags: int, create: bool) -> int:
        flags |= _NOFOLLOW | _CLOEXEC | (os.O_CREAT if create else 0)
        fd = os.open(name, flags, FILE_MODE, dir_fd=dir_fd)
        try:
            _check_owner(fd, name, stat.S_ISREG, tighten=FILE_MODE)
        except BaseException:
            os.close(fd)
            raise
        return fd


def _check_owner(fd: int, name: str, kind: Any, tighten: int | None) -> None:
    """Refuse what is not of the expected kind or not ours; tighten a looser mode."""
    st = os.fstat(fd)
    if not kind(st.st_mode):
        what = "folder" if kind is stat.S_ISDIR else "regular file"
        raise OSError(errno.EEXIST, f"{name} is not a {what}")
    if hasattr(os, "geteuid") and st.st_uid != os.geteuid():
        raise OSError(errno.EPERM, f"{name} belongs to another user (uid {st.st_uid})")
    if tighten is not None and stat.S_IMODE(st.st_mode) & 0o077 and hasattr(os, "fchmod"):
        os.fchmod(fd, tighten)


def _pwrite_all(fd: int, data: bytes, offset: int) -> None:
    view = memoryview(data)
    while view:
        if _POSIX:
            done = os.pwrite(fd, view, offset)
        else:
            os.lseek(fd, offset, os.SEEK_SET)
            done = os.write(fd, view)
        view, offset = view[done:], offset + done


def _why(exc: OSError) -> str:
    """One line for the user: what is wrong with the folder (no path twice)."""
    if exc.errno == errno.ELOOP:
        return "it is a symlink (give the real folder)"
    if exc.errno == errno.ENOTDIR:
        return "not a folder"
    return str(exc.strerror or exc)
