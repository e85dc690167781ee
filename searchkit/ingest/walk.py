"""Walking a folder: the supported files under it, with what could not be visited and why.

Hidden files and folders and the index folder are left out; symlinked folders are followed
once (a symlink loop is visited only the first time).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .readers import supported
from .report import Skipped


@dataclass(frozen=True)
class FileEntry:
    """A supported file: ``rel`` is its ``/``-separated path relative to the walked folder."""

    rel: str
    path: Path
    size: int
    mtime_ns: int


def _reason(exc: OSError) -> str:
    return exc.strerror.lower() if exc.strerror else str(exc)


def walk(root: Path, exclude: Path | None = None) -> Iterator[FileEntry | Skipped]:
    """The supported files under ``root`` in sorted order, and Skipped for what failed."""
    root = root.resolve()
    excluded = exclude.resolve() if exclude else None
    seen_dirs: set[tuple[int, int]] = set()
    problems: list[Skipped] = []

    def on_error(exc: OSError) -> None:
        rel = Path(exc.filename).relative_to(root).as_posix() if exc.filename else "."
        problems.append(Skipped(rel + "/", _reason(exc)))

    for dirpath, dirnames, filenames in os.walk(root, onerror=on_error, followlinks=True):
        yield from problems
        problems.clear()
        st = os.stat(dirpath)
        if (st.st_dev, st.st_ino) in seen_dirs:  # a symlink back up the tree
            dirnames[:] = []
            continue
        seen_dirs.add((st.st_dev, st.st_ino))
        here = Path(dirpath)
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".")
                             and (excluded is None or (here / d).resolve() != excluded))
        # Paths as strings (a Path per file is most of the walk's time).
        prefix = here.relative_to(root).as_posix() + "/" if here != root else ""
        for name in sorted(filenames):
            if name.startswith(".") or not supported(name):
                continue
            path = os.path.join(dirpath, name)
            try:
                fst = os.stat(path)
            except OSError as exc:
                yield Skipped(prefix + name, _reason(exc))
                continue
            yield FileEntry(prefix + name, Path(path), fst.st_size, fst.st_mtime_ns)
    yield from problems
