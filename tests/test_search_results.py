"""Search results through the API: filters, order, paging, facets, duplicates, near spellings,
get, similar, phrase ranking and sharing one engine between threads."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from conftest import run_threads

from searchkit import Document, QueryError, SearchEngine, SearchkitError

SUMMIT = "التقى بوتين وكيم جونغ أون في قمة تاريخية في فلاديفوستوك لبحث التعاون العسكري."
DOCS = [
    {"id": "a1", "title": "قمة فلاديفوستوك", "body": SUMMIT, "date": "2019-04-25",
     "source": "AlHayat", "category": "Politics"},
    {"id": "a2", "title": "نسخة من الخبر", "body": SUMMIT, "date": "2019-04-26",
     "source": "alhayat", "category": "politics"},
    {"id": "a3", "title": "نسخة ثالثة", "body": SUMMIT, "date": "2019-04-27",
     "source": "Asharq", "category": "Politics"},
    {"id": "b1", "title": "كيم في بكين",
     "body": "زار كيم جونغ أون بكين والتقى الرئيس شي لبحث التعاون الاقتصادي.",
     "date": "2018-03-27", "source": "Asharq", "category": "Politics"},
    {"id": "b2", "title": "بوتين في الهند",
     "body": "بحث بوتين مع رئيس الوزراء الهندي التعاون العسكري والطاقة.",
     "date": "2021-12-06", "source": "Asharq", "category": "Economy"},
    {"id": "c1", "title": "مباراة", "body": "فاز الفريق في مباراة كرة السلة في بيروت.",
     "source": "Annahar", "category": "Sport"},
]


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SearchEngine]:
    with SearchEngine(tmp_path_factory.mktemp("ix")) as engine:
        engine.add_documents(DOCS)
        yield engine


def test_duplicates_fold_into_one_hit_with_a_count(engine: SearchEngine) -> None:
    results = engine.search("فلاديفوستوك")
    assert [h.id for h in results] == ["a1"]
    assert results[0].duplicates == 2
    assert (results.total, results.folded) == (1, 2)
    everything = engine.search("فلاديفوستوك", fold_duplicates=False)
    assert {h.id for h in everything} == {"a1", "a2", "a3"}
    assert everything.total == 3 and all(h.duplicates == 0 for h in everything)


def test_filters_are_case_insensitive_and_total_counts_after_them(engine: SearchEngine) -> None:
    assert {h.id for h in engine.search("التعاون", source="ASHARQ")} == {"a3", "b1", "b2"}
    assert engine.search("التعاون", source="asharq").total == 3
    assert {h.id for h in engine.search("التعاون", category=["economy", "SPORT"])} == {"b2"}
    assert {h.id for h in engine.search("التعاون", since="2019", until="2019-04")} == {"a1"}
    assert {h.id for h in engine.search("التعاون", until=date(2018, 12, 31))} == {"b1"}
    assert engine.search("التعاون", since="2022").total == 0


def test_sort_by_date_and_paging(engine: SearchEngine) -> None:
    newest = engine.search("التعاون", sort="date")
    assert [h.id for h in newest] == ["b2", "a1", "b1"]
    assert engine.search("التعاون", sort="date", limit=2, offset=1).hits[0].id == "a1"
    page = engine.search("التعاون", limit=1, offset=2)
    assert len(page) == 1 and page.total == 3 and page.offset == 2
    assert [h.id for h in engine.search("كيم", sort="date", fold_duplicates=False)][:1] == ["a3"]
    with pytest.raises(QueryError, match="sort must be"):
        engine.search("كيم", sort="oldest")  # type: ignore[arg-type]


def test_facets_count_the_whole_result_set(engine: SearchEngine) -> None:
    results = engine.search("التعاون", limit=1, facets=True)
    assert len(results) == 1
    facets = results.facets
    assert facets is not None
    # a2 and a3 are folded into a1: counted once, as the results are.
    assert facets.source == {"Asharq": 2, "AlHayat": 1}
    assert facets.category == {"Politics": 2, "Economy": 1}
    assert facets.month == {"2021-12": 1, "2019-04": 1, "2018-03": 1}
    assert results.to_dict()["facets"]["month"]["2019-04"] == 1
    assert engine.search("التعاون").facets is None


def test_near_spellings_searched_and_suggested_when_little_is_found(
        engine: SearchEngine) -> None:
    results = engine.search("فلاديفستوك")  # one letter short
    assert [h.id for h in results] == ["a1"]
    assert results.expanded == {"فلاديفستوك": ("فلاديفوستوك",)}
    assert results.suggestion == "فلاديفوستوك"
    assert "[[فلاديفوستوك]]" in results[0].snippet
    # Spellings of one name are the same word, not near spellings: no broadening.
    jong = engine.search("كيم جونج")
    assert "[[جونغ]]" in jong[0].snippet
    assert jong.expanded == {} and jong.suggestion is None
    # A query that finds enough is left alone.
    plenty = engine.search("التعاون")
    assert plenty.expanded == {} and plenty.suggestion is None


def test_phrase_matches_rank_above_scattered_words(tmp_path: Path) -> None:
    with SearchEngine(tmp_path / "ix") as engine:
        engine.add_documents([
            {"id": "scattered", "body": "قال الرئيس إن الأمن مهم وإن مجلس النواب سيجتمع"},
            {"id": "phrase", "body": "اجتمع مجلس الأمن أمس في نيويورك وقال الرئيس كلمته"},
        ])
        assert [h.id for h in engine.search("مجلس الأمن")] == ["phrase", "scattered"]


def test_get_returns_the_whole_document(engine: SearchEngine) -> None:
    doc = engine.get("a1")
    assert isinstance(doc, Document)
    assert (doc.id, doc.title, doc.body, doc.source) == ("a1", "قمة فلاديفوستوك", SUMMIT,
                                                         "AlHayat")
    assert doc.date is not None and doc.date.date() == date(2019, 4, 25)
    assert engine.get("missing") is None


def test_similar_leaves_out_the_document_and_its_copies(engine: SearchEngine) -> None:
    results = engine.similar("a1")
    found = [h.id for h in results]
    assert found and not {"a1", "a2", "a3"} & set(found)
    assert found[0] in {"b1", "b2"}
    assert "c1" not in found
    with pytest.raises(SearchkitError, match="no document"):
        engine.similar("missing")


def test_one_engine_searched_from_many_threads(engine: SearchEngine) -> None:
    queries = ["التعاون", "كيم", "بوتين", "فلاديفوستوك", "مباراة", "بكين"]
    expected = {q: [(h.id, h.snippet) for h in engine.search(q)] for q in queries}
    def work(offset: int) -> None:
        for i in range(60):
            q = queries[(i + offset) % len(queries)]
            assert [(h.id, h.snippet) for h in engine.search(q)] == expected[q]

    assert not run_threads(work, 6)


def test_searching_while_another_thread_adds_documents(tmp_path: Path) -> None:
    with SearchEngine(tmp_path / "ix") as engine:
        engine.add_documents([{"id": "0", "body": "خبر عن الانتخابات"}])
        errors: list[BaseException] = []
        done = threading.Event()

        def search() -> None:
            try:
                while not done.is_set():
                    results = engine.search("الانتخابات")
                    assert results.total == len(results) >= 1
            except BaseException as exc:  # reported below
                errors.append(exc)

        readers = [threading.Thread(target=search) for _ in range(3)]
        for t in readers:
            t.start()
        for n in range(1, 6):
            engine.add_documents([{"id": str(n), "body": f"خبر رقم {n} عن الانتخابات"}])
        done.set()
        for t in readers:
            t.join()
        assert not errors
        assert engine.search("الانتخابات").total == 6


def test_match_spans_are_the_whole_tokens_the_tokenizer_finds() -> None:
    """Marked spans are the tokenizer's words that match, whatever surrounds them (spaces,
    punctuation, other words of the same run between spaces)."""
    import random

    from searchkit.analysis import WORD_PATTERN, token_terms
    from searchkit.snippets import QueryTerms, match_spans

    text = ("قال 3.5 و5 ولبنان لبنان، لبنانية (لبنان) 1,000 و1 الصواريخ والصواريخ "
            "الصَّوارِيخُ ـلبنان لبنان‏ km kmh 5.5.5 ٣٫٥ ٥ x5 5x لبنان\nلبنان\t«لبنان»"
            "/لبنان/الصواريخ لبنان")
    rng = random.Random(4)
    words = sorted(set(WORD_PATTERN.findall(text)))
    for n in range(200):
        found = [pair for word in rng.sample(words, rng.randint(1, 4))
                 for pair in token_terms(word)]
        terms = QueryTerms(frozenset(exact for exact, _ in found) if n % 2 else frozenset(),
                           frozenset(s for _, stems in found for s in stems[:1]))
        expected = [m.span() for m in WORD_PATTERN.finditer(text)
                    if terms.matches_token(m.group())]
        assert match_spans(text, terms) == expected


def test_snippets_counted_from_the_index_mark_what_a_full_analysis_marks(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Snippets that stop analyzing new words once the index's counts are met mark the same
    words as analyzing every word, and analyze fewer."""
    import random

    from searchkit import snippets
    from searchkit.index import stored_body
    from searchkit.snippets import _PieceKeys, make_snippet

    rng = random.Random(8)
    vocabulary = ["الصواريخ", "صاروخ", "والصاروخ", "بصواريخها", "صوتية", "الصوت", "مدرسة",
                  "المدارس", "لبنان", "اللبنانية", "ولبنان", "بوتين", "مُحَمَّدٌ", "قال",
                  "كتب", "الكاتب", "المكتبة", "زيارة", "زيارته", "في", "ﷺ", "3.5"]
    with SearchEngine(tmp_path / "ix") as engine:
        bodies = [" ".join(rng.choice(vocabulary) + rng.choice(["", "", "،", "."])
                           for _ in range(80)) for _ in range(40)]
        engine.add_documents({"id": str(n), "body": body} for n, body in enumerate(bodies))
        for query in ["صواريخ", "صوت لبنان", "الكاتب مدرسة", '"زيارته لبنان"', "محمد 3.5",
                      "صو*"]:
            monkeypatch.setattr(snippets, "_PIECE_KEYS", _PieceKeys())  # every piece new
            results = engine.search(query, limit=10)
            analyzed = len(snippets._PIECE_KEYS)
            assert results.hits, query
            for hit in results.hits:
                with engine._reading() as arrays:
                    body = stored_body(arrays.searcher.document(id=hit.id))
                full = make_snippet(body, _terms(engine, query))
                assert hit.highlights == full, query
            pieces = {piece for body in bodies for piece in body.split()}
            assert analyzed < len(pieces), query


def _terms(engine: SearchEngine, text: str) -> object:
    from searchkit.query import expand, parse, query_terms

    with engine._reading() as arrays:
        return query_terms(expand(parse(engine._parser, text).query, arrays.searcher.reader()))


_MEMO_WORDS = ["الصواريخ", "صاروخ", "والصاروخ", "بصواريخها", "صوتية", "الصوت", "مدرسة",
               "المدارس", "لبنان", "اللبنانية", "ولبنان", "مُحَمَّدٌ", "كتب", "الكاتب",
               "المكتبة", "زيارة", "زيارته", "في", "درس", "يدرسون", "ﷺ", "3.5"]


def _check_matching(seed: int, rounds: int) -> None:
    """Queries' matching words among random words, against a full analysis of each word."""
    import random

    from searchkit.analysis import token_terms
    from searchkit.snippets import QueryTerms

    def keys(word: str) -> set[str]:
        return {key for exact, stems in token_terms(word) for key in ("\0" + exact, *stems)}

    def query(*words: str) -> QueryTerms:
        found = [pair for word in words for pair in token_terms(word)]
        return QueryTerms(frozenset(e for e, _ in found),
                          frozenset(s for _, stems in found for s in stems))

    rng = random.Random(seed)
    queries = [query("صاروخ"), query("لبنان", "مدرسة"), query("كتاب", "محمد"), query("زيارات")]
    for _ in range(rounds):
        q = rng.choice(queries)
        words = rng.sample(_MEMO_WORDS, rng.randint(1, 8))
        expected = {w for w in words if keys(w) & q._keys}
        assert set(q.matching(words)) == expected, words


def test_matching_words_stay_right_as_the_memo_grows_and_starts_again(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The words a query matches, found through the memo's index of analyzed words, are those
    a full analysis finds: while other queries analyze new words, and after the memo is
    emptied for being full; also with searches in several threads at once."""
    from concurrent.futures import ThreadPoolExecutor

    from searchkit import snippets
    from searchkit.snippets import _PieceKeys

    book = _PieceKeys()
    book.LIMIT = 12
    monkeypatch.setattr(snippets, "_PIECE_KEYS", book)
    _check_matching(3, 300)
    assert book.generation > 3  # the memo started again several times
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(_check_matching, range(8), [300] * 8))
