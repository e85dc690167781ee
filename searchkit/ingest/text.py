"""Plain-text articles: the first short line is the title, the rest the body."""

from __future__ import annotations

import re
from datetime import datetime, timezone

# Markup leftovers that are not text: lone "/>" (from <br />) and stray tags.
_LEFTOVER = re.compile(r"^\s*/>|<br\s*/?>|</?p\s*>", re.IGNORECASE | re.MULTILINE)
_DATE_IN_NAME = re.compile(r"(?<!\d)(\d{4})-?(\d{2})-?(\d{2})(?!\d)")
TITLE_MAX_CHARS = 150


def clean_text(text: str) -> str:
    """Remove markup leftovers, trailing spaces and runs of blank lines."""
    text = _LEFTOVER.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    lines = [line.rstrip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def split_title(text: str) -> tuple[str | None, str]:
    """``(title, body)``: the first line is the title when it is short and more follows."""
    first, _, rest = text.partition("\n")
    if rest.strip() and 0 < len(first.strip()) <= TITLE_MAX_CHARS:
        return first.strip(), rest.strip()
    return None, text


def date_from_name(name: str) -> datetime | None:
    """A date written in a file name (2018-02-26 or 20180226), or None."""
    for match in _DATE_IN_NAME.finditer(name):
        try:
            return datetime(*(int(g) for g in match.groups()), tzinfo=timezone.utc)
        except ValueError:
            continue
    return None
