"""Common words score documents but do not find them in a big index (ranking.focus)."""

from __future__ import annotations

from pathlib import Path

import pytest

from searchkit import SearchEngine, ranking

DOCS = [{"id": f"common{i}", "body": f"قال الرئيس إن الاقتصاد ينمو {i}"} for i in range(8)] + [
    {"id": "rare", "body": "قال الرئيس إن البركان ثار"},
    {"id": "both", "body": "زار الوزير المعرض"},
]


@pytest.fixture
def engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SearchEngine:
    monkeypatch.setattr(ranking, "COMMON_MIN_DOCS", 3)  # a "big" index of ten documents
    engine = SearchEngine(tmp_path / "ix")
    engine.add_documents(DOCS)
    return engine


def test_rare_words_find_and_common_words_only_rank(engine: SearchEngine) -> None:
    results = engine.search("الرئيس البركان")
    assert [h.id for h in results] == ["rare"]  # not the eight with الرئيس alone


def test_only_common_words_are_all_required(engine: SearchEngine) -> None:
    results = engine.search("الرئيس الاقتصاد")
    assert results.total == 8
    assert {h.id for h in engine.search("الرئيس الاقتصاد", limit=20)} == {
        f"common{i}" for i in range(8)}


def test_small_index_searches_every_word(tmp_path: Path) -> None:
    with SearchEngine(tmp_path / "ix") as engine:
        engine.add_documents(DOCS)
        assert engine.search("الرئيس البركان").total == 9
