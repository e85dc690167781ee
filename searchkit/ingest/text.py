"""Plain-text articles: the first short line is the title, the rest the body."""

from __future__ import annotations

import re

from .base import Parsed, Source
from .dates import date_from_name

# Markup leftovers that are not text: lone "/>" lines (from <br />) and "/>" starting a line,
# stray <br> and <p> tags.
_LONE_CLOSE = re.compile(r"^[ \t]*/>[ \t]*(?:\n|\Z)", re.MULTILINE)
_LEADING_CLOSE = re.compile(r"^[ \t]*/>", re.MULTILINE)
_BREAK_TAG = re.compile(r"<br\s*/?>|</?p\s*>", re.IGNORECASE)
# Control characters (C0 but tab and newline, DEL, C1): noise in text, and terminal escape
# sequences when a snippet is printed.
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# One-line files (Khaleej-2004) separate paragraphs by runs of spaces.
_SPACE_RUN = re.compile(r"[ \t\u00a0]{3,}")
TITLE_MAX_CHARS = 150


def clean_text(text: str) -> str:
    """Remove control characters, markup leftovers, trailing spaces and runs of blank lines.

    >>> clean_text("a\\n/>\\nb<br />c\\n\\n\\n\\nd\\x1b[31m\\x00\\n/>e")
    'a\\nb\\nc\\n\\nd [31m\\ne'
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROLS.sub(" ", text)
    text = _BREAK_TAG.sub("\n", _LEADING_CLOSE.sub("", _LONE_CLOSE.sub("", text)))
    if "\n" not in text.strip():
        text = _SPACE_RUN.sub("\n", text)
    lines = [line.strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def split_title(text: str) -> tuple[str | None, str]:
    """``(title, body)``: the first line is the title when it is short and more follows.

    >>> split_title("عنوان\\nنص المقال")
    ('عنوان', 'نص المقال')
    """
    first, _, rest = text.partition("\n")
    if rest.strip() and 0 < len(first.strip()) <= TITLE_MAX_CHARS:
        return first.strip(), rest.strip()
    return None, text


def read_text(text: str, source: Source) -> Parsed:
    """One article per file; the date comes from the file name when it has one."""
    title, body = split_title(clean_text(text))
    if not body:
        return Parsed(problems=["no text"])
    return Parsed([source.document(body, title=title, date=date_from_name(source.name))])
