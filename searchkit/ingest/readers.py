"""One file's bytes to documents: pick the reader by suffix (and a look at the content).

>>> parsed = read_bytes("2024-05-01-note.txt", "عنوان\\nنص".encode())
>>> [(d.id, d.title, d.body, d.date.date().isoformat()) for d in parsed.documents]
[('2024-05-01-note.txt', 'عنوان', 'نص', '2024-05-01')]
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from .archives import ARCHIVE_SUFFIXES, DEFAULT_LIMITS, Limits, members
from .base import Parsed, Source, Unreadable
from .decode import decode, looks_binary
from .feeds import is_feed, read_feed
from .htmldoc import read_html
from .jsondocs import DEFAULT_KEYS, KeyMap, read_json, read_jsonl
from .text import read_text
from .trec import is_trec, read_trec

Reader = Callable[[str, Source], Parsed]

TEXT_SUFFIXES = (".txt", ".text", ".md")
HTML_SUFFIXES = (".html", ".htm", ".xhtml")
FEED_SUFFIXES = (".xml", ".rss", ".atom")
TREC_SUFFIXES = (".trec", ".sgml", ".doc")
JSON_SUFFIXES = (".json",)
JSONL_SUFFIXES = (".jsonl", ".ndjson")
SUFFIXES = (TEXT_SUFFIXES + HTML_SUFFIXES + FEED_SUFFIXES + TREC_SUFFIXES + JSON_SUFFIXES
            + JSONL_SUFFIXES + ARCHIVE_SUFFIXES)


def supported(name: str) -> bool:
    """Whether a file called ``name`` is one searchkit reads."""
    return name.lower().endswith(SUFFIXES)


def _reader(name: str, text: str, keys: KeyMap) -> Reader:
    lower = name.lower()
    if is_trec(text):  # ANT and TREC files are often called .txt
        return read_trec
    if lower.endswith(JSONL_SUFFIXES):
        return lambda t, s: read_jsonl(t, s, keys)
    if lower.endswith(JSON_SUFFIXES):
        return lambda t, s: read_json(t, s, keys)
    if lower.endswith(FEED_SUFFIXES) or (lower.endswith(HTML_SUFFIXES) and is_feed(text)):
        return read_feed
    if lower.endswith(HTML_SUFFIXES):
        return read_html
    return read_text


def read_member(name: str, data: bytes, source: Source, keys: KeyMap) -> Parsed:
    """Decode and read one file or archive member; :class:`Unreadable` if it cannot be."""
    if not data.strip():
        raise Unreadable("empty file")
    text, encoding = decode(data)
    source = Source(source.path, source.file_hash, encoding, source.member)
    parsed = _reader(name, text, keys)(text, source)
    if not parsed.documents and parsed.problems:
        raise Unreadable("; ".join(parsed.problems[:3]))
    return parsed


def read_bytes(path: str, data: bytes, keys: KeyMap = DEFAULT_KEYS,
               limits: Limits = DEFAULT_LIMITS, file_hash: str | None = None) -> Parsed:
    """The documents in the file at ``path`` (relative, ``/``-separated) holding ``data``.

    ``file_hash`` is the SHA-1 of ``data`` if the caller has it already. Raises
    :class:`Unreadable` with a one-line reason when the file yields no document.
    """
    source = Source(path, file_hash or hashlib.sha1(data).hexdigest())
    if not path.lower().endswith(ARCHIVE_SUFFIXES):
        return read_member(path, data, source, keys)
    if not data:
        raise Unreadable("empty file")
    parsed = Parsed()
    for member, content in members(path, data, limits):
        if not supported(member) and not path.lower().endswith(".gz"):
            continue
        inner = Source(path, source.file_hash, member=member)
        if member.lower().endswith(ARCHIVE_SUFFIXES) or looks_binary(content):
            parsed.problems.append(f"{member}: not a text file")
            continue
        try:
            parsed.extend(read_member(member, content, inner, keys))
        except Unreadable as exc:
            parsed.problems.append(f"{member}: {exc}")
    if not parsed.documents:
        raise Unreadable("; ".join(parsed.problems[:3]) or "no readable files inside")
    return parsed
