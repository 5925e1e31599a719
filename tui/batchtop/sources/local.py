"""Local log tree: find the job root, read every file's new bytes, follow changes with watchfiles.

Only bytes move here; parsing is the Ingestor's job. Per file we keep the offset read so far,
the file's identity (device, inode) and its last bytes read: a file that shrank was truncated,
a new inode means it was replaced (rotation, re-download), and last bytes that changed mean it
was rewritten in place (`cat new > f` keeps the inode, R9); all are read again from the start,
which the model tolerates (attempts are de-duplicated). Special files (FIFOs, sockets, devices),
symlink loops and unreadable folders are skipped with a note, never fatal.
"""

from __future__ import annotations

import os
import stat
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from batchtop.ingest import Ingestor
from batchtop.parsers.registry import classify, read_order

OVERLAP = 32
"""Bytes before the offset compared before reading on, as the Azure source does."""
READ_CHUNK = 1024 * 1024
"""Bytes fed per call: the model lock is held for one chunk, so a UI waits at most that long."""
ROOT_MARKERS = ("logs", "azureml-logs", "user_logs")
NO_LOGS = "no log files found (expected logs/ or azureml-logs/ inside)"
JOBS_LISTED = 5
"""Job folders named in the "this folder holds N jobs" message before `…`."""


class SourceError(Exception):
    """The source cannot be read at all (missing folder, no permission): exit code 2."""


def find_root(path: Path) -> tuple[Path, str]:
    """The job root (folder holding `logs/`), and a prefix for paths when given `logs/` itself.

    Paths fed to the model always look like `logs/...`, whichever folder the user named.
    """
    if not path.exists():
        raise SourceError(f"{path}: no such folder")
    if not path.is_dir():
        raise SourceError(f"{path}: not a folder (give the folder holding logs/, or logs/ itself)")
    if not os.access(path, os.R_OK | os.X_OK):
        raise SourceError(f"{path}: permission denied")
    if path.name in ROOT_MARKERS and not (path / "logs").is_dir():
        return path, path.name + "/"
    return path, ""


def job_roots(paths: list[str]) -> list[str]:
    """The distinct job roots among model paths of recognised log files: what comes before
    the first `logs/`, `azureml-logs/` or `user_logs/` folder ("" for the folder itself). Two
    or more roots mean the folder holds several downloaded jobs, whose counts must never be
    merged into one."""
    roots: dict[str, bool] = {}
    for path in paths:
        parts = path.split("/")
        for i, part in enumerate(parts[:-1]):
            if part in ROOT_MARKERS:
                root = "/".join(parts[:i])
                # a user's own `outputs/logs/x.txt` does not make a job: a root counts once a
                # file under it is recognised (classified once per root, not per file)
                if not roots.get(root):
                    roots[root] = classify(path).kind != "raw"
                break
    return sorted(root for root, recognised in roots.items() if recognised)


def part_of_a_job(path: Path) -> Path | None:
    """The job folder `path` lies inside (a folder too deep, such as `logs/user`), if any."""
    for parent in path.resolve().parents:
        if parent.name in ROOT_MARKERS:
            return parent.parent
        if (parent / "logs").is_dir():
            return parent
    return None


def check_job_tree(path: Path, paths: list[str]) -> None:
    """Refuse a folder that is not one job's tree (exit 2 with a hint), before showing nonsense:
    several jobs merged into one (ux-review D7), or no log file we recognise (an empty folder,
    a folder a level too deep), which would otherwise read as NotStarted, exit 0."""
    roots = job_roots(paths)
    if len(roots) > 1:
        names = ", ".join(r or "." for r in roots[:JOBS_LISTED])
        more = ", …" if len(roots) > JOBS_LISTED else ""
        raise SourceError(
            f"{path}: this folder holds {len(roots)} jobs: {names}{more} "
            "(give one of them with --dir)"
        )
    if any(classify(p).kind != "raw" for p in paths):
        return
    job = part_of_a_job(path)
    if job is not None and not path.is_absolute():
        job = Path(os.path.relpath(job))
    hint = f"; it lies inside the job folder {job}: try --dir {job}" if job is not None else ""
    raise SourceError(f"{path}: {NO_LOGS}{hint}")


@dataclass(slots=True)
class _Tail:
    offset: int = 0
    identity: tuple[int, int] | None = None
    last: bytes = b""
    """The last bytes read (up to OVERLAP), which must still sit just before `offset`."""


@dataclass
class LocalTree:
    """Reads new bytes of the files under one folder into an Ingestor."""

    folder: Path
    ingestor: Ingestor
    prefix: str = ""
    tails: dict[str, _Tail] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    """Files or folders we could not read, and why; handed to the Ingestor (`skip`), whose
    snapshots carry them to the file list, `--once` and `--json`."""
    bytes_read: int = 0
    grew_at: dict[str, float] = field(default_factory=dict)
    """Monotonic time each file last grew, until its open records are flushed when quiet."""

    @classmethod
    def open(cls, path: Path, ingestor: Ingestor) -> LocalTree:
        folder, prefix = find_root(path)
        return cls(folder=folder, ingestor=ingestor, prefix=prefix)

    def _note(self, rel: str, why: str | None) -> None:
        """Say why `rel` cannot be read, or (None) that it can again."""
        if why is None:
            if self.notes.pop(rel, None) is not None:
                self.ingestor.skip(rel, None)
        elif self.notes.get(rel) != why:
            self.notes[rel] = why
            self.ingestor.skip(rel, why)

    def rel(self, full: Path | str) -> str:
        full = os.fspath(full)
        inside = os.path.join(os.fspath(self.folder), "")
        relative = full[len(inside) :]
        if not full.startswith(inside) or "/." in relative or "//" in relative:
            relative = os.path.relpath(full, self.folder)  # slow: normalises the path
        return self.prefix + relative.replace(os.sep, "/")

    def scan(self, folder: str | None = None) -> list[str]:
        """Every regular file under the folder (or one folder inside it), as model paths,
        important kinds first."""
        top = str(self.folder) if folder is None else folder
        return sorted((self.rel(p) for p in self._walk(top)), key=read_order)

    def _walk(self, top: str) -> Iterator[str]:
        try:
            entries = list(os.scandir(top))
        except OSError as exc:
            self._note(self.rel(top), f"cannot list folder: {exc.strerror or exc}")
            return
        if self.notes:
            self._note(self.rel(top), None)  # listable (again)
        for entry in entries:
            try:
                if entry.is_symlink():
                    target = entry.stat()  # follows; raises on a loop or dangling link
                    if stat.S_ISDIR(target.st_mode):
                        self._note(self.rel(entry.path), "symlinked folder not followed")
                        continue
                if entry.is_dir(follow_symlinks=False):
                    yield from self._walk(entry.path)
                elif entry.is_file():
                    yield entry.path
                else:
                    self._note(self.rel(entry.path), "not a regular file (skipped)")
            except OSError as exc:
                self._note(self.rel(entry.path), f"unreadable: {exc.strerror or exc}")

    def through_symlink(self, path: str) -> bool:
        """Whether `path` lies behind a symlinked folder inside the tree. Such folders are not
        followed, by the scan (`_walk`) nor by the watcher (which would follow them)."""
        root = os.fspath(self.folder)
        parent = os.path.dirname(path)
        while len(parent) > len(root) and parent.startswith(root):
            if os.path.islink(parent):
                return True
            parent = os.path.dirname(parent)
        return False

    def read_all(
        self, paths: list[str] | None = None, on_progress: Callable[[], None] | None = None
    ) -> int:
        """Read what is new in each file (all files when `paths` is None). Returns bytes read.

        `on_progress` is called after each file and each chunk of a big one: a UI attaching to
        a big tree shows what the small, informative files (read first) say while the rest of
        the history is still being read.
        """
        if paths is None:
            paths = self.scan()
            paths += sorted(set(self.tails) - set(paths))  # gone since last time: forget them
        return sum(self.read(rel, on_progress) for rel in paths)

    def read_history(self, on_progress: Callable[[], None] = lambda: None) -> int:
        """The first read of a followed tree: every file's bytes, telling the ingestor how far
        it is (`reading history… 40%`) so that no state is judged final before all is in."""
        paths = self.scan()
        total = sum(self._unread(rel) for rel in paths)
        start = self.bytes_read
        self.ingestor.reading_history(0, total)

        def progress() -> None:
            self.ingestor.reading_history(self.bytes_read - start, total)
            on_progress()

        try:
            return self.read_all(paths, on_progress=progress)
        finally:
            self.ingestor.history_read()

    def _unread(self, rel: str) -> int:
        """Bytes of `rel` not read yet (0 when it cannot be stat'ed: `read` will say why)."""
        tail = self.tails.get(rel)
        try:
            size = os.stat(self.full_path(rel)).st_size
        except OSError:
            return 0
        return max(0, size - (tail.offset if tail is not None else 0))

    def full_path(self, rel: str) -> Path:
        return self.folder / rel[len(self.prefix) :]

    def read(self, rel: str, on_progress: Callable[[], None] | None = None) -> int:
        """Read the new bytes of one file; handles truncation, replacement and deletion."""
        full = self.full_path(rel)
        tail = self.tails.get(rel)
        try:
            st = os.stat(full)
        except FileNotFoundError:
            self._note(rel, None)
            if tail is not None:
                del self.tails[rel]
                self.ingestor.forget(rel)
            return 0
        except OSError as exc:
            self._note(rel, f"unreadable: {exc.strerror or exc}")
            return 0
        if stat.S_ISDIR(st.st_mode):
            return 0  # a folder the watcher reported (new, or its entries changed): not a file
        if not stat.S_ISREG(st.st_mode):
            self._note(rel, "not a regular file (skipped)")
            return 0
        identity = (st.st_dev, st.st_ino)
        if tail is None:
            tail = self.tails[rel] = _Tail(0, identity)
            if st.st_size == 0:
                self.ingestor.notice(rel)  # an empty per-node file still names its node
        elif tail.identity != identity or st.st_size < tail.offset:
            self.ingestor.reset(rel)
            tail.offset, tail.identity, tail.last = 0, identity, b""
        if st.st_size <= tail.offset:
            return 0
        return self._read_from(rel, full, tail, on_progress)

    def _read_from(
        self, rel: str, full: Path, tail: _Tail, on_progress: Callable[[], None] | None
    ) -> int:
        got = 0
        try:
            with open(full, "rb") as handle:
                if tail.last:
                    handle.seek(tail.offset - len(tail.last))
                    if handle.read(len(tail.last)) != tail.last:
                        # rewritten in place, same inode, now longer: not an append
                        self.ingestor.reset(rel)
                        tail.offset, tail.last = 0, b""
                handle.seek(tail.offset)
                while True:
                    data = handle.read(READ_CHUNK)
                    if not data:
                        break
                    tail.offset += len(data)
                    tail.last = (tail.last + data[-OVERLAP:])[-OVERLAP:]
                    got += len(data)
                    self.bytes_read += len(data)  # before on_progress: it reports how far
                    self.ingestor.feed(rel, data)
                    if on_progress is not None:
                        on_progress()
        except OSError as exc:
            self._note(rel, f"unreadable: {exc.strerror or exc}")
        if got:
            self._note(rel, None)
            self.grew_at[rel] = time.monotonic()
        return got


def follow(
    tree: LocalTree,
    stop: threading.Event,
    on_change: Callable[[], None] = lambda: None,
    rescan_every: float = 10.0,
    quiet_flush_after: float = 1.5,
    rescan_at_most_every: float = 120.0,
) -> None:
    """Follow the folder until `stop` is set, feeding new bytes as watchfiles reports changes.

    watchfiles wakes us on changes (no polling loop of our own); a slow full rescan is a safety
    net for events a platform drops (network mounts, overflowing watch queues). Each rescan
    that finds nothing doubles the wait before the next (up to `rescan_at_most_every`), so a
    quiet tree of thousands of files costs next to nothing. Open multi-line records of files
    that went quiet are flushed so a traceback does not wait for the next line.
    """
    from watchfiles import Change, watch

    last_rescan = time.monotonic()
    rescan_wait = rescan_every
    while not stop.is_set():
        if not tree.folder.exists():
            stop.wait(1.0)
            continue
        caught_up = False
        try:
            for changes in watch(
                tree.folder,
                stop_event=stop,
                rust_timeout=1000,
                yield_on_timeout=True,
                debounce=50,
                step=50,
                raise_interrupt=False,
            ):
                now = time.monotonic()
                # one symlink policy with the scan: linked folders are not followed
                changes = {(k, p) for k, p in changes if not tree.through_symlink(p)}
                changed = sorted({tree.rel(p) for kind, p in changes if kind != Change.deleted})
                deleted = {tree.rel(p) for kind, p in changes if kind == Change.deleted}
                got = 0
                if not caught_up:
                    # what was written between the caller's first read and the moment the
                    # watch began is reported by no event: read it once, on the first wake
                    got += tree.read_all()
                    caught_up = True
                for kind, p in changes:
                    if kind == Change.added and os.path.isdir(p) and not os.path.islink(p):
                        # files made inside a new folder before its watch existed are not
                        # reported: look inside it once
                        got += tree.read_all(tree.scan(p))
                for rel in changed:
                    got += tree.read(rel)
                for rel in deleted - set(changed):
                    tree.read(rel)  # notices the deletion
                if now - last_rescan > rescan_wait:
                    missed = tree.read_all()
                    got += missed
                    last_rescan = now
                    rescan_wait = (
                        rescan_every if missed else min(rescan_wait * 2, rescan_at_most_every)
                    )
                flushed = _flush_quiet(tree, now, quiet_flush_after)
                if got or deleted or flushed:
                    on_change()
                if not tree.folder.exists():
                    break
        except (FileNotFoundError, RuntimeError, OSError):
            stop.wait(1.0)  # the folder vanished under the watcher: wait for it to come back
            tree.read_all()


def _flush_quiet(tree: LocalTree, now: float, after: float) -> bool:
    flushed = False
    for rel, when in list(tree.grew_at.items()):
        if now - when >= after:
            del tree.grew_at[rel]
            if tree.ingestor.has_open_records(rel):
                tree.ingestor.flush(rel)
                flushed = True
    return flushed
