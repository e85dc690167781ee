"""What counts as a match: the word as written, its light stem or a known variant (a broken
plural, a country and its adjective, a spelling of a name). Roots and near spellings only
rank documents that match anyway, unless a query finds almost nothing."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from searchkit import SearchEngine, analyze, explain
from searchkit.analysis.stemmer import name_spellings
from searchkit.matching import MIN_DOCUMENTS, names
from searchkit.suggest import FEW_RESULTS

# Morocco three times, and documents that share only the root غرب (west, strange), newer.
MOROCCO = [
    {"id": "m1", "body": "فاز منتخب المغرب على ضيفه في الرباط.", "date": "2018-01-10",
     "source": "Hespress", "category": "sport"},
    {"id": "m2", "body": "وصل الوفد إلى المغرب أمس لبحث التعاون.", "date": "2018-02-10",
     "source": "Hespress", "category": "politics"},
    {"id": "m3", "body": "قالت الحكومة المغربية إن الأمطار كانت غزيرة.", "date": "2018-03-10",
     "source": "Alyaoum", "category": "politics"},
    {"id": "r1", "body": "هبت رياح غربية قوية على الساحل.", "date": "2018-06-01",
     "source": "Weather", "category": "weather"},
    {"id": "r2", "body": "هذه أغرب قصة سمعتها هذا العام.", "date": "2018-07-01",
     "source": "Weather", "category": "culture"},
    {"id": "r3", "body": "قال المتحدث إن الدول الغربية تراقب الوضع.", "date": "2018-08-01",
     "source": "Wire", "category": "politics"},
]


@pytest.fixture(scope="module")
def morocco(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SearchEngine]:
    with SearchEngine(tmp_path_factory.mktemp("morocco")) as engine:
        engine.add_documents(MOROCCO)
        yield engine


def ids(results: object) -> list[str]:
    return [hit.id for hit in results]  # type: ignore[attr-defined]


def test_root_only_documents_do_not_count_sort_or_facet(morocco: SearchEngine) -> None:
    assert "√غرب" in analyze("غربية") and "√غرب" in analyze("المغرب")  # they share a root
    results = morocco.search("المغرب", sort="date", facets=True)
    assert ids(results) == ["m3", "m2", "m1"]  # newest first, and only Morocco
    assert results.total == 3 and results.expanded == {}
    assert results.facets is not None
    assert results.facets.source == {"Hespress": 2, "Alyaoum": 1}
    assert results.facets.month == {"2018-03": 1, "2018-02": 1, "2018-01": 1}
    assert set(ids(morocco.search("المغرب", limit=10))) == {"m1", "m2", "m3"}
    # Excluding a word excludes what it matches, not what shares its root.
    assert set(ids(morocco.search("قال -المغرب"))) == {"r3"}


def test_a_root_ranks_documents_that_match_anyway(tmp_path_factory: pytest.TempPathFactory
                                                  ) -> None:
    docs = [{"id": "one", "body": "الرباط والرياح الشديدة"},
            {"id": "both", "body": "الرباط والأمطار الغزيرة"},
            {"id": "other", "body": "الرباط والبحر الهادئ"}]
    with SearchEngine(tmp_path_factory.mktemp("rank")) as engine:
        engine.add_documents(docs)
        assert set(analyze("الأمطار")) & set(analyze("المطر")) == {"√مطر"}
        results = engine.search("الرباط المطر")  # المطر: only the root with الأمطار
        assert ids(results)[0] == "both" and results.total == 3
        assert "[[الأمطار]]" not in results[0].snippet  # a root ranks, it is not a match
        assert "[[الرباط]]" in results[0].snippet


def test_a_query_that_finds_almost_nothing_is_broadened_and_says_so(
        morocco: SearchEngine) -> None:
    # Two documents have the stem غرب (FEW_RESULTS is 3): the root finds the others,
    # after them, and the results say so.
    western = morocco.search("الغربيون")
    assert set(ids(western)[:2]) == {"r1", "r3"} and western.total == 6
    assert western.expanded == {"الغربيون": ("√غرب",)} and FEW_RESULTS == 3
    assert all("[[" in hit.snippet for hit in western)  # root matches are marked then
    results = morocco.search("الغرابة")  # no document has the stem غراب
    assert results.total == 6 and results.expanded == {"الغرابه": ("√غرب",)}
    # Strict matches first, whatever the order asked for.
    few = morocco.search("الأمطار غريب", sort="date")
    assert ids(few)[0] == "m3" and few.total > 1
    assert "√غرب" in few.expanded["غريب"]
    few_relevance = morocco.search("الأمطار غريب")
    assert ids(few_relevance)[0] == "m3"


def test_near_spellings_never_rank_above_the_word_and_skip_known_words(
        tmp_path_factory: pytest.TempPathFactory) -> None:
    docs = [{"id": "typed", "body": "زار فلاديفوستوك وفد رسمي", "date": "2018-01-01"},
            {"id": "near1", "body": "ميناء فلاديفوستوق الكبير", "date": "2019-01-01"},
            {"id": "near2", "body": "مدينة فلاديفوستوق البعيدة", "date": "2019-02-01"}]
    with SearchEngine(tmp_path_factory.mktemp("near")) as engine:
        engine.add_documents(docs)
        # فلاديفوستوك is in the index: its one-letter neighbour is not searched.
        known = engine.search("فلاديفوستوك", sort="date")
        assert ids(known) == ["typed"] and known.expanded == {}
        # An unknown word: its near spellings are searched, and said.
        unknown = engine.search("فلاديفوستوخ")  # one letter from both
        assert set(ids(unknown)) == {"typed", "near1", "near2"}
        assert unknown.expanded and unknown.suggestion
        # A document with one word as typed ranks above those found by near spellings.
        mixed = engine.search("فلاديفوستوك فلاديفوستوخ", sort="date")
        assert ids(mixed)[0] == "typed"


@pytest.mark.parametrize(("a", "b"), [
    ("ترامب", "ترمب"), ("بوتين", "بوتن"), ("نتنياهو", "نتانياهو"), ("جونغ", "جونج"),
    ("فياغرا", "فياجرا"), ("أمريكا", "أميركا"), ("غوغل", "جوجل"), ("ڤلاديمير", "فلاديمير"),
    ("پوتين", "بوتين"), ("لترمب", "ترامب"), ("تركيا", "التركية"), ("تركيا", "الأتراك"),
    ("ألمانيا", "الألمان"), ("روسيا", "الروس"),
])
def test_spellings_and_variants_join(a: str, b: str) -> None:
    assert set(analyze(a)) & set(analyze(b)), (analyze(a), analyze(b))


@pytest.mark.parametrize(("a", "b"), [
    ("تركيا", "تركوا"), ("التركية", "ترك"), ("محمد", "محمود"), ("حسن", "حسين"),
    ("سليمان", "سلمان"), ("ميركل", "ماركل"), ("المغرب", "غربية"), ("سورة", "سوريا"),
    ("ترامب", "تراب"), ("السعودية", "سعود"),
])
def test_different_words_stay_apart(a: str, b: str) -> None:
    shared = {t for t in set(analyze(a)) & set(analyze(b)) if not t.startswith("√")}
    assert not shared, (analyze(a), analyze(b))


_LONG_VOWELS_INSIDE = re.compile(r"(?<=.)[اوي](?=.)")


def _skeleton(spelling: str) -> str:
    """A spelling with the letters transliteration varies taken out or folded."""
    return _LONG_VOWELS_INSIDE.sub("", spelling.translate(str.maketrans("جق", "غغ")))


def test_name_spellings_differ_only_in_transliteration_letters() -> None:
    seen: set[str] = set()
    for spellings in name_spellings():
        assert len(spellings) >= 2 and len({_skeleton(s) for s in spellings}) == 1, spellings
        assert not seen & set(spellings), spellings  # one line per name
        seen |= set(spellings)
        assert len({analyze(s)[0] for s in spellings}) == 1, spellings


def test_a_name_finds_every_spelling_ranked_with_them(tmp_path_factory: pytest.TempPathFactory
                                                      ) -> None:
    docs = [{"id": f"a{n}", "body": f"قال الرئيس ترامب في خطاب رقم {n}"} for n in range(3)]
    docs += [{"id": "b", "body": "قال الرئيس ترمب إن بلاده"},
             {"id": "c", "body": "وصرح لترمب مستشاره"},
             {"id": "x", "body": "غطى التراب الطريق"}]
    with SearchEngine(tmp_path_factory.mktemp("names")) as engine:
        engine.add_documents(docs)
        results = engine.search("ترامب")
        assert set(ids(results)) == {"a0", "a1", "a2", "b", "c"} and results.expanded == {}
        assert "[[ترمب]]" in engine.search("ترامب", limit=10)[3].snippet
        assert set(ids(engine.search("ترمب"))) == {"a0", "a1", "a2", "b", "c"}


def test_explain_shows_the_terms_a_word_gets() -> None:
    (info,) = explain("المغربية")
    assert info.stem == "مغرب" and info.terms == ("مغرب", "√غرب")
    (name,) = explain("ترمب")
    assert name.stem == "ترامب"


def test_one_quoted_word_is_that_word_as_written(tmp_path_factory: pytest.TempPathFactory
                                                 ) -> None:
    docs = [{"id": "city", "body": "معارك في حلب"},
            {"id": "ring", "body": "سباق على حلبة السيارات"}]
    with SearchEngine(tmp_path_factory.mktemp("quoted")) as engine:
        engine.add_documents(docs)
        assert set(ids(engine.search("حلب"))) == {"city", "ring"}  # حلبة: the same stem
        for query in ('"حلب"', '+"حلب"', '"حلب" -سباق'):
            assert ids(engine.search(query)) == ["city"], query


def test_a_name_matches_its_own_forms_not_its_stem(tmp_path_factory: pytest.TempPathFactory
                                                   ) -> None:
    """طالبان loses ان to the stemmer (طالب, "student"); the index shows it is a name: in many
    documents, never with the article. Its documents are those with its own forms."""
    assert set(analyze("طالبان")) & set(analyze("طالب"))  # the stems meet
    docs = [{"id": f"t{n}", "body": f"قالت حركة طالبان في البيان رقم {n}"}
            for n in range(MIN_DOCUMENTS)]
    docs += [{"id": "clitic", "body": "هجوم لطالبان في الشمال"},
             {"id": "adjective", "body": "المقاتلون الطالبانيون"},
             {"id": "student", "body": "فاز الطالب بالجائزة"},
             {"id": "students", "body": "تظاهر الطلاب أمس"}]
    docs += [{"id": f"v{n}", "body": f"قال المتحدث وقالت الوزيرة {n}"}
             for n in range(MIN_DOCUMENTS)]
    docs += [{"id": f"e{n}", "body": f"جرت الانتخابات {n}"} for n in range(MIN_DOCUMENTS)]
    docs += [{"id": "bare", "body": "انتخابات مبكرة"}]
    with SearchEngine(tmp_path_factory.mktemp("taliban")) as engine:
        engine.add_documents(docs)
        found = set(ids(engine.search("طالبان", limit=100)))
        assert {"clitic", "adjective"} <= found and not {"student", "students"} & found
        assert "student" in ids(engine.search("طالب", limit=100))  # the word itself: stems
        # A verb takes endings (قالت), a noun the article (الانتخابات): stems, as ever.
        assert list(names(engine._current(), ("طالبان", "قال", "انتخابات"))) == ["طالبان"]
        assert engine.search("انتخابات", limit=1).total == MIN_DOCUMENTS + 1
