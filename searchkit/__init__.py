"""searchkit: full-text search for Arabic news.

The public API: :class:`SearchEngine` (open or create an index; add documents, index
folders, search, get, similar), the records it takes and gives (:class:`Document`,
:class:`Results`, :class:`Hit`, :class:`Facets`, :class:`IngestReport`, :class:`IndexStats`),
:func:`analyze` and :func:`explain`, and the errors (:class:`SearchkitError` and its
subclasses). Snippets as HTML: :class:`searchkit.snippets.HtmlFormatter`; analysis switches
for a new index: :class:`AnalysisOptions`. The README's "Python" section shows them all.

>>> import searchkit
>>> searchkit.analyze("وَالصّواريخُ")
['صاروخ']
"""

from __future__ import annotations

__version__ = "0.1.0"

from .analysis import AnalysisOptions, analyze, explain
from .documents import Document
from .engine import SearchEngine
from .errors import (
    DocumentError,
    IndexCorruptError,
    IndexLockedError,
    IndexNotFoundError,
    IndexVersionError,
    QueryError,
    SearchkitError,
)
from .search import Facets, Hit, Results
from .stats import IndexStats

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .ingest import IngestReport


def __getattr__(name: str) -> object:
    # The ingest stack (trafilatura, feedparser, charset-normalizer) loads only when used,
    # so that `searchkit search` starts fast.
    if name == "IngestReport":
        from .ingest import IngestReport
        return IngestReport
    raise AttributeError(f"module 'searchkit' has no attribute {name!r}")

__all__ = [
    "AnalysisOptions", "Document", "DocumentError", "Facets", "Hit", "IndexCorruptError",
    "IndexLockedError", "IndexNotFoundError", "IndexStats", "IndexVersionError",
    "IngestReport", "QueryError", "Results", "SearchEngine", "SearchkitError", "__version__",
    "analyze", "explain",
]
