"""Whoosh writers that keep a segment's postings in flat arrays and write them as records.

Whoosh's writer sends every posting through a sorting pool of Python tuples, then through
the codec one call per posting (with a field-length lookup each). :class:`TermPool` keeps
each field's postings as parallel arrays (term number, document, weight, value bytes) and,
when the segment is written, groups them by term with numpy and hands each term's postings
to the field writer as one :func:`~searchkit.codec.encode_values` record.

:class:`SegmentWriter` is Whoosh's segment writer with this pool; :class:`MultiWriter` is
Whoosh's multiprocessing writer (one segment per process) whose processes use it.
"""

from __future__ import annotations

import pickle
from array import array
from typing import Any

import numpy as np
from whoosh.fields import Schema
from whoosh.filedb.filestore import Storage
from whoosh.multiproc import MpWriter
from whoosh.writing import SegmentWriter as WhooshSegmentWriter

from .codec import CompactFieldWriter, encode_values


class _FieldPostings:
    """One field's postings in the order they came, as parallel arrays."""

    def __init__(self) -> None:
        self.terms: dict[bytes, int] = {}
        self.term_ids = array("I")
        self.docs = array("I")
        self.weights = array("f")
        self.lengths = array("I")
        self.data = bytearray()

    def add(self, tbytes: bytes, docnum: int, weight: float, vbytes: bytes | None) -> None:
        term_id = self.terms.get(tbytes)
        if term_id is None:
            term_id = self.terms[tbytes] = len(self.terms)
        self.term_ids.append(term_id)
        self.docs.append(docnum)
        self.weights.append(weight)
        if vbytes:
            self.lengths.append(len(vbytes))
            self.data += vbytes
        else:
            self.lengths.append(0)

    def write(self, writer: CompactFieldWriter, fmt: Any) -> None:
        """Write each term's record through ``writer``, terms in byte order."""
        term_ids = np.frombuffer(self.term_ids, np.uint32)
        docs = np.frombuffer(self.docs, np.uint32)
        order = np.lexsort((docs, term_ids))  # by term, then document
        lengths = np.frombuffer(self.lengths, np.uint32).astype(np.int64)
        sorted_lengths = lengths[order]
        value_ends = np.cumsum(sorted_lengths)
        if value_ends[-1] if len(value_ends) else 0:
            starts = np.cumsum(lengths) - lengths
            gather = (np.repeat(starts[order] - (value_ends - sorted_lengths), sorted_lengths)
                      + np.arange(value_ends[-1]))
            data = np.frombuffer(self.data, np.uint8)[gather].tobytes()
        else:
            data = b""
        bounds = np.zeros(len(self.terms) + 1, np.int64)
        np.cumsum(np.bincount(term_ids, minlength=len(self.terms)), out=bounds[1:])
        value_starts = np.concatenate(([0], value_ends)).tolist()
        docs_list = docs[order].tolist()
        weights_list = np.frombuffer(self.weights, np.float32)[order].tolist()
        lengths_list = sorted_lengths.tolist()
        bounds_list = bounds.tolist()
        for tbytes, term_id in sorted(self.terms.items()):
            low, high = bounds_list[term_id], bounds_list[term_id + 1]
            record = encode_values(docs_list[low:high], weights_list[low:high],
                                   lengths_list[low:high],
                                   data[value_starts[low]:value_starts[high]], fmt)
            writer.add_record(tbytes, high - low, record)


class TermPool:
    """The postings a writer collects for its segment, by field (see :class:`_FieldPostings`).

    Takes postings one at a time as Whoosh's pool does (``add`` of a ``(field, term bytes,
    document, weight, value)`` tuple), in any document order.
    """

    def __init__(self) -> None:
        self._fields: dict[str, _FieldPostings] = {}

    @property
    def fieldnames(self) -> set[str]:
        return set(self._fields)

    def add(self, item: tuple[str, bytes, int, float, bytes | None]) -> None:
        fieldname, tbytes, docnum, weight, vbytes = item
        field = self._fields.get(fieldname)
        if field is None:
            field = self._fields[fieldname] = _FieldPostings()
        field.add(tbytes, docnum, weight, vbytes)

    def write(self, schema: Schema, writer: CompactFieldWriter) -> None:
        """Write every field's terms (fields in name order) through ``writer``."""
        for fieldname in sorted(self._fields):
            fieldobj = schema[fieldname]
            writer.start_field(fieldname, fieldobj)
            self._fields[fieldname].write(writer, fieldobj.format)
            writer.finish_field()
        self._fields.clear()

    def cleanup(self) -> None:
        self._fields.clear()


class _ArrayPostingsMixin:
    """Gives a Whoosh writer a :class:`TermPool` and writes its segment from it."""

    pool: Any
    perdocwriter: Any
    fieldwriter: Any
    schema: Schema

    def __init__(self, ix: Any, **kwargs: Any) -> None:
        super().__init__(ix, **kwargs)  # type: ignore[call-arg]
        self.pool = TermPool()

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        self.pool.write(self.schema, self.fieldwriter)
        self.fieldwriter.close()


class SegmentWriter(_ArrayPostingsMixin, WhooshSegmentWriter):
    """Whoosh's segment writer with a :class:`TermPool` (use with
    :class:`~searchkit.codec.SearchkitCodec`)."""


class MultiWriter(_ArrayPostingsMixin, MpWriter):
    """Whoosh's multiprocessing writer (``multisegment``: each process writes a segment of
    its own), its processes spawned, each with a :class:`SegmentWriter`."""

    def __init__(self, ix: Any, procs: int, **kwargs: Any) -> None:
        super().__init__(ix, procs=procs, multisegment=True, start_method="spawn", **kwargs)

    def _new_task(self) -> Any:
        task = self._mpctx.Process(target=_run_subwriter, args=(
            self.storage, self.indexname, self.jobqueue, self.resultqueue, self.subargs))
        self.tasks.append(task)
        task.start()
        return task


def _run_subwriter(storage: Storage, indexname: str, jobqueue: Any, resultqueue: Any,
                   kwargs: dict[str, Any]) -> None:
    """A :class:`MultiWriter` process: index the documents of each job file the parent
    queues (pickled ``(0, fields)`` pairs, as Whoosh writes them) until it queues None, then
    hand back the finished segment."""
    writer = SegmentWriter(storage.open_index(indexname), _lk=False, **kwargs)
    tempstorage = writer.temp_storage()
    while (job := jobqueue.get()) is not None:
        filename, count = job
        with tempstorage.open_file(filename).raw_file() as f:
            for _ in range(count):
                _, fields = pickle.load(f)
                writer.add_document(**fields)
        tempstorage.delete_file(filename)
    resultqueue.put((None, writer.pool.fieldnames, writer._finalize_segment()), timeout=5)
