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

from dataclasses import dataclass

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
from .tokenizer import WORD_PATTERN, ArabicTokenizer

# Bump when a change to analysis changes the terms an index holds.
ANALYSIS_VERSION = 2

__all__ = [
    "ANALYSIS_VERSION",
    "STOP_WORDS",
    "WORD_PATTERN",
    "AnalysisOptions",
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


def exact_analyzer(options: AnalysisOptions = DEFAULT_OPTIONS) -> CompositeAnalyzer:
    """Tokenize, normalize and drop stop words (the *exact* fields)."""
    stop = ArabicStopFilter() if options.stopwords else ArabicStopFilter(stoplist=())
    return ArabicTokenizer() | NormalizeFilter() | stop


def stem_analyzer(options: AnalysisOptions = DEFAULT_OPTIONS) -> CompositeAnalyzer:
    """:func:`exact_analyzer` followed by hamza folding and light stemming."""
    if not options.stem:
        return exact_analyzer(options)
    return exact_analyzer(options) | ArabicStemFilter(
        lexicon=options.lexicon, expand=options.expand, roots=options.roots
    )


_STEM = stem_analyzer()


def analyze(text: str) -> list[str]:
    """The terms the body field gets for ``text``, in order (stop words left out)."""
    return [t.text for t in _STEM(text)]


@dataclass(frozen=True)
class TokenInfo:
    """One token of :func:`explain`: where it is and what each analysis makes of it."""

    original: str
    normalized: str
    stem: str | None
    stop: bool
    start: int
    end: int
    position: int


_EXACT = exact_analyzer()


def explain(text: str) -> list[TokenInfo]:
    """Every token of ``text`` with its normalized form, its stem and whether it is a stop word.

    >>> [(i.original, i.normalized, i.stem, i.stop) for i in explain("في المدارسِ")]
    [('في', 'في', None, True), ('المدارسِ', 'المدارس', 'مدرس', False)]
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
            )
        )
    return infos
