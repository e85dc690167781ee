"""Scoring with arrays (searchkit.postings, searchkit.scoring) against Whoosh's own matchers."""

from __future__ import annotations

import random
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from whoosh import query
from whoosh.searching import Searcher
from whoosh.util.times import datetime_to_long

from searchkit import QueryError, SearchEngine
from searchkit.postings import (
    IndexArrays,
    PostingsCache,
    read_column,
    read_lengths,
    read_postings,
)
from searchkit.query import expand, parse
from searchkit.ranking import BM25_B, BM25_K1, focus
from searchkit.scoring import evaluate, ranks_only
from searchkit.search import collect

WORDS = [
    "الرئيس", "بوتين", "كيم", "موسكو", "زيارة", "الصواريخ", "النفط", "أسعار", "مجلس", "الأمن",
    "القمة", "الشمالية", "روسيا", "والصين", "لبنان", "إيران", "الحكومة", "الاقتصاد", "قال",
    "المؤتمر", "التعاون", "العسكري",
]
SOURCES = ("alhayat", "AlArabiya", "sabq")
QUERIES = [
    "بوتين", "الرئيس الروسي بوتين", "زيارة كيم إلى موسكو", "+موسكو -بكين", "أسعار النفط",
    '"مجلس الأمن"', "كيم AND (بوتين OR الصين) NOT لبنان", "title:القمة", "صوار*",
    "النفط source:alhayat", "source:alhayat category:politics", "الحكومة date:2018",
    "since:2018-03 until:2018-06", "روسيا OR إيران", "-لبنان الاقتصاد",
    '"الرئيس بوتين موسكو"', '"قال في الحكومة"', '"النفط النفط"', '"كيم روسيا"~3 النفط',
    '"التعاون العسكري" -"مجلس الأمن"',
]


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> SearchEngine:
    """Three segments (three commits), replaced and deleted documents, 300+ documents so
    common terms span several posting blocks."""
    rng = random.Random(5)
    path = tmp_path_factory.mktemp("scoring") / "ix"
    engine = SearchEngine(path)

    def doc(n: int) -> dict[str, object]:
        body = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 60)))
        return {"id": str(n), "title": " ".join(rng.sample(WORDS, 3)), "body": body,
                "source": rng.choice(SOURCES), "category": rng.choice(("politics", "")) or None,
                "date": datetime(2018, rng.randint(1, 12), 1) if n % 5 else None}

    for batch in range(3):
        engine.add_documents(doc(n) for n in range(batch * 120, batch * 120 + 120))
    engine.add_documents([doc(n) for n in range(0, 40)])  # replaced: old copies deleted
    engine.add_documents([{"id": "copy", "body": engine.get("7").body}])  # a duplicate body
    return engine


def _compare(engine: SearchEngine, text: str, **options: Any) -> None:
    """Collecting over arrays against references built another way: the matching set from
    each term's postings and set operations, folding, date order and facets from Whoosh's
    stored columns, scores from Whoosh's own scored search (which may skip matches -- its
    matchers prune -- so only the documents it returns are compared)."""
    arrays = engine._current()
    searcher = arrays.searcher
    parsed = parse(engine._parser, text)
    q = expand(parsed.query, searcher.reader())
    if parsed.plain:
        q = focus(q, searcher.reader(), parsed.words)
    found = collect(arrays, q, limit=15, **options)
    matching = _matching(searcher, q)
    fold = options.get("fold", True)
    kept: dict[object, int] = {}
    for docnum in sorted(matching):
        body = searcher.stored_fields(docnum)["hash"] if fold else docnum
        kept.setdefault(body, docnum)
    assert found.total == len(kept), text
    assert found.folded == len(matching) - len(kept), text
    if options.get("sort") == "date":
        def newest_first(docnum: int) -> tuple[bool, float, int]:
            date = searcher.stored_fields(docnum).get("date")
            return date is None, -date.timestamp() if date else 0.0, docnum
        expected = sorted(kept.values(), key=newest_first)[:15]
        assert [d for _, d in found.page] == expected, text
        sources = Counter(searcher.stored_fields(d).get("source") for d in kept.values())
        assert found.facets is not None and found.facets.source == {
            source: n for source, n in sources.most_common() if source}, text
        return
    assert {d for _, d in found.page} <= set(kept.values())
    scores = [score for score, _ in found.page]
    assert scores == sorted(scores, reverse=True)
    scored = evaluate(q, arrays, BM25_K1, BM25_B)
    whoosh = searcher.search(q, limit=15, optimize=False).top_n
    for score, docnum in whoosh:
        assert scored.score[docnum] == pytest.approx(score, rel=1e-4), text
    if whoosh and not options.get("offset"):  # the best is at least as good as Whoosh's
        assert scores[0] >= whoosh[0][0] * (1 - 1e-6)


def _matching(searcher: Searcher, q: query.Query) -> set[int]:
    """The documents ``q`` matches, from each term's postings and set operations (Whoosh's
    compound matchers are not a reliable reference: some skip matches)."""
    if isinstance(q, query.DateRange):  # dates are a column, with no terms
        return {d for d in range(searcher.doc_count_all()) if not searcher.reader().is_deleted(d)
                and _in_range(searcher.stored_fields(d).get("date"), q)}
    if isinstance(q, query.Term) and ranks_only(q):
        return set()  # a root ranks documents other terms find
    if isinstance(q, (query.Term, query.Phrase)):
        return set(searcher.docs_for_query(q))
    parts = [_matching(searcher, child) for child in q.children()]
    if isinstance(q, query.Or):
        return set().union(*parts)
    if isinstance(q, query.And):
        return set.intersection(*parts)
    if isinstance(q, query.AndNot):
        return parts[0] - parts[1]
    if isinstance(q, query.Require):
        return parts[0] & parts[1]
    assert isinstance(q, query.AndMaybe)
    return parts[0]


def _in_range(date: datetime | None, q: query.DateRange) -> bool:
    """Whether a stored date is in the range (compared as Whoosh's numbers, as indexed)."""
    if date is None:
        return False
    value = datetime_to_long(date)
    if q.start is not None and (value <= q.start if q.startexcl else value < q.start):
        return False
    return q.end is None or (value < q.end if q.endexcl else value <= q.end)


@pytest.mark.parametrize("text", QUERIES)
def test_arrays_rank_like_whoosh(engine: SearchEngine, text: str) -> None:
    _compare(engine, text)
    _compare(engine, text, sort="date", facets=True)
    _compare(engine, text, fold=False, offset=5)


def test_total_does_not_depend_on_the_page_size(engine: SearchEngine) -> None:
    totals = {engine.search("الرئيس بوتين موسكو", limit=n).total for n in (1, 2, 10, 50)}
    assert len(totals) == 1


def test_postings_lengths_and_columns_read_as_whoosh_reads_them(engine: SearchEngine) -> None:
    searcher = engine._current().searcher
    checked = 0
    for reader, _ in searcher.reader().leaf_readers():
        for name in ("hash", "source", "category", "date"):
            if reader.has_column(name):
                assert read_column(reader, name) == list(
                    reader.column_reader(name, translate=False))
        for field in ("body", "body_exact", "title"):
            lengths = read_lengths(reader, field)
            assert lengths.tolist() == [reader.doc_field_length(d, field) or 0
                                        for d in range(reader.doc_count_all())]
            for text in reader.lexicon(field):
                term = text.decode("utf-8")
                ids, freqs = read_postings(reader, field, term)
                assert len(ids) == reader.doc_frequency(field, term)  # deleted ones too
                expected = list(reader.postings(field, term).items_as("weight"))
                assert [(d, w) for d, w in zip(ids.tolist(), freqs.tolist(), strict=True)
                        if d not in reader.deleted_docs_set] == expected
                checked += len(ids)
    assert checked > 5000  # multi-block postings were among them


def test_postings_read_together_are_each_term_s_postings_over_the_segments(
        engine: SearchEngine) -> None:
    """IndexArrays.postings_of (one look-up and one decode for many terms) gives each term's
    postings in every segment, offset and joined; positions restricted to some documents
    come from their segments only."""
    searcher = engine._current().searcher
    leaves = searcher.reader().leaf_readers()
    assert len(leaves) >= 3
    terms = sorted({(field, text.decode("utf-8")) for reader, _ in leaves
                    for field in ("body", "body_exact", "title", "source", "hash")
                    for text in reader.lexicon(field)})
    terms += [("body", "غائب"), ("no_such_field", "بوتين")]
    arrays = IndexArrays(searcher, PostingsCache())
    found = arrays.postings_of(terms)
    for (field, text), (ids, freqs) in zip(terms, found, strict=True):
        parts = [(read_postings(reader, field, text), offset) for reader, offset in leaves
                 if field in reader.schema]
        assert ids.tolist() == [d + offset for (part, _), offset in parts
                                for d in part.tolist()], (field, text)
        assert freqs.tolist() == [f for (_, part), _ in parts for f in part.tolist()]
    assert all(a[0] is b[0] for a, b in zip(found, arrays.postings_of(terms), strict=True))
    everywhere = arrays.positions("body_exact", "بوتين")
    second, after = leaves[1][1], leaves[2][1]
    inside = (everywhere >> 32 >= second) & (everywhere >> 32 < after)
    assert inside.any() and not inside.all()
    some = np.array([second + 1, after - 1])
    assert arrays.positions("body_exact", "بوتين", some).tolist() == everywhere[inside].tolist()


def test_deleted_documents_never_match(engine: SearchEngine) -> None:
    arrays = IndexArrays(engine._current().searcher, PostingsCache())
    deleted = np.flatnonzero(arrays.deleted())
    assert len(deleted) == 40
    results = engine.search("الرئيس OR بوتين OR كيم OR موسكو", limit=1000, fold_duplicates=False)
    assert len({hit.id for hit in results}) == len(results) == results.total


def test_cache_keeps_to_its_budget_dropping_the_least_recently_used() -> None:
    cache = PostingsCache(max_bytes=3 * 800)
    for key in ("a", "b", "c"):
        cache.get(key, lambda: np.zeros(100))  # 800 bytes each
    cache.get("a", lambda: pytest.fail("cached"))  # "a" is now the most recent
    cache.get("d", lambda: np.zeros(100))
    assert cache.size <= cache.max_bytes
    recomputed = []
    cache.get("b", lambda: recomputed.append("b") or np.zeros(100))
    cache.get("a", lambda: recomputed.append("a") or np.zeros(100))
    assert recomputed == ["b"]


def test_every_document_and_not(engine: SearchEngine) -> None:
    arrays = engine._current()
    everything = collect(arrays, query.Every(), limit=5, fold=False)
    assert everything.total == engine.count()
    titled = collect(arrays, query.Every("title"), limit=5, fold=False)
    assert titled.total == engine.count() - 1  # the copy has no title
    putin = collect(arrays, query.Term("body_exact", "بوتين"), limit=5, fold=False).total
    others = collect(arrays, query.Not(query.Term("body_exact", "بوتين")), limit=5, fold=False)
    assert others.total == engine.count() - putin


def test_a_query_kind_the_parser_never_makes_is_refused(engine: SearchEngine) -> None:
    with pytest.raises(QueryError, match="cannot run a Wildcard query"):
        collect(engine._current(), query.Wildcard("body", "بو*"), limit=5)


def test_empty_index_searches(tmp_path: Path) -> None:
    with SearchEngine(tmp_path / "ix") as engine:
        results = engine.search("بوتين", facets=True, sort="date")
        assert results.total == 0 and not results.hits


def test_a_term_only_in_deleted_documents(tmp_path: Path) -> None:
    with SearchEngine(tmp_path / "ix") as engine:
        engine.add_documents([{"id": "a", "body": "وصل الرئيس إلى موسكو"},
                              {"id": "b", "body": "مباراة في بيروت"}])
        engine.add_documents([{"id": "a", "body": "نص جديد عن طهران"}])
        assert engine.search("موسكو").total == 0
        assert sorted(hit.id for hit in engine.search("طهران OR بيروت")) == ["a", "b"]
        reader = engine._current().searcher.reader().leaf_readers()[0][0]
        ids, _ = read_postings(reader, "body_exact", "موسكو")
        assert ids.tolist() == [0]  # still in the segment, masked as deleted
