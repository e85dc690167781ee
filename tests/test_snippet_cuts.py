"""Snippets are cut at sentence and clause ends, never inside a number, an abbreviation, a
URL or an e-mail address."""

from __future__ import annotations

import re

import pytest

from searchkit.analysis import token_terms
from searchkit.snippets import PlainFormatter, QueryTerms, make_snippet

# Sentences without the query's word, so the snippet must pick the one holding it.
FILLER = ("وقال مسؤول في الوزارة إن الخطة الجديدة تشمل عدة مشاريع للبنية التحتية في المدن "
          "الكبرى والأرياف على حد سواء. ")
SEPARATOR = PlainFormatter.separator


def _terms(word: str) -> QueryTerms:
    """The query terms of ``word`` (its normalized form)."""
    return QueryTerms(exact=frozenset(exact for exact, _ in token_terms(word)))


def _snippet(sentence: str, word: str) -> str:
    """The plain snippet for ``word`` of a long text holding ``sentence`` among fillers."""
    text = FILLER * 3 + sentence + " " + FILLER * 3
    assert len(text) > 3 * 160 and word not in FILLER
    return str(make_snippet(text, _terms(word)))


def _assert_whole(snippet: str, unit: str) -> None:
    """``unit`` is shown whole, and no fragment ends on a piece of it."""
    assert unit in snippet.replace("[[", "").replace("]]", "")
    for fragment in snippet.split(SEPARATOR):
        last = fragment.split()[-1].replace("[[", "").replace("]]", "")
        assert not (last != unit and unit.startswith(last)), (last, snippet)


@pytest.mark.parametrize(("sentence", "word", "unit"), [
    ("ارتفع التضخم بنحو 1.5% خلال الشهر الماضي.", "بنحو", "1.5%"),
    ("ارتفعت الحرارة 5.2 درجة فوق المعدل.", "الحرارة", "5.2 درجة"),
    ("بلغ عدد السكان 2.000 نسمة في القرية.", "السكان", "2.000"),
    ("سجل المؤشر 3,5 نقطة عند الإغلاق.", "المؤشر", "3,5"),
    ("يبدأ الاجتماع الساعة 10:30 صباحا.", "الساعة", "10:30"),
    ("بلغت الخسائر 1,234,567 دولارا.", "الخسائر", "1,234,567"),
    ("زادت الأسعار بنسبة 2.5% هذا العام.", "بنسبة", "2.5%"),
    ("سجل النمو ١٫٥ في المئة.", "النمو", "١٫٥"),
    ("ينطلق القطار عند ١٠:٣٠ مساء.", "القطار", "١٠:٣٠"),
    ("بلغ الإنتاج ٣،٥ مليون برميل.", "الإنتاج", "٣،٥"),
    ("أعلنت الشركة أرباحا قدرها 4.75 مليار دولار.", "قدرها", "4.75 مليار"),
], ids=["1.5%", "5.2", "2.000", "3,5", "10:30", "1,234,567", "2.5%", "indic-1.5", "indic-10:30",
        "indic-3,5", "4.75"])
def test_numbers_are_not_cut(sentence: str, word: str, unit: str) -> None:
    snippet = _snippet(sentence, word)
    _assert_whole(snippet, unit)
    assert not re.search(r"\d[.\u060c]" + re.escape(SEPARATOR), snippet)


@pytest.mark.parametrize(("sentence", "word", "unit"), [
    ("ذكرت وكالة أ.ف.ب أن المحادثات استؤنفت.", "وكالة", "أ.ف.ب"),
    ("صرح د. محمد علي بأن النتائج مشجعة.", "صرح", "د. محمد"),
    ("ألقى أ. أحمد كلمة في الحفل.", "ألقى", "أ. أحمد"),
    ("زار الوفد U.S. Congress ثم غادر.", "الوفد", "U.S. Congress"),
    ("وصل الوفد من U.K. صباحا.", "الوفد", "U.K. صباحا"),
    ("يفتح المتحف 9 a.m. يوميا.", "المتحف", "a.m. يوميا"),
    ("هناك مدن كثيرة e.g. باريس ولندن.", "كثيرة", "e.g. باريس"),
], ids=["AFP", "doctor", "ustadh", "U.S.", "U.K.", "a.m.", "e.g."])
def test_abbreviations_are_not_cut(sentence: str, word: str, unit: str) -> None:
    _assert_whole(_snippet(sentence, word), unit)


@pytest.mark.parametrize(("sentence", "word", "unit"), [
    ("التفاصيل على الموقع http://example.com/news/2024.html?id=3&x=1 للمزيد.", "الموقع",
     "http://example.com/news/2024.html?id=3&x=1"),
    ("التفاصيل على الموقع https://www.example.org/a.b/c?q=1! للمزيد.", "الموقع",
     "https://www.example.org/a.b/c?q=1!"),
    ("التفاصيل على الموقع www.example.com/path?x=1 للمزيد.", "الموقع",
     "www.example.com/path?x=1"),
    ("للتواصل عبر البريد first.name@example.co.uk أو الهاتف.", "البريد",
     "first.name@example.co.uk"),
], ids=["http", "https", "www", "email"])
def test_links_and_emails_are_not_cut(sentence: str, word: str, unit: str) -> None:
    _assert_whole(_snippet(sentence, word), unit)


def test_a_link_ending_a_sentence_still_ends_it() -> None:
    snippet = _snippet("التفاصيل على الموقع www.example.com. وبدأ الحفل.", "الموقع")
    assert "www.example.com." in snippet and "وبدأ" not in snippet


@pytest.mark.parametrize(("sentence", "word", "cut"), [
    ("انتهى الاجتماع. وبدأ المؤتمر الصحفي.", "الاجتماع", "الاجتماع]]."),
    ("هل انتهى الاجتماع؟ وبدأ المؤتمر الصحفي.", "الاجتماع", "الاجتماع]]؟"),
    ("انتهى الاجتماع! وبدأ المؤتمر الصحفي.", "الاجتماع", "الاجتماع]]!"),
    ("انتهى الاجتماع، وبدأ المؤتمر الصحفي.", "الاجتماع", "الاجتماع]]،"),
    ("انتهى الاجتماع؛ وبدأ المؤتمر الصحفي.", "الاجتماع", "الاجتماع]]؛"),
    ("انتهى الاجتماع\nوبدأ المؤتمر الصحفي.", "الاجتماع", "الاجتماع]]"),
    ("انتهى الاجتماع... وبدأ المؤتمر الصحفي.", "الاجتماع", "الاجتماع]]..."),
    ("بلغ العدد 15. وبدأ المؤتمر الصحفي.", "العدد", "15."),
    ("جاء في المرتبة الأولى الاجتماع رقم 7، وبدأ المؤتمر الصحفي.", "الاجتماع", "7،"),
], ids=["period", "question", "exclamation", "comma", "semicolon", "newline", "ellipsis",
        "after-number", "comma-after-number"])
def test_sentence_and_clause_ends_still_cut(sentence: str, word: str, cut: str) -> None:
    snippet = _snippet(sentence, word)
    assert snippet.endswith(cut) and "وبدأ" not in snippet


def test_a_long_sentence_is_trimmed_at_whitespace_around_a_number() -> None:
    words = "كلمة " * 40
    for gap in range(100):  # the number anywhere around the passage's end
        sentence = f"{words}التضخم {'س ' * gap}1.5% {words}."
        snippet = str(make_snippet(sentence, _terms("التضخم")))
        assert not re.search(r"(?<!\S)\.?5%|1\.?$", snippet), snippet


def test_a_word_holding_a_match_is_not_trimmed_inside() -> None:
    url = "https://example.com/" + "/".join(["news"] * 12) + "/التضخم?id=1.5"
    text = "كلمة " * 60 + url + " كلمة" * 60 + "."
    snippet = str(make_snippet(text, _terms("التضخم")))
    assert url.replace("التضخم", "[[التضخم]]") in snippet
