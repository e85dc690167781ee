"""Ranking: BM25F over the exact and stemmed fields, and the weights tuned on the public sets.

Each query word is looked up in four fields -- title and body, each exact (normalized,
unstemmed) and stemmed. Exact-form and title matches weigh more, so a document with the word
as typed ranks above one that only shares its stem. Words are OR-ed with a bonus for documents
that match more of them, so a long query still finds documents that miss one word, ranked below
those that have them all. Near spellings added by "did you mean" count for less.
"""

from __future__ import annotations

from whoosh import query, scoring
from whoosh.reading import IndexReader

from .analysis import stemmed_field_terms

# Field weights: exact matches and titles count more than stem-only and body matches.
FIELD_BOOSTS = {"body": 1.0, "body_exact": 0.4, "title": 0.9, "title_exact": 0.5}
# BM25 parameters (k1, b), the same for every field.
BM25_K1, BM25_B = 0.9, 0.75
# Bonus factor for documents matching more of the query's words (Whoosh OrGroup).
COORDINATION = 0.9
# A plain query of several words: bonus for documents with them near each other, in order
# (a phrase on the exact body with this slop, stop words typed between them allowed for).
# Tuned on runs of 5 words from public news bodies (bench/relevance.py --headlines).
PHRASE_BOOST, PHRASE_SLOP = 2.0, 3
# A quoted phrase in a longer query (its words searched as words too): the weight of the
# phrase, on the exact fields, added to the documents having it.
QUOTE_BOOST = 1.0
# Weight of a near spelling (edit distance 1) relative to the word as typed.
NEAR_SPELLING_WEIGHT = 0.5
# A term in more documents than this (a fraction of the index, at least the minimum) is
# "common": it ranks documents that rarer terms find, but does not find documents itself.
COMMON_FRACTION, COMMON_MIN_DOCS = 0.02, 1000


def weighting() -> scoring.WeightingModel:
    """The ranking function: BM25F."""
    return scoring.BM25F(B=BM25_B, K1=BM25_K1)


def focus(q: query.Query, reader: IndexReader, words: tuple[str, ...]) -> query.Query:
    """Let a plain query's common words score documents without finding them.

    Like Elasticsearch's common-terms query: in a big index, frequent words have long posting
    lists that cost time and add little to the ranking. The rarer words find the documents;
    the common ones only add to their scores. When every word is common, all of them are
    required instead. A word is common when its exact form is in more than
    ``COMMON_FRACTION`` of the documents (and at least ``COMMON_MIN_DOCS``), so small indexes
    are searched as they are.
    """
    if len(words) < 2 or not isinstance(q, query.Or) or not all(
            isinstance(t, query.Term) for t in q.subqueries):
        return q
    cutoff = max(COMMON_MIN_DOCS, COMMON_FRACTION * reader.doc_count_all())
    common = {w for w in words if reader.doc_frequency("body_exact", w) > cutoff}
    if not common:
        return q
    forms = {w: {w, *stemmed_field_terms(w)} for w in words}
    groups: dict[str, list[query.Query]] = {w: [] for w in words}
    unassigned = []
    for term in q.subqueries:
        owner = next((w for w in words if term.text in forms[w]), None)
        (groups[owner] if owner else unassigned).append(term)
    optional = [t for w in common for t in groups[w]]
    required = unassigned + [t for w in words if w not in common for t in groups[w]]
    if required:
        return query.AndMaybe(query.Or(required, scale=q.scale), query.Or(optional))
    return query.And([query.Or(groups[w]) for w in words if groups[w]])
