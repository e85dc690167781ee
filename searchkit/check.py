"""Checking an index: does it open, do its segments read, is it in step with its folder?

:func:`check_index` opens the index and every segment, counts documents, decodes stored
fields (every document's id and path; the body of a sample, or of all with ``full=True``),
reads the first term of each field, and compares the documents' paths with the sync manifest.
Given the folder, it also compares the manifest with the files there. The report says how
things stand and what to do:

* ``ok`` -- nothing to do;
* ``out of step`` -- ``searchkit index FOLDER`` brings it up to date (or ``--rebuild`` where
  the manifest claims files the index lacks);
* ``broken`` -- the index cannot be read or was built by an incompatible searchkit:
  ``searchkit index --rebuild FOLDER``.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from . import index as idx
from .errors import IndexVersionError, SearchkitError
from .lock import Holder, is_locked

Status = Literal["ok", "out of step", "broken"]
# Bodies decompressed per segment unless ``full``: enough to catch a damaged stored file.
SAMPLE = 200


@dataclass
class FolderDiff:
    """A folder against the manifest: files not indexed yet, gone, changed since."""

    folder: str
    new: int = 0
    removed: int = 0
    changed: int = 0

    def __bool__(self) -> bool:
        return bool(self.new or self.removed or self.changed)


@dataclass
class CheckReport:
    """What :func:`check_index` found. ``status`` is ``ok``, ``out of step`` or ``broken``."""

    index: str
    status: Status = "ok"
    documents: int = 0
    segments: int = 0
    deleted: int = 0
    problems: list[str] = field(default_factory=list)
    advice: str = ""
    writer: str | None = None
    folder: FolderDiff | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return asdict(self)

    def lines(self) -> list[str]:
        """The report for people: a summary, each problem, what to do."""
        head = (f"{self.index}: {self.status}: {self.documents} documents in "
                f"{self.segments} segments")
        out = [head + (f" ({self.deleted} deleted, not yet merged away)" if self.deleted else "")]
        if self.writer:
            out.append(f"being written now by {self.writer}: counts may change")
        out += [f"  {problem}" for problem in self.problems]
        if self.advice:
            out.append(self.advice)
        return out

    def _problem(self, status: Status, text: str) -> None:
        self.problems.append(text)
        if self.status != "broken":
            self.status = status


def check_index(path: Path, folder: Path | None = None, *, full: bool = False) -> CheckReport:
    """Check the index at ``path`` (and, given ``folder``, its step with the files there).

    Raises :class:`IndexNotFoundError` if there is no index at ``path`` and
    :class:`SearchkitError` if ``folder`` is not a folder.
    """
    if folder is not None and not folder.is_dir():
        raise SearchkitError(f"{folder}: no such folder")
    report = CheckReport(str(path))
    if is_locked(path):
        report.writer = str(Holder.read(path) or "another process")
    try:
        ix = idx.open_index(path, create=False)
    except IndexVersionError as exc:
        report._problem("broken", str(exc))
        report.advice = f"rebuild it: searchkit index --rebuild FOLDER --index {path}"
        return report
    try:
        paths = _check_segments(ix, report, full)
    finally:
        ix.close()
    if report.status == "broken":
        report.advice = f"rebuild it: searchkit index --rebuild FOLDER --index {path}"
        return report
    roots = _manifest(path)
    recorded = {rel for files in roots.values() for rel in files}
    lacking = len(recorded - paths)
    if lacking:
        report._problem("out of step", f"{lacking} files in the sync manifest have no "
                        "documents in the index")
    unrecorded = len(paths - recorded)
    if unrecorded and roots:
        report._problem("out of step", f"{unrecorded} indexed files are not in the sync "
                        "manifest (an interrupted run)")
    if folder is not None:
        report.folder = _compare_folder(path, folder, roots)
        if report.folder:
            diff = report.folder
            report._problem("out of step", f"{folder}: {diff.new} files not indexed (new, or "
                            f"skipped as unreadable), {diff.removed} gone, {diff.changed} "
                            "changed since indexed")
    if lacking:
        report.advice = f"rebuild it: searchkit index --rebuild FOLDER --index {path}"
    elif report.status == "out of step":
        report.advice = f"bring it up to date: searchkit index {folder or 'FOLDER'} --index {path}"
    return report


def _check_segments(ix: Any, report: CheckReport, full: bool) -> set[str]:
    """Open each segment, decode its stored fields; the indexed files' paths."""
    from whoosh.reading import SegmentReader

    paths: set[str] = set()
    segments = ix._segments()
    report.segments = len(segments)
    for segment in segments:
        name = segment.segment_id()
        try:
            reader = SegmentReader(ix.storage, ix.schema, segment)
        except Exception as exc:  # a missing or damaged segment file
            report._problem("broken", f"segment {name}: cannot open ({exc})")
            continue
        try:
            report.documents += reader.doc_count()
            report.deleted += reader.doc_count_all() - reader.doc_count()
            for fieldname in ("id", "body_exact", "title", "date"):
                next(iter(reader.lexicon(fieldname)), None)
            step = 1 if full else max(1, reader.doc_count_all() // SAMPLE)
            for n, (docnum, stored) in enumerate(
                    (d, reader.stored_fields(d)) for d in reader.all_doc_ids()):
                if not isinstance(stored.get("id"), str):
                    raise ValueError(f"document {docnum} has no id")
                if stored.get("path"):
                    paths.add(stored["path"])
                if n % step == 0:
                    idx.stored_body(stored)
        except Exception as exc:  # a damaged posting, stored or compressed record
            report._problem("broken", f"segment {name}: unreadable ({type(exc).__name__}: "
                            f"{exc})")
        finally:
            reader.close()
    return paths


def _manifest(path: Path) -> dict[str, dict[str, list[Any]]]:
    """The manifest's files per root; {} when there is none (an index built through the API)."""
    from .sync import MANIFEST_FILE

    try:
        data = json.loads((path / MANIFEST_FILE).read_text(encoding="utf-8"))
        return dict(data["roots"])
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def _compare_folder(path: Path, folder: Path, roots: dict[str, dict[str, list[Any]]]
                    ) -> FolderDiff:
    from .ingest import FileEntry, walk

    recorded = roots.get(str(folder.resolve()), {})
    diff = FolderDiff(str(folder))
    seen = set()
    for entry in walk(folder, exclude=path):
        if not isinstance(entry, FileEntry):
            continue
        seen.add(entry.rel)
        state = recorded.get(entry.rel)
        if state is None:
            diff.new += 1
        elif (state[0], state[1]) != (entry.size, entry.mtime_ns):
            diff.changed += 1
    diff.removed = len(set(recorded) - seen)
    return diff
