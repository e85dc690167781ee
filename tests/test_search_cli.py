"""The search, show and similar commands in real processes, and a cold start that stays light."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import SEEDS
from test_cli import run

SEED_ID = "kim-jong-un-russia-visit-2023.txt"


@pytest.fixture(scope="module")
def news(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("news")
    docs = [
        {"id": "1", "title": "قمة", "body": "التقى بوتين وكيم في فلاديفوستوك.",
         "date": "2019-04-25", "source": "AlHayat", "category": "Politics"},
        {"id": "2", "title": "نسخة", "body": "التقى بوتين وكيم في فلاديفوستوك.",
         "date": "2019-04-26", "source": "Asharq", "category": "Politics"},
        {"id": "3", "title": "بوتين في الهند", "body": "زار بوتين الهند لبحث الطاقة.",
         "date": "2021-12-06", "source": "Asharq", "category": "Economy"},
    ]
    (folder / "news.jsonl").write_text(
        "\n".join(json.dumps(d, ensure_ascii=False) for d in docs), "utf-8")
    (folder / SEED_ID).write_text((SEEDS / SEED_ID).read_text("utf-8"), "utf-8")
    ix = str(tmp_path_factory.mktemp("ix"))
    assert run("index", str(folder), "--index", ix).returncode == 0
    return ix


def test_filters_sort_and_paging_flags(news: str) -> None:
    done = run("search", "بوتين", "--index", news, "--source", "asharq", "--json")
    # Filtered, the copy from Asharq is no longer folded into AlHayat's.
    assert {h["id"] for h in json.loads(done.stdout)} == {"news.jsonl#2", "news.jsonl#3"}
    done = run("search", "بوتين", "--index", news, "--sort", "date", "--limit", "1",
               "--page", "2", "--json")
    hits = json.loads(done.stdout)
    assert len(hits) == 1 and hits[0]["date"].startswith("2019-04-25")
    done = run("search", "بوتين", "--index", news, "--since", "2020", "--until", "2021-12")
    assert "news.jsonl#3" in done.stdout and "news.jsonl#1" not in done.stdout


def test_facets_and_duplicates_in_json_and_text(news: str) -> None:
    done = run("search", "بوتين", "--index", news, "--facets", "--json")
    data = json.loads(done.stdout)
    assert data["total"] == 3 and data["folded"] == 1
    assert data["facets"]["source"] == {"AlHayat": 1, "Asharq": 1}  # the seed has none
    assert {h["id"]: h["duplicates"] for h in data["hits"]}["news.jsonl#1"] == 1
    text = run("search", "فلاديفوستوك", "--index", news, "--facets")
    assert "+1 copies" in text.stdout and "month: 2019-04 1" in text.stdout
    assert "1 copy folded" in text.stderr


def test_near_spellings_are_reported(news: str) -> None:
    done = run("search", "فلاديفستوك", "--index", news)
    assert done.returncode == 0
    assert "also searched near spellings and roots (√): فلاديفوستوك for فلاديفستوك" in done.stderr
    assert "did you mean: فلاديفوستوك" in done.stderr


def test_show_and_similar(news: str) -> None:
    shown = run("show", SEED_ID, "--index", news)
    assert shown.returncode == 0 and f"id: {SEED_ID}" in shown.stdout
    assert "فرط صوتية" in shown.stdout
    doc = json.loads(run("show", "news.jsonl#3", "--index", news, "--json").stdout)
    assert (doc["title"], doc["source"]) == ("بوتين في الهند", "Asharq")
    similar = run("similar", "news.jsonl#1", "--index", news, "--json")
    assert "news.jsonl#2" not in {h["id"] for h in json.loads(similar.stdout)}


def test_user_errors_are_one_line(news: str) -> None:
    for args in (["search", "date:2018-13"], ["search", "كيم", "--sort", "oldest"],
                 ["search", "كيم", "--since", "last-year"], ["show", "nope"],
                 ["similar", "nope"], ["search", "--", "-كيم"]):
        done = run(*args, "--index", news)
        assert done.returncode == 2, done
        assert "Traceback" not in done.stderr
        assert len(done.stderr.strip().splitlines()) == 1, done.stderr


def test_query_starting_with_an_exclusion(news: str) -> None:
    refused = run("search", "-الهند بوتين", "--index", news)
    assert refused.returncode == 2
    assert "goes after '--'" in refused.stderr and len(refused.stderr.splitlines()) == 1
    assert "goes after" not in run("search", "--nope", "--index", news).stderr
    done = run("search", "--index", news, "--json", "--", "-الهند بوتين")
    assert "news.jsonl#3" not in {h["id"] for h in json.loads(done.stdout)}


def test_search_path_does_not_import_the_ingest_stack() -> None:
    code = ("import sys, searchkit.cli; print(sorted(m for m in ('trafilatura', 'feedparser', "
            "'charset_normalizer', 'rich.progress', 'searchkit.ingest', 'searchkit.sync') "
            "if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "[]"


def test_seed_article_found_by_phrase_prefix_and_date_exclusion(news: str) -> None:
    done = run("search", '"فرط صوتيه"', "--index", news, "--json")
    assert [h["id"] for h in json.loads(done.stdout)] == [SEED_ID]
    done = run("search", "فلادي* -date:2019", "--index", news, "--json")  # the seed: undated
    assert [h["id"] for h in json.loads(done.stdout)] == [SEED_ID]
