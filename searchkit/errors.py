"""Errors a user can act on. The CLI and the server turn these into one-line messages."""

from __future__ import annotations


class SearchkitError(Exception):
    """Base class: the message says what is wrong and what to do."""


class IndexNotFoundError(SearchkitError):
    """There is no index at the given folder."""


class IndexVersionError(SearchkitError):
    """The index was built by an incompatible searchkit and must be rebuilt."""


class IndexLockedError(SearchkitError):
    """Another process holds the index's write lock."""


class QueryError(SearchkitError):
    """The query cannot be parsed or matches nothing that can be searched."""


class DocumentError(SearchkitError):
    """A document given to the API is malformed (missing id or body, bad date...)."""
