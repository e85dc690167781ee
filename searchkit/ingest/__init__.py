"""Reading folders of articles into :class:`~searchkit.documents.Document` records.

One module per job: :mod:`.walk` finds files, :mod:`.decode` detects encodings,
:mod:`.readers` picks a reader per format (:mod:`.text`, :mod:`.trec`, :mod:`.jsondocs`,
:mod:`.htmldoc`, :mod:`.feeds`, inside :mod:`.archives` too), :mod:`.report` says what
happened. Keeping an index in step with a folder is :mod:`searchkit.sync`.
"""

from __future__ import annotations

from .archives import Limits
from .base import Parsed, Source, Unreadable
from .jsondocs import DEFAULT_KEYS, key_map
from .readers import read_bytes, supported
from .report import IngestReport, Skipped
from .walk import FileEntry, walk

__all__ = [
    "DEFAULT_KEYS",
    "FileEntry",
    "IngestReport",
    "Limits",
    "Parsed",
    "Skipped",
    "Source",
    "Unreadable",
    "key_map",
    "read_bytes",
    "supported",
    "walk",
]
