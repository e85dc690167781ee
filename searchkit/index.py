"""The Whoosh index: schema (exact + stemmed fields), format version, open/create, writer.

An index folder holds Whoosh's files plus ``searchkit.json``, which records the format
version and the analysis version it was built with. Opening an index built by an
incompatible searchkit raises :class:`IndexVersionError` ("rebuild"), never wrong results.

Whoosh unpickles the schema when it opens an index: open only index folders you built.
"""

from __future__ import annotations

import json
import os
import zlib
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh.analysis import IDTokenizer, LowercaseFilter
from whoosh.fields import DATETIME, ID, STORED, TEXT, Schema
from whoosh.index import Index, LockError
from whoosh.writing import IndexWriter

from . import __version__
from .analysis import (
    ANALYSIS_VERSION,
    DEFAULT_OPTIONS,
    AnalysisOptions,
    exact_analyzer,
    stem_analyzer,
)
from .codec import FrequencyFormat, PositionsFormat, SearchkitCodec
from .documents import Document
from .errors import IndexLockedError, IndexNotFoundError, IndexVersionError
from .lock import DEFAULT_WAIT, WriteLock
from .writer import Handler, MultiWriter, SegmentWriter, Workers

FORMAT_VERSION = 3
META_FILE = "searchkit.json"
REBUILD_HINT = "rebuild it with `searchkit index --rebuild FOLDER`"

# Text fields: (stemmed field, exact field) pairs.
TEXT_FIELDS = {"title": "title_exact", "body": "body_exact"}


def make_schema(options: AnalysisOptions = DEFAULT_OPTIONS) -> Schema:
    """The schema: stemmed and exact text fields, metadata for filters, the stored body.

    Only the exact fields keep positions (as :class:`~searchkit.codec.PositionsFormat`):
    phrases match words as written (normalized).
    """
    stemmed, exact = stem_analyzer(options), exact_analyzer(options)
    return Schema(
        id=ID(stored=True, unique=True),
        title=_counted(TEXT(analyzer=stemmed, stored=True, phrase=False)),
        title_exact=_positional(TEXT(analyzer=exact)),
        body=_counted(TEXT(analyzer=stemmed, phrase=False)),
        body_exact=_positional(TEXT(analyzer=exact)),
        body_z=STORED(),
        date=_unindexed(DATETIME(stored=True, sortable=True)),
        source=ID(stored=True, sortable=True, analyzer=IDTokenizer() | LowercaseFilter()),
        category=ID(stored=True, sortable=True, analyzer=IDTokenizer() | LowercaseFilter()),
        url=STORED(),
        path=ID(stored=True),
        hash=ID(stored=True, sortable=True),
        file_hash=STORED(),
        encoding=STORED(),
    )


def _unindexed(field: DATETIME) -> DATETIME:
    """A field kept as a column (and stored), without terms: dates filter, sort and facet
    from the column, and Whoosh's numeric terms (eight per date) would only cost time."""
    field.indexed = False
    return field


def _positional(field: TEXT) -> TEXT:
    field.format = PositionsFormat(field_boost=field.format.field_boost)
    return field


def _counted(field: TEXT) -> TEXT:
    field.format = FrequencyFormat(field_boost=field.format.field_boost)
    return field


FIELD_NAMES = frozenset(make_schema().names())


def _meta() -> dict[str, Any]:
    return {"format": FORMAT_VERSION, "analysis": ANALYSIS_VERSION, "searchkit": __version__}


def exists(path: Path) -> bool:
    """Whether ``path`` holds a Whoosh index (a table of contents; not opened, because
    Whoosh's own ``exists_in`` unpickles the schema and so fails on an incompatible one)."""
    return path.is_dir() and any(path.glob(f"_{whoosh_index._DEF_INDEX_NAME}_*.toc"))


def check_version(path: Path) -> None:
    """Raise :class:`IndexVersionError` unless the index at ``path`` is compatible."""
    meta_path = path / META_FILE
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise IndexVersionError(
            f"{path}: not a searchkit index or built by an unknown version; {REBUILD_HINT}"
        ) from None
    if meta.get("format") != FORMAT_VERSION or meta.get("analysis") != ANALYSIS_VERSION:
        raise IndexVersionError(
            f"{path}: built by searchkit {meta.get('searchkit', '?')} (format "
            f"{meta.get('format')}, analysis {meta.get('analysis')}), this is searchkit "
            f"{__version__} (format {FORMAT_VERSION}, analysis {ANALYSIS_VERSION}); {REBUILD_HINT}"
        )


def open_index(path: Path, create: bool = True, options: AnalysisOptions = DEFAULT_OPTIONS,
               wait: float = DEFAULT_WAIT) -> Index:
    """Open the index at ``path``; create it (and the folder) if missing and ``create``.

    ``options`` apply only when the index is created; an existing index keeps its own.
    Creating takes the write lock (waiting up to ``wait`` seconds), so that two processes
    starting on a new index do not both create it.
    """
    if not exists(path):
        if not create:
            raise IndexNotFoundError(
                f"no index at {path}: build one with `searchkit index FOLDER --index {path}`"
            )
        with WriteLock(path, wait):
            if not exists(path):
                return create_index(path, options)
    check_version(path)
    try:
        ix = whoosh_index.open_dir(str(path))
        names = set(ix.schema.names())
    except Exception as exc:  # unpickling an old or foreign schema fails in many ways
        raise IndexVersionError(
            f"{path}: cannot open index ({type(exc).__name__}: {exc}); {REBUILD_HINT}"
        ) from None
    if names != FIELD_NAMES:
        ix.close()
        raise IndexVersionError(f"{path}: not the fields of a searchkit index; {REBUILD_HINT}")
    return ix


def create_index(path: Path, options: AnalysisOptions = DEFAULT_OPTIONS) -> Index:
    """Create an empty index at ``path`` (replacing any index there)."""
    path.mkdir(parents=True, exist_ok=True)
    # The meta file first: a process killed in between leaves no index (the TOC is written
    # last), never an index without its versions.
    tmp = path / f"{META_FILE}.tmp"
    tmp.write_text(json.dumps(_meta(), indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path / META_FILE)
    return whoosh_index.create_in(str(path), make_schema(options))


# Segment files stay separate (not one compound file): Whoosh copies a compound file's parts
# into memory when it opens them, which made opening a 50k-article index take 1 s.
_WRITER_OPTIONS: dict[str, Any] = {"compound": False, "codec": SearchkitCodec()}


def writer(ix: Index, timeout: float = 0.0, workers: Workers | None = None) -> IndexWriter:
    """A writer for ``ix`` (:class:`~searchkit.writer.SegmentWriter`, postings written by
    :class:`~searchkit.codec.SearchkitCodec`); :class:`IndexLockedError` if another process
    holds Whoosh's own lock after ``timeout`` seconds. Take
    :class:`~searchkit.lock.WriteLock` first: it waits for other searchkit writers and
    names them.

    With ``workers`` (:func:`start_workers`), the writer also commits the segments those
    processes wrote (:class:`~searchkit.writer.MultiWriter`).
    """
    try:
        if workers is not None:
            return MultiWriter(ix, workers, timeout=timeout, **_WRITER_OPTIONS)
        return SegmentWriter(ix, timeout=timeout, **_WRITER_OPTIONS)
    except LockError:
        raise IndexLockedError(
            f"{ix.storage.folder}: another process is writing to this index; try again later"
        ) from None


def start_workers(ix: Index, procs: int, handler: Handler) -> Workers:
    """``procs`` writer processes for :func:`writer`, each indexing the documents that
    ``handler`` makes of the jobs sent to it (see :class:`~searchkit.writer.Workers`);
    close them when done."""
    return Workers(ix.storage, ix.indexname, procs, _WRITER_OPTIONS, handler)


def document_fields(doc: Document) -> dict[str, Any]:
    """The Whoosh fields for ``doc`` (missing values left out)."""
    title = doc.title or ""
    fields: dict[str, Any] = {
        "id": doc.id,
        "title": title,
        "title_exact": title,
        "body": doc.body,
        "body_exact": doc.body,
        "body_z": doc.body,  # (Whoosh's stored column deflates it with the rest)
        "hash": doc.hash,
    }
    for key in ("date", "source", "category", "url", "path", "file_hash", "encoding"):
        value = getattr(doc, key)
        if value is not None:
            fields[key] = value
    return fields


def stored_body(stored: dict[str, Any]) -> str:
    """The original body of a stored document: kept as text, or deflated on its own (as
    earlier format-3 indexes kept it; Whoosh's stored column deflated it again)."""
    data = stored.get("body_z")
    if isinstance(data, str):
        return data
    return zlib.decompress(data).decode("utf-8") if data else ""
