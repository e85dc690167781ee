"""Reading folders of articles into :class:`~searchkit.documents.Document` records."""

from __future__ import annotations

from .walk import IngestReport, Skipped, read_folder

__all__ = ["IngestReport", "Skipped", "read_folder"]
