"""Dates as news files write them: ISO 8601, RFC 2822, ``2017-01-22T181500``, ``01/07/2016``.

>>> parse_date("Wed, 21 Mar 2018 01:34:08 GMT").isoformat()
'2018-03-21T01:34:08+00:00'
>>> parse_date("01/07/2016").date().isoformat()   # day first, as in Arabic news
'2016-07-01'
>>> parse_date("2017-01-22T181500").isoformat()
'2017-01-22T18:15:00+00:00'
>>> parse_date("soon") is None
True
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

from dateutil import parser as dateutil_parser

from ..documents import iso_datetime

_DATE_IN_NAME = re.compile(r"(?<!\d)((?:19|20)\d\d)-?(\d\d)-?(\d\d)(?!\d)")


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def parse_date(value: object) -> datetime | None:
    """A timezone-aware datetime (UTC when none is given), or None if ``value`` is no date."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    try:
        return iso_datetime(text)
    except ValueError:
        pass
    try:
        return _utc(parsedate_to_datetime(text))
    except (TypeError, ValueError, IndexError):
        pass
    try:
        return _utc(dateutil_parser.parse(text, dayfirst=True))
    except (ValueError, OverflowError):
        return None


def date_from_name(name: str) -> datetime | None:
    """A date written in a file name (2018-02-26 or 20180226), or None.

    >>> date_from_name("JA-culture-56-20160701.txt").date().isoformat()
    '2016-07-01'
    """
    for match in _DATE_IN_NAME.finditer(name):
        try:
            return datetime(*(int(g) for g in match.groups()), tzinfo=timezone.utc)
        except ValueError:
            continue
    return None
