"""Arabic analysis: a tokenizer and small filters, composed into Whoosh analyzers.

Two analyzers per text field:

* :func:`exact_analyzer` -- tokenize, normalize, drop stop words: the words as written,
  minus diacritics, tatweel and spelling variation of hamza/ى/ة;
* :func:`stem_analyzer` -- the same, then hamza seats folded and light stemming.

Both keep the tokenizer's positions and character offsets. The classes live at stable
import paths because Whoosh pickles them into the index schema.

>>> analyze("وَالصَّوارِيخُ فرط صوتيّة")
['صاروخ', 'فرط', 'صوت', '√صوت']
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from whoosh.analysis.analyzers import CompositeAnalyzer

from .filters import (
    CLITIC_PREPOSITIONS,
    STOP_WORDS,
    ArabicStemFilter,
    ArabicStopFilter,
    NormalizeFilter,
    stem_term,
    stem_terms,
    stemmed_field_terms,
    token_terms,
)
from .normalize import fold_hamza, normalize
from .stemmer import stem
from .tokenizer import WORD_PATTERN, ArabicTokenizer, find_words

# Bump when a change to analysis changes the terms an index holds.
ANALYSIS_VERSION = 3

__all__ = [
    "ANALYSIS_VERSION",
    "STOP_WORDS",
    "WORD_PATTERN",
    "AnalysisOptions",
    "ArabicAnalyzer",
    "ArabicStemFilter",
    "ArabicStopFilter",
    "ArabicTokenizer",
    "NormalizeFilter",
    "TokenInfo",
    "analyze",
    "exact_analyzer",
    "explain",
    "fold_hamza",
    "normalize",
    "stem",
    "stem_analyzer",
    "stem_term",
    "stem_terms",
    "stemmed_field_terms",
    "token_terms",
]


@dataclass(frozen=True)
class AnalysisOptions:
    """Switches for ablation studies; the defaults are what searchkit ships.

    ``stem``: the stemmed fields get light stems (off: the exact forms again);
    ``stopwords``: stop words are left out; ``lexicon``: protected names, broken plurals and
    country adjectives; ``expand``: the prepositions (بلك) tried as glued to a word without
    the article; ``roots``: each word's root is indexed beside its stem.
    """

    stem: bool = True
    stopwords: bool = True
    lexicon: bool = True
    expand: str = CLITIC_PREPOSITIONS
    roots: bool = True


DEFAULT_OPTIONS = AnalysisOptions()


# Memos of ArabicAnalyzer.terms_of, by chain.
_MEMOS: dict[tuple[tuple[str, str], ...], dict[str, tuple[str, ...]]] = {}


class ArabicAnalyzer(CompositeAnalyzer):
    """Whoosh's chain of an :class:`ArabicTokenizer` and per-token filters, plus what
    indexing uses to run the filters once per distinct word: :meth:`words`,
    :meth:`terms_of` and :meth:`term_positions`.

    Every filter here maps one token to its terms without looking at its neighbours, so a
    word's terms are the same wherever it stands.

    >>> analyzer = ArabicAnalyzer(ArabicTokenizer(), NormalizeFilter(), ArabicStopFilter())
    >>> analyzer.term_positions("ذهب إلى المدرسةِ ثم ذهب")
    {'ذهب': [0, 4], 'المدرسه': [2]}
    """

    # Distinct words whose terms are kept; past this the memo starts again.
    MEMO_WORDS = 300_000

    def signature(self) -> tuple[tuple[str, str], ...]:
        """What the chain is made of (its filters' types and settings), comparable across
        processes and unpickled copies."""
        return tuple((type(item).__name__, repr(sorted(
            (name, sorted(value) if isinstance(value, frozenset) else value)
            for name, value in vars(item).items()))) for item in self.items)

    def _memo(self) -> dict[str, tuple[str, ...]]:
        """The memo of this chain's words, shared by equal chains of the process (each
        writer unpickles its own copy of the schema)."""
        memo = self.__dict__.get("_words")
        if memo is None:
            signature = self.signature()
            memo = self.__dict__["_words"] = _MEMOS.setdefault(signature, {})
            self.__dict__["_direct"] = _direct_terms().get(signature)
        return memo

    def terms_of(self, word: str) -> tuple[str, ...]:
        """The terms the chain makes of one word (none for a stop word)."""
        memo = self._memo()
        terms = memo.get(word)
        if terms is None:
            if len(memo) >= self.MEMO_WORDS:
                memo.clear()
            direct = self.__dict__["_direct"]
            terms = memo[word] = (direct(word) if direct else
                                  tuple(t.text for t in self(word, tokenize=False)))
        return terms

    @staticmethod
    def words(value: str) -> list[str]:
        """The words of ``value`` as the tokenizer cuts them."""
        return find_words(value)

    def terms(self, value: str) -> list[str]:
        """The terms of ``value`` in order: what the chain gives, each word's memoized.

        >>> stem_analyzer().terms("الصواريخ الروسية")
        ['صاروخ', 'روسيا']
        """
        return [term for word in self.words(value) for term in self.terms_of(word)]

    def term_positions(self, value: str) -> dict[str, list[int]]:
        """Each term of ``value`` (as the chain gives them) with the positions of the
        words it came from."""
        positions: defaultdict[str, list[int]] = defaultdict(list)
        for position, word in enumerate(self.words(value)):
            for term in self.terms_of(word):
                positions[term].append(position)
        return dict(positions)

    def __getstate__(self) -> dict[str, Any]:
        """What Whoosh pickles into the schema: the chain, not the memo."""
        return {"items": self.items}


def exact_analyzer(options: AnalysisOptions = DEFAULT_OPTIONS) -> ArabicAnalyzer:
    """Tokenize, normalize and drop stop words (the *exact* fields)."""
    stop = ArabicStopFilter() if options.stopwords else ArabicStopFilter(stoplist=())
    return ArabicAnalyzer(ArabicTokenizer(), NormalizeFilter(), stop)


def stem_analyzer(options: AnalysisOptions = DEFAULT_OPTIONS) -> ArabicAnalyzer:
    """:func:`exact_analyzer` followed by hamza folding and light stemming."""
    if not options.stem:
        return exact_analyzer(options)
    return ArabicAnalyzer(exact_analyzer(options), ArabicStemFilter(
        lexicon=options.lexicon, expand=options.expand, roots=options.roots
    ))


_STEM = stem_analyzer()


def _exact_terms(word: str) -> tuple[str, ...]:
    return tuple(term for term, _ in token_terms(word))


def _stemmed_terms(word: str) -> tuple[str, ...]:
    return tuple(term for _, terms in token_terms(word) for term in terms)


@lru_cache(maxsize=1)
def _direct_terms() -> dict[tuple[tuple[str, str], ...], Callable[[str], tuple[str, ...]]]:
    """The default chains' terms of a word through :func:`token_terms` (one cached
    analysis for both), by chain signature: the same terms, without running the chain."""
    return {exact_analyzer().signature(): _exact_terms, _STEM.signature(): _stemmed_terms}


def analyze(text: str) -> list[str]:
    """The terms the body field gets for ``text``, in order (stop words left out)."""
    return [t.text for t in _STEM(text)]


@dataclass(frozen=True)
class TokenInfo:
    """One token of :func:`explain`: where it is and what each analysis makes of it.

    ``terms`` are all the stemmed-field terms a word gets (what a query word may match
    through): its light stem (a known variant's: ترمب -> ترامب), the stem without a glued
    preposition, and its root (``√``, which only ranks). Empty for a stop word.
    """

    original: str
    normalized: str
    stem: str | None
    stop: bool
    start: int
    end: int
    position: int
    terms: tuple[str, ...] = ()


_EXACT = exact_analyzer()


def explain(text: str) -> list[TokenInfo]:
    """Every token of ``text`` with its normalized form, its stem and whether it is a stop word.

    >>> [(i.original, i.normalized, i.stem, i.stop) for i in explain("في المدارسِ")]
    [('في', 'في', None, True), ('المدارسِ', 'المدارس', 'مدرس', False)]
    >>> explain("المغربية")[0].terms
    ('مغرب', '√غرب')
    """
    infos = []
    for t in _EXACT(text, positions=True, chars=True, removestops=False):
        infos.append(
            TokenInfo(
                original=text[t.startchar : t.endchar],
                normalized=t.text,
                stem=None if t.stopped else stem_term(t.text),
                stop=t.stopped,
                start=t.startchar,
                end=t.endchar,
                position=t.pos,
                terms=() if t.stopped else stemmed_field_terms(t.text),
            )
        )
    return infos
