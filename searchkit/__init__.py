"""searchkit: full-text search for Arabic news.

>>> import searchkit
>>> searchkit.analyze("وَالصّواريخُ")
['صاروخ']
"""

from __future__ import annotations

__version__ = "0.1.0"

from .analysis import analyze, explain
from .documents import Document
from .engine import SearchEngine
from .errors import (
    DocumentError,
    IndexLockedError,
    IndexNotFoundError,
    IndexVersionError,
    QueryError,
    SearchkitError,
)
from .ingest import IngestReport
from .search import Hit, Results

__all__ = [
    "Document", "DocumentError", "Hit", "IndexLockedError", "IndexNotFoundError",
    "IndexVersionError", "IngestReport", "QueryError", "Results", "SearchEngine",
    "SearchkitError", "__version__", "analyze", "explain",
]
