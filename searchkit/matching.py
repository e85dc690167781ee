"""Names match their own forms: a query word the index shows to be a name is matched by its
own written forms, not by everything sharing its light stem.

Light stemming cuts endings that a name's letters only look like: طالبان -> طالب (a dual
ending: "student"), حلب and حلبة (a ring), صلاح and صلاحيات (powers). A name behaves apart in
the index: it is frequent without the article and (almost) never takes it, while a noun
takes it often (انتخابات 928 documents, الانتخابات 1,695; طالبان 148, الطالبان 1); nor does
it take a verb's endings (قال, قالت). For such a
word the documents that match are those with the word itself, with clitics before it and the
endings a name takes after it (its relative adjective and pronouns: المصرية، بمصر،
لطالبان); its stems and root still rank the documents that match. Words of the curated
lexicon (countries, protected names, spellings of foreign names) keep their stems, which
already say what they match (روسيا = الروسية = الروس, ترامب = ترمب).
"""

from __future__ import annotations

from itertools import product

from whoosh import query

from .analysis import fold_hamza, stemmed_field_terms
from .analysis.stemmer import LEXICON
from .index import TEXT_FIELDS
from .postings import IndexArrays
from .query import RankingTerm, term_text

# A word is a name when it is in at least this many documents, and the article before it, or
# a verb's endings after it (ت، وا) or its other person (يقع/تقع), are in at most this share
# of them (so a small index, where such counts say little, is searched by stems alone).
MIN_DOCUMENTS = 50
OTHER_SHARE = 0.05
# What may go before and after a name (normalized): conjunctions, prepositions, the article
# (before an ending: المصري); the relative adjective and pronouns -- not ه, which is also the
# ة of another word (حلبة), nor يات, which makes abstract nouns (صلاحيات).
PREFIXES = ("", "و", "ف", "ب", "ل", "ك", "وب", "ول", "وك", "فب", "فل", "فك", "ال", "وال",
            "بال", "فال", "كال", "لل", "ولل", "فلل", "وبال", "فبال", "وكال")
ENDINGS = ("", "ي", "يه", "يين", "يون", "يان", "يتين", "ها", "هم", "هما", "كم", "نا", "ا")
_STEMMED = frozenset(TEXT_FIELDS)
_EXACT = tuple(TEXT_FIELDS.values())


def _documents(arrays: IndexArrays, words: list[str]) -> list[int]:
    """How many documents have each of ``words`` in the exact body (deleted included)."""
    return [len(ids) for ids, _ in arrays.postings_of([(TEXT_FIELDS["body"], w) for w in words])]


def names(arrays: IndexArrays, words: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """The words of ``words`` (exact forms) that the index shows to be names, each with its
    forms the index has (the word, clitics before, a name's endings after)."""
    candidates = [w for w in words if not w.startswith("ال") and len(w) >= 3
                  and fold_hamza(w) not in LEXICON]
    if not candidates:
        return {}
    # Counted from the term dictionary (no postings decoded): this runs for most words.
    reader, field = arrays.searcher.reader(), TEXT_FIELDS["body"]
    found: dict[str, tuple[str, ...]] = {}
    for word in candidates:
        alone = reader.doc_frequency(field, word)
        if alone >= MIN_DOCUMENTS and sum(reader.doc_frequency(field, form) for form
                                          in _others(word)) <= OTHER_SHARE * alone:
            found[word] = arrays.cached(("name forms", word), lambda w=word: _forms(arrays, w))
    return found


def _forms(arrays: IndexArrays, word: str) -> tuple[str, ...]:
    """The forms of the name ``word`` the index has: clitics before, a name's endings after
    (the article only before an ending)."""
    forms = [p + word + e for p, e in product(PREFIXES, ENDINGS)
             if not (p.endswith("ال") or p == "لل") or e]
    return tuple(f for f, n in zip(forms, _documents(arrays, forms), strict=True) if n)


def _others(word: str) -> tuple[str, ...]:
    """Forms a name never takes: with the article, a verb's endings, another person."""
    person = {"ي": "ت", "ت": "ي"}.get(word[0])
    return ("ال" + word, word + "ت", word + "وا", *([person + word[1:]] if person else []))


def narrow(q: query.Query, arrays: IndexArrays, words: tuple[str, ...]) -> query.Query:
    """``q`` with each name of ``words`` matched by its own forms: in every OR holding the
    word's exact term, the stemmed terms it gave only rank, and its forms are searched in the
    exact fields beside it."""
    found = names(arrays, words)
    if not found:
        return q
    stems = {term for word in found for term in stemmed_field_terms(word)}
    return _narrow(q, found, stems)


def _narrow(q: query.Query, found: dict[str, tuple[str, ...]], stems: set[str]
            ) -> query.Query:
    if isinstance(q, query.Or):
        present = [c.text for c in q.subqueries
                   if isinstance(c, query.Term) and c.fieldname in _EXACT and c.text in found]
        if present:
            return _rewrite_or(q, {w: found[w] for w in present}, stems)
    if q.is_leaf():
        return q
    return q.apply(lambda child: _narrow(child, found, stems))


def _rewrite_or(q: query.Or, found: dict[str, tuple[str, ...]], stems: set[str]) -> query.Or:
    children: list[query.Query] = []
    for child in q.subqueries:
        if isinstance(child, query.Term) and child.fieldname in _STEMMED \
                and term_text(child.text) in stems:
            child = RankingTerm(child.fieldname, child.text, boost=child.boost)
        children.append(child)
        if isinstance(child, query.Term) and child.fieldname in _EXACT \
                and child.text in found:
            children += [query.Term(child.fieldname, form, boost=child.boost)
                         for form in found[child.text] if form != child.text]
    return query.Or(children, boost=q.boost, scale=q.scale)


__all__ = ["ENDINGS", "MIN_DOCUMENTS", "OTHER_SHARE", "PREFIXES", "names", "narrow"]
