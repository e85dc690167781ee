"""``SearchEngine``: the public API that apps embed (index, search, analyze)."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from whoosh.searching import Searcher

from . import index as idx
from .analysis import AnalysisOptions
from .documents import Document
from .errors import SearchkitError
from .ingest import IngestReport, key_map
from .search import Hit, Results, make_parser, parse, query_terms, weighting
from .snippets import PlainFormatter, make_snippet
from .sync import Options, ProgressCallback, reset_index, sync_folder


def _as_document(doc: Document | Mapping[str, Any]) -> Document:
    return doc if isinstance(doc, Document) else Document.from_mapping(doc)


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
                 analysis: AnalysisOptions | None = None) -> None:
        """Open the index at ``path``, creating the folder and index if missing.

        With ``create=False`` a missing index raises :class:`IndexNotFoundError`.
        ``analysis`` switches parts of the analysis off in a *new* index (for studies).
        """
        self.path = Path(path)
        self._ix = idx.open_index(self.path, create=create,
                                  options=analysis or AnalysisOptions())
        self._parser = make_parser(self._ix.schema)
        self._searcher: Searcher | None = None
        self._lock = threading.Lock()

    # -- writing ---------------------------------------------------------------------------

    def add_documents(self, docs: Iterable[Document | Mapping[str, Any]]) -> int:
        """Add ``docs`` (Documents or dicts) in one commit; an existing id is replaced.

        Returns the number of documents added. Nothing is written if a document is invalid.
        """
        writer = idx.writer(self._ix)
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
                     progress: ProgressCallback | None = None) -> IngestReport:
        """Bring the index in step with the files under ``folder``; a report of what changed.

        Only new and changed files are read; documents of deleted files are removed. Files
        are parsed in ``procs`` processes (default: one per core). ``keys`` maps Document
        fields to JSON key names (``{"body": "story"}``), tried before the usual names.
        Files over ``max_file_mb`` (default 50) are skipped. ``progress`` is called after
        each file read. Unreadable files are skipped and listed in ``report.skipped``.
        """
        root = Path(folder)
        if not root.is_dir():
            raise SearchkitError(f"{root}: no such folder")
        try:
            options = Options(keys=key_map(keys), max_file_bytes=(max_file_mb or 50) * 2**20)
        except ValueError as exc:
            raise SearchkitError(str(exc)) from None
        return sync_folder(self._ix, self.path, root, procs=procs, options=options,
                           progress=progress)

    @staticmethod
    def reset(path: str | Path) -> None:
        """Empty the index at ``path`` (whatever searchkit built it) to rebuild it from scratch."""
        reset_index(Path(path)).close()

    # -- reading ---------------------------------------------------------------------------

    def _current_searcher(self) -> Searcher:
        # Not Searcher.refresh(): it reuses segment readers and so misses deletions made in
        # a segment since (a replaced document would still be found).
        searcher = self._searcher
        if searcher is None or searcher.reader().generation() != self._ix.latest_generation():
            if searcher is not None:
                searcher.close()
            searcher = self._searcher = self._ix.searcher(weighting=weighting())
        return searcher

    def search(self, query: str, limit: int = 10, snippets: bool = True) -> Results:
        """Search for ``query``; the best ``limit`` hits with snippets, and the total count.

        ``snippets=False`` skips snippet building (``hit.snippet`` is empty), which is
        faster when only ids and scores are wanted. Raises :class:`QueryError` for an
        empty or unparseable query.
        """
        q = parse(self._parser, query)
        terms = query_terms(q)
        with self._lock:
            searcher = self._current_searcher()
            found = searcher.search(q, limit=max(1, limit))
            total = len(found)
            hits = []
            for result in found[:limit]:
                stored = result.fields()
                snippet = make_snippet(idx.stored_body(stored), terms) if snippets else None
                hits.append(Hit(
                    id=stored["id"], score=result.score, title=stored.get("title") or None,
                    snippet=snippet.render(PlainFormatter()) if snippet else "",
                    path=stored.get("path"),
                    date=stored.get("date"), source=stored.get("source"),
                    category=stored.get("category"), url=stored.get("url"),
                    highlights=snippet,
                ))
        return Results(hits, total, query)

    def count(self) -> int:
        """Number of documents in the index."""
        return self._ix.doc_count()

    # -- lifetime --------------------------------------------------------------------------

    def close(self) -> None:
        """Release the searcher and the index."""
        with self._lock:
            if self._searcher is not None:
                self._searcher.close()
                self._searcher = None
        self._ix.close()

    def __enter__(self) -> SearchEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
