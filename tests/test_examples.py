"""The embedding example (examples/news_app.py) and the README's Python samples, run for real."""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from urllib.parse import quote

import pytest
from conftest import ROOT, SEEDS, run_threads

from searchkit import SearchEngine

EXAMPLE = ROOT / "examples" / "news_app.py"


@pytest.fixture(scope="module")
def news_app() -> ModuleType:
    spec = importlib.util.spec_from_file_location("news_app", EXAMPLE)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def engine(news_app: ModuleType, tmp_path: Path) -> Iterator[SearchEngine]:
    with news_app.open_engine(tmp_path / "index") as engine:
        yield engine


def _snippets(page: str) -> list[str]:
    return re.findall(r'<p class="snippet">(.*?)</p>', page)


def test_page_marks_matches_and_folds_copies(news_app: ModuleType, engine: SearchEngine) -> None:
    status, page = news_app.search_page(engine, "الرئيس موسكو")
    assert status == 200
    assert "<p>النتائج: 2</p>" in page  # the copy from Asharq is folded into the first
    assert "نسخ مكررة: 1" in page
    first = _snippets(page)[0]
    assert "<mark>الرئيسُ</mark>" in first and "<mark>موسكو</mark>" in first
    assert '<a href="https://example.com/alhayat/moscow-visit">' in page
    assert "Alhayat (1)" in page and "Asharq (1)" in page  # source facets


def test_page_escapes_the_documents_text(news_app: ModuleType, engine: SearchEngine) -> None:
    _, page = news_app.search_page(engine, "مؤشر البرميل")
    snippet = _snippets(page)[0]
    assert "&quot;S&amp;P 500&quot;" in snippet and "&lt; 90" in snippet
    assert "<mark>مؤشر</mark>" in snippet and "<mark>البرميل</mark>" in snippet
    assert "javascript:" not in page  # the article's hostile url is not linked


def test_bad_query_is_a_400_with_the_message_escaped(news_app: ModuleType,
                                                     engine: SearchEngine) -> None:
    status, page = news_app.search_page(engine, "date:<x>")
    assert status == 400
    assert "bad date &#x27;&lt;x&gt;&#x27;" in page and "<x>" not in page


def test_source_filter_and_pages(news_app: ModuleType, engine: SearchEngine,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    _, page = news_app.search_page(engine, "الرئيس", source="asharq")
    assert "<p>النتائج: 2</p>" in page  # Asharq's copy of the visit, and the summit
    assert "الرئيس في موسكو" in page and "محادثات القمة" in page and "Alhayat" not in page
    monkeypatch.setattr(news_app, "PAGE_SIZE", 2)
    query = "الرئيس OR الهلال OR مؤشر"
    _, first = news_app.search_page(engine, query)
    assert "<p>النتائج: 4</p>" in first and len(_snippets(first)) == 2 and "page=2" in first
    _, second = news_app.search_page(engine, query, page=2)
    assert '<ol start="3">' in second and len(_snippets(second)) == 2
    assert "page=3" not in second


def test_wsgi_app_serves_threads(news_app: ModuleType, engine: SearchEngine) -> None:
    app = news_app.make_app(engine)
    statuses: list[str] = []

    def request(n: int) -> None:
        query = ["الرئيس", "date:x"][n % 2]
        environ = {"QUERY_STRING": f"q={quote(query)}&page=x", "REQUEST_METHOD": "GET"}
        body = b"".join(app(environ, lambda status, headers: statuses.append(status)))
        assert body.decode("utf-8").endswith("</html>\n")

    assert not run_threads(request, 8)
    assert sorted(statuses) == ["200 OK"] * 4 + ["400 Bad Request"] * 4


def test_script_prints_a_page() -> None:
    run = subprocess.run([sys.executable, str(EXAMPLE), "--query", "الهلال"],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "<mark>الهلال</mark>" in run.stdout and "<p>النتائج: 1</p>" in run.stdout
    refused = subprocess.run([sys.executable, str(EXAMPLE), "--query=-الهلال"],
                             capture_output=True, text=True, timeout=120)
    assert refused.returncode == 2 and "only excludes" in refused.stdout


def test_script_serves_http(tmp_path: Path) -> None:
    server = subprocess.Popen(
        [sys.executable, str(EXAMPLE), "--port", "0", "--index", str(tmp_path / "ix"),
         "--folder", str(SEEDS)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        line = server.stdout.readline()
        url = re.search(r"http://\S+/", line)
        if url is None:  # the server did not start: show why
            _, stderr = server.communicate(timeout=30)
            pytest.fail(f"no URL in {line!r}; stderr: {stderr}")
        with urllib.request.urlopen(f"{url.group()}?q={quote('صواريخ فرط صوتيه')}",
                                    timeout=30) as response:
            page = response.read().decode("utf-8")
            assert response.headers["Content-Type"] == "text/html; charset=utf-8"
        assert "<mark>صواريخ</mark> <mark>فرط</mark> <mark>صوتية</mark>" in page
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"{url.group()}?q=date:2018-13", timeout=30)
        assert refused.value.code == 400
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert (tmp_path / "ix" / "searchkit.json").is_file()  # --index keeps the index


# -- the README's Python samples ------------------------------------------------------------

def _readme_python_samples() -> list[tuple[int, str]]:
    """The ```python blocks of the README's "Python" section, with their line numbers."""
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    start = lines.index("## Python")
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")),
               len(lines))
    samples: list[tuple[int, str]] = []
    block: list[str] | None = None
    first = 0
    for number, line in enumerate(lines[start:end], start + 1):
        if block is None and line == "```python":
            block, first = [], number + 1
        elif block is not None and line == "```":
            samples.append((first, "\n".join(block)))
            block = None
        elif block is not None:
            block.append(line)
    return samples


def test_readme_python_samples_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    """Each sample runs on its own, in order, in a folder with `articles/` (the seeds)."""
    samples = _readme_python_samples()
    assert len(samples) >= 5
    shutil.copytree(SEEDS, tmp_path / "articles")
    monkeypatch.chdir(tmp_path)
    for line, code in samples:
        exec(compile(code, f"README.md:{line}", "exec"), {"__name__": "__main__"})
    assert "<mark>" in capsys.readouterr().out
