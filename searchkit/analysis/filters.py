"""Whoosh filters for Arabic: normalize, stop, stem. Each changes ``token.text`` only;
positions and character offsets stay those the tokenizer gave.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import lru_cache

from whoosh.analysis import Filter, Token

from .normalize import fold_hamza, normalize
from .stemmer import KNOWN_STEMS, root, stem, stem_without_lexicon
from .wordlists import (
    CONJUNCTIONS,
    PREPOSITION_FORMS,
    STOP_WITH_CLITICS,
    STOP_WORDS_BASE,
)


def stem_term(normalized: str, lexicon: bool = True) -> str:
    """The stemmed-field term of a normalized word: hamza seats folded, then stemmed.

    ``lexicon=False`` stems without protected words and dictionaries (ablation only).

    >>> stem_term("مسئوليه") == stem_term("مسؤول")
    True
    """
    folded = fold_hamza(normalized)
    return stem(folded) if lexicon else stem_without_lexicon(folded)


# Prepositions that may be glued to a noun without the article (بكثرة، لسكان، كرئيس).
CLITIC_PREPOSITIONS = "بلك"


def stem_terms(normalized: str, lexicon: bool = True, expand: str = CLITIC_PREPOSITIONS
               ) -> tuple[str, ...]:
    """The stemmed-field terms of a normalized word: its light stem and, if the word starts
    with a letter of ``expand`` that may be a glued preposition (after a conjunction و/ف or
    not), the stem of the word without them (لسكان -> سكان as well as لسك; ولروسيا -> روسيا).

    A conjunction never follows a preposition, so كوفيد is not read as ك + وفيد (but بوزارة
    is ب + وزارة, a known word). Known words get their stem only.

    >>> stem_terms("لسكان")
    ('لسك', 'سكان')
    >>> stem_terms("ولروسيا")
    ('لروس', 'روسيا')
    >>> stem_terms("لبنان")
    ('لبنان',)
    """
    first = stem_term(normalized, lexicon)
    if not expand or first in KNOWN_STEMS:
        return (first,)
    start = int(normalized[0] in "وف" and len(normalized) >= 6 and normalized[1] in expand)
    if len(normalized) - start >= 5 and normalized[start] in expand:
        second = stem_term(normalized[start + 1:], lexicon)
        if normalized[start + 1] not in "وف" or second in KNOWN_STEMS:
            return tuple(dict.fromkeys((first, second)))
    return (first,)


def _stop_words() -> frozenset[str]:
    words = {normalize(w) for w in (STOP_WORDS_BASE + PREPOSITION_FORMS).split()}
    for word in STOP_WITH_CLITICS.split():
        for conjunction in CONJUNCTIONS:
            words.add(normalize(conjunction + word))
    return frozenset(words)


STOP_WORDS: frozenset[str] = _stop_words()


# Words repeat (news vocabulary is Zipfian): normalize each distinct word once.
_normalize_word = lru_cache(maxsize=200_000)(normalize)


@lru_cache(maxsize=200_000)
def token_terms(token: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """For one token as written: each exact-field term (normalized, not a stop word) with
    its stemmed-field terms (see :func:`stemmed_field_terms`). Cached per distinct token.

    >>> token_terms("وفي"), token_terms("الشَّمْسِ")
    ((), (('الشمس', ('شمس', '√شمس')),))
    """
    return tuple((word, stemmed_field_terms(word))
                 for word in _normalize_word(token).split() if word not in STOP_WORDS)


class NormalizeFilter(Filter):
    """Apply :func:`normalize` to each token and drop tokens that normalize to nothing.

    A token that NFKC expands to several words (ﷺ) yields one token per word, all at the
    position and offsets of the original.

    >>> from searchkit.analysis.tokenizer import ArabicTokenizer
    >>> [t.text for t in (ArabicTokenizer() | NormalizeFilter())("أَحْمَدُ ـــ")]
    ['احمد']
    """

    def __call__(self, tokens: Iterable[Token]) -> Iterator[Token]:
        for t in tokens:
            text = _normalize_word(t.text)
            if " " in text:
                for part in text.split():
                    t.text = part
                    yield t
            elif text:
                t.text = text
                yield t


class ArabicStopFilter(Filter):
    """Remove (or, with ``removestops=False``, mark) stop words, keeping positions.

    The list is normalized and holds clitic forms (وفي، ومن، لقد). Positions are not
    renumbered, so a phrase query still needs its words to be adjacent in the text.

    >>> from searchkit.analysis.tokenizer import ArabicTokenizer
    >>> chain = ArabicTokenizer() | NormalizeFilter() | ArabicStopFilter()
    >>> [(t.text, t.pos) for t in chain("ذهب إلى المدرسة", positions=True)]
    [('ذهب', 0), ('المدرسه', 2)]
    """

    def __init__(self, stoplist: Iterable[str] = STOP_WORDS) -> None:
        self.stops = frozenset(stoplist)

    def __call__(self, tokens: Iterable[Token]) -> Iterator[Token]:
        stops = self.stops
        for t in tokens:
            if t.text in stops:
                if not t.removestops:
                    t.stopped = True
                    yield t
            else:
                t.stopped = False
                yield t


class ArabicStemFilter(Filter):
    """Fold hamza seats (ؤ ئ -> ء) and replace each token with its stemmed-field terms.

    The terms of :func:`stem_terms` and, with ``roots``, a root, all at the
    token's position and offsets: a document that shares only the root with the query still
    matches, and one that shares the stem too scores higher.

    >>> from searchkit.analysis.tokenizer import ArabicTokenizer
    >>> chain = ArabicTokenizer() | NormalizeFilter() | ArabicStemFilter()
    >>> [t.text for t in chain("والصواريخ صوتية")]
    ['صاروخ', 'صوت', '√صوت']
    """

    def __init__(self, lexicon: bool = True, expand: str = CLITIC_PREPOSITIONS,
                 roots: bool = True) -> None:
        self.lexicon = lexicon
        self.expand = expand
        self.roots = roots

    def __call__(self, tokens: Iterable[Token]) -> Iterator[Token]:
        lexicon, expand, roots = self.lexicon, self.expand, self.roots
        for t in tokens:
            if t.stopped:
                yield t
                continue
            for term in _all_terms(t.text, lexicon, expand, roots):
                t.text = term
                yield t


def stemmed_field_terms(normalized: str) -> tuple[str, ...]:
    """Every term the stemmed field gets for a normalized word with the default options:
    its stems and its root (what a query term may have matched, for highlighting).

    >>> stemmed_field_terms("لسكان")
    ('لسك', 'سكان', '√سكن')
    """
    return _all_terms(normalized, True, CLITIC_PREPOSITIONS, True)


@lru_cache(maxsize=200_000)
def _all_terms(normalized: str, lexicon: bool, expand: str, roots: bool) -> tuple[str, ...]:
    """The stems of :func:`stem_terms` and, with ``roots``, the root of the last one --
    except for known words and words under 4 letters, whose stem is specific enough."""
    terms = stem_terms(normalized, lexicon, expand)
    if not roots or terms[-1] in KNOWN_STEMS or len(normalized) < 4:
        return terms
    return (*terms, root(terms[-1]))
