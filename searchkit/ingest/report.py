"""What an indexing run did: counts, timings, and a one-line reason for each skip."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Skipped:
    """A file (or some records in it) not indexed, and why."""

    path: str
    reason: str


@dataclass
class IngestReport:
    """What indexing a folder did.

    ``files`` counts the supported files found; of those, ``added``, ``updated`` and
    ``unchanged`` (files) and ``skipped`` (files or records, with reasons). ``removed``
    counts files gone since the last run, whose documents were deleted. ``documents`` is the
    number of documents written in this run.
    """

    files: int = 0
    documents: int = 0
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    bytes_read: int = 0
    seconds: float = 0.0
    skipped: list[Skipped] = field(default_factory=list)

    def summary(self) -> str:
        """One line for people, e.g. ``indexed 3 documents from 2 files: 2 added, ...``."""
        return (f"indexed {self.documents} documents from {self.added + self.updated} files:"
                f" {self.added} added, {self.updated} updated, {self.removed} removed,"
                f" {self.unchanged} unchanged, {len(self.skipped)} skipped"
                f" ({self.bytes_read / 2**20:.1f} MB read in {self.seconds:.1f} s)")

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready dict."""
        return asdict(self)
