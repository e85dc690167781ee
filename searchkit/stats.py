"""What an index holds: documents, sources, categories, dates, size on disk, last sync.

:func:`index_stats` counts the documents of an index (deleted ones left out) by source and
category, finds the oldest and newest dates, and reads the index folder: its size, the time
of the last commit, the sync manifest (folders indexed, when) and the versions it was built
with (``searchkit.json``).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

from whoosh import query
from whoosh.util.times import long_to_datetime

from . import index as idx
from .check import _manifest
from .postings import NO_NUMBER, IndexArrays
from .search import Facets, collect


@dataclass(frozen=True)
class IndexStats:
    """A summary of one index. Counts are of documents (copies of one body each counted);
    sources and categories largest first, as most often written."""

    path: str
    documents: int
    sources: dict[str, int] = field(default_factory=dict)
    categories: dict[str, int] = field(default_factory=dict)
    oldest: date | None = None
    newest: date | None = None
    undated: int = 0
    size_bytes: int = 0
    updated: datetime | None = None
    last_sync: datetime | None = None
    folders: dict[str, int] = field(default_factory=dict)
    versions: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (dates and times in ISO 8601)."""
        data = asdict(self)
        for key in ("oldest", "newest", "updated", "last_sync"):
            value = getattr(self, key)
            data[key] = value.isoformat() if value else None
        return data

    def lines(self) -> list[str]:
        """The summary for people, one fact a line."""
        def counts(values: dict[str, int]) -> str:
            shown = ", ".join(f"{name} {n}" for name, n in list(values.items())[:20])
            more = f" (and {len(values) - 20} more)" if len(values) > 20 else ""
            return (shown + more) or "-"

        dates = f"{self.oldest} .. {self.newest}" if self.oldest else "-"
        out = [
            f"index: {self.path}",
            f"documents: {self.documents}",
            f"dates: {dates}" + (f" ({self.undated} undated)" if self.undated else ""),
            f"sources: {counts(self.sources)}",
            f"categories: {counts(self.categories)}",
            f"size on disk: {self.size_bytes / 2**20:.1f} MB",
            f"last commit: {_when(self.updated)}",
            f"last sync: {_when(self.last_sync)}",
        ]
        out += [f"  {folder}: {files} files" for folder, files in self.folders.items()]
        if self.versions:
            out.append(f"built by searchkit {self.versions.get('searchkit', '?')} (format "
                       f"{self.versions.get('format')}, analysis {self.versions.get('analysis')})")
        return out


def _when(moment: datetime | None) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M:%S %Z") if moment else "-"


def _files(path: Path) -> dict[str, os.stat_result]:
    """The status of each file in ``path`` by name (files a commit removes meanwhile left
    out)."""
    found = {}
    try:
        with os.scandir(path) as entries:
            for entry in entries:
                try:
                    if entry.is_file():
                        found[entry.name] = entry.stat()
                except OSError:
                    continue
    except OSError:
        pass
    return found


def _time(status: os.stat_result | None) -> datetime | None:
    return datetime.fromtimestamp(status.st_mtime, timezone.utc) if status else None


def _date_range(arrays: IndexArrays) -> tuple[date | None, date | None, int]:
    """The oldest and newest dates of the documents, and how many have none."""
    dates = arrays.numbers("date")[~arrays.deleted()]
    dated = dates[dates != NO_NUMBER]
    if not len(dated):
        return None, None, len(dates)
    return (long_to_datetime(int(dated.min())).date(),
            long_to_datetime(int(dated.max())).date(), len(dates) - len(dated))


def index_stats(arrays: IndexArrays, path: Path) -> IndexStats:
    """The :class:`IndexStats` of the index at ``path``, read through ``arrays``."""
    from .sync import MANIFEST_FILE  # here: sync loads the ingest stack

    facets = collect(arrays, query.Every(), limit=1, fold=False, facets=True).facets \
        or Facets()
    oldest, newest, undated = _date_range(arrays)
    files = _files(path)
    try:
        versions = json.loads((path / idx.META_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        versions = {}
    return IndexStats(
        path=str(path), documents=arrays.searcher.doc_count(),
        sources=facets.source, categories=facets.category,
        oldest=oldest, newest=newest, undated=undated,
        size_bytes=sum(f.st_size for f in files.values()),
        updated=_time(max((f for name, f in files.items() if name.endswith(".toc")),
                          key=lambda f: f.st_mtime, default=None)),
        last_sync=_time(files.get(MANIFEST_FILE)),
        folders={root: len(state) for root, state in _manifest(path).items()},
        versions=versions if isinstance(versions, dict) else {},
    )
