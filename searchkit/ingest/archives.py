"""``.gz`` and ``.zip`` containers: their members, within limits on size and count."""

from __future__ import annotations

import gzip
import io
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

from .base import Unreadable

ARCHIVE_SUFFIXES = (".gz", ".zip")


@dataclass(frozen=True)
class Limits:
    """How much an archive may expand to (bytes, all members) and how many members it may hold."""

    max_expanded: int = 512 * 2**20
    max_members: int = 10_000


def _gunzip(data: bytes, limit: int) -> bytes:
    out = io.BytesIO()
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as fh:
            while chunk := fh.read(2**20):
                out.write(chunk)
                if out.tell() > limit:
                    raise Unreadable(f"expands to more than {limit // 2**20} MB")
    except (OSError, EOFError, zlib.error) as exc:
        raise Unreadable(f"broken gzip ({exc})") from None
    return out.getvalue()


def _unzip(data: bytes, limits: Limits) -> Iterator[tuple[str, bytes]]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise Unreadable(f"broken zip ({exc})") from None
    members = [m for m in archive.infolist() if not m.is_dir()
               and not any(part.startswith((".", "__MACOSX")) for part in m.filename.split("/"))]
    if len(members) > limits.max_members:
        raise Unreadable(f"more than {limits.max_members} members")
    if sum(m.file_size for m in members) > limits.max_expanded:
        raise Unreadable(f"expands to more than {limits.max_expanded // 2**20} MB")
    for member in members:
        try:
            yield member.filename, archive.read(member)
        except (zipfile.BadZipFile, OSError, zlib.error, NotImplementedError) as exc:
            raise Unreadable(f"{member.filename}: unreadable member ({exc})") from None


DEFAULT_LIMITS = Limits()


def members(name: str, data: bytes, limits: Limits = DEFAULT_LIMITS) -> Iterator[tuple[str, bytes]]:
    """``(member name, bytes)`` of the archive ``name``; :class:`Unreadable` when over limits."""
    if name.lower().endswith(".gz"):
        yield name[:-3].rsplit("/", 1)[-1], _gunzip(data, limits.max_expanded)
    else:
        yield from _unzip(data, limits)
