"""Whoosh filters for Arabic: normalize, stop, stem. Each changes ``token.text`` only;
positions and character offsets stay those the tokenizer gave.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from whoosh.analysis import Filter, Token

from .normalize import fold_hamza, normalize
from .stemmer import stem
from .wordlists import (
    CONJUNCTIONS,
    PREPOSITION_FORMS,
    STOP_WITH_CLITICS,
    STOP_WORDS_BASE,
)


def stem_term(normalized: str) -> str:
    """The stemmed-field term of a normalized word: hamza seats folded, then stemmed.

    >>> stem_term("مسئوليه") == stem_term("مسؤول")
    True
    """
    return stem(fold_hamza(normalized))


def _stop_words() -> frozenset[str]:
    words = {normalize(w) for w in (STOP_WORDS_BASE + PREPOSITION_FORMS).split()}
    for word in STOP_WITH_CLITICS.split():
        for conjunction in CONJUNCTIONS:
            words.add(normalize(conjunction + word))
    return frozenset(words)


STOP_WORDS: frozenset[str] = _stop_words()


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
            text = normalize(t.text)
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
    """Fold hamza seats (ؤ ئ -> ء) and replace each token with its light stem.

    >>> from searchkit.analysis.tokenizer import ArabicTokenizer
    >>> chain = ArabicTokenizer() | NormalizeFilter() | ArabicStemFilter()
    >>> [t.text for t in chain("والصواريخ صاروخ")]
    ['صاروخ', 'صاروخ']
    """

    def __call__(self, tokens: Iterable[Token]) -> Iterator[Token]:
        for t in tokens:
            if not t.stopped:
                t.text = stem_term(t.text)
            yield t
