"""Running a search: filters, order, paging, duplicate folding, facets, and hits with snippets.

Every matching document is scored at once over arrays (:mod:`searchkit.scoring`); then copies
of the same body (the ``hash`` column) fold into the first, the results are counted, and, when
asked, counted by source, category and month; the best ``offset + limit`` make the page.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal, overload

import numpy as np
from whoosh import query
from whoosh.searching import Searcher

from . import index as idx
from .analysis.stemmer import ROOT_MARK
from .postings import NO_NUMBER, IndexArrays
from .query import date_range
from .ranking import BM25_B, BM25_K1
from .scoring import evaluate
from .snippets import PlainFormatter, QueryTerms, Snippet, make_snippet

Sort = Literal["relevance", "date"]
SORTS: tuple[Sort, ...] = ("relevance", "date")
FACET_FIELDS = {"source": "source", "category": "category", "month": "date"}


@dataclass(frozen=True)
class Hit:
    """One search result.

    ``snippet`` is plain text with matches in ``[[...]]`` (empty with ``snippets=False``);
    ``highlights`` is the same :class:`Snippet`, to render with another formatter (HTML,
    terminal), or None. ``score`` is the BM25F score (0 when sorted by date).
    ``duplicates`` counts the other matching copies of its body, folded into this hit.
    """

    id: str
    score: float
    title: str | None
    snippet: str
    path: str | None = None
    date: datetime | None = None
    source: str | None = None
    category: str | None = None
    url: str | None = None
    duplicates: int = 0
    highlights: Snippet | None = field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of the hit."""
        return {
            "id": self.id, "score": round(self.score, 4), "title": self.title,
            "snippet": self.snippet, "path": self.path,
            "date": self.date.isoformat() if self.date else None,
            "source": self.source, "category": self.category, "url": self.url,
            "duplicates": self.duplicates,
        }


@dataclass(frozen=True)
class Facets:
    """Result counts by source, category and month (``"2018-03"``), largest first.

    Sources and categories are matched case-insensitively; each shows as most often written.
    Documents without the value are not counted.
    """

    source: dict[str, int] = field(default_factory=dict)
    category: dict[str, int] = field(default_factory=dict)
    month: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, dict[str, int]]:
        """A JSON-ready dict: ``{"source": {...}, "category": {...}, "month": {...}}``."""
        return {"source": self.source, "category": self.category, "month": self.month}


class Results(Sequence[Hit]):
    """The hits of one page of a search, best first (or newest first).

    ``total`` counts every matching document after filters, with copies of the same body
    counted once: the results you can page through. ``folded`` counts the copies folded
    away. ``suggestion`` is a query with spellings found in the index when the query found
    little; ``expanded`` maps query words to what a broadened search (when the query found
    almost nothing) also searched: near spellings and roots (``√``). ``notes`` say how the
    query's text was read where that differs from the syntax (soft quotes, text that only
    looks like syntax, stop words).
    ``facets`` is None unless asked for. ``query`` is the query as given, ``offset`` the
    rank of the first hit (0-based), ``hits`` the list iterating the results gives.
    """

    def __init__(self, hits: list[Hit], total: int, query: str, *, offset: int = 0,
                 folded: int = 0, facets: Facets | None = None,
                 suggestion: str | None = None,
                 expanded: dict[str, tuple[str, ...]] | None = None,
                 notes: tuple[str, ...] = ()) -> None:
        self.hits = hits
        self.total = total
        self.query = query
        self.offset = offset
        self.folded = folded
        self.facets = facets
        self.suggestion = suggestion
        self.expanded = expanded or {}
        self.notes = notes

    @overload
    def __getitem__(self, index: int) -> Hit: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Hit]: ...
    def __getitem__(self, index: int | slice) -> Hit | Sequence[Hit]:
        return self.hits[index]

    def __len__(self) -> int:
        return len(self.hits)

    def __iter__(self) -> Iterator[Hit]:
        return iter(self.hits)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: query, total, offset, folded, hits, facets, suggestions, notes."""
        return {
            "query": self.query, "total": self.total, "offset": self.offset,
            "folded": self.folded, "hits": [hit.to_dict() for hit in self.hits],
            "facets": self.facets.to_dict() if self.facets else None,
            "suggestion": self.suggestion,
            "expanded": {word: list(near) for word, near in self.expanded.items()},
            "notes": list(self.notes),
        }

    def __repr__(self) -> str:
        return f"Results(query={self.query!r}, total={self.total}, hits={len(self.hits)})"


# -- filters ------------------------------------------------------------------------------

def filter_query(*, source: str | Sequence[str] | None = None,
                 category: str | Sequence[str] | None = None,
                 start: datetime | None = None, end: datetime | None = None
                 ) -> query.Query | None:
    """Documents from any of ``source``, in any of ``category``, dated in ``[start, end)``."""
    clauses: list[query.Query] = []
    for name, values in (("source", source), ("category", category)):
        if values:
            values = [values] if isinstance(values, str) else list(values)
            clauses.append(query.Or([query.Term(name, v.strip().lower()) for v in values]))
    if start is not None or end is not None:
        clauses.append(date_range(start, end))
    return query.And(clauses) if clauses else None


# -- collecting ---------------------------------------------------------------------------

@dataclass
class Collected:
    """What a search found: the page's (score, docnum), the total, the copies folded (all,
    and those of each hit on the page), the facets, and every document's match (a mask)."""

    page: list[tuple[float, int]]
    total: int
    folded: int
    copies: dict[int, int]
    facets: Facets | None
    matches: np.ndarray


def collect(arrays: IndexArrays, q: query.Query, *, limit: int, offset: int = 0,
            sort: Sort = "relevance", fold: bool = True, facets: bool = False,
            roots_find: bool = False, ahead: np.ndarray | None = None) -> Collected:
    """Run ``q`` over the index ``arrays`` show: the hits ``offset .. offset + limit`` in
    ``sort`` order, and the counts.

    Every matching document is scored (:mod:`searchkit.scoring`), so the total, the folding
    and the facets are exact. Root terms find documents only with ``roots_find``. Documents
    in ``ahead`` (a mask) come before the rest, in ``sort`` order among themselves (the
    strict matches of a broadened search). Copies of a body (the ``hash`` column) fold into
    the copy with the lowest document number. :class:`QueryError` for a query part scoring
    cannot run.
    """
    scored = evaluate(q, arrays, BM25_K1, BM25_B, roots_find=roots_find)
    docs = np.flatnonzero(scored.matches)
    hashes, bodies = arrays.codes("hash")
    copies = np.zeros(len(bodies), np.int64)  # by hash code: matching documents with it
    if fold and len(docs):
        docs, copies = _fold(docs, hashes[docs], len(bodies))
    folded = int(copies.sum() - np.count_nonzero(copies))
    wanted = offset + limit
    behind = [] if ahead is None else [~ahead[docs]]  # the last key sorts first
    if sort == "date":
        dates = arrays.numbers("date")[docs]
        # Newest first, undated last.
        keys = np.where(dates == NO_NUMBER, np.uint64(NO_NUMBER),
                        np.uint64(NO_NUMBER - 1) - dates)
        order = np.lexsort((docs, keys, *behind))[:wanted]
        page = [(0.0, int(d)) for d in docs[order][offset:]]
    else:
        scores = scored.score[docs]
        if len(docs) > wanted and not behind:
            top = np.argpartition(-scores, wanted - 1)[:wanted]
        else:
            top = np.arange(len(docs))
        order = top[np.lexsort((docs[top], -scores[top], *(b[top] for b in behind)))][:wanted]
        page = [(float(scores[i]), int(docs[i])) for i in order[offset:]]
    return Collected(page, len(docs), folded,
                     {d: n - 1 for _, d in page
                      if hashes[d] >= 0 and (n := int(copies[hashes[d]])) > 1},
                     _array_facets(arrays, docs) if facets else None, scored.matches)


def _fold(docs: np.ndarray, codes: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """``docs`` (ascending) less the copies of a body (same hash ``codes``, -1 for none)
    after its first, and how many of ``docs`` have each of the ``size`` hash codes."""
    hashed = np.flatnonzero(codes >= 0)
    codes = codes[hashed]
    copies = np.bincount(codes, minlength=size)
    shared = np.flatnonzero(copies[codes] > 1)  # (most bodies have no copy: no sort for them)
    if len(shared):
        _, first = np.unique(codes[shared], return_index=True)  # (stable: the lowest)
        later = np.ones(len(shared), bool)
        later[first] = False
        keep = np.ones(len(docs), bool)
        keep[hashed[shared[later]]] = False
        docs = docs[keep]
    return docs, copies


def _array_facets(arrays: IndexArrays, docs: np.ndarray) -> Facets:
    counts: dict[str, Counter[Any]] = {}
    for name in ("source", "category"):
        codes, values = arrays.codes(name)
        found = np.bincount(codes[docs][codes[docs] >= 0], minlength=len(values))
        counts[name] = Counter({values[i]: int(n) for i, n in enumerate(found) if n})
    dates, n = np.unique(arrays.numbers("date")[docs], return_counts=True)
    counts["month"] = Counter(dict(zip(dates.tolist(), n.tolist(), strict=True)))
    return _facets(counts)


def _facets(counts: dict[str, Counter[Any]]) -> Facets:
    def labelled(counter: Counter[Any]) -> dict[str, int]:
        merged: Counter[str] = Counter()
        spelling: dict[str, tuple[int, str]] = {}
        for raw, n in counter.items():
            label = raw.decode("utf-8") if isinstance(raw, bytes) else str(raw)
            if not label:
                continue
            key = label.lower()
            merged[key] += n
            if n > spelling.get(key, (0, ""))[0]:
                spelling[key] = (n, label)
        return {spelling[key][1]: n for key, n in merged.most_common()}

    months: Counter[str] = Counter()
    for value, n in counts["month"].items():
        if value != NO_NUMBER:  # undated
            months[f"{datetime.min + timedelta(microseconds=value):%Y-%m}"] += n
    return Facets(labelled(counts["source"]), labelled(counts["category"]),
                  dict(sorted(months.items(), reverse=True)))


# -- hits ---------------------------------------------------------------------------------

def make_hits(arrays: IndexArrays, collected: Collected, terms: QueryTerms,
              snippets: bool = True) -> list[Hit]:
    """The page's hits with their stored fields, duplicate counts and snippets."""
    hits = []
    counts = body_counts(arrays, terms, [d for _, d in collected.page]) if snippets else None
    for n, (score, docnum) in enumerate(collected.page):
        stored = arrays.searcher.stored_fields(docnum)
        snippet = make_snippet(idx.stored_body(stored), terms,
                               counts=counts[n] if counts else None) if snippets else None
        hits.append(Hit(
            id=stored["id"], score=score, title=stored.get("title") or None,
            snippet=snippet.render(PlainFormatter()) if snippet else "",
            path=stored.get("path"), date=stored.get("date"), source=stored.get("source"),
            category=stored.get("category"), url=stored.get("url"),
            duplicates=collected.copies.get(docnum, 0), highlights=snippet,
        ))
    return hits


def body_counts(arrays: IndexArrays, terms: QueryTerms, docnums: list[int]
                ) -> list[dict[str, int]]:
    """For each document, how many words of its body give each key of ``terms`` (the
    frequencies in the body's postings), so snippets stop analyzing words once all are
    found (:meth:`~searchkit.snippets.QueryTerms.matching_counted`)."""
    docs = np.asarray(docnums, np.int64)
    out: list[dict[str, int]] = [{} for _ in docnums]
    keys = list(terms.counted_keys())
    postings = arrays.postings_of([(idx.TEXT_FIELDS["body"] if exact else "body", term)
                                   for _, term, exact in keys])
    for (key, _, _), (ids, freqs) in zip(keys, postings, strict=True):
        at = np.minimum(np.searchsorted(ids, docs), max(len(ids) - 1, 0))
        found = (ids[at] == docs) if len(ids) else np.zeros(len(docs), bool)
        for n in np.flatnonzero(found).tolist():
            out[n][key] = int(freqs[at[n]])
    return out


# -- more like this -----------------------------------------------------------------------

def more_like(searcher: Searcher, body: str, body_hash: str, numterms: int = 12
              ) -> tuple[query.Query, QueryTerms]:
    """A query for documents like ``body`` (its most telling stems), without its copies."""
    terms = [(t, w) for t, w in searcher.key_terms_from_text("body", body, numterms=numterms)
             if not t.startswith(ROOT_MARK)]
    q = query.Or([query.Term("body", t, boost=w) for t, w in terms])
    return (query.AndNot(q, query.Term("hash", body_hash)),
            QueryTerms(stems=frozenset(t for t, _ in terms)))


__all__ = ["SORTS", "Collected", "Facets", "Hit", "Results", "Sort", "collect",
           "filter_query", "make_hits", "more_like"]
