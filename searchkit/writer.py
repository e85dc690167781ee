"""Whoosh writers that keep a segment's postings in flat arrays and write them as records.

Whoosh's writer sends every posting through a sorting pool of Python tuples, then through
the codec one call per posting (with a field-length lookup each). :class:`TermPool` keeps
each field's postings as parallel arrays (term number, document, weight, value bytes) and,
when the segment is written, groups them by term with numpy and hands each term's postings
to the field writer as records laid out by :func:`~searchkit.codec.encode_records`.

:class:`SegmentWriter` is Whoosh's segment writer with this pool. :class:`Workers` are
processes kept across commits: each runs the jobs sent to it (in a sync: reading files) and
writes their documents into segments of its own with a :class:`SegmentWriter`;
:class:`MultiWriter` commits those segments with its own deletions.
"""

from __future__ import annotations

import multiprocessing
import os
import queue as queue_module
import signal
from array import array
from collections import deque
from collections.abc import Callable, Iterable
from itertools import chain
from typing import Any

import numpy as np
from whoosh.fields import Schema
from whoosh.filedb.filestore import Storage
from whoosh.writing import SegmentWriter as WhooshSegmentWriter

from .codec import CompactFieldWriter, FrequencyFormat, PositionsFormat, encode_records


def _gather(values: np.ndarray, counts: np.ndarray, order: np.ndarray) -> np.ndarray:
    """``values`` cut in runs of ``counts`` items, the runs put in ``order``."""
    ends = np.cumsum(counts[order])
    if not len(ends) or not ends[-1]:
        return values[:0]
    starts = np.cumsum(counts) - counts
    return values[np.repeat(starts[order] - (ends - counts[order]), counts[order])
                  + np.arange(ends[-1])]


def _stable_order(keys: np.ndarray) -> np.ndarray:
    """The stable sort order of uint32 ``keys``, 16 bits at a time: numpy sorts 16-bit keys
    by radix, about four times as fast as 32-bit keys.

    >>> _stable_order(np.array([70000, 5, 70000, 3], np.uint32)).tolist()
    [3, 1, 0, 2]
    """
    order = np.argsort((keys & 0xFFFF).astype(np.uint16), kind="stable")
    if len(keys) and int(keys.max()) > 0xFFFF:
        order = order[np.argsort((keys >> 16).astype(np.uint16)[order], kind="stable")]
    return order


class _FieldPostings:
    """One field's postings in the order they came, as parallel arrays: term number,
    document, weight, and each posting's value (bytes end to end, with their lengths)."""

    WRITE_TERMS = 20_000  # terms encoded per slice when the segment is written

    def __init__(self) -> None:
        self.terms: _Numbers = _Numbers()
        self.term_ids = array("I")
        self.docs = array("I")
        self.weights = array("f")
        self.lengths = array("I")
        self.data = bytearray()

    def add(self, tbytes: bytes, docnum: int, weight: float, vbytes: bytes | None) -> None:
        self.term_ids.append(self.terms[tbytes])
        self.docs.append(docnum)
        self.weights.append(weight)
        self.lengths.append(len(vbytes or b""))
        self.data += vbytes or b""

    def _postings(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """All postings, in any order: term numbers, documents, weights, value lengths (in
        bytes) and the values end to end (uint8)."""
        return (np.frombuffer(self.term_ids, np.uint32), np.frombuffer(self.docs, np.uint32),
                np.frombuffer(self.weights, np.float32),
                np.frombuffer(self.lengths, np.uint32).astype(np.int64),
                np.frombuffer(self.data, np.uint8))

    def _key(self, term: Any) -> bytes:
        return term

    def write(self, writer: CompactFieldWriter, fmt: Any) -> None:
        """Write each term's record through ``writer``, terms in byte order."""
        keys = sorted((self._key(t), i) for t, i in self.terms.items())
        rank = np.empty(len(keys), np.int64)
        rank[[i for _, i in keys]] = np.arange(len(keys))
        ranks, docs, weights, lengths, data = self._sorted(rank)
        bounds = np.zeros(len(keys) + 1, np.int64)
        np.cumsum(np.bincount(ranks, minlength=len(keys)), out=bounds[1:])
        value_starts = np.concatenate(([0], np.cumsum(lengths)))
        # Terms without postings (words of the other field of the text, which shares its
        # numbers) are left out.
        kept = np.flatnonzero(np.diff(bounds))
        for first in range(0, len(kept), self.WRITE_TERMS):
            chosen = kept[first:first + self.WRITE_TERMS]
            low, high = int(bounds[chosen[0]]), int(bounds[chosen[-1] + 1])
            records, sizes = encode_records(
                np.append(bounds[chosen], high), docs[low:high], weights[low:high],
                lengths[low:high], data[value_starts[low]:value_starts[high]], fmt)
            writer.add_records([keys[term][0] for term in chosen.tolist()],
                               bounds[chosen + 1] - bounds[chosen], records, sizes)

    def _sorted(self, rank: np.ndarray) -> tuple[np.ndarray, ...]:
        """The postings of :meth:`_postings` in term order (``rank``: each term number's
        place in key order), then document order; term numbers given as ranks."""
        term_ids, docs, weights, lengths, data = self._postings()
        ranks = rank[term_ids]
        order = np.lexsort((docs, ranks))
        return (ranks[order], docs[order], weights[order], lengths[order],
                _gather(data, lengths, order))


class _Numbers(dict[Any, int]):
    """Term -> number; a term not seen before gets the next number (looked up with
    ``numbers[term]`` from C, as in ``map(numbers.__getitem__, terms)``)."""

    def __missing__(self, term: Any) -> int:
        number = self[term] = len(self)
        return number


class _WordNumbers(_Numbers):
    """:class:`_Numbers` of words, which also lists the words in number order."""

    def __init__(self) -> None:
        super().__init__()
        self.words: list[str] = []

    def __missing__(self, word: str) -> int:
        self.words.append(word)
        return super().__missing__(word)


class _TextPostings(_FieldPostings):
    """The postings of a text field analyzed by an :class:`~searchkit.analysis.ArabicAnalyzer`
    into :class:`~searchkit.codec.PositionsFormat` or
    :class:`~searchkit.codec.FrequencyFormat` values.

    Each text is kept as the numbers of its words; each distinct word's terms are looked up
    once (:meth:`~searchkit.analysis.ArabicAnalyzer.terms_of`). When the segment is
    written, numpy turns the words into postings: term, document, count and positions.
    Postings added one at a time (a merge) keep their counts and positions beside.
    """

    def __init__(self, positional: bool, boost: float, numbers: _WordNumbers) -> None:
        super().__init__()
        self.positional, self.boost = positional, boost
        self.counts = array("I")  # of the postings added one at a time
        self.positions = array("I")
        self.numbers = numbers  # shared with the other field of the same text
        self.word_term_counts = array("I")  # by word number: how many terms it makes
        self.word_terms = array("I")  # their term numbers, word after word
        self.tokens = array("I")  # word numbers of every text, text after text
        self.text_docs = array("I")
        self.text_lengths = array("I")  # words in each text

    def add_text(self, docnum: int, found: array[int], analyzer: Any) -> int:
        """Add a text given as the numbers of its words; the field's length (its number of
        terms)."""
        counts = self.word_term_counts
        new = list(map(analyzer.terms_of, self.numbers.words[len(counts):]))  # words this
        counts.extend(map(len, new))  # field has not seen
        self.word_terms.extend(map(self.terms.__getitem__, chain.from_iterable(new)))
        self.tokens.extend(found)
        self.text_docs.append(docnum)
        self.text_lengths.append(len(found))
        if len(found) < 64:  # (a title)
            return sum(map(counts.__getitem__, found))
        return int(np.frombuffer(counts, np.uint32)[np.frombuffer(found, np.uint32)].sum())

    def add(self, tbytes: bytes, docnum: int, weight: float, vbytes: bytes | None) -> None:
        self.term_ids.append(self.terms[tbytes.decode("utf-8")])
        self.docs.append(docnum)
        self.weights.append(weight)
        if self.positional:
            where = array("I", vbytes or b"")
            self.counts.append(len(where))
            self.positions.extend(where)
        else:
            self.counts.append(int.from_bytes(vbytes or bytes(4), "big"))

    def _token_postings(self, rank: np.ndarray | None = None
                        ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The postings of the texts in term, then document order: term numbers (with
        ``rank``, their ranks: see :meth:`_sorted`), documents, counts, and the positions of
        each posting end to end."""
        # uint32 throughout: these arrays are as long as the texts (words, then terms).
        tokens = np.frombuffer(self.tokens, np.uint32)
        text_lengths = np.frombuffer(self.text_lengths, np.uint32)
        text_starts = (np.cumsum(text_lengths) - text_lengths).astype(np.uint32)
        docs = np.repeat(np.frombuffer(self.text_docs, np.uint32), text_lengths)
        positions = np.arange(len(tokens), dtype=np.uint32) - np.repeat(text_starts,
                                                                         text_lengths)
        # Each word becomes its terms (none for a stop word).
        per_word = np.frombuffer(self.word_term_counts, np.uint32)
        word_starts = (np.cumsum(per_word) - per_word).astype(np.uint32)
        fan = per_word[tokens]
        total = int(fan.sum())
        offsets = np.arange(total, dtype=np.uint32) - np.repeat(
            (np.cumsum(fan) - fan).astype(np.uint32), fan)
        word_terms = np.frombuffer(self.word_terms, np.uint32)
        if rank is not None:
            word_terms = rank[word_terms].astype(np.uint32)
        terms = word_terms[np.repeat(word_starts[tokens], fan) + offsets]
        del offsets  # (as long as all the terms: let it go before the sort)
        docs, positions = np.repeat(docs, fan), np.repeat(positions, fan)
        # Texts come in document order (a writer numbers documents as they are added), so a
        # stable sort by term alone leaves each term's postings in document, then position order.
        order = _stable_order(terms)
        terms, docs, positions = terms[order], docs[order], positions[order]
        first = np.ones(total, bool)
        first[1:] = (terms[1:] != terms[:-1]) | (docs[1:] != docs[:-1])
        starts = np.flatnonzero(first)
        counts = np.diff(np.append(starts, total))
        return terms[starts], docs[starts], counts, positions

    def _postings(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        terms, docs, counts, positions = self._token_postings()
        return self._values(
            np.concatenate((terms, np.frombuffer(self.term_ids, np.uint32))),
            np.concatenate((docs, np.frombuffer(self.docs, np.uint32))),
            np.concatenate((counts * self.boost, np.frombuffer(self.weights, np.float32))),
            np.concatenate((counts, np.frombuffer(self.counts, np.uint32))),
            np.concatenate((positions, np.frombuffer(self.positions, np.uint32))))

    def _sorted(self, rank: np.ndarray) -> tuple[np.ndarray, ...]:
        if len(self.term_ids):  # postings added one at a time (a merge): sort them all
            return super()._sorted(rank)
        ranks, docs, counts, positions = self._token_postings(rank)  # in order already
        return self._values(ranks, docs, counts * self.boost, counts, positions)

    def _values(self, terms: np.ndarray, docs: np.ndarray, weights: np.ndarray,
                counts: np.ndarray, positions: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Postings with their values as the field's format writes them: positions
        (little-endian uint32) or, for a frequency field, each posting's count."""
        if not self.positional:  # Whoosh's frequency values: each posting's count
            return (terms, docs, weights, np.full(len(counts), 4, np.int64),
                    counts.astype(">u4").view(np.uint8))
        return (terms, docs, weights, counts.astype(np.int64) * 4,
                positions.astype("<u4", copy=False).view(np.uint8))

    def _key(self, term: Any) -> bytes:
        return term.encode("utf-8")


class TermPool:
    """The postings a writer collects for its segment, by field (see :class:`_FieldPostings`).

    Takes postings one at a time as Whoosh's pool does (``add`` of a ``(field, term bytes,
    document, weight, value)`` tuple), in any document order, and whole field values
    (:meth:`add_field`).
    """

    def __init__(self, schema: Schema) -> None:
        self.schema = schema
        self._fields: dict[str, _FieldPostings] = {}
        # The last text indexed, the field it went to, and the numbers of its words.
        self._last: tuple[Any, _TextPostings | None, array[int]] = (None, None, array("I"))

    @property
    def fieldnames(self) -> set[str]:
        return set(self._fields)

    def _field(self, fieldname: str, value: Any = None) -> _FieldPostings:
        field = self._fields.get(fieldname)
        if field is None:
            fmt = self.schema[fieldname].format
            if isinstance(fmt, (PositionsFormat, FrequencyFormat)):
                # A field first given the text the last field got (an exact and a stemmed
                # field of the same text) numbers words as that field does.
                last_value, last_field, _ = self._last
                numbers = last_field.numbers if last_field and last_value is value \
                    else _WordNumbers()
                field = _TextPostings(isinstance(fmt, PositionsFormat), fmt.field_boost,
                                      numbers)
            else:
                field = _FieldPostings()
            self._fields[fieldname] = field
        return field

    def add(self, item: tuple[str, bytes, int, float, bytes | None]) -> None:
        fieldname, tbytes, docnum, weight, vbytes = item
        self._field(fieldname).add(tbytes, docnum, weight, vbytes)

    def add_field(self, fieldname: str, docnum: int, value: Any) -> int:
        """Index ``value`` of ``fieldname`` for document ``docnum``; the field's length."""
        fieldobj = self.schema[fieldname]
        field = self._field(fieldname, value)
        analyzer = fieldobj.analyzer
        if isinstance(field, _TextPostings) and hasattr(analyzer, "terms_of"):
            last_value, last_field, found = self._last
            if value is not last_value or last_field is None \
                    or field.numbers is not last_field.numbers:
                numbers = field.numbers
                found = array("I", map(numbers.__getitem__, analyzer.words(value)))
                self._last = (value, field, found)
            return field.add_text(docnum, found, analyzer)
        length = 0
        for tbytes, freq, weight, vbytes in fieldobj.index(value):
            field.add(tbytes, docnum, weight, vbytes)
            length += freq
        return length

    def write(self, writer: CompactFieldWriter) -> None:
        """Write every field's terms (fields in name order) through ``writer``."""
        for fieldname in sorted(self._fields):
            fieldobj = self.schema[fieldname]
            writer.start_field(fieldname, fieldobj)
            self._fields[fieldname].write(writer, fieldobj.format)
            writer.finish_field()
        self._fields.clear()

    def cleanup(self) -> None:
        self._fields.clear()


class SegmentWriter(WhooshSegmentWriter):
    """Whoosh's segment writer with a :class:`TermPool` (use with
    :class:`~searchkit.codec.SearchkitCodec`).

    Documents are added as Whoosh adds them, less what searchkit's schema never uses:
    per-document and per-field boosts, ``_stored_`` values, term vectors and separate
    spelling fields.
    """

    def __init__(self, ix: Any, **kwargs: Any) -> None:
        super().__init__(ix, **kwargs)
        self.pool = TermPool(self.schema)

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        self.pool.write(self.fieldwriter)
        self.fieldwriter.close()

    def add_document(self, **fields: Any) -> None:
        self._check_state()
        schema, docnum, perdocwriter = self.schema, self.docnum, self.perdocwriter
        fieldnames = sorted(name for name, value in fields.items() if value is not None)
        self._check_fields(schema, fieldnames)
        perdocwriter.start_doc(docnum)
        try:
            for fieldname in fieldnames:
                value, field = fields[fieldname], schema[fieldname]
                length = self.pool.add_field(fieldname, docnum, value) if field.indexed else 0
                perdocwriter.add_field(fieldname, field, value if field.stored else None,
                                       length if field.scorable else 0)
                if field.column_type:
                    perdocwriter.add_column_value(fieldname, field.column_type,
                                                  field.to_column_value(value))
        except ValueError:
            perdocwriter.cancel_doc()
            raise
        perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1


class WriterProcessError(RuntimeError):
    """A writer process failed or died."""


# What the parent sends a writer process to have its segments back.
_FLUSH = "flush"
# The most documents a writer process puts in one segment.
SEGMENT_DOCUMENTS = 10_000

# A job for a writer process -> (documents as Whoosh fields, the reply to the parent).
Handler = Callable[[Any], tuple[Iterable[dict[str, Any]], Any]]


class Workers:
    """Writer processes that outlive a commit: each runs ``handler`` on the jobs sent to it,
    indexes the documents it returns into a segment of its own, and hands the segment back
    when asked (:meth:`segments`).

    ``handler(job)`` gives ``(documents, reply)``: the documents as Whoosh fields, and what
    goes back to the parent (:meth:`reply`, in the order the jobs were sent). It must be a
    module-level function: the processes are spawned and import it. Kept across the
    commits of a long run, the processes are spawned once and keep their analysis memo
    warm. Jobs go to the processes in turn.
    """

    def __init__(self, storage: Storage, indexname: str, procs: int,
                 options: dict[str, Any], handler: Handler,
                 segment_documents: int = SEGMENT_DOCUMENTS) -> None:
        context = multiprocessing.get_context("spawn")
        self._jobs = [context.Queue(4) for _ in range(procs)]
        self._results = [context.Queue() for _ in range(procs)]
        self._processes = [context.Process(target=_work, daemon=True, args=(
            storage, indexname, jobs, results, options, handler, segment_documents))
            for jobs, results in zip(self._jobs, self._results, strict=True)]
        for process in self._processes:
            process.start()
        self._turn = 0
        self._owing: deque[int] = deque()  # processes owing a reply, in the order sent

    @property
    def procs(self) -> int:
        return len(self._processes)

    @property
    def in_flight(self) -> int:
        """Jobs sent whose replies have not been taken yet."""
        return len(self._owing)

    def send(self, job: Any) -> None:
        """Queue ``job`` for the next process in turn."""
        self._jobs[self._turn].put(job)
        self._owing.append(self._turn)
        self._turn = (self._turn + 1) % len(self._jobs)

    def reply(self) -> Any:
        """The reply to the oldest job whose reply has not been taken (waits for it)."""
        return self._result(self._owing.popleft())

    def segments(self) -> list[Any]:
        """The segments of the documents the processes indexed since the last call (a
        process writes one per ``segment_documents`` documents, none if it got none);
        the processes go on with new segments. Take every reply first."""
        if self._owing:
            raise RuntimeError(f"{len(self._owing)} replies not taken before the segments")
        for jobs in self._jobs:
            jobs.put(_FLUSH)
        return [segment for i in range(len(self._processes)) for segment in self._result(i)]

    def _result(self, i: int) -> Any:
        while True:
            try:
                result = self._results[i].get(timeout=1)
            except queue_module.Empty:
                if not self._processes[i].is_alive():
                    raise WriterProcessError("a writer process died") from None
                continue
            if isinstance(result, WriterProcessError):
                raise result
            return result

    def close(self) -> None:
        """Stop the processes (any documents not handed back are dropped)."""
        for jobs, process in zip(self._jobs, self._processes, strict=True):
            if process.is_alive():
                try:
                    jobs.put(None, timeout=1)
                except queue_module.Full:
                    process.terminate()
        for process in self._processes:
            process.join(5)
            if process.is_alive():
                process.terminate()
                process.join()


def _work(storage: Storage, indexname: str, jobs: Any, results: Any,
          options: dict[str, Any], handler: Handler, segment_documents: int) -> None:
    """A :class:`Workers` process: index the documents of each job, reply, hand the
    segments back on :data:`_FLUSH`, stop on None. A segment is written (not yet committed)
    every ``segment_documents`` documents, which bounds the process's memory however many
    documents a batch holds."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
    writer: SegmentWriter | None = None
    written: list[Any] = []
    try:
        while (job := jobs.get()) is not None:
            if isinstance(job, str) and job == _FLUSH:
                results.put([*written, writer._finalize_segment()] if writer else written)
                writer, written = None, []
                continue
            documents, reply = handler(job)
            for fields in documents:
                if writer is None:
                    writer = SegmentWriter(storage.open_index(indexname), _lk=False, **options)
                writer.add_document(**fields)
                if writer.docnum >= segment_documents:
                    written.append(writer._finalize_segment())
                    writer = None
            results.put(reply)
    except Exception as exc:  # reported to the parent, which raises it
        results.put(WriterProcessError(f"writer process failed: {type(exc).__name__}: {exc}"))
        return
    # Done: the segments are written and handed back. Leave once the replies are sent,
    # without freeing every object one by one (the word memos: most of a second).
    results.close()
    results.join_thread()
    os._exit(0)


class MultiWriter(SegmentWriter):
    """A writer that also commits the segments of :class:`Workers` processes; deletions,
    merges and any documents added here happen in this process, as in Whoosh's writer.

    :meth:`cancel` drops this writer's deletions and documents; what the processes
    already have goes with them when they are closed (a run that cancels stops them).
    """

    def __init__(self, ix: Any, workers: Workers, **kwargs: Any) -> None:
        super().__init__(ix, **kwargs)
        self.workers = workers

    def commit(self, mergetype: Any = None, optimize: bool | None = None,
               merge: bool | None = None) -> None:
        self._check_state()
        try:
            added = self.workers.segments()
            segments = self._merge_segments(mergetype, optimize, merge)
            if self._added:
                segments.append(self._finalize_segment())
            else:
                self._close_segment()
            self._commit_toc(segments + added)
        except Exception:
            self._cleanup_on_error()
            raise
        self._finish()
