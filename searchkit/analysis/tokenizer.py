"""The Arabic-aware tokenizer.

Python's ``\\w`` does not match combining marks, so Whoosh's default ``RegexTokenizer`` cuts
``مُحَمَّدٌ`` into pieces. Here a word is a maximal run of letters, digits, combining marks,
tatweel and zero-width joiners/bidi marks; Arabic and Latin punctuation split words. Each
token carries character offsets into the *original* text, so a highlight covers the whole
word as written, diacritics and clitics included.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from whoosh.analysis import Token, Tokenizer

# Characters that belong inside a word although ``\w`` does not match them.
WORD_EXTRAS = (
    "\u0300-\u036f"  # generic combining diacritics
    "\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e8\u06ea-\u06ed"  # Arabic marks
    "\u0640"  # tatweel
    "\u061c\u200c-\u200f\u2060\ufeff\u00ad"  # ALM, ZWNJ, ZWJ, LRM, RLM, WJ, BOM, soft hyphen
)
_WORD = rf"(?:[^\W_]|[{WORD_EXTRAS}])"
# A run of word characters; a decimal point or thousands separator between two digits stays
# inside it (3.5, 1,000, ٣٫٥).
WORD_PATTERN = re.compile(rf"(?:{_WORD}|(?<=\d)[.,\u066b\u066c](?=\d))+")
# The same words found about twice as fast: runs of ``\w`` (which takes in ``_``) once each
# ``_`` is made a space, a separator like ``_`` itself, so offsets do not move.
_FAST_WORDS = re.compile(
    rf"[\w{WORD_EXTRAS}]+(?:(?<=\d)[.,\u066b\u066c](?=\d)[\w{WORD_EXTRAS}]+)*")


def find_words(text: str) -> list[str]:
    """The words of ``text``: what :data:`WORD_PATTERN` finds, found faster.

    >>> find_words("في_3.5 كم")
    ['في', '3.5', 'كم']
    """
    return _FAST_WORDS.findall(text.replace("_", " "))


def iter_words(text: str) -> Iterator[re.Match[str]]:
    """The words of ``text`` as matches (their spans are offsets into ``text``):
    :data:`WORD_PATTERN`'s, found faster."""
    return _FAST_WORDS.finditer(text.replace("_", " "))


class ArabicTokenizer(Tokenizer):
    """Split text into words, keeping marks, tatweel and joiners inside them.

    >>> [t.text for t in ArabicTokenizer()("مُحَمَّدٌ، رَسُولُ")]
    ['مُحَمَّدٌ', 'رَسُولُ']
    >>> [(t.startchar, t.endchar) for t in ArabicTokenizer()("في 3.5 km", chars=True)]
    [(0, 2), (3, 6), (7, 9)]
    """

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: Any,
    ) -> Iterator[Token]:
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        t.boost = 1.0
        t.stopped = False
        if not tokenize:
            t.text = t.original = value
            t.pos, t.startchar, t.endchar = start_pos, start_char, start_char + len(value)
            yield t
            return
        for pos, match in enumerate(iter_words(value), start_pos):
            t.text = match.group()
            t.stopped = False
            if keeporiginal:
                t.original = t.text
            if positions:
                t.pos = pos
            if chars:
                start, end = match.span()
                t.startchar = start_char + start
                t.endchar = start_char + end
            yield t
