"""Keeping an index in step with a folder: read only new and changed files, drop removed ones.

The sync state is a manifest, ``searchkit-sync.json`` in the index folder: for each indexed
folder, each file's size, modification time and content hash. It is written only after a
successful commit, so it never claims more than the index holds. A file unchanged in size and
mtime is not read; one with a new mtime but the same hash is not parsed again. Without a
manifest (deleted, or an index filled by an older searchkit) the state is rebuilt from the
index's stored ``path`` and ``file_hash`` fields, so every file is hashed once but only the
changed ones are parsed.

Documents are written in batches, each its own commit: Ctrl-C or a crash leaves the index at
the last commit, and the next run picks up the files that were not committed yet.

With enough to index, files are read, parsed, analyzed and written in ``procs`` writer
processes (:class:`~searchkit.writer.Workers`; spawned, not forked: the caller may run
threads, such as a progress bar), kept for the whole run, each writing a segment per batch.
The documents of a file are indexed where it was read and only what the file came to (its
hash, how many documents, why it was skipped) comes back -- except for a file of many
documents, whose documents are shared out among the processes. Deletions and commits happen
in this process; with little to index, everything does.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

from whoosh.index import Index

from . import index as idx
from .documents import Document
from .ingest import (
    DEFAULT_KEYS,
    FileEntry,
    IngestReport,
    Limits,
    Skipped,
    Unreadable,
    read_bytes,
    walk,
)
from .ingest.jsondocs import KeyMap
from .lock import DEFAULT_WAIT, WriteLock
from .writer import SEGMENT_DOCUMENTS, Workers

MANIFEST_FILE = "searchkit-sync.json"
MANIFEST_VERSION = 1
MAX_FILE_BYTES = 50 * 2**20
# Documents per commit. Each commit waits for the writer processes to finish their segments
# (ANT, one file per article: 8 segments and 21-23 s in batches of 10,000; 4 and 20 s so).
BATCH_DOCUMENTS = 50_000
# Below this many files to read, a worker pool costs more than it saves.
POOL_MIN_FILES = 64
# Below this much text to index, spawning writer processes costs more than it saves.
WRITER_POOL_MIN_BYTES = 4 * 2**20
# Files in flight per writer process, and sent to one at a time.
READ_AHEAD = 64
READ_CHUNK = 16
# A file with more documents than this has them shared out among the writer processes,
# this many at a time.
SHARED_DOCUMENTS = 200
SHARE_BATCH = 100


@dataclass(frozen=True)
class FileState:
    """What the index holds of one file: its size, mtime and content hash when read."""

    size: int
    mtime_ns: int
    hash: str


@dataclass(frozen=True)
class Options:
    """How to read files: JSON key names, archive limits, the largest file read."""

    keys: KeyMap = field(default_factory=lambda: DEFAULT_KEYS)
    limits: Limits = field(default_factory=Limits)
    max_file_bytes: int = MAX_FILE_BYTES


@dataclass(frozen=True)
class Progress:
    """A snapshot for progress bars: files and bytes done of those to read, documents written."""

    files_done: int
    files_total: int
    bytes_done: int
    bytes_total: int
    documents: int


ProgressCallback = Callable[[Progress], None]


@dataclass
class _Outcome:
    """A file after reading: documents, the same content as before, or a reason to skip it."""

    entry: FileEntry
    hash: str = ""
    documents: list[Document] = field(default_factory=list)  # to be indexed
    written: int = 0  # documents already indexed by a writer process
    problems: list[str] = field(default_factory=list)
    same: bool = False
    error: str | None = None

    @property
    def count(self) -> int:
        """The file's documents: indexed already or to be."""
        return len(self.documents) + self.written


# -- the manifest ---------------------------------------------------------------------------


def _manifest_path(index_dir: Path) -> Path:
    return index_dir / MANIFEST_FILE


def load_state(ix: Index, index_dir: Path, root: Path) -> dict[str, FileState]:
    """The files of ``root`` the index holds: from the manifest, else from stored fields."""
    try:
        data = json.loads(_manifest_path(index_dir).read_text(encoding="utf-8"))
        if data.get("version") == MANIFEST_VERSION:
            files = data["roots"].get(str(root), {})
            return {rel: FileState(*state) for rel, state in files.items()}
    except (OSError, ValueError, KeyError, TypeError):
        pass
    state: dict[str, FileState] = {}
    with ix.searcher() as searcher:
        for stored in searcher.all_stored_fields():
            if stored.get("path") and stored.get("file_hash"):
                state[stored["path"]] = FileState(-1, -1, stored["file_hash"])
    return state


def save_state(index_dir: Path, root: Path, files: Mapping[str, FileState]) -> None:
    """Record ``files`` as the indexed state of ``root`` (atomically: write, then rename)."""
    path = _manifest_path(index_dir)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("version") != MANIFEST_VERSION:
            raise ValueError
    except (OSError, ValueError):
        data = {"version": MANIFEST_VERSION, "roots": {}}
    data["roots"][str(root)] = {rel: [s.size, s.mtime_ns, s.hash] for rel, s in files.items()}
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)


def reset_index(index_dir: Path) -> Index:
    """Create an empty index at ``index_dir`` whatever was there, and forget the sync state."""
    _manifest_path(index_dir).unlink(missing_ok=True)
    return idx.create_index(index_dir)


# -- reading files (in worker processes) -----------------------------------------------------


def _read(task: tuple[FileEntry, str | None, Options]) -> _Outcome:
    """Read and parse one file, unless its content hash is ``known_hash`` (the same as before)."""
    entry, known_hash, options = task
    outcome = _Outcome(entry)
    try:
        size = entry.path.stat().st_size
        if size > options.max_file_bytes:
            outcome.error = f"larger than {options.max_file_bytes // 2**20} MB ({size // 2**20} MB)"
            return outcome
        data = entry.path.read_bytes()
    except FileNotFoundError:
        outcome.error = "vanished while indexing"
        return outcome
    except OSError as exc:
        outcome.error = exc.strerror.lower() if exc.strerror else str(exc)
        return outcome
    outcome.hash = hashlib.sha1(data).hexdigest()
    outcome.same = outcome.hash == known_hash
    if outcome.same:
        return outcome
    try:
        parsed = read_bytes(entry.rel, data, options.keys, options.limits, outcome.hash)
    except Unreadable as exc:
        outcome.error = str(exc)
        return outcome
    except Exception as exc:  # a reader's bug must cost one file, not the whole run
        outcome.error = f"could not be read ({type(exc).__name__}: {exc})"[:300]
        return outcome
    outcome.documents, outcome.problems = parsed.documents, parsed.problems
    return outcome


def _writer_job(job: tuple[str, list[Any]]) -> tuple[list[dict[str, Any]], Any]:
    """A writer process's job (:class:`~searchkit.writer.Workers`): ``("read", tasks)``
    reads a chunk of files, ``("index", documents)`` indexes documents read elsewhere.

    The documents of the files read are indexed there and only the outcomes go back (the
    documents counted, not sent), but for a file with more than :data:`SHARED_DOCUMENTS`
    (a big JSON Lines dump, say): its documents go back to be shared out among the
    processes, so one big file still keeps them all busy.
    """
    kind, items = job
    if kind == "index":
        return list(map(idx.document_fields, items)), None
    outcomes = [_read(task) for task in items]
    fields = []
    for outcome in outcomes:
        if len(outcome.documents) <= SHARED_DOCUMENTS:
            fields += map(idx.document_fields, outcome.documents)
            outcome.written, outcome.documents = len(outcome.documents), []
    return fields, outcomes


class _Reading:
    """The files to read, read in order: by the writer processes when there are some (a
    chunk of files a job, a bounded number in flight), else here. Iterating gives the
    outcomes a chunk at a time; :meth:`drain` gives those of the chunks in flight."""

    def __init__(self, tasks: list[tuple[FileEntry, str | None, Options]],
                 workers: Workers | None) -> None:
        self.tasks, self.workers = tasks, workers

    def __iter__(self) -> Iterator[list[_Outcome]]:
        workers = self.workers
        if workers is None:
            for task in self.tasks:
                yield [_read(task)]
            return
        remaining = iter(self.tasks)
        while chunk := list(islice(remaining, READ_CHUNK)):
            workers.send(("read", chunk))
            while workers.in_flight * READ_CHUNK >= READ_AHEAD * workers.procs:
                if (outcomes := workers.reply()) is not None:  # (None: documents indexed)
                    yield outcomes
        yield from self.drain()

    def drain(self) -> Iterator[list[_Outcome]]:
        while self.workers is not None and self.workers.in_flight:
            if (outcomes := self.workers.reply()) is not None:
                yield outcomes


# -- the sync itself -------------------------------------------------------------------------


class _Batches:
    """The index writer, committed every ``size`` documents along with the manifest.

    Without writer processes a batch is one segment held in this process's memory, so it
    is committed at most every :data:`~searchkit.writer.SEGMENT_DOCUMENTS` documents (the
    most a writer process holds).
    """

    def __init__(self, ix: Index, index_dir: Path, root: Path,
                 state: dict[str, FileState], size: int, workers: Workers | None) -> None:
        self.ix, self.index_dir, self.root = ix, index_dir, root
        self.size = size if workers is not None else min(size, SEGMENT_DOCUMENTS)
        self.state = state
        self.pending: dict[str, FileState | None] = {}
        self.count = 0
        self.dirty = False
        self.workers = workers  # (closed by the caller if this fails)
        self.writer = idx.writer(ix, workers=self.workers)

    def delete(self, rel: str) -> None:
        self.writer.delete_by_term("path", rel)
        self.dirty = True

    def add(self, outcome: _Outcome) -> None:
        """Index the documents of a file (here, or shared out among the writer processes
        when there are some); count those a writer process indexed as it read the file."""
        if self.workers is None:
            for doc in outcome.documents:
                self.writer.add_document(**idx.document_fields(doc))
        else:
            for start in range(0, len(outcome.documents), SHARE_BATCH):
                self.workers.send(("index", outcome.documents[start:start + SHARE_BATCH]))
        self.count += outcome.count
        self.dirty = True

    def record(self, rel: str, state: FileState | None) -> None:
        """Note ``rel``'s new state (None: removed), to be saved with the next commit."""
        self.pending[rel] = state

    @property
    def due(self) -> bool:
        """Whether the batch is full (commit, then go on with :meth:`next`)."""
        return self.count >= self.size

    def next(self) -> None:
        """Commit the batch and start the next one."""
        self.commit()
        self.writer = idx.writer(self.ix, workers=self.workers)

    def commit(self) -> None:
        if self.dirty:
            self.writer.commit()
        else:  # nothing written: committing would still merge segments, for nothing
            self.writer.cancel()
        self.count, self.dirty = 0, False
        for rel, state in self.pending.items():
            if state is None:
                self.state.pop(rel, None)
            else:
                self.state[rel] = state
        self.pending.clear()
        save_state(self.index_dir, self.root, self.state)

    def cancel(self) -> None:
        self.close()
        self.writer.cancel()

    def close(self) -> None:
        """Stop the writer processes, if any."""
        if self.workers is not None:
            self.workers.close()


def sync_folder(ix: Index, index_dir: Path, folder: Path, *, procs: int | None = None,
                options: Options | None = None, batch_documents: int = BATCH_DOCUMENTS,
                progress: ProgressCallback | None = None, wait: float = DEFAULT_WAIT
                ) -> IngestReport:
    """Bring the index ``ix`` (in ``index_dir``) in step with the files under ``folder``.

    The write lock is held from reading the sync state to the last commit (waiting up to
    ``wait`` seconds for another writer), so no other writer slips in between batches.
    """
    with WriteLock(index_dir, wait):
        return _sync(ix, index_dir, folder, procs=procs, options=options,
                     batch_documents=batch_documents, progress=progress)


def _sync(ix: Index, index_dir: Path, folder: Path, *, procs: int | None,
          options: Options | None, batch_documents: int, progress: ProgressCallback | None
          ) -> IngestReport:
    started = time.monotonic()
    options = options or Options()
    procs = procs or os.cpu_count() or 1
    root = folder.resolve()
    report = IngestReport()
    state = load_state(ix, index_dir, root)
    fresh = ix.is_empty()
    tasks: list[tuple[FileEntry, str | None, Options]] = []
    seen: set[str] = set()
    bytes_total = 0
    # Analysis is the expensive part: with enough to write, it runs in ``procs`` processes,
    # started as soon as the walk finds enough (they start up while it goes on).
    workers: Workers | None = None
    try:
        for item in walk(root, exclude=index_dir):
            if isinstance(item, Skipped):
                report.skipped.append(item)
                continue
            report.files += 1
            seen.add(item.rel)
            known = state.get(item.rel)
            if known and (known.size, known.mtime_ns) == (item.size, item.mtime_ns):
                report.unchanged += 1
                continue
            tasks.append((item, known.hash if known else None, options))
            bytes_total += item.size
            if workers is None and procs > 1 and (
                    len(tasks) >= POOL_MIN_FILES or bytes_total >= WRITER_POOL_MIN_BYTES):
                workers = idx.start_workers(ix, procs, _writer_job)
        batches = _Batches(ix, index_dir, root, state, batch_documents, workers)
    except BaseException:  # (such as another writer holding Whoosh's lock): no processes
        if workers is not None:  # left over
            workers.close()
        raise
    removed = [rel for rel in state if rel not in seen]
    try:
        for rel in removed:
            batches.delete(rel)
            batches.record(rel, None)
            report.removed += 1
        reading = _Reading(tasks, batches.workers)
        done = 0

        def take(chunk: list[_Outcome]) -> None:
            nonlocal done
            for outcome in chunk:
                _take(outcome, batches, report, state, fresh)
                done += 1
                if progress:
                    progress(Progress(done, len(tasks), report.bytes_read, bytes_total,
                                      report.documents))

        for chunk in reading:
            take(chunk)
            if batches.due:  # the documents of the chunks in flight are in this batch too
                for late in reading.drain():
                    take(late)
                batches.next()
    except BaseException:
        batches.cancel()
        raise
    try:
        batches.commit()
    finally:
        batches.close()
    report.seconds = time.monotonic() - started
    return report


def _take(outcome: _Outcome, batches: _Batches, report: IngestReport,
          state: Mapping[str, FileState], fresh: bool) -> None:
    """Count a file read in ``report`` and put what it came to in the batch."""
    entry = outcome.entry
    report.bytes_read += entry.size
    if outcome.error:
        report.skipped.append(Skipped(entry.rel, outcome.error))
        return
    if outcome.same:
        report.unchanged += 1
    else:
        indexed_before = entry.rel in state
        if indexed_before or not fresh:
            batches.delete(entry.rel)
        batches.add(outcome)
        report.documents += outcome.count
        report.updated += indexed_before
        report.added += not indexed_before
        if outcome.problems:
            report.skipped.append(Skipped(entry.rel, _problems(outcome.problems)))
    batches.record(entry.rel, FileState(entry.size, entry.mtime_ns, outcome.hash))


def _problems(problems: list[str], shown: int = 3) -> str:
    """One line for the records of a file that were left out."""
    more = f" (and {len(problems) - shown} more)" if len(problems) > shown else ""
    records = "record" if len(problems) == 1 else "records"
    return f"{len(problems)} {records} left out: " + "; ".join(problems[:shown]) + more
