"""The query language end to end on small Arabic documents: operators, fields, wildcards,
dates, and one-line errors for malformed queries."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice
from pathlib import Path

import pytest
from whoosh.query import Query

from searchkit import QueryError, SearchEngine

DOCS = [
    {"id": "vlad", "title": "كيم جونغ أون في فلاديفوستوك",
     "body": "وصل الزعيم الكوري كيم جونغ أون إلى فلاديفوستوك للقاء الرئيس بوتين.",
     "date": "2019-04-24", "source": "AlHayat", "category": "Politics"},
    {"id": "summit", "title": "قمة في موسكو",
     "body": "التقى بوتين والرئيس الصيني شي في موسكو لبحث الصواريخ.",
     "date": "2023-03-21", "source": "Asharq", "category": "politics"},
    {"id": "beijing", "title": "زيارة بكين",
     "body": "زار كيم جونغ أون بكين والتقى الرئيس شي في قمة ثنائية.",
     "date": "2018-03-27", "source": "Asharq", "category": "Politics"},
    {"id": "sport", "title": "مباراة",
     "body": "فاز الفريق في مباراة كرة السلة في بيروت أمس.",
     "date": "2018-06-02", "source": "Annahar", "category": "Sport"},
]


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SearchEngine]:
    with SearchEngine(tmp_path_factory.mktemp("ix")) as engine:
        engine.add_documents(DOCS)
        yield engine


def ids(engine: SearchEngine, text: str, **options: object) -> set[str]:
    return {hit.id for hit in engine.search(text, **options)}  # type: ignore[arg-type]


def test_words_phrases_required_and_excluded(engine: SearchEngine) -> None:
    assert ids(engine, "بوتين") == {"vlad", "summit"}
    assert ids(engine, '"كيم جونغ أون"') == {"vlad", "beijing"}
    # Stop words inside a phrase keep their place: "في" between the words is allowed for.
    assert ids(engine, '"مباراة كرة السلة في بيروت"') == {"sport"}
    assert ids(engine, "+كيم -بكين") == {"vlad"}
    assert ids(engine, "كيم -بكين") == {"vlad"}


def test_boolean_operators_and_parentheses(engine: SearchEngine) -> None:
    assert ids(engine, "كيم AND بوتين") == {"vlad"}
    assert ids(engine, "(بكين OR موسكو) NOT كيم") == {"summit"}
    assert ids(engine, "كيم AND NOT فلاديفوستوك") == {"beijing"}
    # Lowercase operators are words: "and" is looked for, and nothing has it but كيم.
    assert ids(engine, "كيم and بوتين") == {"vlad", "beijing", "summit"}


def test_field_queries(engine: SearchEngine) -> None:
    assert ids(engine, "title:بكين") == {"beijing"}
    assert ids(engine, "body:بكين") == {"beijing"}
    assert ids(engine, "title:موسكو") == {"summit"}
    assert ids(engine, 'title:"زيارة بكين"') == {"beijing"}
    # source: and category: are case-insensitive filters next to words.
    assert ids(engine, "الرئيس source:ASHARQ") == {"summit", "beijing"}
    assert ids(engine, "الرئيس category:politics -source:asharq") == {"vlad"}
    assert ids(engine, "الرئيس (source:alhayat OR source:annahar)") == {"vlad"}


def test_prefix_wildcard_and_fuzzy_are_normalized(engine: SearchEngine) -> None:
    assert ids(engine, "فلادي*") == {"vlad"}
    assert ids(engine, "الصوار*") == {"summit"}
    assert ids(engine, "أون*") == {"vlad", "beijing"}  # أ typed, اون indexed
    assert ids(engine, "بي؟وت") == {"sport"}  # ؟ inside a word: any one letter
    assert ids(engine, "فلاديفستوك~") == {"vlad"}
    hit = engine.search("فلادي*")[0]
    assert "[[فلاديفوستوك]]" in hit.snippet


def test_date_ranges_in_the_query(engine: SearchEngine) -> None:
    assert ids(engine, "الرئيس date:2018") == {"beijing"}
    assert ids(engine, "الرئيس date:2019-04") == {"vlad"}
    assert ids(engine, "الرئيس date:2018-01..2019-12") == {"beijing", "vlad"}
    assert ids(engine, "الرئيس since:2019") == {"vlad", "summit"}
    assert ids(engine, "الرئيس until:2019-04-24") == {"beijing", "vlad"}
    assert ids(engine, "الرئيس date:..2018") == {"beijing"}
    assert ids(engine, "الرئيس -date:2019") == {"beijing", "summit"}
    assert ids(engine, "since:2023") == {"summit"}  # dates alone browse


@pytest.mark.parametrize(("text", "message"), [
    ("date:2018-13", "bad date"),
    ("date:yesterday", "bad date"),
    ("date:2019..2018", "empty date range"),
    ("NOT كيم", "only excludes"),
    ("-كيم", "only excludes"),
    ("؟! * ..", "no searchable words"),
])
def test_malformed_queries_say_what_is_wrong(engine: SearchEngine, text: str,
                                              message: str) -> None:
    with pytest.raises(QueryError, match=message):
        engine.search(text)


def test_unmatched_quotes_and_parentheses_are_read_as_text(engine: SearchEngine) -> None:
    assert ids(engine, '"كيم جونغ') == ids(engine, "كيم جونغ")
    assert ids(engine, "(بكين OR موسكو") == {"beijing", "summit"}
    assert ids(engine, "موسكو)") == {"summit"}
    assert ids(engine, "أين موسكو؟(روسيا)") == {"summit"}


def test_wildcard_matching_too_many_words_is_refused(tmp_path: Path) -> None:
    words = " ".join(f"كتاب{chr(0x0628 + i % 20)}{chr(0x0628 + i // 20)}" for i in range(600))
    with SearchEngine(tmp_path / "ix") as engine:
        engine.add_documents([{"id": "1", "body": words}])
        with pytest.raises(QueryError, match="more than 512 words"):
            engine.search("كتاب*")
        assert engine.search("كتابب*").total == 1


@pytest.mark.parametrize("text", [
    "كيم جونغ أون", "الرئيسُ بوتين في موسكو", "كيم كيم في", "لسكان ولروسيا", "ﷺ محمد",
    "3.5 km Putin", "هل يلتزم المنتجون في مصر باتفاق عدم رفع أسعار السلع",
])
def test_plain_words_built_without_the_parser_as_the_parser_builds_them(
        engine: SearchEngine, text: str) -> None:
    from searchkit.query import _rewrite, parse

    parsed = parse(engine._parser, text)
    assert parsed.plain
    assert parsed.query == _rewrite(engine._parser.parse(text), text).normalize()


def _shape(q: Query) -> tuple[object, ...]:
    """Everything of a query that scoring reads, children in order (``==`` leaves out the
    scale of an OR and the slop of a phrase)."""
    if q.is_leaf():
        return (type(q).__name__, q.fieldname, getattr(q, "text", None),
                tuple(getattr(q, "words", None) or ()), getattr(q, "slop", None),
                round(q.boost, 6))
    return (type(q).__name__, getattr(q, "scale", None), round(q.boost, 6),
            tuple(map(_shape, q.children())))


QUOTED = [
    'تورط "سيارة ذاتية القيادة" في حادث', 'أردوغان: لغة التهديد لن تفيد أحدا',
    'بعد حكم العدل الدولية.. جواد ظريف: هزيمة أخرى لأمريكا', '"كيم جونغ أون" و"بوتين"',
    'مؤسس مجموعة "علي بابا" يزور', '"في عن" ثم', '"الرئيس الروسي" "في موسكو"',
    'لماذا "تعذر" الاتفاق: الأسباب', '"كيم"', '"الرئيس الروسي" بوتين "مجلس الأمن"',
    'ترامب: "كيم جونغ أون" لم يأت إلى "القمة في سنغافورة"',
]


def _built_as_the_parser_builds(engine: SearchEngine, texts: list[str]) -> int:
    """Check that each query the quick way takes gives what the parser gives; how many."""
    from searchkit.query import _prepare, _quoted_query, _syntax_query

    quick = 0
    for text in texts:
        cleaned = _prepare(text).text
        built = _quoted_query(engine._ix.schema, cleaned)
        if built is not None:
            quick += 1
            assert _shape(built) == _shape(_syntax_query(engine._parser, text, cleaned)), text
    return quick


def test_quotes_and_title_colons_built_without_the_parser_as_the_parser_builds_them(
        engine: SearchEngine) -> None:
    # Left to the parser: a phrase of stop words only.
    assert _built_as_the_parser_builds(engine, QUOTED) == len(QUOTED) - 1


def test_ant_titles_with_quotes_or_colons_built_as_the_parser_builds_them(
        engine: SearchEngine, corpora: Path) -> None:
    import gzip
    import json

    with gzip.open(corpora / "news" / "ant-multisource-v2.1.jsonl.gz", "rt") as fh:
        titles = [json.loads(line)["title"] or "" for line in islice(fh, 3000)]
    quoted = [t for t in titles if '"' in t or ":" in t]
    assert _built_as_the_parser_builds(engine, quoted) > len(quoted) // 2


def test_a_hyphen_inside_a_word_is_text_not_an_exclusion(engine: SearchEngine) -> None:
    assert {hit.id for hit in engine.search("كيم-جونغ")} == {"vlad", "beijing"}
    assert {hit.id for hit in engine.search("كيم-جونغ AND بكين")} == {"beijing"}
    assert {hit.id for hit in engine.search("بوتين -كيم")} == {"summit"}
    assert {hit.id for hit in engine.search("+بوتين -(كيم OR شي)")} == set()
    assert {hit.id for hit in engine.search("بوتين -(كيم OR مباراة)")} == {"summit"}
