"""TREC/ANT-style ``<DOC>`` files, read with regular expressions (they are rarely valid XML).

Tags: DOCNO, TITLE/HEADLINE, TEXT (else ABSTRACT), URL, SRC, CAT, TIME/DATE. Bare ``&``,
missing tags, stray spaces and odd TIME formats are all tolerated.
"""

from __future__ import annotations

import html
import re

from .base import Parsed, Source
from .dates import date_from_name, parse_date
from .text import clean_text

_DOC = re.compile(r"<DOC>(.*?)(?:</DOC>|\Z)", re.DOTALL | re.IGNORECASE)
_TAG = re.compile(r"<([A-Z]+)>(.*?)</\1\s*>", re.DOTALL | re.IGNORECASE)


def is_trec(text: str) -> bool:
    """Whether ``text`` starts with a ``<DOC>`` element (after white space)."""
    return text.lstrip("\ufeff \t\r\n")[:5].upper() == "<DOC>"


def _fields(block: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    for match in _TAG.finditer(block):
        fields.setdefault(match.group(1).upper(), html.unescape(match.group(2)).strip())
    return fields


def read_trec(text: str, source: Source) -> Parsed:
    """One document per ``<DOC>``; a DOC without TEXT or ABSTRACT is a problem, not a document."""
    blocks = _DOC.findall(text)
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
