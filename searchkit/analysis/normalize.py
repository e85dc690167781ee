"""Character normalization for Arabic text, one ``str.translate`` table deep.

The rules (checklist items 1-9 of the analyzer research):

* isolated harakat (U+FE70-FE7F) are deleted *before* NFKC, which would otherwise turn
  them into SPACE + mark and split the word;
* NFKC folds presentation forms and ligatures (lam-alef, ﷲ) to base letters and composes
  decomposed hamza (ا + U+0654 -> أ); it runs only on text that needs it;
* invisible and bidi controls, every Arabic combining mark and tatweel are deleted;
* alef forms أ إ آ ٱ ٲ ٳ -> ا, ى -> ي, ة -> ه, Persian/Urdu look-alikes to Arabic letters;
* letters for foreign sounds to the usual Arabic ones: ڤ -> ف (v), پ -> ب (p), گ -> غ and
  ڨ -> ق (g);
* Arabic-Indic and Persian digits -> 0-9, ٫ -> ".", ٬ -> ",", ٪ -> "%";
* Latin is lowercased.

ؤ and ئ are *kept* here, so the exact field still tells مسؤول from مسئول apart as written.
They are real spelling variants of one word (the seat of the hamza is an orthographic choice,
not a different word), so :func:`fold_hamza` maps both to ء for the stemmed field, where
مسؤول and مسئول then meet. Folding to و / ي instead (Snowball) would keep them apart.

>>> normalize("الرَّئِيسُ")
'الرئيس'
>>> normalize("إلى مدرسةٍ ١٢")
'الي مدرسه 12'
"""

from __future__ import annotations

import unicodedata

# Deleted before NFKC: isolated and medial presentation forms of the harakat.
_PRE_NFKC = {cp: None for cp in range(0xFE70, 0xFE80)}

_DELETE_RANGES = [
    (0x0610, 0x061A),  # Arabic signs above/below (honorifics, small high letters)
    (0x064B, 0x065F),  # harakat, shadda, sukun, maddah, hamza above/below, ...
    (0x0670, 0x0670),  # superscript alef
    (0x06D6, 0x06DC),  # Quranic annotation marks
    (0x06DF, 0x06E4),
    (0x06E7, 0x06E8),
    (0x06EA, 0x06ED),
    (0x0640, 0x0640),  # tatweel
    (0x061C, 0x061C),  # Arabic letter mark
    (0x200B, 0x200F),  # ZWSP, ZWNJ, ZWJ, LRM, RLM
    (0x202A, 0x202E),  # bidi embeddings and overrides
    (0x2060, 0x2064),  # word joiner, invisible operators
    (0x2066, 0x2069),  # bidi isolates
    (0xFEFF, 0xFEFF),  # BOM / zero-width no-break space
    (0x00AD, 0x00AD),  # soft hyphen
]

_MAP = {
    "ا": "أإآٱٲٳٵ",
    "ي": "ىیےۍېۑ",
    "ه": "ةۃہۀەھ",
    "ك": "کڪ",
    # Letters for foreign sounds, in names: v, p, g (Maghrebi ڨ is a g written ق).
    "ف": "ڤڥ",
    "ب": "پ",
    "غ": "گ",
    "ق": "ڨ",
}

_TABLE: dict[int, int | str | None] = {}
for _lo, _hi in _DELETE_RANGES:
    for _cp in range(_lo, _hi + 1):
        _TABLE[_cp] = None
for _target, _sources in _MAP.items():
    for _ch in _sources:
        _TABLE[ord(_ch)] = _target
for _i in range(10):
    _TABLE[0x0660 + _i] = str(_i)  # Arabic-Indic digits
    _TABLE[0x06F0 + _i] = str(_i)  # Persian digits
_TABLE[0x066B] = "."  # Arabic decimal separator
_TABLE[0x066C] = ","  # Arabic thousands separator
_TABLE[0x066A] = "%"  # Arabic percent sign

_HAMZA_FOLD = str.maketrans({"ؤ": "ء", "ئ": "ء"})


def normalize(text: str) -> str:
    """Return ``text`` with the character normalization applied (see the module docstring).

    Idempotent: ``normalize(normalize(s)) == normalize(s)``.

    >>> normalize("ﻻ")
    'لا'
    """
    if text.isascii():
        return text.lower()
    text = text.translate(_PRE_NFKC)
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text).translate(_PRE_NFKC)
    return text.translate(_TABLE).lower()


def fold_hamza(text: str) -> str:
    """Fold the hamza seats ؤ and ئ to ء (used by the stemmed field only).

    >>> fold_hamza("مسؤول") == fold_hamza("مسئول")
    True
    """
    return text.translate(_HAMZA_FOLD)
