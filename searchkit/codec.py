"""A compact postings codec for Whoosh: one record per term, numpy arrays, no pickles.

Whoosh 3's codec writes each term's postings as pickled blocks of Python tuples, and the
positions of each posting as a pickled list: about 20 bytes a posting with positions, and
a decode per block at search time. :class:`SearchkitCodec` keeps Whoosh 3's columns and
stored fields, keeps its terms in a :class:`~searchkit.termdict.TermDict`, and writes each
term's postings as one record:

* document numbers as deltas, weights (term frequencies) and positions (deltas inside each
  posting), each in the narrowest unsigned type that holds it (1, 2 or 4 bytes);
* multi-byte arrays split into byte planes (all low bytes, then all high bytes), so the
  high planes, mostly zeros, compress to almost nothing;
* the whole record deflated (zlib) when it is longer than about a hundred bytes.

:func:`decode_postings` reads a record back into arrays with a few numpy calls, and
:func:`decode_many` the ids and weights of many records (a query's terms in every segment)
with a few numpy calls for them all; the postings file is memory-mapped, so a record is a
slice, not a seek and a read. Whoosh's own matchers (phrases, deletions by term, merging)
see the same postings through :class:`ArrayMatcher`. Positions use
:class:`PositionsFormat`, whose values are plain little-endian uint32 arrays instead of
pickles.

>>> record = encode_postings([3, 9], [1.0, 2.0], [b"", b""], None)
>>> [a.tolist() for a in decode_postings(record)[:2]]
[[3, 9], [1.0, 2.0]]
"""

from __future__ import annotations

import contextlib
import io
import mmap
import struct
import zlib
from array import array
from bisect import bisect_left
from collections.abc import Iterator, Sequence
from typing import Any, NamedTuple

import numpy as np
from whoosh import formats
from whoosh.codec.base import FieldCursor
from whoosh.codec.whoosh3 import (
    W3Codec,
    W3FieldWriter,
    W3PostingsWriter,
    W3TermInfo,
    W3TermsReader,
)
from whoosh.matching import ListMatcher, ReadTooFar
from whoosh.reading import CorruptIndexError, TermNotFound
from whoosh.system import pack_uint, pack_ushort

from .termdict import TermDict, TermDictWriter

# Record header: flags, number of postings.
_HEADER = struct.Struct("<BI")
_DEFLATED, _WEIGHTS, _POSITIONS, _FREQUENCIES, _RAW_VALUES = 1, 2, 4, 8, 16
_SMALL = 32  # postings lists up to this long are encoded without numpy
_COMPRESS_FROM = 100  # shorter records are stored as they are (deflate saves little there)
_DTYPES = (np.dtype("<u1"), np.dtype("<u2"), np.dtype("<u4"), np.dtype("<f4"))
_BIG_UINT = np.dtype(">u4")  # Whoosh's pack_uint, the value of a Frequency posting
# What decoding a damaged record raises.
RECORD_ERRORS = (ValueError, TypeError, IndexError, struct.error, zlib.error)


class _MemoWordValues:
    """Whoosh's ``word_values`` through an analyzer's per-word memo
    (:meth:`~searchkit.analysis.ArabicAnalyzer.term_positions`) when it has one."""

    field_boost: float

    def word_values(self, value: Any, analyzer: Any, **kwargs: Any
                    ) -> Iterator[tuple[str, int, float, bytes]]:
        term_positions = getattr(analyzer, "term_positions", None)
        if term_positions is None:
            yield from super().word_values(value, analyzer, **kwargs)  # type: ignore[misc]
            return
        for term, found in term_positions(value).items():
            yield term, len(found), len(found) * self.field_boost, self._value(found)

    def _value(self, positions: list[int]) -> bytes:
        raise NotImplementedError


class PositionsFormat(_MemoWordValues, formats.Positions):
    """Whoosh's positions format with values as little-endian uint32 arrays (not pickles),
    indexing through the analyzer's per-word memo when it has one.

    >>> fmt = PositionsFormat()
    >>> fmt.decode_positions(fmt.encode([2, 7]))
    [2, 7]
    """

    def _value(self, positions: list[int]) -> bytes:
        return self.encode(positions)

    def encode(self, poslist: Any) -> bytes:
        return array("I", poslist).tobytes()

    def decode_positions(self, valuestring: bytes) -> list[int]:
        return np.frombuffer(valuestring, "<u4").tolist()

    def decode_frequency(self, valuestring: bytes) -> int:
        return len(valuestring) // 4


class FrequencyFormat(_MemoWordValues, formats.Frequency):
    """Whoosh's frequency format, indexing through the analyzer's per-word memo when it
    has one."""

    def _value(self, positions: list[int]) -> bytes:
        return pack_uint(len(positions))


class Postings(NamedTuple):
    """One term's postings: ids (int32), weights (float32), and for positional fields the
    positions of all postings end to end (uint32) with each posting's start in them."""

    ids: np.ndarray
    weights: np.ndarray
    positions: np.ndarray | None
    starts: np.ndarray | None


def _narrow(values: np.ndarray) -> np.ndarray:
    """``values`` (non-negative integers) in the narrowest unsigned type that holds them."""
    top = int(values.max()) if len(values) else 0
    return values.astype(_DTYPES[0 if top < 2**8 else 1 if top < 2**16 else 2], copy=False)


def _put(parts: list[bytes], values: np.ndarray) -> None:
    """Append a type code and ``values`` split into byte planes."""
    code = next(i for i, dtype in enumerate(_DTYPES) if dtype == values.dtype)
    parts.append(bytes((code,)))
    if values.dtype.itemsize == 1:
        parts.append(values.tobytes())
    else:
        parts.append(values.view(np.uint8).reshape(-1, values.dtype.itemsize).T.tobytes())


def _take(raw: memoryview, at: int, count: int) -> tuple[np.ndarray, int]:
    """The array of ``count`` items :func:`_put` wrote at ``at``, and where it ends."""
    dtype = _DTYPES[raw[at]]
    end = at + 1 + count * dtype.itemsize
    planes = np.frombuffer(raw[at + 1:end], np.uint8)
    if dtype.itemsize > 1:
        planes = planes.reshape(dtype.itemsize, count).T.copy()
    return planes.view(dtype).reshape(count), end


def _put_ints(parts: list[bytes], values: list[int]) -> None:
    """:func:`_put` for a few non-negative ints, without numpy's per-call cost."""
    top = max(values, default=0)
    if top < 2**8:
        parts += (b"\0", bytes(values))
        return
    code = 1 if top < 2**16 else 2
    parts.append(bytes((code,)))
    parts.extend(bytes((v >> shift) & 255 for v in values) for shift in range(0, 8 << code, 8))


def _encode_small(ids: list[int], weights: list[float], lengths: list[int], data: bytes,
                  fmt: formats.Format | None) -> bytes | None:
    """:func:`encode_values` of a few postings (most terms), in plain Python; None to
    take the numpy way (weights that are not whole numbers, positions out of order)."""
    flags, parts = 0, []
    _put_ints(parts, [b - a for a, b in zip([0, *ids], ids, strict=False)])
    counts = [int(w) for w in weights]
    if any(w != 1 for w in weights):
        if any(w != c or c < 0 for w, c in zip(weights, counts, strict=True)):
            return None
        flags |= _WEIGHTS
        _put_ints(parts, counts)
    if isinstance(fmt, PositionsFormat):
        positions = array("I", data).tolist()
        lengths = [n // 4 for n in lengths]
        steps, at = [], 0
        for length in lengths:
            previous = 0
            for position in positions[at:at + length]:
                steps.append(position - previous)
                previous = position
            at += length
        if any(step < 0 for step in steps):
            return None
        flags |= _POSITIONS
        if lengths != counts:
            flags |= _RAW_VALUES
            _put_ints(parts, lengths)
        _put_ints(parts, steps)
    elif data:
        if data == b"".join(c.to_bytes(4, "big") for c in counts):
            flags |= _FREQUENCIES
        else:
            flags |= _RAW_VALUES
            _put_ints(parts, lengths)
            parts.append(data)
    return _finish(flags, len(ids), b"".join(parts))


def encode_postings(ids: Sequence[int], weights: Sequence[float], values: Sequence[bytes],
                    fmt: formats.Format | None) -> bytes:
    """One term's postings (ascending ids, each posting's value) as a record; ``fmt`` is
    the field's format."""
    return encode_values(ids, weights, [len(v) for v in values], b"".join(values), fmt)


def encode_values(ids: Sequence[int] | np.ndarray, weights: Sequence[float] | np.ndarray,
                  lengths: Sequence[int] | np.ndarray, data: bytes,
                  fmt: formats.Format | None) -> bytes:
    """:func:`encode_postings` with the values end to end in ``data``, each ``lengths``
    bytes long."""
    count = len(ids)
    if count <= _SMALL:
        record = _encode_small(*(list(a) if isinstance(a, list) else np.asarray(a).tolist()
                                 for a in (ids, weights, lengths)), data, fmt)
        if record:
            return record
    ids_arr = np.asarray(ids, np.int64)
    flags, parts = 0, []
    _put(parts, _narrow(np.diff(ids_arr, prepend=0)))
    weights_arr = np.asarray(weights, np.float32)
    if not (weights_arr == 1).all():
        flags |= _WEIGHTS
        whole = (weights_arr == np.round(weights_arr)).all() and weights_arr.min() >= 0
        _put(parts, _narrow(weights_arr.astype(np.int64)) if whole else weights_arr)
    lengths_arr = np.asarray(lengths, np.int64)
    steps = _position_steps(lengths_arr // 4, data) if isinstance(fmt, PositionsFormat) \
        else None
    if steps is not None:
        flags |= _POSITIONS
        if not (lengths_arr // 4 == weights_arr).all():
            flags |= _RAW_VALUES  # counts are not the weights: store them
            _put(parts, _narrow(lengths_arr // 4))
        _put(parts, _narrow(steps))
    elif data:
        if len(data) == 4 * count and (np.frombuffer(data, _BIG_UINT) == weights_arr).all():
            flags |= _FREQUENCIES  # Whoosh's Frequency format: each value is its weight
        else:
            flags |= _RAW_VALUES
            _put(parts, _narrow(lengths_arr))
            parts.append(data)
    return _finish(flags, count, b"".join(parts))


def _deflate(body: bytes | memoryview) -> bytes:
    """``body`` deflated (zlib level 6). Bodies under 4 KiB get a 4 KiB window and a small
    hash table: zlib's set-up for its defaults costs more than deflating a short record."""
    small = len(body) < 4096
    packer = zlib.compressobj(6, zlib.DEFLATED, 12 if small else 15, 4 if small else 8)
    return packer.compress(body) + packer.flush()


def _finish(flags: int, count: int, body: bytes) -> bytes:
    """The record: its header and ``body``, deflated if that makes it shorter."""
    if len(body) >= _COMPRESS_FROM:
        packed = _deflate(body)
        if len(packed) < len(body):
            flags, body = flags | _DEFLATED, packed
    return _HEADER.pack(flags, count) + body


def _widths(tops: np.ndarray) -> np.ndarray:
    """Bytes per item (1, 2 or 4) of the narrowest unsigned type holding each of ``tops``."""
    return np.where(tops < 2**8, 1, np.where(tops < 2**16, 2, 4))


def _term_max(values: np.ndarray, starts: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """The largest of ``values[starts[t]:starts[t] + sizes[t]]`` for each t (0 if empty)."""
    if not len(values):
        return np.zeros(len(starts), np.int64)
    tops = np.maximum.reduceat(values, np.minimum(starts, len(values) - 1))
    return np.where(sizes > 0, tops, 0)


def _lay_out(out: np.ndarray, at: np.ndarray, widths: np.ndarray, sizes: np.ndarray,
             values: np.ndarray, owners: np.ndarray, places: np.ndarray) -> None:
    """Write arrays as :func:`_put` does, many at once: array t (``sizes[t]`` items of
    ``widths[t]`` bytes) at ``out[at[t]]``; item i, ``values[i]``, is item ``places[i]`` of
    array ``owners[i]``."""
    out[at] = widths // 2  # the type code: 1, 2, 4 bytes -> 0, 1, 2
    item_at = at[owners] + 1 + places
    item_widths, item_sizes = widths[owners], sizes[owners]
    for plane in range(4):
        wide = item_widths > plane
        if not wide.any():
            break
        out[(item_at + plane * item_sizes)[wide]] = (values[wide] >> (8 * plane)) & 255


def encode_records(bounds: np.ndarray, ids: np.ndarray, weights: np.ndarray,
                   lengths: np.ndarray, data: np.ndarray, fmt: formats.Format | None
                   ) -> tuple[list[bytes | memoryview], np.ndarray]:
    """:func:`encode_values` of many terms at once, laid out with numpy: term t has postings
    ``bounds[t]:bounds[t + 1]`` (at least one) of ``ids`` (ascending), ``weights`` and
    ``lengths``, their values end to end in ``data`` (uint8). Returns the records end to end
    (as pieces to join or write) and each record's length.

    Terms numpy does not lay out here (fractional weights, positions out of order, values
    that are not the format's own) go through :func:`encode_values`; the bytes are the same.
    """
    bounds = np.asarray(bounds, np.int64) - bounds[0]
    sizes, starts = np.diff(bounds), bounds[:-1]
    terms = len(sizes)
    owners = np.repeat(np.arange(terms), sizes)
    places = np.arange(len(owners)) - starts[owners]
    ids = np.asarray(ids, np.int64)
    deltas = np.diff(ids, prepend=0)
    deltas[starts] = ids[starts]
    weights = np.asarray(weights, np.float64)
    counts = weights.astype(np.int64)
    odd = (counts != weights) | (weights < 0) | (counts >= 2**32)
    lengths = np.asarray(lengths, np.int64)
    flags = np.zeros(terms, np.int64)
    steps = step_owners = step_places = None
    positional = isinstance(fmt, PositionsFormat)
    if positional and not (lengths % 4).any():
        flags |= _POSITIONS
        per = lengths // 4
        odd |= per != counts
        steps = _steps(per, data.view("<u4"))
        step_postings = np.repeat(np.arange(len(per)), per)
        odd[step_postings[steps < 0]] = True
        step_owners = owners[step_postings]
        step_sizes = np.bincount(step_owners, minlength=terms)
        step_starts = np.cumsum(step_sizes) - step_sizes
        step_places = np.arange(len(steps)) - step_starts[step_owners]
    elif positional:
        odd[:] = True
    else:  # Whoosh's Frequency values (each its posting's weight) or none at all
        valued = lengths > 0
        if valued.any():
            big = np.zeros(len(lengths), np.int64)
            frequencies = valued & (lengths == 4)
            at = (np.cumsum(lengths) - lengths)[frequencies]
            for byte in range(4):  # big-endian uint32
                big[frequencies] |= data[at + byte].astype(np.int64) << (24 - 8 * byte)
            odd |= valued & ((lengths != 4) | (big != weights))
            valued_counts = np.add.reduceat(valued, starts)
            has_values = valued_counts > 0
            odd |= (has_values & (valued_counts < sizes))[owners]
            flags[has_values] |= _FREQUENCIES
    irregular = np.add.reduceat(odd, starts) > 0
    weighted = np.add.reduceat(weights != 1, starts) > 0
    flags[weighted] |= _WEIGHTS
    id_widths = _widths(_term_max(deltas, starts, sizes))
    count_widths = _widths(_term_max(counts, starts, sizes))
    body = 1 + sizes * id_widths + weighted * (1 + sizes * count_widths)
    if steps is not None:
        step_widths = _widths(_term_max(steps, step_starts, step_sizes))
        body += 1 + step_sizes * step_widths
    record = np.where(irregular, 0, _HEADER.size + body)
    at = np.cumsum(record) - record
    out = np.zeros(int(record.sum()), np.uint8)
    kept = ~irregular
    out[at[kept]] = flags[kept]
    for plane in range(4):
        out[at[kept] + 1 + plane] = (sizes[kept] >> (8 * plane)) & 255
    # Irregular terms have no room: their items go nowhere (dropped by the masks below).
    regular = kept[owners]
    mark = np.cumsum(kept) - 1  # a regular term's number among the regular ones
    _lay_out(out, at[kept] + _HEADER.size, id_widths[kept], sizes[kept], deltas[regular],
             mark[owners][regular], places[regular])
    at_weights = at + _HEADER.size + 1 + sizes * id_widths
    chosen = kept & weighted
    if chosen.any():
        items = chosen[owners]
        _lay_out(out, at_weights[chosen], count_widths[chosen], sizes[chosen], counts[items],
                 np.cumsum(chosen)[owners][items] - 1, places[items])
    if steps is not None:
        at_steps = at_weights + weighted * (1 + sizes * count_widths)
        items = kept[step_owners]
        _lay_out(out, at_steps[kept], step_widths[kept], step_sizes[kept], steps[items],
                 mark[step_owners][items], step_places[items])
    # Long bodies are deflated and irregular terms encoded one by one: those records
    # replace their place in ``out``.
    whole = memoryview(out.tobytes())
    value_starts = np.concatenate(([0], np.cumsum(lengths)))
    pieces: list[bytes | memoryview] = []
    done = 0
    for term in np.flatnonzero(irregular | (kept & (body >= _COMPRESS_FROM))).tolist():
        first, last = int(at[term]), int(at[term] + record[term])
        if irregular[term]:
            low, high = int(starts[term]), int(starts[term] + sizes[term])
            replaced = encode_values(ids[low:high].tolist(), weights[low:high].tolist(),
                                     lengths[low:high].tolist(), data[value_starts[low]:
                                     value_starts[high]].tobytes(), fmt)
        else:
            packed = _deflate(whole[first + _HEADER.size:last])
            if len(packed) >= last - first - _HEADER.size:
                continue
            replaced = _HEADER.pack(int(flags[term]) | _DEFLATED, int(sizes[term])) + packed
        pieces += (whole[done:first], replaced)
        record[term], done = len(replaced), last
    pieces.append(whole[done:])
    return pieces, record


def _steps(counts: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """Positions (``counts`` for each posting, end to end) as steps: each posting's first
    position, then the differences (negative where positions are not ascending)."""
    positions = positions.astype(np.int64)
    steps = np.diff(positions, prepend=0)
    firsts = (np.cumsum(counts) - counts)[counts > 0]
    steps[firsts] = positions[firsts]
    return steps


def _position_steps(counts: np.ndarray, data: bytes) -> np.ndarray | None:
    """:class:`PositionsFormat` values (``counts`` positions each, end to end in ``data``)
    as :func:`_steps`; None if some are not ascending."""
    steps = _steps(counts, np.frombuffer(data, "<u4"))
    return None if (steps < 0).any() else steps


def decode_postings(record: bytes, values: bool = True) -> Postings:
    """The arrays of a record written by :func:`encode_postings`; without ``values``, ids
    and weights only (positions and starts None, the record still checked whole).

    Raises ``ValueError`` or ``zlib.error`` on a damaged record.
    """
    flags, count = _HEADER.unpack_from(record)
    body = record[_HEADER.size:]
    raw = memoryview(zlib.decompress(body) if flags & _DEFLATED else body)
    deltas, at = _take(raw, 0, count)
    ids = np.cumsum(deltas, dtype=np.int64).astype(np.int32)
    if flags & _WEIGHTS:
        stored, at = _take(raw, at, count)
        weights = stored.astype(np.float32)
    else:
        weights = np.ones(count, np.float32)
    positions = starts = None
    if not values and flags & _POSITIONS and not flags & _RAW_VALUES:
        # Positions skipped: a type code, then a step per position (a count per posting).
        total = int(weights.astype(np.int64).sum())
        at += 1 + total * _DTYPES[raw[at]].itemsize if at < len(raw) else 1
    elif flags & _POSITIONS:
        if flags & _RAW_VALUES:
            lengths, at = _take(raw, at, count)
            lengths = lengths.astype(np.int64)
        else:
            lengths = weights.astype(np.int64)
        starts = np.zeros(count + 1, np.int64)
        np.cumsum(lengths, out=starts[1:])
        steps, at = _take(raw, at, int(starts[-1]))
        positions = np.cumsum(steps, dtype=np.int64)
        firsts = starts[:-1][lengths > 0]
        # Each posting's first position was stored whole: take off what came before it.
        positions -= np.repeat(positions[firsts] - steps[firsts], lengths[lengths > 0])
        positions = positions.astype("<u4")
    elif flags & _FREQUENCIES and values:
        positions = weights.astype(_BIG_UINT)
        starts = np.arange(count + 1, dtype=np.int64)
    elif flags & _RAW_VALUES:
        lengths, at = _take(raw, at, count)
        starts = np.zeros(count + 1, np.int64)
        np.cumsum(lengths, out=starts[1:])
        positions = np.frombuffer(raw[at:at + int(starts[-1])], np.uint8)
        at += int(starts[-1])
    if at != len(raw):
        raise ValueError(f"postings record of {len(raw)} bytes, {at} read")
    return Postings(ids, weights, positions, starts)


def decode_many(records: Sequence[bytes]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The ids (int64) and weights (float32) of many records end to end, as
    :func:`decode_postings` without values gives them for each, and how many postings
    each record has: a few numpy calls for all the records instead of a few for each.

    Raises ``ValueError`` or ``zlib.error`` on a damaged record (not saying which).
    """
    planes: list[bytes | memoryview] = []  # the byte planes of every array, end to end
    size = 0
    counts, ids_at, ids_width, weights_at, weights_code = [], [], [], [], []
    checks = []  # records with positions after the weights: (record, type code, bytes)
    slow: list[tuple[int, bytes]] = []  # records of raw values: decoded one by one
    for number, record in enumerate(records):
        flags, count = _HEADER.unpack_from(record)
        counts.append(count)
        if flags & _RAW_VALUES:
            slow.append((number, record))
            ids_width.append(0)
            weights_code.append(-1)
            continue
        body = memoryview(record)[_HEADER.size:]
        raw = memoryview(zlib.decompress(body)) if flags & _DEFLATED else body
        width = _DTYPES[raw[0]].itemsize
        at = 1 + count * width
        planes.append(raw[1:at])
        ids_at.append(size)
        ids_width.append(width)
        size += at - 1
        if flags & _WEIGHTS:
            code = raw[at]
            end = at + 1 + count * _DTYPES[code].itemsize
            planes.append(raw[at + 1:end])
            weights_at.append(size)
            weights_code.append(code)
            size += end - at - 1
            at = end
        else:
            weights_code.append(-1)
        if at > len(raw) or (at == len(raw)) == bool(flags & _POSITIONS):
            raise ValueError(f"postings record of {len(raw)} bytes, {at} read")
        if flags & _POSITIONS:
            checks.append((number, raw[at], len(raw) - at - 1))
    buffer = np.frombuffer(b"".join(planes), np.uint8)
    count_array = np.array(counts, np.int64)
    widths = np.array(ids_width, np.int64)
    fast = widths > 0
    deltas = np.zeros(int(count_array.sum()), np.int64)
    starts = np.cumsum(count_array) - count_array
    deltas[_spans(starts[fast], count_array[fast])] = _gather(
        buffer, np.array(ids_at, np.int64), widths[fast], count_array[fast])
    codes = np.array(weights_code, np.int64)
    weighted = codes >= 0
    weights = np.ones(len(deltas), np.float32)
    if weighted.any():
        kinds = codes[weighted]
        stored = _gather(buffer, np.array(weights_at, np.int64),
                         np.array([_DTYPES[c].itemsize for c in kinds.tolist()], np.int64),
                         count_array[weighted])
        floats = np.repeat(kinds == 3, count_array[weighted])
        values = stored.astype(np.float32)
        values[floats] = stored[floats].view(np.float32)
        weights[_spans(starts[weighted], count_array[weighted])] = values
    for number, record in slow:
        postings = decode_postings(record, values=False)
        span = slice(starts[number], starts[number] + counts[number])
        deltas[span] = np.diff(postings.ids, prepend=0)
        weights[span] = postings.weights
    if checks:
        sums = np.concatenate(([0], np.cumsum(weights.astype(np.int64))))
        totals = (sums[starts + count_array] - sums[starts]).tolist()
        for number, code, left in checks:
            total = totals[number]
            if left != total * _DTYPES[code].itemsize:
                raise ValueError(f"postings record with {left} bytes of positions, "
                                 f"not {total * _DTYPES[code].itemsize}")
    sums = np.concatenate(([0], np.cumsum(deltas)))
    ids = sums[1:] - np.repeat(sums[starts], count_array)
    return ids, weights, count_array


def _spans(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """The positions ``starts[i] .. starts[i] + counts[i]`` of each ``i``, end to end."""
    ends = np.cumsum(counts)
    return np.arange(int(ends[-1]) if len(ends) else 0) + np.repeat(starts - (ends - counts),
                                                                     counts)


def _gather(buffer: np.ndarray, starts: np.ndarray, widths: np.ndarray, counts: np.ndarray
            ) -> np.ndarray:
    """The unsigned values of arrays :func:`_put` split into ``widths``-byte planes, each
    ``counts`` long from ``starts`` in ``buffer``, end to end (uint32)."""
    first = _spans(starts, counts)
    values = buffer[first].astype(np.uint32)
    step, width = np.repeat(counts, counts), np.repeat(widths, counts)
    for plane in range(1, int(widths.max()) if len(widths) else 1):
        more = width > plane
        values[more] |= buffer[first[more] + plane * step[more]].astype(np.uint32) << (8 * plane)
    return values


class _Values(Sequence[bytes]):
    """Each posting's value string, cut from the decoded arrays when asked for."""

    def __init__(self, postings: Postings) -> None:
        self._data, self._starts, self._count = (postings.positions, postings.starts,
                                                 len(postings.ids))

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(self._count))]
        if self._data is None:
            return b""
        return self._data[self._starts[i]:self._starts[i + 1]].tobytes()


class ArrayMatcher(ListMatcher):
    """Whoosh's list matcher over decoded postings, skipping by bisection."""

    def skip_to(self, id: int) -> None:
        if not self.is_active():
            raise ReadTooFar
        if id > self._ids[self._i]:
            self._i = bisect_left(self._ids, id, self._i)


class CompactPostingsWriter(W3PostingsWriter):
    """Collects a term's postings and writes them as one :func:`encode_postings` record."""

    def start_postings(self, format_: formats.Format, terminfo: W3TermInfo) -> None:
        self._format, self._terminfo = format_, terminfo
        self._ids: list[int] = []
        self._weights: list[float] = []
        self._values: list[bytes] = []

    def add_posting(self, id_: int, weight: float, vbytes: bytes, length: int | None = None
                    ) -> None:
        self._ids.append(id_)
        self._weights.append(weight)
        self._values.append(vbytes)

    def finish_postings(self) -> W3TermInfo:
        info = self._terminfo
        info._df = len(self._ids)
        offset = self._postfile.tell()
        self._postfile.write(encode_postings(self._ids, self._weights, self._values,
                                             self._format))
        info.set_extent(offset, self._postfile.tell() - offset)
        self._terminfo = None
        return info


class CompactFieldWriter(W3FieldWriter):
    """Whoosh 3's field writer with a :class:`~searchkit.termdict.TermDictWriter`."""

    def __init__(self, codec: SearchkitCodec, storage: Any, segment: Any) -> None:
        self._codec, self._storage, self._segment = codec, storage, segment
        self._fieldname = self._fieldid = self._btext = self._fieldobj = self._format = None
        self._fieldmap: dict[str, int] = {}
        self._tindex = TermDictWriter(self._create_file(W3Codec.TERMS_EXT), self._fieldmap)
        self._postfile = self._create_file(W3Codec.POSTS_EXT)
        self._postwriter = None
        self._infield = self.is_closed = False

    def finish_term(self) -> None:
        info = self._postwriter.finish_postings()
        offset, length = info.extent()
        self._tindex.add(pack_ushort(self._fieldid) + self._btext, info.doc_frequency(),
                         offset, length)

    def add_records(self, keys: list[bytes], dfs: np.ndarray,
                    records: list[bytes | memoryview], lengths: np.ndarray) -> None:
        """Add terms of the current field (``keys`` ascending) with their postings already
        encoded: ``records`` end to end (in pieces), each ``lengths`` bytes long."""
        offset = self._postfile.tell()
        for piece in records:
            self._postfile.write(piece)
        field = pack_ushort(self._fieldid)
        self._tindex.extend([field + key for key in keys], dfs, offset, lengths)


class CompactTermsReader(W3TermsReader):
    """Whoosh's terms reader interface over a :class:`~searchkit.termdict.TermDict`."""

    def __init__(self, codec: SearchkitCodec, dbfile: Any, length: int, postfile: Any) -> None:
        self._codec, self._postfile = codec, postfile
        try:
            self._dict = TermDict(dbfile.get(0, length))
        finally:
            dbfile.close()
        self._fieldmap = self._dict.fieldmap
        self._fieldunmap = {number: name for name, number in self._fieldmap.items()}
        self._postings_bytes = _mapped(postfile)

    def _find(self, fieldname: str, tbytes: bytes) -> int | None:
        return self._dict.find(self._keycoder(fieldname, tbytes))

    def __contains__(self, term: Any) -> bool:
        return self._find(*term) is not None

    def _keys_from(self, key: bytes) -> Iterator[tuple[int, tuple[str, bytes]]]:
        for i, found in self._dict.keys_from(self._dict.first_at_or_after(key)):
            yield i, self._keydecoder(found)

    def cursor(self, fieldname: str, fieldobj: Any) -> TermCursor:
        return TermCursor(self, fieldname, fieldobj)

    def terms(self) -> Iterator[tuple[str, bytes]]:
        return (term for _, term in self._keys_from(b""))

    def terms_from(self, fieldname: str, prefix: bytes) -> Iterator[tuple[str, bytes]]:
        return (term for _, term in self._keys_from(self._keycoder(fieldname, prefix)))

    def items(self) -> Iterator[tuple[tuple[str, bytes], W3TermInfo]]:
        return ((term, self.info_at(i)) for i, term in self._keys_from(b""))

    def items_from(self, fieldname: str, prefix: bytes
                   ) -> Iterator[tuple[tuple[str, bytes], W3TermInfo]]:
        return ((term, self.info_at(i))
                for i, term in self._keys_from(self._keycoder(fieldname, prefix)))

    def _bare_info(self, i: int) -> W3TermInfo:
        """Term ``i``'s record extent and document frequency. Field lengths are not kept
        per term: the bounds given (1 and 2**31) only loosen Whoosh's score bounds."""
        info = W3TermInfo(df=int(self._dict.dfs[i]), minlength=1, maxlength=2**31)
        info.set_extent(*self._dict.extent(i))
        return info

    def info_at(self, i: int) -> W3TermInfo:
        """Term ``i``'s statistics, from its postings record."""
        info = self._bare_info(i)
        postings = _decode_named(self._record(i), self._keydecoder(self._dict.key(i)))
        if info._df:
            info._weight = float(postings.weights.sum())
            info._maxweight = float(postings.weights.max())
            info._minid, info._maxid = int(postings.ids[0]), int(postings.ids[-1])
        return info

    def term_info(self, fieldname: str, tbytes: bytes) -> W3TermInfo:
        found = self._find(fieldname, tbytes)
        if found is None:
            raise TermNotFound(f"No term {fieldname}:{tbytes!r}")
        return self.info_at(found)

    def frequency(self, fieldname: str, tbytes: bytes) -> float:
        found = self._find(fieldname, tbytes)
        return 0.0 if found is None else self.info_at(found).weight()

    def doc_frequency(self, fieldname: str, tbytes: bytes) -> int:
        found = self._find(fieldname, tbytes)
        return 0 if found is None else int(self._dict.dfs[found])

    def matcher(self, fieldname: str, tbytes: bytes, format_: formats.Format,
                scorer: Any = None) -> ArrayMatcher:
        found = self._find(fieldname, tbytes)
        if found is None:
            raise TermNotFound(f"No term {fieldname}:{tbytes!r}")
        return self._codec.postings_reader(self._postfile, self._bare_info(found), format_,
                                           term=(fieldname, tbytes), scorer=scorer)

    def postings(self, fieldname: str, tbytes: bytes, values: bool = True
                 ) -> Postings | None:
        """A term's postings, decoded (no matcher; ``values``: as :func:`decode_postings`),
        or None when the segment has no such term; Whoosh's ``CorruptIndexError`` for a
        damaged record."""
        found = self._find(fieldname, tbytes)
        return None if found is None else _decode_named(self._record(found),
                                                        (fieldname, tbytes), values)

    def records(self, terms: Sequence[tuple[str, bytes]]) -> list[bytes | None]:
        """The postings record of each of ``terms`` (None where the segment has no such
        term), looked up together: for :func:`decode_many`."""
        found = self._dict.find_many([self._keycoder(field, text) for field, text in terms])
        return [None if i is None else self._record(i) for i in found]

    def _record(self, i: int) -> bytes:
        """Term ``i``'s postings record, sliced from the postings file's bytes."""
        start, length = self._dict.extent(i)
        return self._postings_bytes[start:start + length]

    def close(self) -> None:
        if isinstance(self._postings_bytes, mmap.mmap):
            self._postings_bytes.close()
        self._postfile.close()


class TermCursor(FieldCursor):
    """Walks one field's terms in order (Whoosh's fuzzy matching uses it)."""

    def __init__(self, terms: CompactTermsReader, fieldname: str, fieldobj: Any) -> None:
        self._terms, self._fieldname, self._fieldobj = terms, fieldname, fieldobj
        self._start = terms._dict.first_at_or_after(terms._keycoder(fieldname, b""))
        self._at: int | None = self._start
        self._text: Any = None
        self.next()

    def first(self) -> Any:
        self._at = self._start
        return self.next()

    def find(self, term: Any) -> Any:
        if not isinstance(term, bytes):
            term = self._fieldobj.to_bytes(term)
        self._at = self._terms._dict.first_at_or_after(
            self._terms._keycoder(self._fieldname, term))
        return self.next()

    def next(self) -> Any:
        self._text = None
        if self._at is not None and self._at < self._terms._dict.count:
            fieldname, text = self._terms._keydecoder(self._terms._dict.key(self._at))
            if fieldname == self._fieldname:
                self._current, self._at = self._at, self._at + 1
                self._text = self._fieldobj.from_bytes(text)
                return self._text
        self._at = None
        return None

    def text(self) -> Any:
        return self._text

    def term_info(self) -> W3TermInfo | None:
        return None if self._text is None else self._terms.info_at(self._current)

    def is_valid(self) -> bool:
        return self._text is not None


class SearchkitCodec(W3Codec):
    """Whoosh 3's codec with :func:`encode_postings` records for the postings and a
    :class:`~searchkit.termdict.TermDict` for the terms."""

    def field_writer(self, storage: Any, segment: Any) -> CompactFieldWriter:
        return CompactFieldWriter(self, storage, segment)

    def postings_writer(self, dbfile: Any, byteids: bool = False) -> CompactPostingsWriter:
        return CompactPostingsWriter(dbfile, blocklimit=0, byteids=byteids)

    def postings_reader(self, dbfile: Any, terminfo: W3TermInfo, format_: formats.Format,
                        term: Any = None, scorer: Any = None) -> ArrayMatcher:
        postings = load_postings(dbfile, terminfo, term or ("?", b""))
        return ArrayMatcher(postings.ids.tolist(), postings.weights.tolist(),
                            _Values(postings), format_, scorer=scorer, term=term,
                            terminfo=terminfo)

    def terms_reader(self, storage: Any, segment: Any) -> CompactTermsReader:
        name = segment.make_filename(self.TERMS_EXT)
        return CompactTermsReader(self, storage.open_file(name), storage.file_length(name),
                                  segment.open_file(storage, self.POSTS_EXT))


def _mapped(dbfile: Any) -> mmap.mmap | bytes:
    """The bytes of ``dbfile``: a read-only memory map of a file on disk (pages read when
    sliced, no seek and read per record), the whole content of one in memory."""
    if dbfile.is_real:
        with contextlib.suppress(ValueError, OSError):  # (ValueError: an empty file)
            return mmap.mmap(dbfile.fileno(), 0, access=mmap.ACCESS_READ)
    dbfile.seek(0, io.SEEK_END)
    return dbfile.get(0, dbfile.tell())


def load_postings(dbfile: Any, terminfo: W3TermInfo, term: tuple[str, bytes],
                  values: bool = True) -> Postings:
    """The postings of ``term`` (field, term bytes: for the error message) at
    ``terminfo``'s extent in the postings file (``values``: as :func:`decode_postings`);
    Whoosh's ``CorruptIndexError`` when the record is damaged."""
    return _decode_named(dbfile.get(*terminfo.extent()), term, values)


def _decode_named(record: bytes, term: tuple[str, bytes], values: bool = True) -> Postings:
    """:func:`decode_postings` of ``term``'s record; a damaged one is Whoosh's
    ``CorruptIndexError`` naming the term."""
    try:
        return decode_postings(record, values)
    except RECORD_ERRORS as exc:
        fieldname, tbytes = term
        raise CorruptIndexError(f"damaged postings of {fieldname}:"
                                f"{tbytes.decode('utf-8', 'replace')} ({exc})") from None


__all__ = ["RECORD_ERRORS", "ArrayMatcher", "CompactFieldWriter", "CompactPostingsWriter",
           "CompactTermsReader", "PositionsFormat", "Postings", "SearchkitCodec", "TermCursor",
           "decode_many", "decode_postings", "encode_postings", "load_postings"]
