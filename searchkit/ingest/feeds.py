"""RSS and Atom feeds (``.xml``, ``.rss``, ``.atom``): one document per item, via feedparser."""

from __future__ import annotations

import io
from datetime import datetime, timezone
from typing import Any

import feedparser
import lxml.html

from .base import Parsed, Source
from .text import clean_text


def is_feed(text: str) -> bool:
    """Whether the start of ``text`` looks like an RSS or Atom document."""
    head = text[:2048].lower()
    return "<rss" in head or "<feed" in head or "<rdf:rdf" in head


def _plain(fragment: str) -> str:
    """Text of an HTML fragment (item descriptions are often HTML)."""
    if "<" not in fragment:
        return fragment
    tree = lxml.html.fromstring(f"<div>{fragment}</div>")
    for br in tree.iter("br", "p", "div", "li"):
        br.tail = "\n" + (br.tail or "")
    return tree.text_content()


def _item_body(entry: Any) -> str:
    for content in entry.get("content") or []:
        if content.get("value"):
            return _plain(content["value"])
    return _plain(entry.get("summary") or "")


def _item_date(entry: Any) -> datetime | None:
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    return datetime(*parsed[:6], tzinfo=timezone.utc) if parsed else None


def read_feed(text: str, source: Source) -> Parsed:
    """Each ``<item>``/``<entry>`` becomes a document with id ``path#guid`` (or ``#n``)."""
    # A stream, never a str (feedparser would fetch a str that looks like a URL); the text
    # is already decoded, so the header overrides any encoding the XML declaration names.
    feed = feedparser.parse(io.BytesIO(text.encode("utf-8")),
                            response_headers={"content-type": "application/xml; charset=utf-8"})
    if not feed.entries:
        reason = f"not a feed ({feed.bozo_exception})" if feed.bozo else "feed has no items"
        return Parsed(problems=[reason])
    parsed = Parsed()
    site = feed.feed.get("title") or None
    for n, entry in enumerate(feed.entries, 1):
        body = clean_text(_item_body(entry))
        if not body:
            parsed.problems.append(f"item {n}: no text")
            continue
        tags = [t.get("term") for t in entry.get("tags") or [] if t.get("term")]
        parsed.documents.append(source.document(
            body, record=entry.get("id") or n, title=entry.get("title") or None,
            date=_item_date(entry), source=site, url=entry.get("link") or None,
            category=tags[0] if tags else None,
        ))
    return parsed
