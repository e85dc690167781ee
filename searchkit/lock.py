"""The index's write lock: one writing process at a time, with a wait and a named holder.

A write (a folder sync and all its batch commits, an add, a rebuild) holds an OS file lock
(``flock`` on POSIX) on ``searchkit-write.lock`` in the index folder from start to end, so a
second writer cannot slip in between two batch commits. The kernel releases the lock when
its holder dies, however it dies (``kill -9`` included), so the lock itself never goes stale.

Beside it, ``searchkit-writer.json`` names the holder (pid, host, start time, command): a
writer that gives up after waiting says whom it waited for. The file is removed on release;
one found when the lock is free was left by a writer that died: it is replaced, the dead
writer is logged, and the temporary files it left (``*.tmp``) are removed. File locks are
not reliable on network file systems (NFS): keep indexes on a local disk.

>>> import tempfile
>>> folder = Path(tempfile.mkdtemp())
>>> with WriteLock(folder) as lock:
...     lock.holder() == Holder.current()
True
>>> Holder.read(folder) is None
True
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import socket
import sys
import time
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from whoosh.util.filelock import FileLock

from .errors import IndexLockedError

LOCK_FILE = "searchkit-write.lock"
HOLDER_FILE = "searchkit-writer.json"
# Seconds a writer waits for another process's lock before giving up.
DEFAULT_WAIT = 5.0
_POLL = 0.1

log = logging.getLogger("searchkit")


@dataclass(frozen=True)
class Holder:
    """Who holds (or last held) an index's write lock."""

    pid: int
    host: str
    started: str
    command: str

    @classmethod
    def current(cls) -> Holder:
        """This process, started now (to the second)."""
        program = Path(sys.argv[0]).name if sys.argv and sys.argv[0] else ""
        program = "searchkit" if program == "__main__.py" else program  # python -m searchkit
        argv = [program, *sys.argv[1:]] if program else []
        return cls(os.getpid(), socket.gethostname(),
                   datetime.now().astimezone().isoformat(timespec="seconds"),
                   " ".join(argv)[:200])

    @classmethod
    def read(cls, index_dir: Path) -> Holder | None:
        """The holder recorded in ``index_dir``, or None (no file, or not one of ours)."""
        try:
            data = json.loads((index_dir / HOLDER_FILE).read_text(encoding="utf-8"))
            return cls(int(data["pid"]), str(data["host"]), str(data["started"]),
                       str(data.get("command", "")))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def write(self, index_dir: Path) -> None:
        """Record this holder in ``index_dir`` (atomically: readers never see half a file)."""
        tmp = index_dir / f"{HOLDER_FILE}.{self.pid}.tmp"
        tmp.write_text(json.dumps(asdict(self)) + "\n", encoding="utf-8")
        os.replace(tmp, index_dir / HOLDER_FILE)

    def __str__(self) -> str:
        command = f" ({self.command})" if self.command else ""
        return f"process {self.pid} on {self.host}{command}, writing since {self.started}"


def is_locked(index_dir: Path) -> bool:
    """Whether a process holds the write lock of ``index_dir`` now (a record without a lock
    is a dead writer's)."""
    if not (index_dir / LOCK_FILE).exists():
        return False
    lock = FileLock(str(index_dir / LOCK_FILE))
    if lock.acquire(blocking=False):
        lock.release()
        return False
    return True


def _remove_leftovers(index_dir: Path) -> None:
    """Remove the temporary files and folders (``*.tmp``) a dead writer left in ``index_dir``:
    Whoosh's segment pools, half-written TOCs, manifests and holder records."""
    for entry in index_dir.glob("*.tmp"):
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)


class WriteLock:
    """The write lock of the index in ``index_dir``; a context manager.

    :meth:`acquire` waits up to ``wait`` seconds, then raises :class:`IndexLockedError`
    naming the holder. Threads of one process are serialized too (each acquire opens the
    lock file anew, and ``flock`` locks are per open file).
    """

    def __init__(self, index_dir: Path, wait: float = DEFAULT_WAIT) -> None:
        self.index_dir = index_dir
        self.wait = wait
        self._lock: FileLock | None = None
        self.stale: Holder | None = None  # a dead writer's record, replaced on acquire

    def acquire(self) -> None:
        """Take the lock, waiting up to ``self.wait`` seconds for another writer."""
        self.index_dir.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(self.index_dir / LOCK_FILE))
        deadline = time.monotonic() + self.wait
        while not lock.acquire(blocking=False):
            if time.monotonic() >= deadline:
                raise IndexLockedError(self._busy_message())
            time.sleep(_POLL)
        self._lock = lock
        # The lock was free, so a record left here is a dead writer's: replace it.
        self.stale = Holder.read(self.index_dir)
        if self.stale is not None:
            log.warning("cleared the write lock left by %s (no longer running)", self.stale)
            _remove_leftovers(self.index_dir)
        Holder.current().write(self.index_dir)

    def release(self) -> None:
        """Drop the holder record, then the lock (in that order, so a writer that takes the
        lock next never has its own record removed)."""
        if self._lock is None:
            return
        (self.index_dir / HOLDER_FILE).unlink(missing_ok=True)
        self._lock.release()
        self._lock = None

    def holder(self) -> Holder | None:
        """Who holds the lock now, as recorded (None if unknown)."""
        return Holder.read(self.index_dir)

    def _busy_message(self) -> str:
        holder = self.holder()
        who = f": {holder}" if holder else ""
        return (f"{self.index_dir}: another process is writing to this index{who}; gave up "
                f"after waiting {self.wait:g} s (wait longer with --wait SECONDS)")

    def __enter__(self) -> WriteLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
