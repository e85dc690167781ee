"""Property tests on random, Arabic-heavy Unicode: the analyzer, the query parser and the
snippet builder never let an exception escape, and offsets stay valid."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from searchkit import QueryError, SearchEngine, analyze
from searchkit.analysis import exact_analyzer
from searchkit.snippets import HtmlFormatter, QueryTerms, make_snippet

# Arabic letters, marks and digits, presentation forms, query syntax, markup, controls,
# and now and then any code point at all.
ARABIC = st.characters(min_codepoint=0x0600, max_codepoint=0x06FF)
SPECIAL = st.sampled_from([*' "()+-*?؟~:<>&/\\\'\n\t\x00\x1b\u200c\u200f\ufeff\u0640ﻻﷲ',
                           "AND", "OR", "NOT", "title:", "body:", "source:", "date:",
                           "since:", "until:", "2019", "..", "<mark>", "&amp;"])
TEXT = st.lists(st.one_of(ARABIC, ARABIC, ARABIC, SPECIAL, st.characters()),
                max_size=40).map("".join)
FUZZ = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SearchEngine]:
    with SearchEngine(tmp_path_factory.mktemp("ix")) as engine:
        engine.add_documents([
            {"id": "a", "title": "قمة", "body": "التقى بوتين وكيم جونغ أون في فلاديفوستوك.",
             "date": "2019-04-25", "source": "alhayat", "category": "politics"},
            {"id": "b", "body": "فاز الفريق في مباراة كرة السلة <b>في</b> بيروت & صيدا."},
        ])
        yield engine


@FUZZ
@given(query=TEXT)
def test_any_query_runs_or_says_why(engine: SearchEngine, query: str) -> None:
    try:
        results = engine.search(query, facets=True)
    except QueryError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    assert results.total >= len(list(results))
    for hit in results:
        assert hit.id in {"a", "b"}


@FUZZ
@given(text=TEXT)
def test_analyzer_offsets_are_valid(text: str) -> None:
    analyze(text)
    for token in exact_analyzer()(text, chars=True, positions=True):
        assert 0 <= token.startchar < token.endchar <= len(text)
        assert token.text


_MARKS = re.compile(r"</?mark>")


@FUZZ
@given(text=TEXT, words=st.lists(TEXT, min_size=1, max_size=3))
def test_snippets_are_valid_and_escaped(text: str, words: list[str]) -> None:
    exact = frozenset(t.text for w in words for t in exact_analyzer()(w))
    snippet = make_snippet(text, QueryTerms(exact=exact))
    for fragment in snippet.fragments:
        assert 0 <= fragment.start <= fragment.end <= len(text)
        for start, end in fragment.spans:
            assert fragment.start <= start < end <= fragment.end
    rendered = snippet.render(HtmlFormatter())
    plain = _MARKS.sub("", rendered)
    assert "<" not in plain and ">" not in plain  # only our <mark> tags are markup
    assert rendered.count("<mark>") == rendered.count("</mark>") == sum(
        len(f.spans) for f in snippet.fragments)
    for start, end in (s for f in snippet.fragments for s in f.spans):
        assert f"<mark>{html.escape(text[start:end])}</mark>" in rendered
