"""Queries and ranking: Arabic-aware query parsing over the exact and stemmed fields.

Each query word is looked up in four fields -- title and body, each exact (normalized,
unstemmed) and stemmed -- with BM25F. Exact-form and title matches weigh more, so a
document with the word as typed ranks above one that only shares its stem. Words are
OR-ed with a bonus for documents that match more of them, so a long query still finds
documents that miss one word, ranked below those that have them all.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, overload

from whoosh import qparser, query, scoring
from whoosh.fields import Schema

from .errors import QueryError
from .index import TEXT_FIELDS
from .snippets import QueryTerms, Snippet

# Field weights: exact matches and titles count more than stem-only and body matches.
FIELD_BOOSTS = {"body": 1.0, "body_exact": 0.4, "title": 0.9, "title_exact": 0.5}
# BM25 parameters (k1, b), the same for every field.
BM25_K1, BM25_B = 0.9, 0.75
# Bonus factor for documents matching more of the query's words (Whoosh OrGroup).
COORDINATION = 0.9


_QUESTION_MARK = re.compile(r"[?\u061f]+(?=\s|$)")


def weighting() -> scoring.WeightingModel:
    """The ranking function: BM25F."""
    return scoring.BM25F(B=BM25_B, K1=BM25_K1)


def make_parser(schema: Schema) -> qparser.QueryParser:
    """The query parser: words over all text fields, phrases, +/-, AND/OR/NOT, fields."""
    parser = qparser.MultifieldParser(
        list(FIELD_BOOSTS), schema, fieldboosts=FIELD_BOOSTS,
        group=qparser.OrGroup.factory(COORDINATION),
    )
    parser.add_plugin(qparser.PlusMinusPlugin())
    return parser


def parse(parser: qparser.QueryParser, text: str) -> query.Query:
    """Parse ``text``; :class:`QueryError` if it is empty or holds only stop words."""
    if not text or not text.strip():
        raise QueryError("the query is empty")
    # A ? or ؟ ending a word is a question mark; inside a word it matches any one letter.
    text = _QUESTION_MARK.sub(" ", text).replace("\u061f", "?")
    try:
        q = parser.parse(text)
    except Exception as exc:  # Whoosh's parser raises assorted errors on odd input
        raise QueryError(f"cannot parse query {text!r}: {exc}") from exc
    q = _drop_phrases_without_positions(q, parser.schema)
    if q is query.NullQuery or (not list(q.iter_all_terms()) and not _has_multiterm(q)):
        raise QueryError(f"query {text!r} has only stop words or no searchable words")
    return q


def _drop_phrases_without_positions(q: query.Query, schema: Schema) -> query.Query:
    """A phrase is matched on the fields that store positions (the exact ones) only."""
    def visit(node: query.Query) -> query.Query:
        if isinstance(node, query.Phrase) and not schema[node.fieldname].format.supports(
                "positions"):
            return query.NullQuery
        return node
    return q.accept(visit).normalize()


def _has_multiterm(q: query.Query) -> bool:
    return any(isinstance(node, (query.Prefix, query.Wildcard, query.FuzzyTerm))
               for node in q.leaves())


def query_terms(q: query.Query) -> QueryTerms:
    """The exact terms and stems a query looks for, for highlighting."""
    exact, stems = set(), set()
    for fieldname, text in q.iter_all_terms():
        value = text.decode("utf-8") if isinstance(text, bytes) else text
        if fieldname in TEXT_FIELDS.values():
            exact.add(value)
        elif fieldname in TEXT_FIELDS:
            stems.add(value)
    return QueryTerms(frozenset(exact), frozenset(stems))


@dataclass(frozen=True)
class Hit:
    """One search result."""

    id: str
    score: float
    title: str | None
    snippet: str
    path: str | None = None
    date: datetime | None = None
    source: str | None = None
    category: str | None = None
    url: str | None = None
    highlights: Snippet | None = field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of the hit."""
        return {
            "id": self.id, "score": round(self.score, 4), "title": self.title,
            "snippet": self.snippet, "path": self.path,
            "date": self.date.isoformat() if self.date else None,
            "source": self.source, "category": self.category, "url": self.url,
        }


class Results(Sequence[Hit]):
    """The hits of one search, best first; ``total`` counts every matching document."""

    def __init__(self, hits: list[Hit], total: int, query: str) -> None:
        self.hits = hits
        self.total = total
        self.query = query

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

    def __repr__(self) -> str:
        return f"Results(query={self.query!r}, total={self.total}, hits={len(self.hits)})"
