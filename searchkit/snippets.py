"""Snippets: the best passages of a text around the query's matches, with the matches marked.

Matches come from the tokenizer's character offsets into the original text, so a mark covers
the whole word as written (diacritics, tatweel and clitics included). Passages are cut at
sentence or clause boundaries (. ، ؛ ؟ ! and newlines) and trimmed at word boundaries, never
inside a number (1.5, ٣،٥), a one-letter abbreviation (U.S., أ.ف.ب, د.), a URL or an e-mail address.
Formatters render a snippet for a terminal (colour), a pipe (``[[...]]``) or HTML (``<mark>``).
"""

from __future__ import annotations

import html
import re
import threading
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from itertools import accumulate, chain, compress, filterfalse
from operator import not_

from .analysis import token_terms
from .analysis.stemmer import ROOT_MARK
from .analysis.tokenizer import WORD_EXTRAS, find_words, iter_words

_MARKS = ".!?\u060c\u061b\u061f\n"  # what ends a sentence or a clause
# The rest of a link (URL or e-mail address) but its trailing marks, then an empty group that
# tells it from a boundary.
_LINK = rf"\S*(?<![{_MARKS}])()"
# Boundaries (a run of marks) and links, skipped whole. Each branch starts with its own
# character, so the regex engine jumps from one candidate character to the next.
_BOUNDARY = re.compile(rf"""
    https?://{_LINK} | www\.{_LINK} | @{_LINK}
  | \.(?!(?<=\d\.)\d)                                    # a period, not a decimal point (1.5),
      (?!(?<=(?<![\w{WORD_EXTRAS}])[^\W\d_]\.)(?!\.))  # nor after a lone letter (U.S., د.),
      (?![^\s@]{{0,64}}@)                                  # nor in an e-mail address
      [{_MARKS}]*
  | \u060c(?!(?<=\d\u060c)\d)[{_MARKS}]*                  # a comma, not between digits (٣،٥)
  | ![{_MARKS}]* | \?[{_MARKS}]* | \u061b[{_MARKS}]* | \u061f[{_MARKS}]* | \n[{_MARKS}]*
""", re.VERBOSE)
# Markup leftovers (tags, lone "/>" from <br />) and runs of whitespace in displayed text.
_LEFTOVER = re.compile(r"<[^<>\n]{0,200}>|/>")
_SPACES = re.compile(r"\s+")
_EXACT_MARK = "\0"  # before an exact term, in a word's keys (stems are kept as they are)


@lru_cache(maxsize=200_000)
def _word_keys(word: str) -> frozenset[str]:
    """A word's exact-field terms (marked with a leading NUL) and stemmed-field terms."""
    return frozenset(key for exact, stems in token_terms(word)
                     for key in (_EXACT_MARK + exact, *stems))


class _PieceKeys(dict[str, frozenset[str]]):
    """Piece of text (a run between whitespace, as written) -> the keys of its words
    (:func:`_word_keys`), as one set, so a match is one set intersection. Filled on first
    use; started again past ``LIMIT`` pieces.

    Also kept: the pieces giving each key (``pieces_of``) and the pieces in the order they
    came (``order``), so the known pieces a query matches are found without checking every
    piece of a text (:meth:`QueryTerms.matching`). ``generation`` counts the new starts.
    ``lock`` keeps the three in step when searches in several threads add pieces.
    """

    LIMIT = 200_000

    def __init__(self) -> None:
        super().__init__()
        self.pieces_of: dict[str, list[str]] = {}
        self.order: list[str] = []
        self.generation = 0
        self.lock = threading.RLock()

    def __missing__(self, piece: str) -> frozenset[str]:
        words = find_words(piece)
        keys = _word_keys(words[0]) if len(words) == 1 else \
            frozenset().union(*map(_word_keys, words))
        with self.lock:
            if len(self) >= self.LIMIT:
                self.clear()
            self[piece] = keys
            for key in keys:
                self.pieces_of.setdefault(key, []).append(piece)
            self.order.append(piece)
        return keys

    def clear(self) -> None:
        with self.lock:
            super().clear()
            self.pieces_of, self.order = {}, []
            self.generation += 1


_PIECE_KEYS = _PieceKeys()


@dataclass(frozen=True)
class QueryTerms:
    """What a snippet marks: normalized exact terms and stems of the query."""

    exact: frozenset[str] = frozenset()
    stems: frozenset[str] = frozenset()

    @cached_property
    def _keys(self) -> frozenset[str]:
        return frozenset(_EXACT_MARK + word for word in self.exact) | self.stems

    def matches_token(self, token: str) -> bool:
        """Whether a token as written (diacritics and all) matches: its normalized form is an
        exact term, or one of its stemmed-field terms (a stem, the stem without a glued
        preposition, the root) is a stem of the query."""
        return not self._keys.isdisjoint(_word_keys(token))

    def matches_piece(self, piece: str) -> bool:
        """Whether some word of a piece of text (a run between whitespace) matches."""
        return not self._keys.isdisjoint(_PIECE_KEYS[piece])

    def matching(self, pieces: Iterable[str]) -> list[str]:
        """The distinct pieces of text that :meth:`matches_piece`: the known ones looked up
        in :meth:`_known_matches`, the others analyzed."""
        hits, unseen = self._split(set(pieces))
        return [*hits, *filter(self.matches_piece, unseen)]

    def _split(self, pieces: Iterable[str]) -> tuple[list[str], list[str]]:
        """The ``pieces`` known to match and those not analyzed yet, taken at one moment
        (a search in another thread may be adding pieces)."""
        with _PIECE_KEYS.lock:
            return self._known_in(pieces), list(filterfalse(_PIECE_KEYS.__contains__, pieces))

    def _known_in(self, pieces: Iterable[str]) -> list[str]:
        """The ``pieces`` known to match (from :meth:`_known_matches`, under its lock)."""
        with _PIECE_KEYS.lock:
            return list(self._known_matches().intersection(pieces))

    def _known_matches(self) -> set[str]:
        """Every piece in the memo of analyzed pieces that matches: gathered from its
        reverse index once, then brought up to date with the pieces analyzed since (call
        under the memo's lock, as :meth:`_split` does)."""
        book = _PIECE_KEYS
        state = self.__dict__.get("_known")
        if state is None or state[0] is not book or state[1] != book.generation:
            found: set[str] = set()
            for key in self._keys:
                found.update(book.pieces_of.get(key, ()))
            state = self.__dict__["_known"] = [book, book.generation, len(book.order), found]
        elif state[2] < len(book.order):
            new = book.order[state[2]:]
            state[2] += len(new)
            state[3].update(compress(new, map(not_, map(self._keys.isdisjoint,
                                                        map(book.__getitem__, new)))))
        return state[3]

    def counted_keys(self) -> Iterator[tuple[str, str, bool]]:
        """Each key a word may match: the key, its term, and whether it is an exact term
        (else a stemmed-field term); for :meth:`matching_counted`."""
        yield from ((_EXACT_MARK + word, word, True) for word in self.exact)
        yield from ((stem, stem, False) for stem in self.stems)

    def matching_counted(self, pieces: Collection[str], counts: Mapping[str, int],
                         tally: Callable[[str], int]) -> list[str]:
        """:meth:`matching` of the distinct ``pieces``, given how many words give each key
        (``counts``, from the index) and how often a piece occurs (``tally``): the pieces
        known to match are counted off, then others are analyzed only until every counted
        word is found, likely ones (holding a term's letters in a row) first. Pieces are
        not looked up one by one unless some count is left (each look-up in the big memo
        is a cache miss)."""
        left = {key: n for key, n in counts.items() if n > 0}

        def count_off(piece: str) -> bool:
            """Count ``piece``'s occurrences off the keys it gives; whether any is left."""
            occurrences = tally(piece)
            for key in self._keys.intersection(_PIECE_KEYS[piece]):
                left[key] = left.get(key, 0) - occurrences
            return any(n > 0 for n in left.values())

        hits = self._known_in(pieces)
        for piece in hits:
            count_off(piece)
        if any(n > 0 for n in left.values()):
            found, ordered = set(hits), list(pieces)
            likely = self._likely(ordered)
            for piece in chain(likely, filterfalse(likely.__contains__, ordered)):
                if piece not in found and self.matches_piece(piece):
                    hits.append(piece)
                    if not count_off(piece):
                        break
        return hits

    def spans_in(self, piece: str) -> list[tuple[int, int]]:
        """Where the matching words of ``piece`` stand in it (remembered for the query)."""
        known = self.__dict__.setdefault("_spans", {})
        spans = known.get(piece)
        if spans is None:
            spans = known[piece] = [m.span() for m in iter_words(piece)
                                    if self.matches_token(m.group())]
        return spans

    def _likely(self, pieces: list[str]) -> set[str]:
        """The ``pieces`` holding a term's letters in a row (likely to match)."""
        joined = "\n".join(pieces)
        ends = list(accumulate(len(piece) + 1 for piece in pieces))
        found = set()
        for term in self._letters:
            at = joined.find(term)
            while at != -1:
                i = bisect_right(ends, at)
                found.add(pieces[i])
                at = joined.find(term, ends[i])
        return found

    @cached_property
    def _letters(self) -> tuple[str, ...]:
        return tuple({letters for term in self.exact | self.stems
                      if (letters := term.removeprefix(ROOT_MARK))})


@dataclass(frozen=True)
class Fragment:
    """A passage ``text[start:end]`` and the match spans inside it (absolute offsets)."""

    start: int
    end: int
    spans: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class Snippet:
    """Up to a few fragments of one text; render it with a formatter."""

    text: str
    fragments: tuple[Fragment, ...] = field(default_factory=tuple)

    def render(self, formatter: Formatter) -> str:
        """The fragments in text order, each passed through ``formatter`` (its text with
        markup leftovers dropped and whitespace collapsed, its matches marked), joined with
        ``formatter.separator``; ``""`` for a snippet without fragments."""
        parts = []
        for frag in self.fragments:
            out, last = [], frag.start
            for start, end in frag.spans:
                out.append(formatter.text(_clean(self.text[last:start])))
                out.append(formatter.match(self.text[start:end]))
                last = end
            out.append(formatter.text(_clean(self.text[last:frag.end])))
            parts.append("".join(out).strip())
        return formatter.separator.join(parts)

    def __str__(self) -> str:
        return self.render(PlainFormatter())


def _clean(text: str) -> str:
    if "<" in text or "/>" in text:
        text = _LEFTOVER.sub("", text)
    return _SPACES.sub(" ", text)


class Formatter:
    """Base formatter: plain text with ``[[match]]`` markers.

    A subclass sets ``open_mark`` and ``close_mark`` (put around each matched word) and
    ``separator`` (between passages), or overrides :meth:`text` and :meth:`match`.
    """

    separator = " … "
    open_mark, close_mark = "[[", "]]"

    def text(self, text: str) -> str:
        """Render a stretch of the document's text between matches (as is, here)."""
        return text

    def match(self, word: str) -> str:
        """Render one matched word, as written in the document, between the marks."""
        return f"{self.open_mark}{word}{self.close_mark}"


class PlainFormatter(Formatter):
    """``[[match]]`` markers, for pipes and files."""


class TerminalFormatter(Formatter):
    """Bold red matches (ANSI colour) around whole words, so letters still join."""

    open_mark, close_mark = "\x1b[1;31m", "\x1b[0m"


class HtmlFormatter(Formatter):
    """Escaped HTML with ``<mark>`` around matches, safe to put in a page.

    >>> snippet = make_snippet('قال "بوتين" إن 5 < 6 & 7', QueryTerms(exact=frozenset({"بوتين"})))
    >>> snippet.render(HtmlFormatter())
    'قال &quot;<mark>بوتين</mark>&quot; إن 5 &lt; 6 &amp; 7'
    """

    separator = " … "
    open_mark, close_mark = "<mark>", "</mark>"

    def text(self, text: str) -> str:
        """The text with ``&``, ``<``, ``>`` and quotes escaped."""
        return html.escape(text)

    def match(self, word: str) -> str:
        """The word, escaped, in ``<mark>``."""
        return f"{self.open_mark}{html.escape(word)}{self.close_mark}"


def match_spans(text: str, terms: QueryTerms, counts: Mapping[str, int] | None = None
                ) -> list[tuple[int, int]]:
    """Character spans of the words in ``text`` that match ``terms``; ``counts``: how many
    words of ``text`` give each key of ``terms`` (:meth:`QueryTerms.matching_counted`)."""
    if not terms.exact and not terms.stems:
        return []
    # The text is cut at whitespace, which never falls inside a word, and each distinct
    # piece is checked once: most pieces are single words, most of them repeats.
    pieces = set(text.split())
    places: dict[str, list[int]] = {}

    def where(piece: str) -> list[int]:
        found = places.get(piece)
        if found is None:
            found = places[piece] = _occurrences(text, piece)
        return found

    hits = terms.matching(pieces) if counts is None else \
        terms.matching_counted(pieces, counts, lambda piece: len(where(piece)))
    return sorted((at + start, at + end) for piece in hits for at in where(piece)
                  for start, end in terms.spans_in(piece))


def _occurrences(text: str, piece: str) -> list[int]:
    """Where ``piece`` stands in ``text`` between whitespace (or the ends)."""
    found = []
    at, size = text.find(piece), len(piece)
    while at != -1:
        end = at + size
        if (at == 0 or text[at - 1].isspace()) and (end == len(text) or text[end].isspace()):
            found.append(at)
        at = text.find(piece, at + 1)
    return found


def _sentence_ends(text: str) -> list[int]:
    """Where each sentence of ``text`` ends (after its boundary marks), the last at the end."""
    ends = [m.end() for m in _BOUNDARY.finditer(text) if m.lastindex is None]
    if not ends or ends[-1] < len(text):
        ends.append(len(text))
    return ends


def _trim(text: str, start: int, end: int, spans: list[tuple[int, int]], width: int
          ) -> tuple[int, int]:
    """Narrow ``[start, end)`` to about ``width`` characters around ``spans``, at spaces."""
    if end - start <= width:
        return start, end
    first = spans[0][0]
    # The matches within ``width`` of the first (a huge word between two matches would
    # otherwise stretch the passage to its size).
    last = max((e for _, e in spans if e <= first + width), default=spans[0][1])
    pad = max(0, (width - (last - first)) // 2)
    lo, hi = max(start, first - pad), min(end, max(last + pad, first + width))
    hi = min(hi, lo + 2 * width)  # even when a match is a huge word (left unmarked, then)
    # With no space between a cut and a match (a number or a link glued to it), the cut moves
    # out to the edge of that word, unless the word is huge.
    if lo > start:
        space = text.find(" ", lo, first)
        if space == -1:
            space = max(text.rfind(" ", start, lo), start - 1)
        lo = space + 1 if first - space <= width else lo
    if last <= hi < end:
        space = text.rfind(" ", last, hi)
        if space == -1:
            after = _SPACES.search(text, hi, end)
            space = after.start() if after else end
        hi = space if space - last <= width else hi
    return lo, hi


def make_snippet(text: str, terms: QueryTerms, fragments: int = 3, width: int = 160,
                 counts: Mapping[str, int] | None = None) -> Snippet:
    """The best ``fragments`` passages of ``text`` for ``terms``, in text order.

    Passages with more distinct matched words rank first; with no match, the opening.
    ``counts`` (see :func:`match_spans`) saves analyzing words that cannot match.
    """
    spans = match_spans(text, terms, counts)
    if not spans:
        start = len(text) - len(text.lstrip())
        lo, hi = _trim(text, start, len(text), [(start, start)], width)
        return Snippet(text, (Fragment(lo, hi, ()),)) if hi > lo else Snippet(text)
    # Each sentence holding matches (by where they start), with its matches.
    ends = _sentence_ends(text)
    scored = []
    i = 0
    while i < len(spans):
        at = bisect_right(ends, spans[i][0])
        start, end = ends[at - 1] if at else 0, ends[at]
        j = bisect_left(spans, (end,), i)
        inside = spans[i:j]
        distinct = len({text[s:e] for s, e in inside})
        scored.append((distinct, len(inside), -start, start, end, inside))
        i = j
    best = sorted(scored, reverse=True)[:fragments]
    chosen = []
    for *_, start, end, inside in sorted(best, key=lambda item: item[3]):
        lo, hi = _trim(text, start, end, inside, width)
        chosen.append(Fragment(lo, hi, tuple(s for s in inside if s[0] >= lo and s[1] <= hi)))
    return Snippet(text, tuple(chosen))
