"""JSON articles: an object, an array of objects, or JSON Lines (one object a line).

Common key names are mapped onto Document fields (:data:`DEFAULT_KEYS`); a
:class:`KeyMap` puts the caller's own names first. A line that is not JSON (a truncated
last line, say) or nested too deeply is reported and skipped; the rest of the file is kept.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from .base import Parsed, Source
from .dates import parse_date
from .text import clean_text

KeyMap = Mapping[str, tuple[str, ...]]
# Python's JSON parser stops at about a thousand levels of nesting (RecursionError).
TOO_DEEP = "nested too deeply (not an article)"

DEFAULT_KEYS: KeyMap = {
    "id": ("id", "_id", "docno", "guid", "uuid"),
    "title": ("title", "headline", "name"),
    "body": ("body", "content", "text", "article", "articleBody", "story", "description"),
    "date": ("date", "published", "publishedAt", "published_at", "datePublished", "pubDate",
             "date_published", "date_extracted", "time", "created_at"),
    "source": ("source", "site", "sitename", "publisher", "outlet"),
    "url": ("url", "link", "href"),
    "category": ("category", "section", "categories", "tags"),
}


def key_map(overrides: Mapping[str, str] | None = None) -> KeyMap:
    """:data:`DEFAULT_KEYS` with ``overrides`` (field -> key name) tried first.

    >>> key_map({"body": "story_text"})["body"][:2]
    ('story_text', 'body')
    """
    keys = dict(DEFAULT_KEYS)
    for fieldname, key in (overrides or {}).items():
        if fieldname not in keys:
            raise ValueError(f"unknown field {fieldname!r}; one of {', '.join(DEFAULT_KEYS)}")
        keys[fieldname] = (key, *keys[fieldname])
    return keys


def _text(value: Any) -> str | None:
    """A string from a JSON value: strings as they are, ``{"name": ...}``, first of a list."""
    if isinstance(value, Mapping):
        value = value.get("name") or value.get("title") or value.get("href")
    if isinstance(value, list):
        value = next((v for v in value if v), None)
        return _text(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return value.strip() or None if isinstance(value, str) else None


def _pick(record: Mapping[str, Any], names: Iterable[str]) -> str | None:
    for name in names:
        value = _text(record.get(name))
        if value:
            return value
    return None


def _document(record: Any, source: Source, number: int, keys: KeyMap, multi: bool) -> Any:
    if not isinstance(record, Mapping):
        return f"record {number}: not a JSON object"
    body = clean_text(_pick(record, keys["body"]) or "")
    if not body:
        return f"record {number}: no text"
    record_id = _pick(record, keys["id"]) or number
    return source.document(
        body, record=record_id if multi else None, title=_pick(record, keys["title"]),
        date=parse_date(_pick(record, keys["date"])), source=_pick(record, keys["source"]),
        url=_pick(record, keys["url"]), category=_pick(record, keys["category"]),
    )


def _collect(records: Iterable[tuple[int, Any]], source: Source, keys: KeyMap,
             multi: bool) -> Parsed:
    parsed = Parsed()
    for number, record in records:
        try:
            doc = _document(record, source, number, keys, multi)
        except RecursionError:  # lists nested hundreds deep where a value was expected
            doc = f"record {number}: {TOO_DEEP}"
        if isinstance(doc, str):
            parsed.problems.append(doc)
        else:
            parsed.documents.append(doc)
    return parsed


def read_json(text: str, source: Source, keys: KeyMap = DEFAULT_KEYS) -> Parsed:
    """An object (one article) or an array of them (ids get ``#record id`` or ``#index``)."""
    try:
        data = json.loads(text)
    except RecursionError:
        return Parsed(problems=[TOO_DEEP])
    except json.JSONDecodeError as exc:
        if "\n" in text.strip() and text.lstrip().startswith("{"):  # JSON Lines named .json
            return read_jsonl(text, source, keys)
        return Parsed(problems=[f"invalid JSON ({exc.msg}, line {exc.lineno})"])
    if isinstance(data, list):
        return _collect(enumerate(data), source, keys, multi=True)
    return _collect([(0, data)], source, keys, multi=False)


def read_jsonl(text: str, source: Source, keys: KeyMap = DEFAULT_KEYS) -> Parsed:
    """One object a line; ids get ``#record id`` or ``#line number``. Bad lines are skipped."""
    parsed = Parsed()
    records: list[tuple[int, Any]] = []
    # Lines end at "\n" only: str.splitlines() would also cut at U+2028/U+2029 and other
    # separators that JSON strings may hold, and lose those records.
    for number, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        try:
            records.append((number, json.loads(line)))
        except RecursionError:
            parsed.problems.append(f"line {number}: {TOO_DEEP}")
        except json.JSONDecodeError as exc:
            parsed.problems.append(f"line {number}: invalid JSON ({exc.msg})")
    parsed.extend(_collect(records, source, keys, multi=True))
    return parsed
