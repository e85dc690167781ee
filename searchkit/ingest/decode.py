"""Bytes to text: BOMs, strict UTF-8, then charset-normalizer; never mojibake.

>>> decode("وصل الرئيس إلى موسكو في زيارة رسمية".encode("cp1256"))[1]
'cp1256'
>>> decode("\\ufeffسلام".encode("utf-8"))
('سلام', 'utf-8-sig')
"""

from __future__ import annotations

import codecs

from charset_normalizer import from_bytes

from .base import Unreadable

# The most noise ("chaos", 0..1) accepted in a detected decoding; above it the file is skipped.
MAX_CHAOS = 0.1
# Fewer non-ASCII bytes than this in a non-UTF-8 file are too little evidence to guess from.
MIN_EVIDENCE = 16
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF32_LE, "utf-32"),
         (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF16_LE, "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16"))
# Without a BOM these are guessed wrongly for text without spaces; the issue asks for BOMs.
_NEEDS_BOM = ["utf_16", "utf_16_be", "utf_16_le", "utf_32", "utf_32_be", "utf_32_le"]


def looks_binary(data: bytes) -> bool:
    """NUL bytes near the start (and no UTF-16/32 BOM): an image, a PDF, an executable..."""
    return b"\x00" in data[:8192] and not any(data.startswith(bom) for bom, _ in _BOMS)


def decode(data: bytes) -> tuple[str, str]:
    """``(text, encoding)``; :class:`Unreadable` if no encoding fits with confidence."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError:
                raise Unreadable(f"invalid {encoding} despite its byte-order mark") from None
    if looks_binary(data):
        raise Unreadable("binary file (NUL bytes)")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if sum(1 for byte in data[:65536] if byte >= 0x80) < MIN_EVIDENCE:
        raise Unreadable("not UTF-8, and too little text to tell its encoding")
    best = from_bytes(data, cp_exclusion=_NEEDS_BOM).best()
    if best is None or best.chaos > MAX_CHAOS:
        raise Unreadable("unknown text encoding (not UTF-8, no confident guess)")
    return str(best), best.encoding
