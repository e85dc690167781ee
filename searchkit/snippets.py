"""Snippets: the best passages of a text around the query's matches, with the matches marked.

Matches come from the tokenizer's character offsets into the original text, so a mark covers
the whole word as written (diacritics, tatweel and clitics included). Passages are cut at
sentence or clause boundaries (. ، ؛ ؟ ! and newlines) and trimmed at word boundaries.
Formatters render a snippet for a terminal (colour), a pipe (``[[...]]``) or HTML (``<mark>``).
"""

from __future__ import annotations

import html
import re
import threading
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from itertools import compress, filterfalse
from operator import not_

from .analysis import WORD_PATTERN, token_terms
from .analysis.stemmer import ROOT_MARK
from .analysis.tokenizer import find_words

_BOUNDARY = re.compile(r"[.!?\u060c\u061b\u061f\n]+")
# Markup leftovers (tags, lone "/>" from <br />) and runs of whitespace in displayed text.
_LEFTOVER = re.compile(r"<[^<>\n]{0,200}>|/>")
_SPACES = re.compile(r"\s+")


class _TokenKeys(dict[str, frozenset[str]]):
    """Token as written -> its exact-field terms (marked with a leading NUL) and
    stemmed-field terms, as one set (so a match is one set intersection). Filled on first
    use; started again past ``LIMIT`` tokens.

    Also kept: the tokens giving each key (``tokens_of``) and the tokens in the order they
    came (``order``), so the known tokens a query matches are found without checking every
    word of a text (:meth:`QueryTerms.matching`). ``generation`` counts the new starts.
    ``lock`` keeps the three in step when searches in several threads add tokens.
    """

    LIMIT = 200_000

    def __init__(self) -> None:
        super().__init__()
        self.tokens_of: dict[str, list[str]] = {}
        self.order: list[str] = []
        self.generation = 0
        self.lock = threading.RLock()

    def __missing__(self, token: str) -> frozenset[str]:
        keys = frozenset(
            key for word, terms in token_terms(token) for key in ("\0" + word, *terms))
        with self.lock:
            if len(self) >= self.LIMIT:
                self.clear()
            self[token] = keys
            for key in keys:
                self.tokens_of.setdefault(key, []).append(token)
            self.order.append(token)
        return keys

    def clear(self) -> None:
        with self.lock:
            super().clear()
            self.tokens_of, self.order = {}, []
            self.generation += 1


_TOKEN_KEYS = _TokenKeys()


@dataclass(frozen=True)
class QueryTerms:
    """What a snippet marks: normalized exact terms and stems of the query."""

    exact: frozenset[str] = frozenset()
    stems: frozenset[str] = frozenset()

    @cached_property
    def _keys(self) -> frozenset[str]:
        return frozenset("\0" + word for word in self.exact) | self.stems

    def matches_token(self, token: str) -> bool:
        """Whether a token as written (diacritics and all) matches: its normalized form is an
        exact term, or one of its stemmed-field terms (a stem, the stem without a glued
        preposition, the root) is a stem of the query."""
        return not self._keys.isdisjoint(_TOKEN_KEYS[token])

    def matching(self, tokens: Iterable[str]) -> list[str]:
        """The distinct tokens (as written) that :meth:`matches_token`: the known ones
        looked up in :meth:`_known_matches`, the others analyzed."""
        hits, unseen = self._split(set(tokens))
        return [*hits, *filter(self.matches_token, unseen)]

    def _split(self, tokens: Iterable[str]) -> tuple[list[str], list[str]]:
        """The ``tokens`` known to match and those not analyzed yet, taken at one moment
        (a search in another thread may be adding tokens)."""
        with _TOKEN_KEYS.lock:
            hits = self._known_matches().intersection(tokens)
            return list(hits), list(filterfalse(_TOKEN_KEYS.__contains__, tokens))

    def _known_matches(self) -> set[str]:
        """Every token in the memo of analyzed tokens that matches: gathered from its
        reverse index once, then brought up to date with the tokens analyzed since (call
        under the memo's lock, as :meth:`_split` does)."""
        book = _TOKEN_KEYS
        state = self.__dict__.get("_known")
        if state is None or state[0] is not book or state[1] != book.generation:
            found: set[str] = set()
            for key in self._keys:
                found.update(book.tokens_of.get(key, ()))
            state = self.__dict__["_known"] = [book, book.generation, len(book.order), found]
        elif state[2] < len(book.order):
            new = book.order[state[2]:]
            state[2] += len(new)
            state[3].update(compress(new, map(not_, map(self._keys.isdisjoint,
                                                        map(book.__getitem__, new)))))
        return state[3]

    def counted_keys(self) -> Iterator[tuple[str, str, bool]]:
        """Each key a token may match: the key, its term, and whether it is an exact term
        (else a stemmed-field term); for :meth:`matching_counted`."""
        yield from (("\0" + word, word, True) for word in self.exact)
        yield from ((stem, stem, False) for stem in self.stems)

    def matching_counted(self, tokens: Counter[str], counts: Mapping[str, int]) -> list[str]:
        """:meth:`matching` of ``tokens`` (each with how often it occurs), given how many
        occurrences give each key (``counts``, from the index): tokens never analyzed
        before are analyzed only until every counted occurrence is found, likely ones
        (holding a term's letters in a row) first."""
        left = {key: n for key, n in counts.items() if n > 0}

        def count_off(token: str) -> bool:
            """Count ``token``'s occurrences off the keys it gives; whether any is left."""
            for key in self._keys.intersection(_TOKEN_KEYS[token]):
                left[key] = left.get(key, 0) - tokens[token]
            return any(n > 0 for n in left.values())

        hits, unseen = self._split(tokens)
        for token in hits:
            count_off(token)
        if any(n > 0 for n in left.values()):
            for token in sorted(unseen, key=self._unlikely):
                if self.matches_token(token):
                    hits.append(token)
                    if not count_off(token):
                        break
        return hits

    def _unlikely(self, token: str) -> bool:
        """False for a token that holds a term's letters in a row (likely to match)."""
        return not any(term in token for term in self._letters)

    @cached_property
    def _letters(self) -> tuple[str, ...]:
        return tuple(term.removeprefix(ROOT_MARK) for term in self.exact | self.stems)


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
    # Each distinct word is checked once; most of a text's words are repeats.
    words = find_words(text)
    hits = terms.matching(set(words)) if counts is None else \
        terms.matching_counted(Counter(words), counts)
    return sorted(span for word in hits for span in _occurrences(text, word))


def _occurrences(text: str, word: str) -> list[tuple[int, int]]:
    """Where ``word`` stands in ``text`` as a whole token (not inside a longer one)."""
    found = []
    at = text.find(word)
    while at != -1:
        end = at + len(word)
        whole = WORD_PATTERN.match(text, at)
        if whole and whole.end() == end and (at == 0 or not WORD_PATTERN.match(text, at - 1)):
            found.append((at, end))
        at = text.find(word, at + 1)
    return found


def _sentence_ends(text: str) -> list[int]:
    """Where each sentence of ``text`` ends (after its boundary marks), the last at the end."""
    ends = [m.end() for m in _BOUNDARY.finditer(text)]
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
    if lo > start:
        space = text.find(" ", lo, first)
        lo = space + 1 if space != -1 else lo
    if hi < end:
        space = text.rfind(" ", last, hi)
        hi = space if space != -1 else hi
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
