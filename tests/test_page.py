"""The search page in headless Chromium (Debian's, driven by Playwright) against a real
`searchkit serve`: right-to-left, marked snippets, facets, paging, the back button, one
document, the keyboard. Skipped where Chromium or Playwright is missing or cannot start."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from test_server import EVIL_ID, news_index, serve

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")

__all__ = ["news_index"]  # the fixture, shared with the API tests
CHROMIUM = os.environ.get("SEARCHKIT_CHROMIUM") or shutil.which("chromium") \
    or shutil.which("chromium-browser")
WAIT_MS = 10_000


@pytest.fixture(scope="module")
def base_url(news_index: Path) -> Iterator[str]:
    server = serve(news_index, "--port", "0")
    try:
        assert server.stdout is not None
        found = re.search(r"http://\S+/", server.stdout.readline())
        assert found, server.stderr.read() if server.stderr else "no URL"
        yield found.group()
    finally:
        server.terminate()
        server.communicate(timeout=30)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM:
        pytest.skip("chromium not found (apt-get install chromium, or set SEARCHKIT_CHROMIUM)")
    with sync_api.sync_playwright() as playwright:
        try:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM)
        except sync_api.Error as exc:
            pytest.skip(f"chromium at {CHROMIUM} cannot start: {str(exc).splitlines()[0]}")
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any, base_url: str) -> Iterator[Any]:
    context = browser.new_context(base_url=base_url, locale="ar")
    tab = context.new_page()
    tab.set_default_timeout(WAIT_MS)
    problems: list[str] = []
    tab.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    tab.on("dialog", lambda dialog: (problems.append(f"dialog: {dialog.message}"),
                                     dialog.dismiss()))
    yield tab
    context.close()
    assert problems == []  # no script error, and no injected alert() ever ran


def hit_ids(page: Any) -> list[str]:
    return page.locator("#hits h2 a").evaluate_all("links => links.map(a => a.dataset.doc)")


def wait_for_total(page: Any, total: int) -> None:
    sync_api.expect(page.locator("#count")).to_have_attribute("data-total", str(total))


def test_results_are_right_to_left_with_marks(page: Any) -> None:
    page.goto("./?q=" + quote("بوتين"))
    wait_for_total(page, 3)
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("html").get_attribute("lang") == "ar"
    assert page.evaluate("getComputedStyle(document.querySelector('#hits')).direction") == "rtl"
    assert page.locator("#hits li").count() == 3
    assert page.locator("#hits .snippet mark").first.inner_text() == "بوتين"
    assert page.input_value("#q") == "بوتين"
    sync_api.expect(page.locator("#count")).to_contain_text("3 نتائج")
    # Markup in documents stays text: no element came from the document.
    evil = page.locator(f'#hits li:has(a[data-doc="{EVIL_ID}"])')
    assert evil.locator("h2").inner_text() == "<script>alert(3)</script> عنوان"
    assert evil.locator("script, img, b").count() == 0


def test_facet_filters_and_back_button_returns(page: Any) -> None:
    page.goto("./?q=" + quote("بوتين"))
    wait_for_total(page, 3)
    facet = page.locator('#facets a[data-facet="source"][data-value="Asharq"]')
    sync_api.expect(facet).to_contain_text("1")  # a2, folded into a1 until filtered
    facet.click()
    wait_for_total(page, 2)
    assert "source=Asharq" in page.url
    assert sorted(hit_ids(page)) == ["a2", "b1"]
    sync_api.expect(page.locator("#chips a")).to_contain_text("Asharq")
    sync_api.expect(facet).to_have_attribute("aria-pressed", "true")
    page.locator('#facets a[data-facet="month"]').first.click()  # December 2021
    wait_for_total(page, 1)
    assert "since=2021-12" in page.url and "until=2021-12" in page.url
    page.go_back()
    wait_for_total(page, 2)
    page.go_back()
    wait_for_total(page, 3)
    assert "source" not in page.url


def test_pages_and_keyboard(page: Any) -> None:
    page.goto("./")
    sync_api.expect(page.locator("#about")).to_contain_text("16 وثيقة")
    page.keyboard.press("/")
    page.keyboard.type("الاقتصاد")
    page.keyboard.press("Enter")
    wait_for_total(page, 12)
    first = hit_ids(page)
    assert len(first) == 10
    page.locator('#pager a[rel="next"]').click()
    sync_api.expect(page.locator("#pager [aria-current=page]")).to_have_text("2")
    second = hit_ids(page)
    assert len(second) == 2 and not set(first) & set(second)
    assert "page=2" in page.url and page.locator("#hits").get_attribute("start") == "11"
    page.go_back()
    sync_api.expect(page.locator("#pager [aria-current=page]")).to_have_text("1")
    assert hit_ids(page) == first


def test_filter_form_sort_and_did_you_mean(page: Any) -> None:
    page.goto("./?q=" + quote("بوتبن"))
    wait_for_total(page, 3)
    suggestion = page.locator("#suggestion-link")
    sync_api.expect(suggestion).to_have_text("بوتين")
    sync_api.expect(page.locator("#expanded")).to_contain_text("بوتين")
    suggestion.click()
    wait_for_total(page, 3)
    page.locator("#filters summary").click()
    page.select_option("select[name=sort]", "date")
    page.fill("input[name=category]", "economy، politics")
    page.locator("#search button[type=submit]").click()
    wait_for_total(page, 2)
    assert hit_ids(page) == ["b1", "a1"]  # newest first
    assert "sort=date" in page.url and "category=economy&category=politics" in page.url


def test_whole_document_view(page: Any) -> None:
    page.goto("./?q=" + quote("الهند"))
    wait_for_total(page, 1)
    page.locator("#hits h2 a").click()
    sync_api.expect(page.locator("#doc-title")).to_have_text("بوتين في الهند")
    sync_api.expect(page.locator("#doc-body")).to_have_text("زار بوتين الهند لبحث الطاقة والنفط.")
    sync_api.expect(page.locator("#doc-similar li").first).to_be_visible()
    assert "doc=b1" in page.url
    page.keyboard.press("Escape")
    wait_for_total(page, 1)
    assert "doc=" not in page.url


def test_document_markup_and_links_stay_inert(page: Any) -> None:
    page.goto("./?doc=" + quote(EVIL_ID, safe=""))
    sync_api.expect(page.locator("#doc-body")).to_contain_text('<img src=x onerror="alert(1)">')
    assert page.locator("#doc-view img, #doc-view script, #doc-view b").count() == 0
    assert page.locator("#doc-meta a").count() == 0  # its javascript: url is not a link
    sync_api.expect(page.locator("#back")).to_have_text("→ الصفحة الأولى")


def test_a_bad_query_says_why(page: Any) -> None:
    page.goto("./?q=" + quote("date:x"))
    sync_api.expect(page.locator("#notice")).to_contain_text("bad date")
    assert page.locator("#results-view").is_hidden()


def test_a_pasted_query_says_how_it_was_read(page: Any) -> None:
    page.goto("./?q=" + quote("CNN: بوتين ؟!"))
    wait_for_total(page, 3)
    sync_api.expect(page.locator("#notes")).to_contain_text("'CNN:' read as text")
    page.goto("./?q=" + quote("بوتين"))
    wait_for_total(page, 3)
    assert page.locator("#notes").is_hidden()
