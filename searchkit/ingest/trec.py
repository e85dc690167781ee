"""TREC/ANT-style ``<DOC>`` files, read with regular expressions (they are rarely valid XML).

Tags: DOCNO, TITLE/HEADLINE, TEXT (else ABSTRACT), URL, SRC, CAT, TIME/DATE. Bare ``&``,
missing tags, stray spaces and odd TIME formats are all tolerated.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from functools import lru_cache

from .base import Parsed, Source
from .dates import date_from_name, parse_date
from .text import clean_text

_DOC_OPEN = re.compile(r"<DOC>", re.IGNORECASE)
_DOC_CLOSE = re.compile(r"</DOC>", re.IGNORECASE)
_TAG_OPEN = re.compile(r"<([A-Z]+)>", re.IGNORECASE)


@lru_cache(maxsize=256)
def _closing(name: str) -> re.Pattern[str]:
    return re.compile(rf"</{re.escape(name)}\s*>", re.IGNORECASE)


def _docs(text: str) -> list[str]:
    """What each ``<DOC>`` holds, up to its ``</DOC>`` (or the end of the text)."""
    blocks, at = [], 0
    while opened := _DOC_OPEN.search(text, at):
        closed = _DOC_CLOSE.search(text, opened.end())
        blocks.append(text[opened.end():closed.start() if closed else len(text)])
        if not closed:
            break
        at = closed.end()
    return blocks


def _tags(block: str) -> Iterator[tuple[str, str]]:
    """Each ``<NAME>...</NAME>`` element: its name and what it holds (up to the first
    closing tag of that name, in any case); an opening tag never closed is text."""
    at = 0
    while opened := _TAG_OPEN.search(block, at):
        closed = _closing(opened.group(1)).search(block, opened.end())
        if closed is None:
            at = opened.start() + 1
            continue
        yield opened.group(1), block[opened.end():closed.start()]
        at = closed.end()


def is_trec(text: str) -> bool:
    """Whether ``text`` starts with a ``<DOC>`` element (after white space)."""
    return text.lstrip("\ufeff \t\r\n")[:5].upper() == "<DOC>"


def _fields(block: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    for name, value in _tags(block):
        fields.setdefault(name.upper(), html.unescape(value).strip())
    return fields


def read_trec(text: str, source: Source) -> Parsed:
    """One document per ``<DOC>``; a DOC without TEXT or ABSTRACT is a problem, not a document."""
    blocks = _docs(text)
    parsed = Parsed()
    for n, block in enumerate(blocks, 1):
        f = _fields(block)
        body = clean_text(f.get("TEXT") or f.get("ABSTRACT") or "")
        docno = f.get("DOCNO") or str(n)
        if not body:
            parsed.problems.append(f"DOC {docno}: empty TEXT")
            continue
        date = parse_date(f.get("TIME") or f.get("DATE")) or date_from_name(source.name)
        parsed.documents.append(source.document(
            body, record=docno if len(blocks) > 1 else None,
            title=f.get("TITLE") or f.get("HEADLINE") or None, date=date,
            source=f.get("SRC") or None, category=f.get("CAT") or None, url=f.get("URL") or None,
        ))
    if not blocks:
        parsed.problems.append("no <DOC> element")
    return parsed
