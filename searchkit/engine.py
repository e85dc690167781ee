"""``SearchEngine``: the public API that apps embed (index, search, analyze)."""

from __future__ import annotations

import pickle
import struct
import threading
import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from whoosh import query as wq
from whoosh.filedb.filetables import FileFormatError
from whoosh.reading import CorruptIndexError

from . import index as idx
from .analysis import AnalysisOptions
from .documents import Document
from .errors import IndexCorruptError, QueryError, SearchkitError
from .lock import DEFAULT_WAIT, WriteLock
from .matching import narrow
from .postings import IndexArrays, PostingsCache
from .query import (
    date_bound,
    expand,
    make_parser,
    parse,
    query_terms,
)
from .ranking import focus, weighting
from .search import SORTS, Results, Sort, collect, filter_query, make_hits, more_like
from .stats import IndexStats, index_stats
from .suggest import FEW_RESULTS, broadening, near_spellings, with_variants

if TYPE_CHECKING:  # the ingest stack is imported only when indexing (fast `search` start)
    from .ingest import IngestReport
    from .sync import ProgressCallback


# What reading damaged index files raises (Whoosh's checks, or the decoders under them).
_DAMAGED = (CorruptIndexError, FileFormatError, zlib.error, pickle.UnpicklingError,
            struct.error, EOFError)


def _as_document(doc: Document | Mapping[str, Any]) -> Document:
    return doc if isinstance(doc, Document) else Document.from_mapping(doc)


def _stored_document(stored: Mapping[str, Any]) -> Document:
    return Document(
        id=stored["id"], body=idx.stored_body(dict(stored)), title=stored.get("title") or None,
        date=stored.get("date"), source=stored.get("source"), category=stored.get("category"),
        url=stored.get("url"), path=stored.get("path"), encoding=stored.get("encoding"),
        file_hash=stored.get("file_hash"), hash=stored.get("hash") or "",
    )


class SearchEngine:
    """An index folder and everything you do with it.

    >>> import tempfile
    >>> with SearchEngine(tempfile.mkdtemp()) as engine:
    ...     engine.add_documents([{"id": "1", "body": "زار الرئيسُ موسكو"}])
    ...     [hit.id for hit in engine.search("الرئيس")]
    1
    ['1']
    """

    def __init__(self, path: str | Path, create: bool = True,
                 analysis: AnalysisOptions | None = None, *, wait: float = DEFAULT_WAIT
                 ) -> None:
        """Open the index at ``path``, creating the folder and index if missing.

        With ``create=False`` a missing index raises :class:`IndexNotFoundError`; an index
        built by an incompatible searchkit raises :class:`IndexVersionError`. Creating an
        index takes the write lock (:class:`IndexLockedError` if another writer holds it).
        ``analysis`` switches parts of the analysis off in a *new* index (for studies); an
        existing index keeps the analysis it was built with.
        Writes wait up to ``wait`` seconds for another process (or thread) writing to the
        index, then raise :class:`IndexLockedError` naming it.
        """
        self.path = Path(path)
        self.wait = wait
        self._ix = idx.open_index(self.path, create=create,
                                  options=analysis or AnalysisOptions(), wait=wait)
        self._parser = make_parser(self._ix.schema)
        self._cache = PostingsCache()
        self._arrays: IndexArrays | None = None
        self._lock = threading.Lock()

    # -- writing ---------------------------------------------------------------------------

    def add_documents(self, docs: Iterable[Document | Mapping[str, Any]]) -> int:
        """Add ``docs`` (Documents or dicts) in one commit; an existing id is replaced.

        Returns the number of documents added. Nothing is written if a document is invalid.
        """
        with WriteLock(self.path, self.wait):
            writer = idx.writer(self._ix, timeout=self.wait)
            count = 0
            try:
                fresh = self._ix.is_empty()
                for doc in docs:
                    fields = idx.document_fields(_as_document(doc))
                    if fresh:
                        writer.add_document(**fields)
                    else:
                        writer.update_document(**fields)
                    count += 1
            except BaseException:
                writer.cancel()
                raise
            writer.commit()
        return count

    def index_folder(self, folder: str | Path, *, procs: int | None = None,
                     keys: Mapping[str, str] | None = None, max_file_mb: int | None = None,
                     progress: ProgressCallback | None = None,
                     batch_documents: int | None = None) -> IngestReport:
        """Bring the index in step with the files under ``folder``; a report of what changed.

        Only new and changed files are read; documents of deleted files are removed. Files
        are parsed in ``procs`` processes (default: one per core). ``keys`` maps Document
        fields to JSON key names (``{"body": "story"}``), tried before the usual names.
        Files over ``max_file_mb`` (default 50) are skipped. ``progress`` is called after
        each file read. Unreadable files are skipped and listed in ``report.skipped``.
        Documents are committed every ``batch_documents`` (default 50,000): a crash loses at
        most one batch. The write lock is held for the whole run. Worker processes are
        spawned: a script calling this needs an ``if __name__ == "__main__":`` guard (or
        ``procs=1``). :class:`SearchkitError` for a missing folder or bad ``keys``.
        """
        from .ingest import key_map
        from .sync import BATCH_DOCUMENTS, Options, sync_folder

        root = Path(folder)
        if not root.is_dir():
            raise SearchkitError(f"{root}: no such folder")
        try:
            options = Options(keys=key_map(keys), max_file_bytes=(max_file_mb or 50) * 2**20)
        except ValueError as exc:
            raise SearchkitError(str(exc)) from None
        return sync_folder(self._ix, self.path, root, procs=procs, options=options,
                           progress=progress, batch_documents=batch_documents or BATCH_DOCUMENTS,
                           wait=self.wait)

    @staticmethod
    def reset(path: str | Path, *, wait: float = DEFAULT_WAIT) -> None:
        """Empty the index at ``path`` (whatever searchkit built it) to rebuild it from scratch.

        Waits up to ``wait`` seconds for another process writing to it."""
        from .sync import reset_index

        with WriteLock(Path(path), wait):
            reset_index(Path(path)).close()

    # -- reading ---------------------------------------------------------------------------

    @contextmanager
    def _reading(self) -> Iterator[IndexArrays]:
        """The current arrays, under the lock; damaged files become :class:`IndexCorruptError`."""
        with self._lock:
            try:
                yield self._current()
            except _DAMAGED as exc:
                raise IndexCorruptError(f"{self.path}: damaged index files ({exc}): rebuild "
                                        "it (searchkit index --rebuild FOLDER)") from None

    def _current(self) -> IndexArrays:
        """The latest commit's searcher, with its postings as arrays (call under the lock)."""
        # Not Searcher.refresh(): it reuses segment readers and so misses deletions made in
        # a segment since (a replaced document would still be found).
        arrays = self._arrays
        if arrays is None or arrays.searcher.reader().generation() != \
                self._ix.latest_generation():
            if arrays is not None:
                arrays.searcher.close()
            arrays = self._arrays = IndexArrays(self._ix.searcher(weighting=weighting()),
                                                self._cache)
        return arrays

    def search(self, query: str, *, limit: int = 10, offset: int = 0,
               sort: Sort = "relevance", source: str | Sequence[str] | None = None,
               category: str | Sequence[str] | None = None,
               since: date | datetime | str | None = None,
               until: date | datetime | str | None = None,
               facets: bool = False, fold_duplicates: bool = True,
               snippets: bool = True) -> Results:
        """Search for ``query`` (the query language of :mod:`searchkit.query`).

        Returns hits ``offset .. offset + limit`` (best first, or newest first with
        ``sort="date"``; date-sorted hits have score 0) and ``results.total``, the number of
        matching documents after filters, copies of one body counted once.

        Filters: ``source`` and ``category`` (one value or several, any of them,
        case-insensitive); ``since`` and ``until`` (``"2018"``, ``"2018-03"``,
        ``"2018-03-05"``, a date or a datetime; both ends included, so ``until="2018-03"``
        takes all of March). ``facets=True`` counts results by source, category and month
        (``results.facets``). Copies of the same body show once, with ``hit.duplicates``
        other copies (``fold_duplicates=False`` shows them all).

        A document matches a word when it has the word as written, or shares its light
        stem or a known variant (a broken plural, a country's adjective, a spelling of a
        name); sharing only the root ranks a matching document higher but finds none.
        When the search finds fewer than 3 results, it is broadened: roots, and near
        spellings of words the index does not have, find documents too, ranked after the
        strict matches, and ``results.expanded`` lists what was added per word;
        ``results.suggestion`` is the query respelled with words the index has.
        ``snippets=False`` skips snippets (faster).

        Raises :class:`QueryError` for an empty or malformed query or a bad option.
        """
        if limit < 1 or offset < 0:
            raise QueryError(f"limit must be at least 1 and offset at least 0 "
                             f"(got {limit} and {offset})")
        if sort not in SORTS:
            raise QueryError(f"sort must be one of {', '.join(SORTS)}, not {sort!r}")
        parsed = parse(self._parser, query)
        restrict = filter_query(
            source=source, category=category,
            start=date_bound(since, end=False) if since else None,
            end=date_bound(until, end=True) if until else None)
        options = {"limit": limit, "offset": offset, "sort": sort, "fold": fold_duplicates,
                   "facets": facets}
        with self._reading() as arrays:
            reader = arrays.searcher.reader()
            q = narrow(expand(parsed.query, reader), arrays, parsed.words)
            if parsed.plain:
                q = focus(q, reader, parsed.words)
            found = collect(arrays, self._ranked(q, parsed.boosts, restrict), **options)
            spellings, broadened = None, False
            if found.total < FEW_RESULTS and offset == 0 and parsed.words:
                # Almost nothing: let roots and near spellings of unknown words find
                # documents too, ranked after the strict matches, and say so.
                spellings = near_spellings(reader, query, parsed.words)
                wider = with_variants(q, self._parser, spellings.variants)
                more = collect(arrays, self._ranked(wider, parsed.boosts, restrict),
                               roots_find=True, ahead=found.matches, **options)
                if more.total > found.total:
                    q, found, broadened = wider, more, True
            hits = make_hits(arrays, found, query_terms(q, roots=broadened), snippets)
            added = broadening(reader, parsed.words, spellings) if broadened else None
        return Results(hits, found.total, query, offset=offset,
                       folded=found.folded, facets=found.facets,
                       suggestion=spellings.suggestion if spellings else None, expanded=added,
                       notes=parsed.notes)

    @staticmethod
    def _ranked(q: wq.Query, boosts: tuple[wq.Query, ...], restrict: wq.Query | None
                ) -> wq.Query:
        """``q`` within the filters, ranked higher where ``boosts`` match."""
        if boosts:
            q = wq.AndMaybe(q, wq.Or(list(boosts)))
        return wq.Require(q, restrict) if restrict is not None else q

    def get(self, doc_id: str) -> Document | None:
        """The document with id ``doc_id`` as indexed (body included), or None."""
        with self._reading() as arrays:
            stored = arrays.searcher.document(id=doc_id)
        return _stored_document(stored) if stored else None

    def similar(self, doc_id: str, *, limit: int = 10, snippets: bool = True) -> Results:
        """Documents like ``doc_id`` (by its most telling stems), best first; copies of its
        body left out. :class:`SearchkitError` if there is no such document."""
        with self._reading() as arrays:
            searcher = arrays.searcher
            stored = searcher.document(id=doc_id)
            if not stored:
                raise SearchkitError(f"no document with id {doc_id!r} in {self.path}")
            doc = _stored_document(stored)
            q, terms = more_like(searcher, doc.body, doc.hash)
            found = collect(arrays, q, limit=limit)
            hits = make_hits(arrays, found, terms, snippets)
        return Results(hits, found.total, f"similar:{doc_id}",
                       folded=found.folded)

    def count(self) -> int:
        """Number of documents in the index."""
        return self._ix.doc_count()

    def stats(self) -> IndexStats:
        """What the index holds: documents by source and category, oldest and newest dates,
        size on disk, last commit and sync, the versions it was built with."""
        with self._reading() as arrays:
            return index_stats(arrays, self.path)

    # -- lifetime --------------------------------------------------------------------------

    def close(self) -> None:
        """Release the searcher and the index."""
        with self._lock:
            if self._arrays is not None:
                self._arrays.searcher.close()
                self._arrays = None
        self._ix.close()

    def __enter__(self) -> SearchEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
