"""Errors a user can act on. The CLI and the server turn these into one-line messages.

Every error searchkit raises on purpose is a :class:`SearchkitError`; catch it to report any
of them, or a subclass to handle one case (a refused query, a locked index...).
"""

from __future__ import annotations


class SearchkitError(Exception):
    """Base class: the message, one line, says what is wrong and what to do.

    Raised as is for, say, a folder to index that does not exist, a bad JSON key mapping or
    :meth:`~searchkit.SearchEngine.similar` of an id the index does not have.
    """


class IndexNotFoundError(SearchkitError):
    """There is no index at the given folder (``SearchEngine(path, create=False)``)."""


class IndexVersionError(SearchkitError):
    """The index was built by an incompatible searchkit, or is not a searchkit index: it
    must be rebuilt (``searchkit index --rebuild FOLDER``)."""


class IndexCorruptError(SearchkitError):
    """The index's files are damaged (a disk error, a copy cut short, a foreign write): it
    must be rebuilt (``searchkit index --rebuild FOLDER``)."""


class IndexLockedError(SearchkitError):
    """Another writer (process or thread) held the index's write lock longer than the
    ``wait`` seconds given; the message names it (pid, host, command)."""


class QueryError(SearchkitError):
    """The query is empty, malformed or refused (an unknown field, a bad date, a wildcard
    with too few letters or too many matching words, only exclusions or stop words), or a
    search option is bad (limit, offset, sort, an empty date range)."""


class DocumentError(SearchkitError):
    """A document given to the API is malformed: no id or body, a body that is not a
    string, a date that is not ISO 8601."""
