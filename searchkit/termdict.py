"""A compact term dictionary for :class:`~searchkit.codec.SearchkitCodec`.

Whoosh 3 keeps each term in an on-disk hash table with a 35-byte term info: about 86 bytes
a term, more than the postings themselves once those are compact. This dictionary keeps,
for each term in key order (field number, then the term's bytes):

* the keys end to end, with where each ends;
* its document frequency, and where its postings record starts in the postings file (the
  records are written in term order, one after another, so the next start is its end);
* the CRC-32 of each key, sorted, with the term each belongs to: a lookup is a binary
  search in numpy, not a walk through Python objects.

Every array is stored in the narrowest unsigned type that holds it and read with
``numpy.frombuffer`` (no decoding), so opening a segment costs one read of the file. The
statistics Whoosh keeps beside a term (total weight, largest weight, first and last
document) are computed from the term's record when asked for.

>>> import io
>>> class Kept(io.BytesIO):
...     def close(self) -> None:  # keep the bytes to read them back
...         pass
>>> out = Kept()
>>> writer = TermDictWriter(out, {"body": 0})
>>> writer.add(b"\\x00\\x00abc", 2, 0, 11)
>>> writer.close()
>>> TermDict(out.getvalue()).find(b"\\x00\\x00abc")
0
"""

from __future__ import annotations

import json
import struct
import zlib
from collections.abc import Iterator, Sequence
from itertools import pairwise
from typing import Any

import numpy as np
from whoosh.reading import CorruptIndexError

_MAGIC = b"SKT1"
_FOOTER = struct.Struct("<Q")  # where the footer (JSON) starts; the file's last 8 bytes


def _narrow(values: list[int] | np.ndarray) -> np.ndarray:
    array = np.asarray(values, np.uint64)
    top = int(array.max()) if len(array) else 0
    dtype = (np.uint8 if top < 2**8 else np.uint16 if top < 2**16 else
             np.uint32 if top < 2**32 else np.uint64)
    return array.astype(dtype)


class TermDictWriter:
    """Collects terms in key order; :meth:`close` writes the dictionary to ``dbfile``."""

    def __init__(self, dbfile: Any, fieldmap: dict[str, int]) -> None:
        self._file = dbfile
        self.fieldmap = fieldmap  # filled in by the field writer as fields start
        self._keys: list[bytes] = []
        self._dfs: list[int] = []
        self._bounds: list[int] = []

    def add(self, key: bytes, df: int, offset: int, length: int) -> None:
        """Add a term (``key`` above the last one) whose record is at ``offset``."""
        self.extend([key], [df], offset, [length])

    def extend(self, keys: list[bytes], dfs: Sequence[int] | np.ndarray, offset: int,
               lengths: Sequence[int] | np.ndarray) -> None:
        """Add terms (``keys`` ascending, above the last one) whose records lie end to end
        from ``offset``, each ``lengths`` bytes long."""
        run = self._keys[-1:] + keys
        if any(a >= b for a, b in pairwise(run)):
            raise ValueError(f"terms out of order: {run[0]!r} ... {run[-1]!r}")
        if self._bounds and offset != self._bounds[-1]:
            raise ValueError(f"postings record of {keys[:1]!r} at {offset}, not at the last end")
        if not self._bounds:
            self._bounds.append(offset)
        self._keys += keys
        self._dfs += np.asarray(dfs).tolist()
        self._bounds += (offset + np.cumsum(lengths, dtype=np.int64)).tolist()

    def close(self) -> None:
        """Write the arrays and the footer, and close the file."""
        keys = self._keys
        hashes = np.fromiter((zlib.crc32(k) for k in keys), np.uint32, len(keys))
        order = np.argsort(hashes, kind="stable")
        arrays = {
            "key_ends": _narrow(np.cumsum([len(k) for k in keys], dtype=np.uint64)),
            "keys": np.frombuffer(b"".join(keys), np.uint8),
            "dfs": _narrow(self._dfs),
            "bounds": _narrow(self._bounds or [0]),
            "hashes": hashes[order],
            "order": _narrow(order),
        }
        out, position = self._file, len(_MAGIC)
        out.write(_MAGIC)
        layout = {}
        for name, array in arrays.items():
            padding = -position % 8  # aligned, so numpy reads the arrays in place
            out.write(b"\0" * padding)
            position += padding
            little = array.astype(array.dtype.newbyteorder("<"))
            layout[name] = [little.dtype.str, position, len(little)]
            data = little.tobytes()
            out.write(data)
            position += len(data)
        footer = json.dumps({"count": len(keys), "fieldmap": self.fieldmap,
                             "arrays": layout}).encode()
        out.write(footer)
        out.write(_FOOTER.pack(position))
        out.close()


class TermDict:
    """A dictionary :class:`TermDictWriter` wrote, read from its bytes.

    Raises Whoosh's ``CorruptIndexError`` when ``data`` is not a whole dictionary.
    """

    def __init__(self, data: bytes) -> None:
        try:
            self._load(data)
        except (ValueError, KeyError, TypeError, IndexError, struct.error) as exc:
            raise CorruptIndexError(f"damaged term dictionary ({exc})") from None

    def _load(self, data: bytes) -> None:
        if data[:len(_MAGIC)] != _MAGIC or len(data) < len(_MAGIC) + _FOOTER.size:
            raise ValueError("not a searchkit term dictionary")
        (start,) = _FOOTER.unpack_from(data, len(data) - _FOOTER.size)
        footer = json.loads(data[start:len(data) - _FOOTER.size])
        self.count: int = footer["count"]
        self.fieldmap: dict[str, int] = footer["fieldmap"]
        arrays = {name: np.frombuffer(data, np.dtype(dtype), count, offset)
                  for name, (dtype, offset, count) in footer["arrays"].items() if name != "keys"}
        _, offset, size = footer["arrays"]["keys"]
        self._keys = data[offset:offset + size]
        self._ends = arrays["key_ends"]
        self.dfs = arrays["dfs"]
        self.bounds = arrays["bounds"]
        self._hashes = arrays["hashes"]
        self._order = arrays["order"]
        if not (len(self._ends) == len(self.dfs) == len(self._hashes) == len(self._order)
                == self.count and len(self.bounds) == self.count + 1):
            raise ValueError("term dictionary arrays disagree in length")

    def key(self, i: int) -> bytes:
        """The key of term ``i``."""
        return self._keys[int(self._ends[i - 1]) if i else 0:int(self._ends[i])]

    def find(self, key: bytes) -> int | None:
        """The number of the term with ``key``, or None."""
        crc = zlib.crc32(key)
        return self._probe(key, crc, int(np.searchsorted(self._hashes, np.uint32(crc))))

    def find_many(self, keys: Sequence[bytes]) -> list[int | None]:
        """:meth:`find` of each of ``keys``, with one binary search for them all."""
        if not self.count:
            return [None] * len(keys)
        crcs = np.fromiter(map(zlib.crc32, keys), np.uint32, len(keys))
        ats = np.minimum(np.searchsorted(self._hashes, crcs), self.count - 1)
        hashed = self._hashes[ats] == crcs
        terms = self._order[ats].astype(np.int64)
        ends = self._ends[terms].astype(np.int64)
        starts = np.where(terms > 0, self._ends[np.maximum(terms - 1, 0)], 0)
        out: list[int | None] = []
        for key, found, term, start, end, at, crc in zip(
                keys, hashed.tolist(), terms.tolist(), starts.tolist(), ends.tolist(),
                ats.tolist(), crcs.tolist(), strict=True):
            if not found:
                out.append(None)
            elif self._keys[start:end] == key:
                out.append(term)
            else:  # another key with the same hash: look further
                out.append(self._probe(key, crc, at + 1))
        return out

    def _probe(self, key: bytes, crc: int, at: int) -> int | None:
        """The term with ``key`` among those whose hash is ``crc``, from hash number ``at``."""
        while at < self.count and self._hashes[at] == crc:
            i = int(self._order[at])
            if self.key(i) == key:
                return i
            at += 1
        return None

    def first_at_or_after(self, key: bytes) -> int:
        """The number of the first term whose key is ``key`` or after it."""
        low, high = 0, self.count
        while low < high:
            middle = (low + high) // 2
            if self.key(middle) < key:
                low = middle + 1
            else:
                high = middle
        return low

    def keys_from(self, i: int) -> Iterator[tuple[int, bytes]]:
        """Term numbers and keys from term ``i`` on, in key order."""
        for j in range(i, self.count):
            yield j, self.key(j)

    def extent(self, i: int) -> tuple[int, int]:
        """Where term ``i``'s postings record is in the postings file: offset, length."""
        start = int(self.bounds[i])
        return start, int(self.bounds[i + 1]) - start
