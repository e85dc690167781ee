"""An index's postings and columns as numpy arrays, so a query scores every document at once.

Whoosh's matchers walk postings one document at a time in Python; reading a term's postings
record (:mod:`searchkit.codec`) straight into arrays is much faster, and scoring them with
numpy another 10-100x.
:class:`IndexArrays` gives, for one searcher, the postings of a term (global document
numbers and term frequencies), the field lengths, the deleted documents and the sortable
columns (date, source, category, body hash), all as arrays over the whole index.

The terms of a query are read together (:meth:`IndexArrays.postings_of`): one look-up of
all their keys in each segment's term dictionary, one decode of all their records.
Segments never change once written (only their deletions do), so what is read is kept in a
:class:`PostingsCache` shared by the searchers an engine opens over time -- postings under
the index's segments, positions, columns and lengths under their segment -- within a
memory budget (least recently used first out).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from typing import Any

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN
from whoosh.columns import VarBytesColumn
from whoosh.reading import CorruptIndexError, IndexReader
from whoosh.searching import Searcher
from whoosh.util.numeric import byte_to_length

from .codec import RECORD_ERRORS, PositionsFormat, decode_many
from .codec import Postings as RecordPostings

# Field length as Whoosh stores it (one byte, logarithmic) -> the length it stands for.
_BYTE_LENGTHS = np.array([byte_to_length(b) for b in range(256)], dtype=np.float32)
# Budget of the postings cache: decoded postings take 8 bytes each.
DEFAULT_CACHE_BYTES = 256 * 2**20

# A numeric column's value for documents without one (Whoosh's default for the date).
NO_NUMBER = 2**64 - 1

Postings = tuple[np.ndarray, np.ndarray]  # document numbers (int32), frequencies (float32)
_EMPTY: Postings = (np.zeros(0, np.int32), np.zeros(0, np.float32))
_NO_PLACES = np.zeros(0, np.int64)


class PostingsCache:
    """Arrays read from segments, least recently used dropped first past ``max_bytes``.

    Thread-safe; the same key may be computed twice by racing threads (both results equal).
    """

    def __init__(self, max_bytes: int = DEFAULT_CACHE_BYTES) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self._items: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """The value cached for ``key``, computed (and cached) when missing."""
        value = self.lookup(key)
        return self.put(key, compute()) if value is None else value

    def lookup(self, key: Hashable) -> Any:
        """The value cached for ``key``, or None."""
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            self._items.move_to_end(key)
            return item[0]

    def put(self, key: Hashable, value: Any) -> Any:
        """Cache ``value`` under ``key`` (unless some is already) and return it."""
        cost = _nbytes(value)
        with self._lock:
            if key not in self._items:
                self._items[key] = (value, cost)
                self.size += cost
            while self.size > self.max_bytes and len(self._items) > 1:
                _, (_, dropped) = self._items.popitem(last=False)
                self.size -= dropped
        return value


def _nbytes(value: Any) -> int:
    if isinstance(value, np.ndarray):
        return value.nbytes
    if isinstance(value, tuple):
        return sum(_nbytes(v) for v in value)
    return 64


def _read_record(reader: IndexReader, field: str, text: str, values: bool = True
                 ) -> RecordPostings | None:
    """The decoded record of ``field:text`` in one segment ``reader`` (None: no such term;
    ``values``: as :func:`~searchkit.codec.decode_postings`)."""
    _check_codec(reader)
    try:
        return reader._terms.postings(field, reader.schema[field].to_bytes(text), values)
    except KeyError:  # not a field of the schema
        return None


def _records(reader: IndexReader, terms: Sequence[tuple[str, str]]) -> list[bytes | None]:
    """The postings record of each of ``terms`` in one segment ``reader`` (None: no such
    term), looked up together."""
    _check_codec(reader)
    schema = reader.schema
    keys = [(field, schema[field].to_bytes(text)) for field, text in terms if field in schema]
    found = iter(reader._terms.records(keys))
    return [next(found) if field in schema else None for field, _ in terms]


def _check_codec(reader: IndexReader) -> None:
    if not hasattr(reader._terms, "records"):  # not the codec of searchkit's writer
        raise CorruptIndexError(
            f"segment {reader.segment().segment_id()} was not written by searchkit")


def read_postings(reader: IndexReader, field: str, text: str) -> Postings:
    """The postings of ``field:text`` in one segment ``reader``: document numbers, frequencies.

    Deleted documents are included (as in Whoosh's statistics); callers mask them. The
    term's record is read and decoded straight from the postings file (no matcher).
    Whoosh's ``CorruptIndexError`` for a damaged record or a segment another Whoosh writer
    wrote (the engine turns it into :class:`~searchkit.errors.IndexCorruptError`).
    """
    postings = _read_record(reader, field, text, values=False)
    return _EMPTY if postings is None else (postings.ids, postings.weights)


def read_positions(reader: IndexReader, field: str, text: str) -> np.ndarray:
    """Where ``field:text`` stands in one segment: ``document << 32 | position`` (int64)
    for each occurrence, ascending; none for a field without positions."""
    if field not in reader.schema or not isinstance(reader.schema[field].format,
                                                    PositionsFormat):
        return _NO_PLACES
    postings = _read_record(reader, field, text)
    if postings is None:
        return _NO_PLACES
    docs = np.repeat(postings.ids.astype(np.int64), np.diff(postings.starts))
    return docs << 32 | postings.positions.astype(np.int64)


def read_lengths(reader: IndexReader, field: str) -> np.ndarray:
    """The length of ``field`` in each document of one segment, as Whoosh scores it."""
    size, perdoc, name = reader.doc_count_all(), reader._perdoc, f"_{field}_len"
    codes = np.zeros(size, np.uint8)
    if perdoc.has_column(name):  # not when no document of the segment has the field
        column = perdoc.column_reader(name, LENGTHS_COLUMN)
        raw = np.frombuffer(column._dbfile.get(column._basepos, column._count), np.uint8)
        codes[:len(raw)] = raw[:size]
    return _BYTE_LENGTHS[codes]


def read_column(reader: IndexReader, name: str, default: Any = None) -> list[Any]:
    """Every document's value in the sortable column ``name`` of one segment (``default``
    for all when the segment has no such column)."""
    if not reader.has_column(name):
        return [default] * reader.doc_count_all()
    column = reader.column_reader(name, translate=False)
    if isinstance(column, VarBytesColumn.Reader):  # (source, category, hash): one read
        lengths, offsets = column._lengths, column._offsets
        raw = column._dbfile.get(column._basepos, sum(lengths))
        return [raw[start:start + size] for start, size in zip(offsets, lengths, strict=True)]
    return list(column)


class IndexArrays:
    """Postings, lengths and columns of the index one searcher sees, as global arrays.

    Document numbers are the searcher's (segment offset + number in the segment).
    """

    def __init__(self, searcher: Searcher, cache: PostingsCache) -> None:
        self.searcher = searcher
        self.cache = cache
        self.segments = [(reader, offset, segment.segment_id())
                         for reader, offset in searcher.reader().leaf_readers()
                         if (segment := reader.segment()) is not None]  # None: empty index
        self.size = searcher.reader().doc_count_all()
        # The segments and their offsets, as a string (its hash is computed once).
        self._layout = " ".join(f"{segid}@{offset}" for _, offset, segid in self.segments)
        self._offsets = np.array([offset for _, offset, _ in self.segments], np.int64)
        self._local: dict[Hashable, Any] = {}

    def _memo(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        value = self._local.get(key)
        if value is None:
            value = self._local[key] = compute()
        return value

    def _gather(self, kind: str, read: Callable[[IndexReader], np.ndarray], *key: str
                ) -> list[np.ndarray]:
        return [self.cache.get((segid, kind, *key), lambda r=reader: read(r))
                for reader, _, segid in self.segments]

    def postings(self, field: str, text: str) -> Postings:
        """Global document numbers and frequencies of ``field:text`` (deleted included).

        Cached under the index's segments and their offsets, which a commit that only
        deletes leaves as they are.
        """
        return self.postings_of([(field, text)])[0]

    def postings_of(self, terms: Sequence[tuple[str, str]]) -> list[Postings]:
        """:meth:`postings` of each of ``terms``; those not cached yet are read together
        (one dictionary search a segment, one decode for all their records)."""
        keys = [(self._layout, field, text) for field, text in terms]
        found = [self.cache.lookup(key) for key in keys]
        missing = list(dict.fromkeys(k for k, value in zip(keys, found, strict=True)
                                     if value is None))
        if missing:
            read = dict(zip(missing, self._read([key[1:] for key in missing]), strict=True))
            found = [value if value is not None else self.cache.put(key, read[key])
                     for key, value in zip(keys, found, strict=True)]
        return found

    def _read(self, terms: list[tuple[str, str]]) -> list[Postings]:
        """The postings of ``terms``, read from every segment and decoded at once."""
        records, offsets, owners = [], [], []
        per_segment = [_records(reader, terms) for reader, _, _ in self.segments]
        for number in range(len(terms)):
            for (_, offset, _), segment_records in zip(self.segments, per_segment,
                                                       strict=True):
                if (record := segment_records[number]) is not None:
                    records.append(record)
                    offsets.append(offset)
                    owners.append(number)
        try:
            ids, weights, counts = decode_many(records)
        except RECORD_ERRORS as exc:
            for reader, _, _ in self.segments:  # name the damaged term
                for field, text in terms:
                    read_postings(reader, field, text)
            raise CorruptIndexError(f"damaged postings ({exc})") from None
        ids += np.repeat(np.array(offsets, np.int64), counts)
        sizes = np.bincount(np.array(owners, np.int64), counts, len(terms)).astype(np.int64)
        cuts = np.cumsum(sizes)[:-1]
        return [(part_ids.astype(np.int32), part_weights.copy()) for part_ids, part_weights
                in zip(np.split(ids, cuts), np.split(weights, cuts), strict=True)]

    def positions(self, field: str, text: str, docs: np.ndarray | None = None
                  ) -> np.ndarray:
        """Where ``field:text`` stands: ``global document << 32 | position`` (int64) for
        each occurrence, ascending (deleted documents included). With ``docs`` (global
        numbers, ascending), only the segments holding some of them are read, and the
        places may include other documents of those segments. Cached for each segment."""
        segments = self.segments
        if docs is not None:
            holding = np.unique(np.searchsorted(self._offsets, docs, side="right") - 1)
            segments = [segments[i] for i in holding.tolist()]
        return _join([self.cache.get((segid, "positions", field, text),
                                     lambda r=reader: read_positions(r, field, text))
                      + (offset << 32) for reader, offset, segid in segments], np.int64)

    def cached(self, key: tuple[Hashable, ...], compute: Callable[[], Any]) -> Any:
        """What ``compute`` gives, kept in the cache under ``key`` and the index's segments
        (for values that only depend on them, such as a term's scores)."""
        return self.cache.get((self._layout, *key), compute)

    def lengths(self, field: str) -> np.ndarray:
        """Each document's length of ``field`` (float32)."""
        return self._memo(("lengths", field), lambda: _join(
            self._gather("lengths", lambda r: read_lengths(r, field), field), np.float32))

    def deleted(self) -> np.ndarray:
        """True for each deleted document."""
        def read() -> np.ndarray:
            mask = np.zeros(self.size, bool)
            for reader, offset, _ in self.segments:
                if reader.has_deletions():
                    mask[offset + np.fromiter(reader.deleted_docs_set, np.int64)] = True
            return mask
        return self._memo("deleted", read)

    def codes(self, name: str) -> tuple[np.ndarray, list[Any]]:
        """The column ``name`` as codes (int32, -1 for an empty value) and the values."""
        def read() -> tuple[np.ndarray, list[Any]]:
            values: dict[Any, int] = {}
            out = []
            for part in self._gather("values", lambda r: _as_object_array(read_column(r, name)),
                                     name):
                out.append(np.fromiter((values.setdefault(v, len(values)) if v else -1
                                        for v in part), np.int32, count=len(part)))
            return _join(out, np.int32), list(values)
        return self._memo(("codes", name), read)

    def numbers(self, name: str) -> np.ndarray:
        """The numeric column ``name`` (the date) as uint64; :data:`NO_NUMBER` when empty."""
        return self._memo(("numbers", name), lambda: _join(self._gather(
            "numbers", lambda r: np.array(read_column(r, name, NO_NUMBER), dtype=np.uint64),
            name), np.uint64))


def _join(parts: list[np.ndarray], dtype: type) -> np.ndarray:
    return np.concatenate(parts) if parts else np.zeros(0, dtype)


def _as_object_array(values: list[Any]) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


__all__ = ["DEFAULT_CACHE_BYTES", "NO_NUMBER", "IndexArrays", "PostingsCache", "read_column",
           "read_lengths", "read_positions", "read_postings"]
