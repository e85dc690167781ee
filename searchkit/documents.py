"""The :class:`Document` record that flows from ingest into the index."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date as calendar_date
from datetime import datetime, timezone
from typing import Any

from .errors import DocumentError

_OPTIONAL_TEXT = ("title", "source", "category", "url", "path", "encoding")


@dataclass
class Document:
    """One article.

    ``id`` (a non-empty string) is unique in an index: adding a document with an existing id
    replaces it. ``body`` is the text searched and cut into snippets. ``date`` may be given as a
    ``datetime``, a ``date`` or an ISO 8601 string and is kept as a timezone-aware ``datetime``
    (UTC when no offset was given). ``title``, ``source``, ``category`` and ``url`` are metadata
    shown in hits (sources and categories also filter and count); ``path``, ``encoding`` and
    ``file_hash`` say where an ingested document came from. ``hash`` is the SHA-1 of the
    stripped body, computed when not given: documents with the same ``hash`` are copies, folded
    into one hit by search. :class:`DocumentError` if the id is empty or not a string, the body
    not a string, or the date not a date or an ISO 8601 string.

    >>> Document(id="a1", body="نص", date="2023-09-17").date.isoformat()
    '2023-09-17T00:00:00+00:00'
    """

    id: str
    body: str
    title: str | None = None
    date: datetime | calendar_date | str | None = None  # kept as an aware datetime
    source: str | None = None
    category: str | None = None
    url: str | None = None
    path: str | None = None
    encoding: str | None = None
    file_hash: str | None = None
    hash: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id:
            raise DocumentError(f"document id must be a non-empty string, got {self.id!r}")
        if not isinstance(self.body, str):
            raise DocumentError(f"document {self.id!r}: body must be a string")
        if isinstance(self.date, str):
            self.date = parse_date(self.date, self.id)
        elif isinstance(self.date, datetime):
            if self.date.tzinfo is None:
                self.date = self.date.replace(tzinfo=timezone.utc)
        elif isinstance(self.date, calendar_date):  # a day: its midnight, UTC
            self.date = datetime(self.date.year, self.date.month, self.date.day,
                                 tzinfo=timezone.utc)
        elif self.date is not None:
            raise DocumentError(f"document {self.id!r}: date must be a datetime, a date or an "
                                f"ISO 8601 string, got {type(self.date).__name__}")
        if not self.hash:
            self.hash = hashlib.sha1(self.body.strip().encode("utf-8")).hexdigest()

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> Document:
        """Build a document from a dict with ``id``, ``body`` and optional metadata keys
        (``title``, ``date``, ``source``, ``category``, ``url``, ``path``, ``encoding``,
        ``file_hash``); other keys are ignored and an ``int`` id becomes a string.
        :class:`DocumentError` if ``id`` or ``body`` is missing."""
        if "id" not in data or "body" not in data:
            raise DocumentError(f"document needs 'id' and 'body' keys, got {sorted(data)}")
        values = {key: data.get(key) for key in _OPTIONAL_TEXT}
        doc_id = data["id"]
        return cls(id=str(doc_id) if isinstance(doc_id, int) else doc_id, body=data["body"],
                   date=data.get("date"), file_hash=data.get("file_hash"), **values)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (the date as ISO 8601; ``file_hash`` left out)."""
        return {
            "id": self.id, "title": self.title, "body": self.body,
            "date": self.date.isoformat() if self.date else None,
            "source": self.source, "category": self.category, "url": self.url,
            "path": self.path, "encoding": self.encoding, "hash": self.hash,
        }


def iso_datetime(text: str) -> datetime:
    """Parse an ISO 8601 date or date-time (``Z`` for UTC); naive values are taken as UTC.

    ``ValueError`` if ``text`` is not ISO 8601.
    """
    text = text.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def parse_date(value: str, doc_id: str = "?") -> datetime:
    """:func:`iso_datetime`, with a :class:`DocumentError` naming the document."""
    try:
        return iso_datetime(value)
    except ValueError:
        raise DocumentError(f"document {doc_id!r}: date {value!r} is not ISO 8601") from None
