"""What every reader shares: the :class:`Source` of a file, and the :class:`Unreadable` error."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..documents import Document


class Unreadable(Exception):
    """A file (or archive member) that cannot be indexed; the message is the one-line reason."""


@dataclass(frozen=True)
class Source:
    """Where a text came from: ``path`` is the file relative to the indexed folder.

    ``member`` is the name inside an archive, if any. Document ids are ``path`` (plus
    ``!/member``) for a one-article file, and that plus ``#record`` for multi-article files.
    """

    path: str
    file_hash: str
    encoding: str | None = None
    member: str | None = None

    @property
    def name(self) -> str:
        """The file (or member) name, for dates in names and format sniffing."""
        return (self.member or self.path).rsplit("/", 1)[-1]

    def doc_id(self, record: str | int | None = None) -> str:
        base = f"{self.path}!/{self.member}" if self.member else self.path
        return base if record is None else f"{base}#{record}"

    def document(self, body: str, record: str | int | None = None, **meta: object) -> Document:
        """A :class:`Document` from this source; ``meta`` are Document fields (title, date...)."""
        return Document(id=self.doc_id(record), body=body, path=self.path,
                        file_hash=self.file_hash, encoding=self.encoding, **meta)  # type: ignore[arg-type]


@dataclass
class Parsed:
    """The documents read from one file, and the records in it that were left out (and why)."""

    documents: list[Document] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def extend(self, other: Parsed) -> None:
        self.documents.extend(other.documents)
        self.problems.extend(other.problems)
