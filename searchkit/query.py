"""The query language, parsed into a Whoosh query over the exact and stemmed fields.

Syntax (operators in capitals; lowercase ``and``/``or``/``not`` are ordinary words)::

    كيم بوتين                 words: documents with more of them rank first
    "كيم جونغ أون"            a phrase (matched on the exact forms; stop words inside may differ)
    +موسكو -بكين              required, excluded
    كيم AND (بوتين OR شي) NOT بكين
    title:قمة  body:قمة        a word in the title or the body only
    source:alhayat  category:sport   (case-insensitive)
    صوار*  صو?يخ  فلاديفستوك~   prefix, one-letter wildcard (? or ؟ inside a word), near spelling
    date:2018  date:2018-03  date:2018-01..2018-06  date:..2017  since:2018-03-01  until:2018-04

Query words go through the same analysis as documents; prefix, wildcard and fuzzy terms are
normalized (hamza, ى/ي, ة/ه, diacritics) and matched on the exact fields. A quote or
parenthesis left unmatched is read as text; other mistakes (an unknown field, a bad date, a
wildcard with too few letters, only exclusions) raise :class:`QueryError` saying what is wrong.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import islice, pairwise

from whoosh import qparser, query
from whoosh.fields import Schema
from whoosh.qparser import syntax
from whoosh.reading import IndexReader

from .analysis import exact_analyzer, normalize
from .analysis.stemmer import ROOT_MARK
from .errors import QueryError
from .index import TEXT_FIELDS
from .ranking import (
    COORDINATION,
    FIELD_BOOSTS,
    PHRASE_BOOST,
    PHRASE_SLOP,
    QUOTE_BOOST,
)
from .reading import FIELD, MIN_WILDCARD_PREFIX, SYNTAX, Reading, read
from .snippets import QueryTerms

EXACT_FIELDS = frozenset(TEXT_FIELDS.values())
FILTER_FIELDS = frozenset({"source", "category"})
# Words a prefix, wildcard or fuzzy word may expand to.
MAX_EXPANSIONS = 512
MAX_FUZZY_DISTANCE = 2

_QUESTION_MARK = re.compile(r"[?\u061f]+(?=[\s()\"]|$)")
# The syntax :func:`_quoted_query` builds without the parser: quotes, and a colon ending a
# word of letters only (the parser reads "a.b:" as two words).
_QUICK_SYNTAX = re.compile(r'"|(?<!\S)(\w+):(?=\s|$)')
_DATE = re.compile(r"(\d{4})(?:[-/](\d{1,2})(?:[-/](\d{1,2}))?)?")
_EXACT = exact_analyzer()


# -- dates --------------------------------------------------------------------------------

def date_span(text: str) -> tuple[datetime, datetime]:
    """The period ``text`` names, as ``[start, end)``: a year, a month or a day.

    >>> date_span("2018-02")
    (datetime.datetime(2018, 2, 1, 0, 0), datetime.datetime(2018, 3, 1, 0, 0))
    """
    m = _DATE.fullmatch(text.strip())
    if not m:
        raise QueryError(f"bad date {text!r}: write YYYY, YYYY-MM or YYYY-MM-DD")
    year, month, day = (int(g) if g else None for g in m.groups())
    try:
        if day is not None:
            start = datetime(year, month or 1, day)
            return start, start + timedelta(days=1)
        if month is not None:
            start = datetime(year, month, 1)
            return start, datetime(year + month // 12, month % 12 + 1, 1)
        return datetime(year, 1, 1), datetime(year + 1, 1, 1)
    except ValueError as exc:
        raise QueryError(f"bad date {text!r}: {exc}") from None


def date_bound(value: date | datetime | str, *, end: bool) -> datetime:
    """A filter bound: the start (or, with ``end``, the end) of the period ``value`` names.

    A datetime is taken as is; a date or a string names a whole day, month or year, so
    ``until="2018-04"`` includes all of April. Time zones are dropped: dates compare as
    written in the documents.
    """
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    text = value.isoformat() if isinstance(value, date) else value
    return date_span(text)[1 if end else 0]


def date_range(start: datetime | None, end: datetime | None) -> query.Query:
    """Documents dated in ``[start, end)`` (either side open when None)."""
    if start is not None and end is not None and end <= start:
        raise QueryError(f"empty date range: {start:%Y-%m-%d} is not before {end:%Y-%m-%d}")
    return query.DateRange("date", start, end, endexcl=True)


class _DateNode(syntax.SyntaxNode):
    def __init__(self, start: datetime | None, end: datetime | None) -> None:
        self.start, self.end = start, end
        self.boost = 1.0

    def r(self) -> str:
        return f"date[{self.start}..{self.end})"

    def query(self, parser: qparser.QueryParser) -> query.Query:
        return date_range(self.start, self.end)


class _DatePlugin(qparser.TaggingPlugin):
    """``date:2018-03``, ``date:2018-01..2018-06``, ``date:..2017``, ``since:X``, ``until:X``."""

    priority = -10  # before the fields plugin takes "date:" as a field name
    expr = r"(?P<field>date|since|until):(?P<value>[^\s()]*)"

    def create(self, parser: qparser.QueryParser, match: re.Match[str]) -> syntax.SyntaxNode:
        field, value = match.group("field"), match.group("value")
        if not value:
            raise QueryError(f"'{field}:' needs a date after it, e.g. {field}:2018-03")
        if field == "since":
            return _DateNode(date_span(value)[0], None)
        if field == "until":
            return _DateNode(None, date_span(value)[1])
        first, dots, last = value.partition("..")
        if not dots:
            return _DateNode(*date_span(value))
        if not first and not last:
            raise QueryError("'date:..' needs a date on at least one side")
        return _DateNode(date_span(first)[0] if first else None,
                         date_span(last)[1] if last else None)


# -- fields -------------------------------------------------------------------------------

class _ExactSiblingsPlugin(qparser.Plugin):
    """``title:`` and ``body:`` search the stemmed and the exact field, like plain words."""

    def filters(self, parser: qparser.QueryParser) -> list[tuple[Callable, int]]:
        return [(self._expand, 105)]  # after fields (100), before multifield (110)

    def _expand(self, parser: qparser.QueryParser, group: syntax.GroupNode) -> syntax.GroupNode:
        for i, node in enumerate(group):
            if isinstance(node, syntax.GroupNode):
                group[i] = self._expand(parser, node)
            elif node.has_fieldname and node.fieldname in TEXT_FIELDS:
                exact = copy.copy(node)
                exact.set_fieldname(TEXT_FIELDS[node.fieldname], override=True)
                exact.set_boost(FIELD_BOOSTS[exact.fieldname])
                node.set_boost(FIELD_BOOSTS[node.fieldname])
                group[i] = syntax.OrGroup([node, exact])
        return group


class _Quoted(query.Phrase):
    """A quoted phrase as the parser makes it: one quoted word stays a phrase (Whoosh would
    make it a plain word, stems included), so that it searches the word as written."""

    def normalize(self) -> query.Query:
        if len(self.words) == 1:
            return self
        return super().normalize()


def make_parser(schema: Schema) -> qparser.QueryParser:
    """The Whoosh parser for the query language (words over all four text fields)."""
    parser = qparser.MultifieldParser(
        list(FIELD_BOOSTS), schema, fieldboosts=FIELD_BOOSTS,
        group=qparser.OrGroup.factory(COORDINATION),
    )
    parser.remove_plugin_class(qparser.RangePlugin)  # [a TO b] on text fields: not ours
    parser.phraseclass = _Quoted
    # + and - only at the start of a word: a hyphen inside one (كيم-جونغ) is text.
    plus_minus = qparser.PlusMinusPlugin(plusexpr=r"(?<![^\s(])\+", minusexpr=r"(?<![^\s(])-")
    parser.add_plugins([plus_minus, qparser.FuzzyTermPlugin(),
                        _DatePlugin(), _ExactSiblingsPlugin()])
    return parser


# -- parsing ------------------------------------------------------------------------------

@dataclass(frozen=True)
class ParsedQuery:
    """A parsed query: the Whoosh query, the words it looks for, the phrases that rank
    (soft quotes), and notes on how its text was read where that differs from the syntax."""

    text: str
    query: query.Query
    words: tuple[str, ...]  # the exact forms of the words looked for, in order
    plain: bool  # only words: no operators, fields, phrases or wildcards
    boosts: tuple[query.Query, ...] = ()  # rank without finding: quoted phrases, proximity
    notes: tuple[str, ...] = ()


_EXCLUSION = re.compile(r"(?:^|\s)-\S|\bNOT\b")


def parse(parser: qparser.QueryParser, text: str) -> ParsedQuery:
    """Parse ``text`` (see the module doc); :class:`QueryError` says what is wrong."""
    if not text or not text.strip():
        raise QueryError("the query is empty")
    reading = _prepare(text)
    cleaned = reading.text
    plain = not SYNTAX.search(cleaned)
    q = _plain_query(parser.schema, cleaned) if plain else (
        _quoted_query(parser.schema, cleaned) or _syntax_query(parser, text, cleaned))
    notes = reading.notes
    if not _has_positive(q):
        if q is not query.NullQuery or _EXCLUSION.search(cleaned):
            raise QueryError(f"query {text!r} only excludes: add a word to look for")
        stops = [t.text for t in _EXACT(cleaned, removestops=False) if t.stopped]
        if not stops:
            raise QueryError(f"query {text!r} has no searchable words")
        notes += (f"only stop words, which are not indexed: {', '.join(stops)}",)
    words = tuple(dict.fromkeys(
        text for field, text in _positive_terms(q) if field == "body_exact"))
    boosts = tuple(clause for phrase, slop in reading.soft
                   for clause in _exact_phrases(phrase, slop, QUOTE_BOOST))
    if plain:
        boosts += tuple(proximity(cleaned))
    return ParsedQuery(text, q, words, plain=plain, boosts=boosts, notes=notes)


def _prepare(text: str) -> Reading:
    """``text`` ready to parse: question marks that end a word dropped (inside a word, ? and
    ؟ match any one letter), then read as :func:`searchkit.reading.read` reads it."""
    return read(_QUESTION_MARK.sub(" ", text).replace("\u061f", "?"))


def _phrase_words(text: str) -> tuple[list[str], list[tuple[int, int]]]:
    """The exact-field words of ``text`` (stop words left out) and their places in it."""
    tokens = [(t.text, (t.startchar, t.endchar)) for t in _EXACT(text, mode="query", chars=True)]
    return [w for w, _ in tokens], [r for _, r in tokens]


def _exact_phrases(text: str, slop: int, factor: float) -> list[query.Query]:
    """``text`` as a phrase on each exact field, its boost times ``factor`` (none if
    ``text`` has only stop words)."""
    words, ranges = _phrase_words(text)
    if not words:
        return []
    return [_exact_phrase(field, words, ranges, text, slop, FIELD_BOOSTS[field] * factor)
            for field in FIELD_BOOSTS if field in EXACT_FIELDS]


def _syntax_query(parser: qparser.QueryParser, text: str, cleaned: str) -> query.Query:
    """``cleaned`` (``text`` made ready) through Whoosh's parser and our rewrites."""
    try:
        q = parser.parse(cleaned)
    except QueryError:
        raise
    except Exception as exc:  # Whoosh's parser raises assorted errors on odd input
        raise QueryError(f"cannot parse query {text!r}: {exc}") from None
    return _rewrite(q, cleaned).normalize()


def _plain_query(schema: Schema, text: str) -> query.Query:
    """Words only: each word's terms in the four text fields, OR-ed -- the query the parser
    makes of them, built straight from the analyzers (the parser takes ~5 ms)."""
    return query.Or(_word_terms(schema, text), scale=COORDINATION).normalize()


def _word_terms(schema: Schema, text: str) -> list[query.Query]:
    """Each word's terms in the four text fields, boosted per field, in order."""
    return [query.Term(field, term, boost=boost)
            for word in text.split() for field, boost in FIELD_BOOSTS.items()
            for term in schema[field].analyzer.terms(word)]


def _quoted_query(schema: Schema, text: str) -> query.Query | None:
    """Words, "phrases" (one quoted word is that word as written), and colons that end a
    word (``ظريف: هزيمة``, as news titles have them): the query the parser makes of them,
    built straight from the analyzers. None for any other syntax (the parser's job)."""
    if FIELD.search(text) or SYNTAX.search(_QUICK_SYNTAX.sub(r"\1 ", text)):
        return None
    parts: list[query.Query] = []
    for i, piece in enumerate(text.split('"')):
        if i % 2 == 0:  # outside quotes: words, as in a query without syntax
            parts += _word_terms(schema, piece)
            continue
        phrases = _exact_phrases(piece, 1, 1.0)
        if not phrases:
            return None  # (only stop words: the parser says so)
        parts += phrases
    return query.Or(parts).normalize()


def _rewrite(q: query.Query, text: str) -> query.Query:
    """Phrases on exact fields (with stop-word gaps), multi-terms normalized on exact fields,
    and ``a NOT b`` inside an OR group as "a but not b" (Whoosh would OR in "not b")."""
    if isinstance(q, query.Phrase):
        return _phrase(q, text)
    if isinstance(q, (query.Prefix, query.Wildcard, query.FuzzyTerm)):
        return _exact_multiterm(q)  # Whoosh does not analyze their text
    if q.is_leaf():
        return q
    q = q.apply(lambda child: _rewrite(child, text))
    if isinstance(q, query.Or):
        return _fold_or(q)
    return q


def _phrase(q: query.Phrase, text: str) -> query.Query:
    if q.fieldname not in EXACT_FIELDS:
        return query.NullQuery  # stemmed fields hold roots beside stems, or no positions
    return _exact_phrase(q.fieldname, q.words, getattr(q, "char_ranges", None), text, q.slop,
                         q.boost)


def _exact_phrase(field: str, words: list[str], ranges: list[tuple[int, int]] | None,
                  text: str, slop: int, boost: float) -> query.Query:
    """A phrase on an exact field: its words (each ``ranges`` in ``text``) within ``slop``
    positions of each other plus the stop words written between them."""
    if ranges and len(ranges) == len(words):
        # Stop words are left out of the index but keep their positions: allow for them.
        gaps = [sum(1 for _ in _EXACT(text[a[1]:b[0]], removestops=False))
                for a, b in pairwise(ranges)]
        slop += max(gaps, default=0)
    if len(words) == 1:
        return query.Term(field, words[0], boost=boost)
    return query.Phrase(field, words, slop=slop, boost=boost)


def _exact_multiterm(q: query.MultiTerm) -> query.Query:
    if q.fieldname in TEXT_FIELDS:
        return query.NullQuery  # its text went through the stemmer: the exact sibling stays
    field, text = q.fieldname, normalize(q.text)
    if isinstance(q, query.FuzzyTerm):
        return query.FuzzyTerm(field, text, boost=q.boost,
                               maxdist=min(q.maxdist, MAX_FUZZY_DISTANCE),
                               prefixlength=max(q.prefixlength, 1))
    literal = re.split(r"[*?]", text, maxsplit=1)[0]
    if len(literal) < MIN_WILDCARD_PREFIX:
        raise QueryError(f"'{q.text}': a wildcard needs at least {MIN_WILDCARD_PREFIX} "
                         "letters before the first * or ?")
    return q.__class__(field, text, boost=q.boost)


def _is_filter(q: query.Query) -> bool:
    """Dates, sources and categories restrict a search rather than add to its words."""
    if isinstance(q, query.DateRange):
        return True
    if isinstance(q, query.Term):
        return q.fieldname in FILTER_FIELDS
    return isinstance(q, (query.Or, query.And)) and all(map(_is_filter, q.subqueries))


def _fold_or(q: query.Or) -> query.Query:
    children, negatives, filters, seen = [], [], [], set()
    for child in q.subqueries:
        if isinstance(child, query.Not):
            negatives.append(child.query)
            continue
        if _is_filter(child):
            filters.append(child)
            continue
        if isinstance(child, query.MultiTerm):
            key = (type(child), child.fieldname, child.text)
            if key in seen:  # body:x* and body_exact:x* are now the same
                continue
            seen.add(key)
        children.append(child)
    if not children and not filters:
        return q  # only exclusions: as written (parse() says so)
    folded: query.Query
    if not children:  # only filters: all of them hold (source:a category:b)
        folded = _combine_filters(filters)
    else:
        folded = query.Or(children, boost=q.boost, scale=q.scale)
        if filters:
            folded = query.Require(folded, _combine_filters(filters))
    if negatives:
        folded = query.AndNot(folded, query.Or(negatives))
    return folded


def _combine_filters(filters: list[query.Query]) -> query.Query:
    """OR-ed filters on one field (sources, categories, dates), AND-ed across fields;
    open-ended dates (since:, until:) always AND-ed."""
    by_field: dict[str, list[query.Query]] = {}
    required = []
    for f in filters:
        if isinstance(f, query.DateRange) and (f.start is None or f.end is None):
            required.append(f)
        else:
            by_field.setdefault(_filter_field(f), []).append(f)
    required += [query.Or(group) for group in by_field.values()]
    return query.And(required)


def _filter_field(f: query.Query) -> str:
    if isinstance(f, query.DateRange):
        return "date"
    return f.fieldname if isinstance(f, query.Term) else f"group {id(f)}"


def _has_positive(q: query.Query) -> bool:
    if q is query.NullQuery or isinstance(q, query.Not):
        return False
    if isinstance(q, query.AndNot):
        return _has_positive(q.a)
    if q.is_leaf():
        return True
    return any(_has_positive(child) for child in q.children())


# -- against an index ---------------------------------------------------------------------

def expand(q: query.Query, reader: IndexReader) -> query.Query:
    """Replace prefix, wildcard and fuzzy terms with the words of the index they match.

    :class:`QueryError` if one matches more than :data:`MAX_EXPANSIONS` words.
    """
    if isinstance(q, query.MultiTerm):
        found = list(islice(q.expanded_terms(reader), MAX_EXPANSIONS + 1))
        if len(found) > MAX_EXPANSIONS:
            raise QueryError(f"'{q.text}' matches more than {MAX_EXPANSIONS} words: "
                             "add letters before the * or ?")
        return query.Or([query.Term(field, text, boost=q.boost) for field, text in found])
    if q.is_leaf():
        return q
    return q.apply(lambda child: expand(child, reader))


class RankingTerm(query.Term):
    """A term that only ranks: it adds its score to documents other terms find, and finds
    none itself (the stems of a name, :mod:`searchkit.matching`; roots are such terms by
    their mark, see :func:`searchkit.scoring.ranks_only`)."""


def term_text(text: str | bytes) -> str:
    """A query term's text as a string (Whoosh may hold it as UTF-8 bytes)."""
    return text.decode("utf-8") if isinstance(text, bytes) else text


def query_terms(q: query.Query, roots: bool = False) -> QueryTerms:
    """The exact terms and stems a query looks for, for highlighting (exclusions left out).

    Root terms (``√``) only rank documents that match anyway, so their words are not marked,
    unless ``roots`` (a broadened search, where roots find documents)."""
    exact, stems = set(), set()
    for fieldname, text in _positive_terms(q, ranking=roots):
        value = term_text(text)
        if fieldname in EXACT_FIELDS:
            exact.add(value)
        elif fieldname in TEXT_FIELDS and (roots or not value.startswith(ROOT_MARK)):
            stems.add(value)
    return QueryTerms(frozenset(exact), frozenset(stems))


def _positive_terms(q: query.Query, ranking: bool = True) -> Iterator[tuple[str, str | bytes]]:
    """The terms ``q`` looks for (exclusions left out; terms that only rank too, or not)."""
    if isinstance(q, query.Not) or (isinstance(q, RankingTerm) and not ranking):
        return
    if isinstance(q, query.AndNot):
        yield from _positive_terms(q.a, ranking)
    elif isinstance(q, query.Phrase):
        yield from ((q.fieldname, word) for word in q.words)
    elif q.is_leaf():
        yield from q.terms()
    else:
        for child in q.children():
            yield from _positive_terms(child, ranking)


def proximity(text: str) -> list[query.Query]:
    """A clause that ranks documents with the words of ``text`` (a plain query) near each
    other in the body, in the order typed: each within :data:`PHRASE_SLOP` positions of the
    one before, plus the stop words typed between them."""
    words, ranges = _phrase_words(text)
    if len(words) < 2:
        return []
    return [_exact_phrase("body_exact", words, ranges, text, PHRASE_SLOP, PHRASE_BOOST)]


__all__ = ["ParsedQuery", "RankingTerm", "date_bound", "date_range", "date_span", "expand",
           "make_parser", "parse", "proximity", "query_terms", "term_text"]
