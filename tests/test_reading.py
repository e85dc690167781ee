"""Pasted text as a query: quotes of every kind, soft inside a longer query and strict alone;
text that looks like syntax read as text, with a note; no refusal but for no word at all."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from searchkit import QueryError, SearchEngine
from searchkit.query import parse

DOCS = [
    {"id": "phrase", "body": "حذرت دراسة من أن تناول الفياغرا الحوامل يضر بالأجنة"},
    {"id": "apart", "body": "قالت الدراسة إن حبوب الفياغرا قد تضر النساء الحوامل"},
    {"id": "one", "body": "أعلنت الشركة عن الفياغرا الجديدة"},
    {"id": "cnn", "body": "قالت شبكة CNN إن الرئيس وصل إلى موسكو"},
    {"id": "other", "body": "وصل الوفد إلى القاهرة"},
]


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SearchEngine]:
    with SearchEngine(tmp_path_factory.mktemp("reading")) as engine:
        engine.add_documents(DOCS)
        yield engine


def ids(results: object) -> list[str]:
    return [hit.id for hit in results]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "quoted", ['"الفياغرا الحوامل"', "«الفياغرا الحوامل»", "“الفياغرا الحوامل”"])
def test_a_quote_in_a_longer_query_ranks_the_phrase_first_and_keeps_the_rest(
        engine: SearchEngine, quoted: str) -> None:
    results = engine.search(f"{quoted} تضر بالأجنة")
    assert ids(results)[0] == "phrase"
    assert "apart" in ids(results)  # its words apart still match
    assert any("quoted" in note for note in results.notes)


@pytest.mark.parametrize("query", ['"الفياغرا الحوامل"', "«الفياغرا الحوامل»",
                                   '+"الفياغرا الحوامل" تضر'])
def test_a_quote_alone_or_required_is_strict(engine: SearchEngine, query: str) -> None:
    assert ids(engine.search(query)) == ["phrase"]


def test_text_that_looks_like_syntax_is_read_as_text(engine: SearchEngine) -> None:
    cnn = engine.search("CNN: الرئيس موسكو")
    assert ids(cnn)[0] == "cnn" and cnn.notes == ("'CNN:' read as text: not a field",)
    for query in ("أين الفياغرا ؟!", "الفياغرا ..", "الفياغرا * -", "[الفياغرا]",
                  "الفياغرا (", "body: الفياغرا", "ف* الفياغرا", "+ الفياغرا ~ ^"):
        results = engine.search(query)
        assert set(ids(results)) >= {"phrase", "apart", "one"}, query
    assert engine.search("الفياغرا * -").notes == ("'*' read as text", "'-' read as text")
    assert "wildcard" in engine.search("ف* الفياغرا").notes[0]
    # The syntax still works where it is syntax.
    excluded = engine.search("الفياغرا -الجديدة")
    assert set(ids(excluded)) == {"phrase", "apart"} and excluded.notes == ()
    assert ids(engine.search('body:"الفياغرا الحوامل"')) == ["phrase"]


def test_only_stop_words_finds_nothing_and_says_which(engine: SearchEngine) -> None:
    results = engine.search("أين نحن ..")
    assert results.total == 0
    assert results.notes == ("only stop words, which are not indexed: اين, نحن",)
    with pytest.raises(QueryError, match="no searchable words"):
        engine.search("؟! ..")


def test_every_ant_headline_is_a_query(engine: SearchEngine, corpora: Path) -> None:
    with gzip.open(corpora / "news" / "ant-multisource-v2.1.jsonl.gz", "rt",
                   encoding="utf-8") as fh:
        titles = [t for line in fh if (t := json.loads(line)["title"])]
    refused = []
    for title in titles:
        try:
            parse(engine._parser, title)
        except QueryError as exc:
            refused.append((title, str(exc)))
    assert len(titles) > 30_000 and refused == []
