"""Arabic that reads right in a terminal: word wrapping, bidi reordering, highlights.

Arabic is stored in logical order (the order it is read). Terminals that lay out
right-to-left text themselves (see :func:`terminal_bidi`) show it right as it is; the others
(xterm, kitty, Alacritty, WezTerm, Windows Terminal, tmux...) show it left to right, so every
Arabic line reads backwards. For those, :class:`Layout` with ``visual=True`` sends each line in
*visual* order, as it must appear from left to right, computed with the Unicode Bidirectional
Algorithm of python-bidi (the Rust unicode-bidi crate).

The order of the work matters:

1. **Wrap first**, in logical order, at word boundaries, to the terminal width: a line is a
   run of words as they are read, and display width counts combining marks (harakat) as zero.
2. **Then reorder each line** on its own, with the paragraph's direction: reordering a whole
   paragraph and then cutting it would put its first words on its last line.
3. **Then mark**: highlights are character spans of the logical line; reordering yields the
   logical index of each visual position, and escape codes (or ``[[...]]``) are put around
   each run of marked positions of the visual string. A string holding escape codes is never
   reordered.

Letter joining: a terminal that joins Arabic letters shapes each run of one colour on its
own, so a colour change inside a word cuts it into separately shaped pieces. Putting ZWJ
(U+200D) on both sides of the escape code asks for the join back, but only helps where the
letter before can join forward (ا د ذ ر ز و never do, and a ZWJ after them shows a wrong form
of the next letter), needs Unicode's joining-type table, and terminals without shaping print
ZWJ as nothing useful. Here a highlight always covers **whole words** instead: any span is
widened to the words it touches (words as the tokenizer sees them: letters, marks, tatweel,
joiners), so escape codes only ever stand between a word and a space or punctuation, where
letters do not join. Snippet spans are already whole words, so they are unchanged.
"""

from __future__ import annotations

import re
import shutil
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache
from typing import TextIO

from .analysis.tokenizer import iter_words
from .errors import SearchkitError
from .snippets import Formatter, PlainFormatter, Snippet, TerminalFormatter

Span = tuple[int, int]

BIDI_ENV = "SEARCHKIT_BIDI"
"""Environment variable that sets ``--bidi`` when the option is not given."""

MIN_WIDTH = 8
"""Narrowest text column laid out: room for a letter between two ``[[``/``]]`` markers."""


class BidiMode(str, Enum):
    """``on``: reorder lines for the terminal; ``off``: logical order; ``auto``: decide."""

    AUTO = "auto"
    ON = "on"
    OFF = "off"


def terminal_bidi(environ: Mapping[str, str]) -> str | None:
    """The terminal running us, when it is one known to lay out right-to-left text itself.

    These apply the bidi algorithm to what programs print (on by default), so reordering
    for them would reverse Arabic twice:

    * VTE 0.58 and later (``VTE_VERSION`` >= 5800): GNOME Terminal, Tilix, Terminator,
      xfce4-terminal... VTE's bidi support arrived in 0.57.3/0.58 and is on by default.
    * Konsole (``KONSOLE_VERSION``): "Bi-Directional text rendering" is on by default.
    * mlterm (``MLTERM``, or ``TERM=mlterm``).
    * macOS Terminal (``TERM_PROGRAM=Apple_Terminal``) and mintty (``TERM_PROGRAM=mintty``,
      unless started with ``--nobidi``).

    iTerm2's bidi is an experimental setting (off by default in its releases), WezTerm's is
    off by default, and xterm, kitty, Alacritty, foot, Windows Terminal and tmux do none.

    >>> terminal_bidi({"VTE_VERSION": "7600"}), terminal_bidi({"VTE_VERSION": "5202"})
    ('VTE', None)
    """
    if environ.get("KONSOLE_VERSION"):
        return "Konsole"
    if "MLTERM" in environ or environ.get("TERM", "").startswith("mlterm"):
        return "mlterm"
    vte = environ.get("VTE_VERSION", "")
    if vte.isdigit() and int(vte) >= 5800:
        return "VTE"
    return {"Apple_Terminal": "Terminal.app", "mintty": "mintty"}.get(
        environ.get("TERM_PROGRAM", ""))


def resolve_bidi(mode: BidiMode, stream: TextIO, environ: Mapping[str, str]) -> bool:
    """Whether to send lines in visual order: ``on``/``off`` as said; ``auto`` reorders
    only on a terminal (not a pipe or file) that does no bidi of its own."""
    if mode is not BidiMode.AUTO:
        return mode is BidiMode.ON
    return stream.isatty() and terminal_bidi(environ) is None


@lru_cache(maxsize=4096)
def _cells(char: str) -> int:
    if unicodedata.category(char) in ("Mn", "Me", "Cf") or unicodedata.combining(char):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def display_width(text: str) -> int:
    """Terminal cells ``text`` takes: combining marks and format characters (ZWJ, bidi
    marks) none, wide East Asian characters two, others one.

    >>> display_width("وَالصَّواريخُ"), len("وَالصَّواريخُ")
    (9, 13)
    """
    return sum(map(_cells, text))


def is_rtl(text: str) -> bool:
    """Whether ``text`` is a right-to-left paragraph: more of its letters are Arabic or
    Hebrew than left-to-right. (The bidi algorithm's first-letter rule would make a snippet
    that opens with "Kim Jong Un" left-to-right.)

    >>> is_rtl("Kim Jong Un يصل إلى روسيا"), is_rtl("Putin met كيم")
    (True, False)
    """
    balance = 0
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind in ("R", "AL"):
            balance += 1
        elif kind == "L":
            balance -= 1
    return balance > 0


# Trailing whitespace is put back at the paragraph level (rule L1 of the algorithm).
_TRAILING = frozenset(("WS", "B", "S", "BN", "FSI", "LRI", "RLI", "PDI"))
# python-bidi gives the levels only with ``debug=True`` ("returns the calculated levels"):
# the unicode-bidi crate's BidiInfo dump, one ``Level(n)`` per UTF-8 byte of the text.
_LEVELS = re.compile(r"Level\(\s*(\d+)")


def _levels(text: str, rtl: bool) -> list[int]:
    """The embedding level of each character of one line, by python-bidi (rules up to I2)."""
    from bidi import get_display

    data = text.encode("utf-8")
    report = str(get_display(text, base_dir="R" if rtl else "L", debug=True))
    start = report.find("\n    levels: [")
    per_byte = [int(n) for n in _LEVELS.findall(report, start, report.find("\n    ],", start))]
    if start < 0 or len(per_byte) != len(data):
        raise SearchkitError("python-bidi did not report embedding levels: install "
                             "python-bidi>=0.6.12,<0.7, or use --bidi off")
    return [per_byte[i] for i, byte in enumerate(data) if byte & 0xC0 != 0x80]


def visual(text: str, rtl: bool) -> tuple[str, list[int]]:
    """One line as it must appear from left to right, and the logical index of each of its
    characters (so spans of the logical line can be found in it).

    Right-to-left runs are reversed by cluster, so a combining mark still follows its letter
    (a terminal puts a mark on the cell before it), and brackets in them are mirrored.

    >>> visual("قال 2023", rtl=True)
    ('2023 لاق', [4, 5, 6, 7, 3, 2, 1, 0])
    """
    if not text or (not rtl and text.isascii()):
        return text, list(range(len(text)))
    from bidi.mirror import MIRRORED

    levels = _levels(text, rtl)
    end = len(text)
    while end and unicodedata.bidirectional(text[end - 1]) in _TRAILING:
        end -= 1
        levels[end] = int(rtl)
    # Clusters: a base character and the combining marks after it, as (level, start, end).
    clusters: list[tuple[int, int, int]] = []
    for i, char in enumerate(text):
        if clusters and unicodedata.category(char) in ("Mn", "Me", "Mc"):
            level, start, _ = clusters[-1]
            clusters[-1] = (level, start, i + 1)
        else:
            clusters.append((levels[i], i, i + 1))
    odd = [level for level in levels if level % 2]
    if odd:  # rule L2: reverse each run at or above each level, highest first
        for floor in range(max(levels), min(odd) - 1, -1):
            i = 0
            while i < len(clusters):
                j = i
                while j < len(clusters) and clusters[j][0] >= floor:
                    j += 1
                clusters[i:j] = clusters[i:j][::-1]
                i = j + 1
    index = [i for _, start, stop in clusters for i in range(start, stop)]
    shown = "".join(MIRRORED.get(text[i], text[i]) if levels[i] % 2 else text[i]
                    for i in index)
    return shown, index


@dataclass(frozen=True)
class Marked:
    """Text and the character spans of it to highlight (sorted, not overlapping)."""

    text: str
    spans: tuple[Span, ...] = ()


def whole_words(text: str, spans: Sequence[Span]) -> tuple[Span, ...]:
    """``spans`` widened to the whole words they touch, merged where they meet.

    >>> whole_words("والصواريخ الروسية", [(2, 9)])
    ((0, 9),)
    """
    words = [word.span() for word in iter_words(text)] if spans else []
    widened: list[Span] = []
    for start, end in spans:
        for first, last in words:
            if first < end and start < last:
                start, end = min(start, first), max(end, last)
        if widened and start <= widened[-1][1]:
            start, end = widened[-1][0], max(end, widened.pop()[1])
        widened.append((start, end))
    return tuple(widened)


_OPEN, _CLOSE = "\ufdd0", "\ufdd1"  # noncharacters: free for internal use


class _SpanFormatter(Formatter):
    """Renders a snippet with noncharacters around matches, to read the spans back."""

    open_mark, close_mark = _OPEN, _CLOSE

    def text(self, text: str) -> str:
        return text.replace(_OPEN, "").replace(_CLOSE, "")

    def match(self, word: str) -> str:
        return f"{_OPEN}{self.text(word)}{_CLOSE}"


def marked_snippet(snippet: Snippet) -> Marked:
    """A snippet's text (fragments joined as every formatter joins them) and its matches."""
    text, spans, start = [], [], 0
    for i, part in enumerate(re.split(f"[{_OPEN}{_CLOSE}]", snippet.render(_SpanFormatter()))):
        if i % 2:
            spans.append((start, start + len(part)))
        text.append(part)
        start += len(part)
    return Marked("".join(text), tuple(spans))


@dataclass(frozen=True)
class Style:
    """What goes around a highlight, and how many cells it takes."""

    open: str
    close: str
    cells: int = 0


_PLAIN = Style("", "")
HIGHLIGHT = Style(TerminalFormatter.open_mark, TerminalFormatter.close_mark)
BOLD = Style("\x1b[1m", "\x1b[0m")
MARKERS = Style(PlainFormatter.open_mark, PlainFormatter.close_mark,
                display_width(PlainFormatter.open_mark + PlainFormatter.close_mark))


@dataclass(frozen=True)
class _Word:
    text: str
    spans: tuple[Span, ...]  # relative to the word
    cells: int  # its width with one marker pair per span


def _words(marked: Marked, style: Style, room: int) -> Iterator[_Word]:
    """The whitespace-separated words of ``marked``; one wider than ``room`` is cut at
    cluster boundaries (the only case where a word is split)."""
    for chunk in re.finditer(r"\S+", marked.text):
        start, end = chunk.span()
        spans = tuple((max(s, start) - start, min(e, end) - start)
                      for s, e in marked.spans if s < end and start < e)
        word = chunk.group()
        cells = display_width(word) + style.cells * len(spans)
        if cells <= room:
            yield _Word(word, spans, cells)
            continue
        piece = 0
        for cut in [*_cuts(word, spans, style, room), len(word)]:
            inside = tuple((max(s, piece) - piece, min(e, cut) - piece)
                           for s, e in spans if s < cut and piece < e)
            yield _Word(word[piece:cut], inside,
                        display_width(word[piece:cut]) + style.cells * len(inside))
            piece = cut


def _cuts(word: str, spans: tuple[Span, ...], style: Style, room: int) -> Iterator[int]:
    """Where to cut a word too wide for ``room``: before a cluster that would overflow."""
    cells, opened = 0, set()
    for i, char in enumerate(word):
        width = _cells(char)
        marks = {n for n, (s, e) in enumerate(spans) if s <= i < e} - opened
        if i and width and cells + width + style.cells * len(marks) > room:
            yield i
            cells, opened = 0, set()
            marks = {n for n, (s, e) in enumerate(spans) if s <= i < e}
        cells += width + style.cells * len(marks)
        opened |= marks


def _join(words: Sequence[_Word]) -> Marked:
    text, spans, start = [], [], 0
    for word in words:
        spans += [(start + s, start + e) for s, e in word.spans]
        text.append(word.text)
        start += len(word.text) + 1
    return Marked(" ".join(text), tuple(spans))


@dataclass(frozen=True)
class Layout:
    """How lines are written: wrapped to ``width`` cells (``None``: as they are) and, with
    ``visual``, reordered for a terminal without bidi (right-to-left paragraphs then also
    align right)."""

    width: int | None = None
    visual: bool = False

    @classmethod
    def for_stream(cls, stream: TextIO, mode: BidiMode, environ: Mapping[str, str]
                   ) -> Layout:
        """The layout for ``stream``: on a terminal, lines wrap to its width; piped, they
        stay as they are unless ``mode`` is ``on`` (then they wrap to ``$COLUMNS``, or 80)."""
        visual = resolve_bidi(mode, stream, environ)
        wrap = visual or stream.isatty()
        return cls(shutil.get_terminal_size().columns if wrap else None, visual)

    def lines(self, marked: Marked, style: Style | None = None, prefix: str = "",
              indent: str | None = None) -> list[str]:
        """``marked`` as printed lines: the first after ``prefix``, the others after
        ``indent`` (spaces as wide as ``prefix`` by default); spans highlighted with
        ``style`` (none without one)."""
        indent = " " * display_width(prefix) if indent is None else indent
        marked = Marked(marked.text, whole_words(marked.text, marked.spans) if style else ())
        style = style or _PLAIN
        rtl = self.visual and is_rtl(marked.text)
        if self.width is None:
            return [prefix + self._render(marked, style, rtl)[0]]
        room = max(MIN_WIDTH, self.width - max(display_width(prefix), display_width(indent)))
        rows = []
        for row, cells in self._wrap(marked, style, room, rtl):
            align = " " * (room - cells) if rtl else ""  # right-to-left lines end on the right
            rows.append((indent if rows else prefix) + align + row)
        return rows or [prefix]

    def paragraphs(self, text: str) -> list[str]:
        """Plain text of several lines (a document body): each line laid out as a paragraph
        of its own; as it is when not wrapping."""
        if self.width is None and not self.visual:
            return [text]
        return [row for paragraph in text.split("\n") for row in self.lines(Marked(paragraph))]

    def line(self, text: str) -> str:
        """One short line (a table cell), reordered when visual; never wrapped."""
        return self._render(Marked(text), _PLAIN, self.visual and is_rtl(text))[0]

    def _wrap(self, marked: Marked, style: Style, room: int, rtl: bool
              ) -> Iterator[tuple[str, int]]:
        """Rows of as many words as fit in ``room`` once rendered, and their widths."""
        words = list(_words(marked, style, room))
        start = 0
        while start < len(words):
            end, cells = start + 1, words[start].cells
            while end < len(words) and cells + 1 + words[end].cells <= room:
                cells += 1 + words[end].cells
                end += 1
            row, cells = self._render(_join(words[start:end]), style, rtl)
            # Markers can take more room once reordered: a word mixing directions may show
            # as two marked runs. Give such a row's last words to the next row.
            while cells > room and end - start > 1:
                end -= 1
                row, cells = self._render(_join(words[start:end]), style, rtl)
            yield row, cells
            start = end

    def _render(self, marked: Marked, style: Style, rtl: bool) -> tuple[str, int]:
        """One line with its spans marked (in visual order when visual), and its width."""
        text = marked.text
        shown, index = visual(text, rtl) if self.visual else (text, range(len(text)))
        inside = [False] * len(text)
        for start, end in marked.spans:
            inside[start:end] = [True] * (end - start)
        out, runs, marking = [], 0, False
        for char, i in zip(shown, index, strict=True):
            if inside[i] != marking:
                marking = inside[i]
                runs += marking
                out.append(style.open if marking else style.close)
            out.append(char)
        if marking:
            out.append(style.close)
        return "".join(out), display_width(text) + style.cells * runs
