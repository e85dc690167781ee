"""A light Arabic stemmer for news: Light10 rules, fixed where they hurt.

Input is normalized text (see :mod:`.normalize`), hamza seats folded. The stem is found in
three steps, and a lexicon of protected words, broken plurals, countries with their
adjectives and the spellings of foreign names is checked after every removal, so a name is
never cut (لبنان stays لبنان, اللبنانية reaches it), a plural meets its singular
(الصواريخ -> صاروخ), an adjective its country (التركية -> تركيا, never ترك) and a spelling its
name (ترمب -> ترامب):

1. prefixes: a stacked clitic + article (و/ف, then ب/ك/ل, then ال, or لل) leaving >= 2
   letters; else a lone و leaving >= 3; else the future س before ي/ت/ن leaving >= 4;
2. one pronoun suffix (هما كما هم هن كم كن نا ها ه) leaving >= 3 (>= 4 for the ك ones);
   after it a final ات is the plural and a final ت the feminine ة (زيارته = زيارة);
   without a pronoun, a final accusative ا or verbal وا goes (سابقاً، ذهبوا) leaving >= 4;
3. one number/gender suffix (تان تين ات ون ين ان ه), then a nisba ي, each leaving >= 3 letters.

Words that start with what looks like a clitic (وزارة, سيارة, فريق) are kept whole when the
word without its suffixes is in the lexicon.

>>> stem("والصواريخ") == stem("صاروخ")
True
>>> stem("وزارة") != stem("زار")
True
"""

from __future__ import annotations

from functools import lru_cache

from whoosh.lang.isri import ISRIStemmer

from .normalize import fold_hamza, normalize
from .wordlists import (
    BROKEN_PLURALS,
    COUNTRY_ADJECTIVES,
    KEEP_INITIAL,
    NAME_SPELLINGS,
    PROTECTED,
)

_ARTICLES = ("وبال", "وكال", "فبال", "فكال", "ولل", "فلل", "وال", "فال", "بال", "كال", "لل", "ال")
_PRONOUNS = (("هما", 3), ("كما", 4), ("هم", 3), ("هن", 3), ("كم", 4), ("كن", 4), ("نا", 3),
             ("ها", 3), ("ه", 3))
_SUFFIXES = ("تان", "تين", "ات", "ون", "ين", "ان", "ه")
_MIN_STEM = 3


def _by_letter(affixes: tuple[str, ...], last: bool) -> dict[str, tuple[str, ...]]:
    """``affixes`` by their last (or first) letter, each group in the order given: only a
    word's own last (first) letter's group can match it, tried in the same order."""
    groups: dict[str, tuple[str, ...]] = {}
    for affix in affixes:
        letter = affix[-1] if last else affix[0]
        groups[letter] = (*groups.get(letter, ()), affix)
    return groups


_PRONOUNS_BY_LAST = _by_letter(tuple(p for p, _ in _PRONOUNS), last=True)
_PRONOUN_KEEP = dict(_PRONOUNS)
_SUFFIXES_BY_LAST = _by_letter(_SUFFIXES, last=True)
_ARTICLES_BY_FIRST = _by_letter(_ARTICLES, last=False)


def _is_arabic(word: str) -> bool:
    return "\u0621" <= word[0] <= "\u064a"


def _strip_number_gender(word: str, lexicon: dict[str, str]) -> tuple[str, bool]:
    """Step 3: remove one of ات ون ين ان ه, then a nisba ي, each leaving >= 3 letters.

    Returns the stem and whether it came from the lexicon.
    """
    for suffixes in (_SUFFIXES_BY_LAST.get(word[-1], ()), ("ي",)):
        for suffix in suffixes:
            if word.endswith(suffix) and len(word) - len(suffix) >= _MIN_STEM:
                word = word[: -len(suffix)]
                if word in lexicon:
                    return lexicon[word], True
                break
    return word, False


def _strip_suffixes(word: str, lexicon: dict[str, str]) -> tuple[str, bool]:
    """Steps 2 and 3 on a word without prefixes; see :func:`_strip_number_gender`."""
    for pronoun in _PRONOUNS_BY_LAST.get(word[-1], ()):
        if word.endswith(pronoun) and len(word) - len(pronoun) >= _PRONOUN_KEEP[pronoun]:
            word = word[: -len(pronoun)]
            if word in lexicon:
                return lexicon[word], True
            if word.endswith("ات") and len(word) >= 5:
                word = word[:-2]
            elif word.endswith("ت") and len(word) >= 4:
                word = word[:-1]
            if word in lexicon:
                return lexicon[word], True
            break
    else:
        # The accusative alef (سابقاً، رسمياً) and the plural verb ending وا (ذهبوا).
        if word.endswith("وا") and len(word) >= 5:
            word = word[:-2]
        elif word.endswith("ا") and len(word) >= 5:
            word = word[:-1]
        if word in lexicon:
            return lexicon[word], True
    return _strip_number_gender(word, lexicon)


def _strip_prefixes(word: str) -> str:
    """Step 1: remove a clitic/article stack, a lone و, or the future س."""
    for article in _ARTICLES_BY_FIRST.get(word[0], ()):
        if word.startswith(article) and len(word) - len(article) >= 2:
            return word[len(article):]
    if word[0] == "و" and len(word) >= 4:
        return word[1:]
    if word[0] == "س" and len(word) >= 5 and word[1] in "يتن":
        return word[1:]
    return word


def _stem(word: str, lexicon: dict[str, str]) -> str:
    if len(word) < _MIN_STEM or not _is_arabic(word):
        return word
    if word in lexicon:
        return lexicon[word]
    whole, known = _strip_suffixes(word, lexicon)
    if known:
        return whole  # a known word whose first letter only looks like a clitic (وزارته)
    bare = _strip_prefixes(word)
    if bare == word:
        return whole
    if bare in lexicon:
        return lexicon[bare]
    return _strip_suffixes(bare, lexicon)[0]


def _words(block: str) -> list[str]:
    return [fold_hamza(normalize(w)) for w in block.split()]


def _groups(block: str) -> list[list[str]]:
    """The ``|``- or line-separated groups of words of ``block``, each word normalized."""
    return [_words(item) for item in block.replace("\n", "|").split("|") if item.strip()]


def name_spellings() -> list[list[str]]:
    """The spellings of each name of :data:`~.wordlists.NAME_SPELLINGS`, usual one first,
    normalized and hamza-folded."""
    return _groups(NAME_SPELLINGS)


def _build_lexicon() -> dict[str, str]:
    lexicon: dict[str, str] = {}
    for name in _words(PROTECTED):
        lexicon[name] = name
    for spellings in name_spellings():
        usual = lexicon.setdefault(spellings[0], spellings[0])
        for spelling in spellings[1:]:
            lexicon.setdefault(spelling, usual)
    for word in _words(KEEP_INITIAL):
        base = _strip_number_gender(word, {})[0]
        lexicon.setdefault(word, base)
        lexicon.setdefault(base, base)
    for plural, singular in _groups(BROKEN_PLURALS):
        lexicon.setdefault(plural, _stem(singular, lexicon))
    for country, adjective, *people in _groups(COUNTRY_ADJECTIVES):
        # The country's name is the stem of the country, its adjective and its people
        # (تركيا، التركية، الأتراك): the adjective's own light stem may be another word's.
        # A country written with the article (or ال- as in المانيا) is also found bare,
        # as the stemmer looks it up after taking ال off (والسعودية، وألمانيا).
        name = lexicon.setdefault(country, lexicon.get(adjective, country))
        if country.startswith("ال"):
            lexicon.setdefault(country[2:], name)
        lexicon.setdefault(adjective, name)
        lexicon.update(dict.fromkeys(people, name))  # (over a protected ألمان)
    return lexicon


LEXICON: dict[str, str] = _build_lexicon()
# Stems of known words (names, protected words, dictionary entries): never expanded.
KNOWN_STEMS: frozenset[str] = frozenset(LEXICON) | frozenset(LEXICON.values())


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Return the light stem of a normalized, hamza-folded word (cached).

    >>> stem("اللبنانيه") == stem("لبنان") == "لبنان"
    True
    >>> stem("زيارته") == stem("زياره")
    True
    """
    return _stem(word, LEXICON)


@lru_cache(maxsize=200_000)
def stem_without_lexicon(word: str) -> str:
    """:func:`stem` with no protected words or dictionaries (for ablation studies)."""
    return _stem(word, {})


_ISRI = ISRIStemmer()
ROOT_MARK = "√"


@lru_cache(maxsize=200_000)
def root(word: str) -> str:
    """The ISRI root of a word (a light stem), marked with ``√`` so it never equals a stem.

    Roots are broad (سكان and مسكن share سكن); the stemmed field holds them beside the light
    stem, so a document sharing only the root still matches, with a lower weight.

    >>> root("مدرس") == root("درس")
    True
    """
    return ROOT_MARK + _ISRI.stem(word)
