"""Did you mean: spellings in the index one edit away from the query's words.

Used only when a search finds little (fewer than :data:`FEW_RESULTS`), so its cost -- a
Levenshtein automaton walked over the term list of the exact body field, per word -- is
never paid by ordinary searches, and only for words the index does not have (neither as
written nor by their stem): a word the index has is not a typo. Near spellings of a missing
word (فلاديفستوك for فلاديفوستوك) are searched too, at a lower weight, and the most frequent
one is offered as a suggestion.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from whoosh import query
from whoosh.qparser import QueryParser
from whoosh.reading import IndexReader

from .analysis import exact_analyzer, stem_term, stemmed_field_terms
from .analysis.stemmer import ROOT_MARK
from .index import TEXT_FIELDS
from .ranking import NEAR_SPELLING_WEIGHT

FEW_RESULTS = 3
MIN_LENGTH = 4  # letters of a word's stem: shorter words have too many neighbours
MAX_VARIANTS = 3
FIELD = "body_exact"
_EXACT = exact_analyzer()


@dataclass(frozen=True)
class Spellings:
    """Near spellings of a query's words (most frequent first) and a respelled query."""

    variants: dict[str, tuple[str, ...]] = field(default_factory=dict)
    suggestion: str | None = None


def known(reader: IndexReader, word: str) -> bool:
    """Whether the index has ``word`` (a normalized exact form) as written or by its light
    stem (not by a reading that takes a first letter for a glued preposition: بوطين is not
    known because some word has the stem وطين)."""
    return any(reader.doc_frequency(field, word) for field in TEXT_FIELDS.values()) or any(
        reader.doc_frequency(field, stem_term(word)) for field in TEXT_FIELDS)


def near_spellings(reader: IndexReader, text: str, words: tuple[str, ...]) -> Spellings:
    """Words of the index one edit from those of ``words`` (exact forms, not stems) that
    the index does not have.

    The suggestion replaces, in ``text``, each such word with its most frequent near
    spelling.
    """
    variants: dict[str, tuple[str, ...]] = {}
    better: dict[str, str] = {}
    for word in words:
        if len(stem_term(word)) < MIN_LENGTH or known(reader, word):
            continue
        found = {term for leaf, _ in reader.leaf_readers()
                 for term in leaf.terms_within(FIELD, word, 1, prefix=1)}
        ranked = sorted(((reader.doc_frequency(FIELD, t), t) for t in found
                         if t != word and len(stem_term(t)) >= MIN_LENGTH), reverse=True)
        ranked = [(df, t) for df, t in ranked if df > 0][:MAX_VARIANTS]
        if not ranked:
            continue
        variants[word] = tuple(t for _, t in ranked)
        better[word] = ranked[0][1]
    return Spellings(variants, _respell(text, better) if better else None)


def broadening(reader: IndexReader, words: tuple[str, ...], spellings: Spellings
               ) -> dict[str, tuple[str, ...]]:
    """What a broadened search added to each query word: its near spellings, then its root
    (marked ``√``) where the index has it, for ``results.expanded``."""
    added = {word: (*spellings.variants.get(word, ()),
                    *(t for t in stemmed_field_terms(word) if t.startswith(ROOT_MARK)
                      and any(reader.doc_frequency(field, t) for field in TEXT_FIELDS)))
             for word in words}
    return {word: extra for word, extra in added.items() if extra}


def _respell(text: str, better: dict[str, str]) -> str:
    out, last = [], 0
    for token in _EXACT(text, chars=True):
        if token.text in better:
            out += [text[last:token.startchar], better[token.text]]
            last = token.endchar
    return "".join(out) + text[last:]


def with_variants(q: query.Query, parser: QueryParser,
                  variants: dict[str, tuple[str, ...]]) -> query.Query:
    """``q`` with each word's near spellings OR-ed beside it, at a lower weight."""
    if isinstance(q, query.Not):
        return q
    if isinstance(q, query.AndNot):
        return query.AndNot(with_variants(q.a, parser, variants), q.b)
    if q.is_leaf():
        return q
    q = q.apply(lambda child: with_variants(child, parser, variants))
    if not isinstance(q, query.Or):
        return q
    extra = []
    for child in q.subqueries:
        if isinstance(child, query.Term) and child.fieldname == FIELD:
            for variant in variants.get(child.text, ()):
                near = parser.parse(variant)
                near.boost = NEAR_SPELLING_WEIGHT
                extra.append(near)
    return query.Or([*q.subqueries, *extra], boost=q.boost, scale=q.scale) if extra else q
