"""Scoring a query over every document at once, with numpy, the way Whoosh's BM25F would.

Every query searchkit's parser makes (terms, OR, AND, AND-maybe, AND-NOT, NOT, require,
date ranges, ``*``, and phrases) is evaluated here on the postings of
:mod:`searchkit.postings`: each node gives every document's score and whether it matches.
Scores are Whoosh's: per term
``boost * idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * length / average length))``, summed,
with Whoosh's coordination bonus in an OR with a ``scale``. Phrases are found from the
positions in the postings, as Whoosh's span matcher would find them.

One departure from Whoosh: a root term (``√``, in a stemmed field) only *ranks*. It adds its
score to documents that match through another term, but finds no document on its own,
unless ``roots_find`` is set (the broadened search :meth:`SearchEngine.search` runs when a
query finds almost nothing). Roots are broad (المغرب and غربية share √غرب): letting them
find documents would inflate counts, facets and date-sorted lists.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import log

import numpy as np
from whoosh import query

from .analysis.stemmer import ROOT_MARK
from .errors import QueryError
from .index import TEXT_FIELDS
from .postings import NO_NUMBER, IndexArrays
from .query import RankingTerm, term_text

# Fields scored with BM25 (the rest, such as source and category, only filter).
SCORED_FIELDS = frozenset(TEXT_FIELDS) | frozenset(TEXT_FIELDS.values())


@dataclass
class Scored:
    """Every document's score, whether it matches, and how many query terms it matches."""

    score: np.ndarray  # float64
    matches: np.ndarray  # bool
    terms: np.ndarray  # int16: matching terms (for the coordination bonus)
    term_count: int  # terms of the query found in the index


def evaluate(q: query.Query, arrays: IndexArrays, k1: float, b: float, *,
             roots_find: bool = False) -> Scored:
    """Score ``q`` over the whole index; deleted documents never match. Root terms only rank
    documents other terms find, unless ``roots_find``. :class:`QueryError` for a kind of
    query the parser never makes (so none of its queries fail here)."""
    arrays.postings_of([(field, term_text(text))
                        for field, text in dict.fromkeys(q.iter_all_terms())])  # read at once
    scored = _Evaluator(arrays, k1, b, roots_find).node(q)
    scored.matches &= ~arrays.deleted()
    return scored


def ranks_only(q: query.Term) -> bool:
    """Whether ``q`` only ranks documents, finding none on its own: a root term, or a
    :class:`~searchkit.query.RankingTerm`."""
    return isinstance(q, RankingTerm) or (
        q.fieldname in TEXT_FIELDS and term_text(q.text).startswith(ROOT_MARK))


class _Evaluator:
    def __init__(self, arrays: IndexArrays, k1: float, b: float, roots_find: bool) -> None:
        self.arrays = arrays
        self.k1, self.b = k1, b
        self.roots_find = roots_find
        self.size = arrays.size
        self.reader = arrays.searcher.reader()
        self.averages: dict[str, float] = {}

    def empty(self) -> Scored:
        return Scored(np.zeros(self.size), np.zeros(self.size, bool),
                      np.zeros(self.size, np.int16), 0)

    def node(self, q: query.Query) -> Scored:
        if q is query.NullQuery:
            return self.empty()
        if isinstance(q, query.Term):
            return self.term(q)
        if isinstance(q, query.DateRange):
            return self.dates(q)
        if isinstance(q, query.AndMaybe):
            required = self.node(q.a)
            return _only(self.disjunction([required, self.node(q.b)], None), required.matches)
        if isinstance(q, query.AndNot):
            return _only(self.node(q.a), ~self.node(q.b).matches)
        if isinstance(q, query.Require):
            return _only(self.node(q.a), self.node(q.b).matches)
        if isinstance(q, query.And):
            parts = [self.node(child) for child in q.subqueries]
            return _only(self.disjunction(parts, None),
                         np.logical_and.reduce([part.matches for part in parts]))
        if isinstance(q, query.Phrase):
            return self.phrase(q)
        if isinstance(q, query.Not):  # (inside an AND: "a AND NOT b")
            return self.constant(~self.node(q.query).matches, q.boost)
        if isinstance(q, query.Every):  # "*", "title:*": documents with the field
            return self.constant(self.arrays.lengths(q.fieldname) > 0 if q.fieldname
                                 else np.ones(self.size, bool), q.boost)
        if isinstance(q, query.Or) and not q.minmatch:
            return self.disjunction([child if isinstance(child, query.Term) else self.node(child)
                                     for child in q.subqueries], q.scale)
        raise QueryError(f"cannot run a {type(q).__name__} query")

    def term(self, q: query.Term) -> Scored:
        return self.disjunction([q], None)

    def term_postings(self, q: query.Term) -> tuple[np.ndarray, np.ndarray, bool] | None:
        """The documents of ``q``, each one's weighted score and whether the term finds
        documents (see :func:`ranks_only`), or None if it has none."""
        field, text = q.fieldname, term_text(q.text)
        ids, freqs = self.arrays.postings(field, text)
        if not len(ids):
            return None
        finds = self.roots_find or not ranks_only(q)
        return ids, q.boost * self._weights(field, text, ids, freqs), finds

    def _weights(self, field: str, text: str, ids: np.ndarray, freqs: np.ndarray
                 ) -> np.ndarray:
        """Each posting's score before the query's boost: BM25 (cached with the postings),
        or for a filter field the frequency, as Whoosh scores them."""
        if field not in SCORED_FIELDS:
            return freqs
        return self.arrays.cached(("bm25", field, text, self.k1, self.b),
                                  lambda: self._bm25(field, ids, freqs))

    def _bm25(self, field: str, ids: np.ndarray, freqs: np.ndarray) -> np.ndarray:
        """Each posting's BM25 weight (before the query's boost), with Whoosh's statistics:
        deleted documents count (its postings keep them)."""
        average = self.averages.get(field)
        if average is None:
            average = self.averages[field] = \
                (self.reader.field_length(field) / self.size) or 1.0
        idf = log(self.size / (len(ids) + 1)) + 1
        norm = self.k1 * ((1 - self.b) + self.b * self.arrays.lengths(field)[ids] / average)
        return idf * (freqs * (self.k1 + 1)) / (freqs + norm)

    def phrase(self, q: query.Phrase) -> Scored:
        """Documents where the phrase's words stand in order, each within ``q.slop``
        positions of the one before (Whoosh's ordered span match), scored as Whoosh scores a
        phrase: the sum of its words' BM25 scores, times the boost."""
        out = self.empty()
        docs = self.arrays.postings(q.fieldname, q.words[0])[0] if q.words else None
        for word in q.words[1:]:  # the documents with every word: no positions read if none
            docs = np.intersect1d(docs, self.arrays.postings(q.fieldname, word)[0],
                                  assume_unique=True)
        ends = None  # where a run of the phrase's words so far ends: document << 32 | position
        for word in q.words:
            places = self.arrays.positions(q.fieldname, word, docs)
            if ends is not None and len(places):
                before = np.searchsorted(ends, places) - 1  # the last run ending before
                gap = places - ends[np.maximum(before, 0)]
                places = places[(before >= 0) & (gap <= q.slop)]
            ends = places
            if not len(ends):
                return out
        docs = np.unique(ends >> 32)
        for word in q.words:
            ids, freqs = self.arrays.postings(q.fieldname, word)
            weights = self._weights(q.fieldname, word, ids, freqs)
            out.score[docs] += q.boost * weights[np.searchsorted(ids, docs)]
        out.matches[docs] = True
        out.terms[docs] = len(q.words)
        out.term_count = len(q.words)
        return out

    def constant(self, matches: np.ndarray, boost: float) -> Scored:
        """Documents matching with the same score (as Whoosh scores NOT, ``*`` and dates)."""
        out = self.empty()
        out.matches = matches
        out.score[matches] = boost
        return out

    def dates(self, q: query.DateRange) -> Scored:
        dates = self.arrays.numbers(q.fieldname)
        inside = np.ones(self.size, bool)
        if q.start is not None:
            start = np.uint64(q.start)
            inside &= dates > start if q.startexcl else dates >= start
        if q.end is not None:
            end = np.uint64(q.end)
            inside &= dates < end if q.endexcl else dates <= end
        return self.constant(inside & (dates != np.uint64(NO_NUMBER)), q.boost)

    def disjunction(self, parts: list[Scored | query.Term], scale: float | None) -> Scored:
        """The sum of ``parts`` (in order: the postings of terms in a row are summed at once,
        with ``bincount``). Documents only root terms reach get their scores but do not match
        (a part added later may find them)."""
        out: Scored | None = None
        found: list[tuple[np.ndarray, np.ndarray, bool]] = []  # postings not added yet
        for part in [*parts, None]:
            if isinstance(part, query.Term):
                if (postings := self.term_postings(part)) is not None:
                    found.append(postings)
                continue
            if found:
                ids = np.concatenate([ids for ids, _, _ in found])
                terms = np.bincount(ids, minlength=self.size).astype(np.int16)
                matches = terms > 0
                if not all(finds for _, _, finds in found):
                    matches = np.zeros(self.size, bool)
                    for term_ids, _, finds in found:
                        if finds:
                            matches[term_ids] = True
                out = _add(out, Scored(np.bincount(ids, np.concatenate([w for _, w, _ in found]),
                                                   self.size), matches, terms, len(found)))
                found.clear()
            if part is not None:  # (copied first: the caller may still use its arrays)
                out = _add(out, part) if out is not None else Scored(
                    part.score.copy(), part.matches.copy(), part.terms.copy(), part.term_count)
        if out is None:
            return self.empty()
        count = out.term_count
        if scale and count > 1 and count != scale:
            # Whoosh's CoordMatcher: (score + (matching - 1) / (count - scale)^2) scaled.
            out.score += (out.terms - 1) * (1 / (count - scale) ** 2)
            out.score *= out.matches * ((count - 1) / count)
        return out


def _add(total: Scored | None, part: Scored) -> Scored:
    """``part`` added to ``total`` (in place; ``part`` itself when there is no total yet)."""
    if total is None:
        return part
    total.score += part.score
    total.matches |= part.matches
    total.terms += part.terms
    total.term_count += part.term_count
    return total


def _only(scored: Scored, mask: np.ndarray) -> Scored:
    """``scored`` where ``mask`` holds; elsewhere no match, no score."""
    scored.matches &= mask
    scored.score *= scored.matches
    scored.terms *= scored.matches
    return scored


__all__ = ["SCORED_FIELDS", "Scored", "evaluate", "ranks_only"]
