"""Golden and property tests of Arabic analysis (normalization, tokenizer, stop words, stems)."""

from __future__ import annotations

import pickle
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from searchkit import SearchEngine, analyze, explain
from searchkit.analysis import (
    ArabicStemFilter,
    ArabicStopFilter,
    ArabicTokenizer,
    NormalizeFilter,
    normalize,
    stem_analyzer,
)
from searchkit.index import make_schema


def terms(word: str) -> set[str]:
    return set(analyze(word))


# Forms that must meet: each shares a term with the first of its group.
GROUPS = [
    ["الصواريخ", "صواريخ", "والصواريخ", "صاروخ", "بالصواريخ", "صاروخية"],
    ["وزارة", "الوزارة", "والوزارة", "وزارته", "وزارات", "بوزارة"],
    ["لبنان", "اللبنانية", "لبناني", "اللبنانيون", "ولبنان", "للبنان"],
    ["روسيا", "الروسية", "روسي", "لروسيا", "الروس"],
    ["مسؤول", "مسئول", "المسؤولون", "المسئولين"],
    ["زيارة", "زيارته", "الزيارة", "وزيارة", "زياراتهم"],
    ["المدرسة", "مدرسة", "والمدرسة", "للمدرسة", "مدارس"],
    ["الرئيس", "رئيس", "والرئيس", "للرئيس", "رئيسها", "برئيسها"],
    ["فلسطين", "الفلسطينيين", "فلسطيني", "والفلسطينية"],
    ["إيران", "الإيرانية", "ايران", "إيراني"],
    ["الطلاب", "للطلاب", "وللطلاب", "طالب"],
    ["يزور", "سيزور"],
    ["الحكومة", "حكومته", "حكومات", "والحكومة"],
    ["سكان", "لسكان", "السكان"],
    ["سابقاً", "سابق", "السابق"],
]

# Words that must not meet (a name and the word a blind stemmer makes of it, etc.).
COLLISIONS = [
    ("وزارة", "زار"), ("لبنان", "لبن"), ("عمان", "عم"), ("بوتين", "بوت"),
    ("البحرين", "بحر"), ("سلمان", "سلم"), ("سيارة", "يار"), ("واشنطن", "اشنطن"),
    ("وليد", "ليد"), ("فلسطين", "فلسط"), ("كانون", "كانو"), ("تفاهم", "تفا"),
    ("إلى", "إلا"),
]


@pytest.mark.parametrize("group", GROUPS, ids=lambda g: g[0])
def test_forms_of_a_word_share_a_term(group: list[str]) -> None:
    head = analyze(group[0])[0]
    for form in group[1:]:
        assert head in terms(form), (form, analyze(form), head)


@pytest.mark.parametrize(("a", "b"), COLLISIONS)
def test_names_and_lookalikes_stay_apart(a: str, b: str) -> None:
    assert not terms(a) & terms(b), (analyze(a), analyze(b))


@pytest.mark.parametrize(("written", "typed"), [
    ("الرَّئِيسُ", "الرئيس"),                     # harakat and shadda
    ("الرئيـــــس", "الرئيس"),                   # tatweel
    ("الرئ\u200cيس", "الرئيس"),                  # ZWNJ inside the word
    ("\u200fالرئيس\u200e", "الرئيس"),             # bidi marks around it
    ("ﺍﻟﺮﺋﻴﺲ", "الرئيس"),                        # presentation forms B
    ("ﻻعب", "لاعب"),                             # lam-alef ligature
    ("الرئي\ufe7fس", "الرئيس"),                  # an isolated sukun form inside
    ("إيران", "ايران"), ("أحمد", "احمد"), ("آمال", "امال"), ("ٱلكتاب", "الكتاب"),
    ("مستشفى", "مستشفي"), ("مدرسة", "مدرسه"),
    ("ایران", "ايران"), ("کتاب", "كتاب"),        # Persian yeh and kaf
    ("\u0627\u0654حمد", "أحمد"),                  # decomposed hamza
    ("٢٠١٨", "2018"), ("۲۰۱۸", "2018"), ("٣٫٥", "3.5"),
    ("Reuters", "reuters"),
])
def test_written_variants_normalize_like_the_typed_word(written: str, typed: str) -> None:
    assert analyze(written) == analyze(typed)
    assert [t.normalized for t in explain(written)] == [normalize(typed)]


def test_hamza_seats_kept_exact_but_folded_for_stems() -> None:
    assert normalize("مسؤول") != normalize("مسئول")  # the exact field tells them apart
    assert analyze("مسؤول") == analyze("مسئول")


def test_stop_words_include_clitic_forms_and_keep_positions() -> None:
    infos = explain("وفي المدرسة لقد ومن الطلاب")
    assert [i.stop for i in infos] == [True, False, True, True, False]
    chain = ArabicTokenizer() | NormalizeFilter() | ArabicStopFilter()
    assert [t.pos for t in chain("وفي المدرسة لقد ومن الطلاب", positions=True)] == [1, 4]


def test_diacritized_stop_words_are_still_stop_words() -> None:
    assert analyze("فِي عَلَى إِلَى") == []


def test_highlight_offsets_cover_the_whole_original_word() -> None:
    text = "قال: وَالصَّوارِيخُ «الفرط-صوتية»، بالقطار."
    spans = [(i.start, i.end) for i in explain(text)]
    words = [text[s:e] for s, e in spans]
    assert words == ["قال", "وَالصَّوارِيخُ", "الفرط", "صوتية", "بالقطار"]


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="ab_1٣.,٫٬ \u064e\u0640\u200c\u0301محمد-؟x\n", max_size=24))
def test_fast_word_finder_cuts_as_the_word_pattern(text: str) -> None:
    from searchkit.analysis.tokenizer import WORD_PATTERN, find_words, iter_words

    assert find_words(text) == WORD_PATTERN.findall(text)
    assert [m.span() for m in iter_words(text)] == [m.span() for m in WORD_PATTERN.finditer(text)]


def test_numbers_and_latin_words_are_tokens() -> None:
    stems = [t for t in analyze("كوفيد-19 و3.5 مليار Dollar") if not t.startswith("√")]
    assert stems == ["كوفيد", "19", "3.5", "مليار", "dollar"]


def test_nfkc_expansions_become_several_terms() -> None:
    assert "الله" in analyze("ﷲ")
    assert analyze("قال ﷺ")[:1] == ["قال"]


def test_schema_pickles_with_analyzers_at_stable_paths() -> None:
    schema = make_schema()
    again = pickle.loads(pickle.dumps(schema))
    assert again["body"].analyzer == schema["body"].analyzer
    modules = {type(item).__module__ for item in stem_analyzer().items}
    assert modules == {"searchkit.analysis.tokenizer", "searchkit.analysis.filters"}
    assert ArabicStemFilter() == ArabicStemFilter() != ArabicStemFilter(roots=False)


VARIANTS = [
    "أعلنت وزارة الصحة اللبنانية",   # as written
    "اعلنت وزاره الصحه اللبنانيه",    # no hamza, ه for ة
    "أَعْلَنَتْ وِزَارَةُ الصِّحَّةِ اللُّبْنَانِيَّةُ",  # diacritized
    "أعلـــنت وزارة الصحـــة اللبنانية",  # tatweel
    "أعلنت والوزارة للصحة لبنانية",   # article and clitics moved around
]


def test_query_variants_rank_the_document_the_same(tmp_path: Path) -> None:
    docs = [
        {"id": "target", "body": "أعلنت وزارة الصحة اللبنانية عن حالات جديدة في بيروت"},
        {"id": "other1", "body": "زار الوزير مستشفى في دمشق وأعلن خطة للصحة"},
        {"id": "other2", "body": "أعلنت الحكومة اللبنانية موازنة جديدة للوزارات"},
        {"id": "other3", "body": "مباراة كرة القدم انتهت بالتعادل في عمان"},
    ]
    with SearchEngine(tmp_path / "ix") as engine:
        engine.add_documents(docs)
        rank = [[h.id for h in engine.search(q)].index("target") for q in VARIANTS]
    assert rank == [0] * len(VARIANTS)


def test_question_mark_ends_a_question_and_matches_one_letter_inside(tmp_path: Path) -> None:
    with SearchEngine(tmp_path / "ix") as engine:
        engine.add_documents([{"id": "1", "body": "من هو رئيس لبنان"}])
        assert engine.search("من هو رئيس لبنان؟").total == 1
        assert engine.search("رئيس لب؟ان").total == 1


# -- properties ---------------------------------------------------------------------------

ARABIC_HEAVY = st.text(
    alphabet=st.one_of(
        st.characters(min_codepoint=0x0600, max_codepoint=0x06FF),
        st.characters(min_codepoint=0xFB50, max_codepoint=0xFEFF),
        st.sampled_from(list(" \n\t.,،؛؟!«»-\u200c\u200d\u200e\u200f\u0640\ufeffabc123")),
        st.characters(),
    ),
    max_size=80,
)


@settings(max_examples=300, deadline=None)
@given(ARABIC_HEAVY)
def test_normalize_is_idempotent(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once


@settings(max_examples=300, deadline=None)
@given(ARABIC_HEAVY)
def test_any_text_analyzes_with_valid_increasing_offsets(text: str) -> None:
    infos = explain(text)
    last_end = 0
    for info in infos:
        assert 0 <= last_end <= info.start < info.end <= len(text)
        assert info.original == text[info.start:info.end]
        assert not any(ch.isspace() for ch in info.original)
        assert info.normalized  # empty tokens are dropped
        last_end = info.end
    assert all(term for term in analyze(text))


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(min_codepoint=0x0621, max_codepoint=0x064A), min_size=1,
               max_size=12), st.sampled_from(["\u064e", "\u0651", "\u0640", "\u064b"]))
def test_diacritics_and_tatweel_never_change_terms(word: str, mark: str) -> None:
    marked = "".join(ch + mark for ch in word)
    assert analyze(marked) == analyze(word)
    assert unicodedata.normalize("NFC", marked)  # still a valid string


def test_default_chains_give_each_word_the_same_terms_without_running_the_chain() -> None:
    from searchkit.analysis import WORD_PATTERN, exact_analyzer, stem_analyzer

    text = " ".join(WORD_PATTERN.findall(
        "وَالصَّوارِيخُ فرط صوتيّة لسكان ولروسيا بوزارة كوفيد ﷺ وفي الشَّمْسِ 3.5 km مسئوليه "
        "الاقتصادية للمدارس بالمدرسة وللمؤتمر فالرئيس كالأسد والسياسيون المدارسِ ذهب إلى"))
    for make in (exact_analyzer, stem_analyzer):
        analyzer = make()
        direct = [analyzer.terms_of(word) for word in text.split()]
        chain = [tuple(t.text for t in analyzer(word, tokenize=False)) for word in text.split()]
        assert direct == chain and any(direct) and not all(direct)
        assert analyzer.__dict__["_direct"] is not None  # the default chains take the short way
