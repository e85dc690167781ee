"""Walking a folder and turning its files into documents, with a report of what was skipped."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..documents import Document
from .text import clean_text, date_from_name, split_title

TEXT_SUFFIXES = {".txt", ".text", ".md"}
MAX_FILE_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class Skipped:
    """A file that was not indexed, and why."""

    path: str
    reason: str


@dataclass
class IngestReport:
    """What indexing a folder did."""

    files: int = 0
    documents: int = 0
    skipped: list[Skipped] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return {"files": self.files, "documents": self.documents,
                "skipped": [{"path": s.path, "reason": s.reason} for s in self.skipped]}


def _files(root: Path, exclude: Path | None) -> Iterator[Path]:
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".")
                             and (exclude is None or (here / d).resolve() != exclude))
        for name in sorted(filenames):
            if not name.startswith("."):
                yield here / name


def read_file(path: Path, rel: str) -> Document:
    """Read one text file into a document; ``ValueError`` with a reason if it cannot be."""
    data = path.read_bytes()
    if len(data) > MAX_FILE_BYTES:
        raise ValueError(f"larger than {MAX_FILE_BYTES // 2**20} MB")
    if b"\x00" in data:
        raise ValueError("binary file (NUL bytes)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(f"not valid UTF-8 (byte {exc.start})") from None
    title, body = split_title(clean_text(text))
    if not body.strip():
        raise ValueError("empty file")
    return Document(id=rel, title=title, body=body, path=rel, date=date_from_name(path.name),
                    encoding="utf-8", file_hash=hashlib.sha1(data).hexdigest())


def read_folder(folder: Path, report: IngestReport, exclude: Path | None = None
                ) -> Iterator[Document]:
    """Yield the documents of the files under ``folder``; skips are recorded in ``report``."""
    for path in _files(folder, exclude.resolve() if exclude else None):
        if path.suffix.lower() not in TEXT_SUFFIXES:
            continue
        rel = path.relative_to(folder).as_posix()
        report.files += 1
        try:
            doc = read_file(path, rel)
        except (OSError, ValueError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            report.skipped.append(Skipped(rel, reason))
            continue
        report.documents += 1
        yield doc
