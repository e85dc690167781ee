"""How a query's text is read before it is parsed: pasted text is text.

People paste headlines and sentences. Their quotes are mostly scare quotes, and their
punctuation looks like query syntax (``CNN:``, ``؟!``, ``..``, a lone ``*`` or ``-``). So:

* «...», “...”, „...“ and "..." are all quotes. A quoted phrase in a longer query is *soft*:
  its words are searched as plain words, and the documents that have the phrase weigh more
  (see :data:`searchkit.ranking.QUOTE_BOOST`). A quoted phrase stays *strict* (only
  documents with it match) when the query has nothing else to search, or when it is marked
  required: ``+"..."``.
* Text that only looks like syntax is read as text: ``word:`` where word is not a field,
  ``field:`` with nothing after it, ``?``, ``؟``, ``!``, ``*``, ``-``, ``+``, ``~`` and ``^``
  with no word to act on, square and curly brackets, a wildcard with too few letters.

Each such reading is described in a note, so the results can say how the query was read.

>>> r = read('ترامب: "كيم جونغ أون" لم يأت')
>>> r.text, r.soft
('ترامب:  كيم جونغ أون  لم يأت', (('كيم جونغ أون', 1),))
>>> read('CNN: أين الحكماء ؟!').notes
("'CNN:' read as text: not a field", "'؟!' read as text")
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .analysis import exact_analyzer

# Field names a user may write before a colon.
USER_FIELDS = ("title", "body", "source", "category", "date", "since", "until")
# Letters a prefix or wildcard needs before its first * or ?.
MIN_WILDCARD_PREFIX = 2

_QUOTES = str.maketrans({c: '"' for c in "«»“”„‟″"})
# A quote and what follows it: an optional ~N slop.
_QUOTED = re.compile(r'([+-]?)"([^"]*)"(?:~(\d+))?')
# What keeps a quote strict when it stands right before it: a field, or NOT.
_KEEP_BEFORE = re.compile(r"(?:\w:|\bNOT\s+)$")
# Latin words before a colon (the parser's field syntax; Arabic ones are text already).
FIELD = re.compile(r"(?<![\w:])([A-Za-z_]+):(\S?)")
# Characters and words the parser reads as syntax.
SYNTAX = re.compile(r'[():*?+~^\[\]{}"]|(?:^|(?<=\s))-|\b(?:AND|OR|NOT)\b')
# A run of marks with no letter or digit (a lone *, ?!, ؟!, -, +, ..., ~, ^).
_LONE_MARKS = re.compile(r"(?<!\S)[^\w\s\"()]+(?!\S)")
# A wildcard word: letters, then * or ? (the first one).
_WILDCARD = re.compile(r"(?<!\S)([+-]?)(\w*)([*?][\w*?]*)(?!\S)")
_BRACKETS = re.compile(r"[\[\]{}]")
_EXACT = exact_analyzer()


@dataclass(frozen=True)
class Reading:
    """A query's text as the parser gets it: soft quotes unwrapped (each ``(phrase, slop)``
    in ``soft``, to rank with), syntax-looking text made text, and notes saying so."""

    text: str
    soft: tuple[tuple[str, int], ...] = ()
    notes: tuple[str, ...] = ()


def read(text: str) -> Reading:
    """``text`` read as described in the module doc (quotes already balanced or not)."""
    notes: list[str] = []
    text = _balance(text.translate(_QUOTES))
    text = _fields_as_text(text, notes)
    text, soft = _soft_quotes(text, notes)
    text = _marks_as_text(text, notes)
    return Reading(text, tuple(soft), tuple(notes))


def _outside_quotes(text: str) -> list[tuple[int, int]]:
    """The spans of ``text`` outside double quotes."""
    spans, start = [], 0
    for m in re.finditer(r'"[^"]*"', text):
        spans.append((start, m.start()))
        start = m.end()
    return [*spans, (start, len(text))]


def _fields_as_text(text: str, notes: list[str]) -> str:
    """``name:`` that is no field, or a field with nothing after it, becomes ``name``."""
    out = list(text)
    outside = _outside_quotes(text)
    for m in FIELD.finditer(text):
        if not any(lo <= m.start() < hi for lo, hi in outside):
            continue
        name, after = m.groups()
        written = text[text.rfind(" ", 0, m.start()) + 1:m.end(1) + 1]  # (S&P:)
        if name not in USER_FIELDS:
            notes.append(f"'{written}' read as text: not a field")
        elif not after or after.isspace():
            notes.append(f"'{written}' read as text: nothing after it")
        else:
            continue
        out[m.end(1)] = " "
    return "".join(out)


def _searchable(text: str) -> bool:
    """Whether ``text`` (outside quotes) has a word to search, filters and exclusions aside."""
    words = [w for w in text.split()
             if not w.startswith("-") and not (":" in w and w.split(":", 1)[0] in USER_FIELDS)
             and w not in ("AND", "OR", "NOT")]
    return any(True for _ in _EXACT(" ".join(words)))


def _soft_quotes(text: str, notes: list[str]) -> tuple[str, list[tuple[str, int]]]:
    """Unwrap the quotes of a longer query (not those marked +): their words become plain
    words, and each phrase is kept to rank with."""
    outside = _QUOTED.sub(" ", text)
    if not _searchable(outside) and len(_QUOTED.findall(text)) == 1:
        return text, []  # only a quoted phrase: strict
    soft: list[tuple[str, int]] = []

    def unwrap(m: re.Match[str]) -> str:
        sign, inner, slop = m.groups()
        if sign or not inner.strip() or _KEEP_BEFORE.search(text, 0, m.start()):
            return m.group(0)  # required, excluded, on a field or after NOT: strict
        soft.append((inner, int(slop) if slop else 1))
        return " " + SYNTAX.sub(" ", inner) + " "

    text = _QUOTED.sub(unwrap, text)
    if soft:
        notes.append("quoted words searched as words too; documents with the quoted phrases "
                     "weigh more (+\"...\" requires a phrase)")
    return text, soft


def _marks_as_text(text: str, notes: list[str]) -> str:
    """Marks that act on no word, brackets, and wildcards with too few letters, as text."""
    def lone(m: re.Match[str]) -> str:
        mark = m.group(0)
        if re.search(r"[*?\u061f+~^\-]", mark):
            notes.append(f"'{mark}' read as text")
        return " "

    def wildcard(m: re.Match[str]) -> str:
        sign, letters, rest = m.groups()
        if len(letters) >= MIN_WILDCARD_PREFIX or not letters:
            return m.group(0)
        notes.append(f"'{letters}{rest}' read as text: a wildcard needs at least "
                     f"{MIN_WILDCARD_PREFIX} letters before the first * or ?")
        return sign + letters + re.sub(r"[*?]", "", rest)

    pieces = []
    for n, piece in enumerate(re.split(r'((?:(?<!\S)[+-])?"[^"]*"(?:~\d+)?)', text)):
        if n % 2:  # a strict quoted phrase: as written
            pieces.append(piece)
            continue
        if _BRACKETS.search(piece):
            notes.append("brackets read as text")
            piece = _BRACKETS.sub(" ", piece)
        pieces.append(_WILDCARD.sub(wildcard, _LONE_MARKS.sub(lone, piece)))
    return "".join(pieces)


def _balance(text: str) -> str:
    """Drop a quote or parenthesis left unmatched (a typo, read as ordinary text)."""
    if text.count('"') % 2:
        cut = text.rfind('"')
        text = text[:cut] + " " + text[cut + 1:]
    chars, opened = list(text), []
    inside = False
    for i, char in enumerate(chars):
        if char == '"':
            inside = not inside
        elif char == "(" and not inside:
            opened.append(i)
        elif char == ")" and not inside:
            if opened:
                opened.pop()
            else:
                chars[i] = " "
    for i in opened:
        chars[i] = " "
    return "".join(chars)


__all__ = ["FIELD", "MIN_WILDCARD_PREFIX", "SYNTAX", "USER_FIELDS", "Reading", "read"]
