"""The HTTP API through Starlette's test client, `searchkit serve` in a real process, and
`searchkit stats`."""

from __future__ import annotations

import json
import re
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import run_threads
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.testclient import TestClient
from test_cli import run

from searchkit import SearchEngine
from searchkit.server import WEB, create_app

EVIL_ID = "dir/evil.json#1"
EVIL_BODY = ('بوتين يقول <img src=x onerror="alert(1)"> و<b>غامق</b> & "اقتباس" '
             "<script>alert(2)</script> و a < b")


def news_docs() -> list[dict[str, str]]:
    """Small Arabic articles: a copy, filters, an id with / and #, markup, 12 to page."""
    docs = [
        {"id": "a1", "title": "قمة بوتين وكيم", "body": "التقى بوتين وكيم في فلاديفوستوك.",
         "date": "2019-04-25", "source": "AlHayat", "category": "Politics"},
        {"id": "a2", "title": "نسخة", "body": "التقى بوتين وكيم في فلاديفوستوك.",
         "date": "2019-04-26", "source": "Asharq", "category": "Politics"},
        {"id": "b1", "title": "بوتين في الهند", "body": "زار بوتين الهند لبحث الطاقة والنفط.",
         "date": "2021-12-06", "source": "Asharq", "category": "Economy"},
        {"id": EVIL_ID, "title": "<script>alert(3)</script> عنوان", "body": EVIL_BODY,
         "date": "2022-01-01", "source": "Evil", "url": "javascript:alert(4)"},
    ]
    docs += [{"id": f"r{n:02}", "title": f"تقرير الاقتصاد رقم {n}",
              "body": f"نما الاقتصاد في الشهر {n} وتحسنت الأسواق والتجارة.",
              "date": f"2020-{n:02}-15", "source": "Reuters", "category": "Economy"}
             for n in range(1, 13)]
    return docs


@pytest.fixture(scope="module")
def news_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("server") / "index"
    with SearchEngine(path) as engine:
        engine.add_documents(news_docs())
    return path


@pytest.fixture(scope="module")
def client(news_index: Path) -> Iterator[TestClient]:
    with TestClient(create_app(news_index)) as test_client:
        yield test_client


def search(client: TestClient, **params: object) -> dict:
    response = client.get("/search", params=params)  # type: ignore[arg-type]
    assert response.status_code == 200, response.text
    return response.json()


def ids(data: dict) -> list[str]:
    return [hit["id"] for hit in data["hits"]]


# -- /search ------------------------------------------------------------------------------

def test_search_gives_results_json_with_html_snippets(client: TestClient) -> None:
    data = search(client, q="بوتين")
    assert set(data) == {"query", "total", "offset", "limit", "folded", "hits", "facets",
                         "suggestion", "expanded", "notes"}
    assert data["query"] == "بوتين" and data["limit"] == 10 and data["facets"] is None
    assert data["total"] == 3 and data["folded"] == 1  # a2 is a copy of a1
    hit = next(h for h in data["hits"] if h["id"] == "b1")
    assert hit["snippet"] == "زار <mark>بوتين</mark> الهند لبحث الطاقة والنفط."
    assert hit["date"].startswith("2021-12-06") and hit["source"] == "Asharq"


def test_filters_sort_and_copies(client: TestClient) -> None:
    assert sorted(ids(search(client, q="بوتين", source="asharq"))) == ["a2", "b1"]
    both = search(client, q="بوتين", source=["alhayat", "evil"])
    assert sorted(ids(both)) == ["a1", EVIL_ID]
    assert ids(search(client, q="بوتين", category="economy")) == ["b1"]
    assert ids(search(client, q="بوتين", since="2021", until="2021-12")) == ["b1"]
    assert ids(search(client, q="بوتين", sort="date")) == [EVIL_ID, "b1", "a1"]
    every = search(client, q="بوتين", all_copies="1")
    assert every["total"] == 4 and every["folded"] == 0


def test_facets_count_sources_categories_months(client: TestClient) -> None:
    facets = search(client, q="الاقتصاد", facets="true")["facets"]
    assert facets["source"] == {"Reuters": 12}
    assert facets["category"] == {"Economy": 12}
    assert len(facets["month"]) == 12 and facets["month"]["2020-03"] == 1
    assert next(iter(facets["month"])) == "2020-12"  # newest first


def test_paging_by_page_or_offset(client: TestClient) -> None:
    first = search(client, q="الاقتصاد", limit=5)
    second = search(client, q="الاقتصاد", limit=5, page=2)
    third = search(client, q="الاقتصاد", limit=5, page=3)
    assert first["total"] == second["total"] == third["total"] == 12
    assert (len(first["hits"]), len(second["hits"]), len(third["hits"])) == (5, 5, 2)
    assert len(set(ids(first) + ids(second) + ids(third))) == 12
    assert second["offset"] == 5
    assert ids(search(client, q="الاقتصاد", limit=5, offset=5)) == ids(second)
    assert search(client, q="الاقتصاد", page=9)["hits"] == []


def test_snippets_and_titles_cannot_inject_markup(client: TestClient) -> None:
    for q in ("غامق", "اقتباس", "بوتين"):
        snippet = next(h["snippet"] for h in search(client, q=q)["hits"] if h["id"] == EVIL_ID)
        assert set(re.findall(r"<[^>]*>", snippet)) <= {"<mark>", "</mark>"}, snippet
        assert "<mark>" in snippet
    assert "&amp;" in snippet and "&quot;" in snippet and "&lt;" in snippet
    # Titles are plain JSON text: the page puts them in with textContent.
    assert search(client, q="عنوان")["hits"][0]["title"] == "<script>alert(3)</script> عنوان"


@pytest.mark.parametrize(("params", "message"), [
    ({}, "missing parameter q"),
    ({"q": ""}, "missing parameter q"),
    ({"q": "؟!"}, "no searchable words"),
    ({"q": "date:x"}, "bad date"),
    ({"q": "بوتين", "limit": "0"}, "limit must be a whole number from 1 to 100"),
    ({"q": "بوتين", "limit": "101"}, "limit"),
    ({"q": "بوتين", "limit": "ten"}, "'ten'"),
    ({"q": "بوتين", "page": "0"}, "page must be"),
    ({"q": "بوتين", "offset": "-1"}, "offset must be"),
    ({"q": "بوتين", "page": "2", "offset": "5"}, "page or offset, not both"),
    ({"q": "بوتين", "sort": "random"}, "sort must be one of relevance, date"),
    ({"q": "بوتين", "since": "2019-13"}, "2019-13"),
    ({"q": "بوتين", "since": "2020", "until": "2019"}, "empty date range"),
    ({"q": "بوتين", "facets": "maybe"}, "facets must be 1 or 0"),
    ({"q": "بوتين", "sources": "x"}, "unknown parameter 'sources'"),
])
def test_bad_requests_are_400_with_a_message(client: TestClient, params: dict[str, str],
                                             message: str) -> None:
    response = client.get("/search", params=params)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/json"
    assert message in response.json()["error"]


# -- /doc, /similar, /stats -----------------------------------------------------------------

def test_doc_gives_the_whole_document(client: TestClient, news_index: Path) -> None:
    response = client.get("/doc/" + EVIL_ID.replace("#", "%23"))  # "/" stays a slash
    assert response.status_code == 200
    doc = response.json()
    assert doc["id"] == EVIL_ID and doc["body"] == EVIL_BODY and doc["source"] == "Evil"
    with SearchEngine(news_index, create=False) as engine:
        stored = engine.get(EVIL_ID)
    assert stored is not None and doc == stored.to_dict()
    assert client.get("/doc/dir%2Fevil.json%231").json()["id"] == EVIL_ID


def test_similar_leaves_out_copies(client: TestClient) -> None:
    response = client.get("/similar/b1", params={"limit": 3})
    assert response.status_code == 200
    data = response.json()
    assert data["query"] == "similar:b1" and data["limit"] == 3
    assert "b1" not in ids(data) and "a1" in ids(data) and "a2" not in ids(data)
    assert any("<mark>" in hit["snippet"] for hit in data["hits"])


@pytest.mark.parametrize(("url", "status", "message"), [
    ("/doc/nope", 404, "no document with id 'nope'"),
    ("/similar/nope", 404, "no document with id 'nope'"),
    ("/similar/a1?limit=0", 400, "limit"),
    ("/doc/a1?full=1", 400, "unknown parameter 'full'"),
    ("/stats?x=1", 400, "unknown parameter 'x'"),
    ("/nowhere", 404, "not found: GET /nowhere"),
    ("/static/missing.js", 404, "not found"),
])
def test_unknown_ids_and_routes_are_json_errors(client: TestClient, url: str, status: int,
                                                message: str) -> None:
    response = client.get(url)
    assert response.status_code == status
    assert message in response.json()["error"]


def test_only_get_is_allowed(client: TestClient) -> None:
    response = client.post("/search", params={"q": "بوتين"})
    assert response.status_code == 405
    assert response.json() == {"error": "method not allowed: POST /search"}


def test_stats(client: TestClient) -> None:
    stats = client.get("/stats").json()
    assert stats["documents"] == 16
    assert stats["sources"] == {"Reuters": 12, "Asharq": 2, "AlHayat": 1, "Evil": 1}
    assert stats["categories"] == {"Economy": 13, "Politics": 2}
    assert (stats["oldest"], stats["newest"], stats["undated"]) == ("2019-04-25", "2022-01-01", 0)
    assert stats["size_bytes"] > 0 and stats["updated"] and stats["last_sync"] is None
    assert stats["versions"]["format"] >= 1 and stats["folders"] == {}


# -- index trouble and bugs -----------------------------------------------------------------

def test_missing_index_is_503_until_built(tmp_path: Path) -> None:
    path = tmp_path / "later"
    client = TestClient(create_app(path))
    response = client.get("/search", params={"q": "بوتين"})
    assert response.status_code == 503
    assert "no index at" in response.json()["error"]
    assert client.get("/").status_code == 200  # the page itself is there
    with SearchEngine(path) as engine:
        engine.add_documents(news_docs()[:1])
    assert search(client, q="بوتين")["total"] == 1


def test_incompatible_index_is_503_with_rebuild_hint(tmp_path: Path) -> None:
    with SearchEngine(tmp_path) as engine:
        engine.add_documents(news_docs()[:1])
    meta = tmp_path / "searchkit.json"
    meta.write_text(json.dumps({**json.loads(meta.read_text()), "format": 999}))
    response = TestClient(create_app(tmp_path)).get("/stats")
    assert response.status_code == 503 and "--rebuild" in response.json()["error"]


def test_a_bug_is_a_500_without_a_traceback(news_index: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret detail")

    with SearchEngine(news_index, create=False) as engine:
        monkeypatch.setattr(engine, "search", broken)
        client = TestClient(create_app(engine), raise_server_exceptions=False)
        response = client.get("/search", params={"q": "بوتين"})
    assert response.status_code == 500
    assert response.json() == {"error": "internal error: see the server's log"}


# -- the page and its files ---------------------------------------------------------------

def test_page_and_static_files(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert '<html lang="ar" dir="rtl">' in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"
    for name, kind in (("app.js", "javascript"), ("app.css", "text/css")):
        response = client.get(f"/static/{name}")
        assert response.status_code == 200 and kind in response.headers["content-type"]


def test_web_files_fetch_nothing_from_elsewhere() -> None:
    for path in WEB.iterdir():
        text = path.read_text("utf-8")
        assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", text), path
        assert "@import" not in text and "url(http" not in text, path
    assert "<script>" not in (WEB / "index.html").read_text("utf-8")  # CSP: no inline code


def test_app_mounts_under_a_prefix(news_index: Path) -> None:
    with SearchEngine(news_index, create=False) as engine:
        outer = Starlette(routes=[Mount("/kit", create_app(engine))])
        client = TestClient(outer)
        assert client.get("/kit/search", params={"q": "بوتين"}).json()["total"] == 3
        assert 'href="static/app.css"' in client.get("/kit/").text  # relative: works here


# -- `searchkit serve` and `searchkit stats` ----------------------------------------------

def serve(index: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "searchkit", "serve", "--index", str(index), *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def fetch(url: str, **headers: str) -> tuple[int, Any]:
    """GET ``url`` from a real server: the status and the JSON answer."""
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers),
                                    timeout=30) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.load(error)


def test_serve_answers_threads_and_stops_on_ctrl_c(news_index: Path) -> None:
    server = serve(news_index, "--port", "0")
    try:
        assert server.stdout is not None
        line = server.stdout.readline()
        url = re.search(r"http://127\.0\.0\.1:\d+/", line)
        assert url, line + (server.stderr.read() if server.stderr else "")
        base = url.group()
        totals: list[int] = []

        def ask(n: int) -> None:
            for q in ("بوتين", "الاقتصاد", "فلاديفوستوك"):
                status, data = fetch(f"{base}search?" + urllib.parse.urlencode(
                    {"q": q, "page": n % 2 + 1, "facets": 1}))
                assert status == 200, data
                totals.append(data["total"])

        assert run_threads(ask, 6) == []
        assert sorted(set(totals)) == [1, 3, 12] and len(totals) == 18
        assert fetch(base + "stats")[1]["documents"] == 16
        status, data = fetch(base + "stats", Host="attacker.example")
        assert status == 400 and "localhost only" in data["error"]
        server.send_signal(signal.SIGINT)  # Ctrl-C
        _, err = server.communicate(timeout=30)
        assert (server.returncode, err) == (130, "")  # stopped cleanly, as other commands
    finally:
        if server.poll() is None:
            server.kill()
            server.communicate()


def test_serve_errors_are_one_line_exit_2(news_index: Path, tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = run("serve", "--index", str(news_index), "--port", str(port))
    assert done.returncode == 2
    assert done.stderr == f"searchkit: error: cannot listen on 127.0.0.1:{port}: " \
        "Address already in use\n"
    done = run("serve", "--index", str(tmp_path / "none"))
    assert done.returncode == 2 and done.stderr.startswith("searchkit: error: no index at")
    assert done.stderr.count("\n") == 1


def test_stats_command(news_index: Path, tmp_path: Path) -> None:
    done = run("stats", "--index", str(news_index), "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["documents"] == 16 and data["sources"]["Reuters"] == 12
    text = run("stats", "--index", str(news_index)).stdout
    assert "documents: 16" in text and "dates: 2019-04-25 .. 2022-01-01" in text
    assert "sources: Reuters 12, Asharq 2, AlHayat 1, Evil 1" in text
    missing = run("stats", "--index", str(tmp_path / "none"))
    assert missing.returncode == 2 and "no index at" in missing.stderr
