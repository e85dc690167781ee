"""Web pages: title, publication date and the article's main text, via trafilatura.

Why trafilatura: it is made for exactly this job (main-text extraction without navigation,
menus, footers and comments, plus metadata: og:title/``<title>``/h1, site name, and the
publication date from article:published_time, ``<time>`` and JSON-LD through htmldate), it
is actively maintained and leads the published extraction benchmarks. It takes ~2 ms per
article page here. selectolax (lexbor) parses faster and has no dependencies, but it is only
a parser: boilerplate removal and date finding would be ours to write and keep. lxml alone
is the same (trafilatura builds on it). One catch: justext, which trafilatura imports, needs
``lxml_html_clean`` and pip does not pull it in, so searchkit declares it.

trafilatura is imported on first use: folders without HTML do not pay its import time.
"""

from __future__ import annotations

import re
from typing import Any

from .base import Parsed, Source
from .dates import date_from_name, parse_date
from .text import clean_text, read_text

_TAG = re.compile(r"<(?:html|head|body|p|div|title|meta|br|article|span|a)\b", re.IGNORECASE)


def has_markup(text: str) -> bool:
    """Whether ``text`` has HTML tags (Khaleej-2004's ``.html`` files are plain text)."""
    return _TAG.search(text[:65536]) is not None


def _extract(text: str) -> Any:
    import trafilatura  # heavy, needed only for HTML

    return trafilatura.bare_extraction(text, with_metadata=True, include_comments=False,
                                       include_tables=True, deduplicate=False)


def read_html(text: str, source: Source) -> Parsed:
    """One article per page; a page without markup is read as plain text."""
    if not has_markup(text):
        return read_text(text, source)
    result = _extract(text)
    if result is None:
        return Parsed(problems=["no article text found in the page"])
    title = (result.title or "").strip() or None
    lines = clean_text(result.text or "").split("\n")
    if title and lines and lines[0].strip() == title:  # the h1 repeated as the first line
        lines = lines[1:]
    body = "\n".join(lines).strip()
    if not body:
        return Parsed(problems=["no article text found in the page"])
    category = (result.categories or [None])[0]
    return Parsed([source.document(
        body, title=title, date=parse_date(result.date) or date_from_name(source.name),
        source=result.sitename or None, url=result.url or None, category=category,
    )])
