"""A small news search web app built on searchkit and the standard library's ``wsgiref``.

It indexes a few Arabic articles from code (and, with ``--folder``, a folder of files),
then serves a search page: hits with their snippets as HTML, matches in ``<mark>``, a
filter by source, and pages of results. One :class:`~searchkit.SearchEngine` serves every
request; requests run in threads, which searchkit allows.

    python examples/news_app.py                            # serve on http://127.0.0.1:8000/
    python examples/news_app.py --query "الرئيس موسكو"      # print one result page and exit
    python examples/news_app.py --folder seeds --index news-index --port 8080
"""

from __future__ import annotations

import argparse
import contextlib
import html
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlencode
from wsgiref.simple_server import WSGIServer, make_server

from searchkit import Hit, QueryError, Results, SearchEngine
from searchkit.snippets import HtmlFormatter

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

PAGE_SIZE = 5

# Articles added from code: dicts with an id and a body, the other keys optional.
ARTICLES = [
    {"id": "moscow-visit", "title": "الرئيس يصل إلى موسكو في زيارة رسمية",
     "body": "وصل الرئيسُ إلى موسكو صباح اليوم في زيارة رسمية تستمر ثلاثة أيام، يلتقي "
             "خلالها نظيره الروسي لبحث التعاون الاقتصادي.",
     "date": "2023-09-17", "source": "Alhayat", "category": "سياسة",
     "url": "https://example.com/alhayat/moscow-visit"},
    {"id": "moscow-visit-copy", "title": "الرئيس في موسكو",
     "body": "وصل الرئيسُ إلى موسكو صباح اليوم في زيارة رسمية تستمر ثلاثة أيام، يلتقي "
             "خلالها نظيره الروسي لبحث التعاون الاقتصادي.",
     "date": "2023-09-17", "source": "Asharq", "category": "سياسة"},
    {"id": "summit-talks", "title": "محادثات القمة تتناول الطاقة",
     "body": "تناولت محادثات القمة في موسكو أسعار الطاقة، وقال مسؤول إن الرئيس يأمل "
             "باتفاق قبل نهاية العام.",
     "date": "2023-09-18", "source": "Asharq", "category": "سياسة"},
    {"id": "markets", "title": "الأسواق تترقب قرار الفائدة",
     "body": 'ارتفع مؤشر "S&P 500" بنسبة 2%، وبقي سعر البرميل < 90 دولاراً، فيما '
             "ينتظر المستثمرون قرار الفائدة.",
     "date": "2023-09-20", "source": "Alhayat", "category": "اقتصاد",
     "url": "javascript:alert(1)"},  # a hostile link: render_hit leaves it out
    {"id": "derby", "title": "الهلال يفوز على النصر",
     "body": "فاز الهلال على النصر بهدفين في مباراة الديربي، وسجل المهاجم هدف الفوز في "
             "الدقيقة الأخيرة.",
     "date": "2023-09-22", "source": "Riyadiyah", "category": "رياضة"},
]

_MARKS = HtmlFormatter()


def open_engine(index: Path, folder: Path | None = None) -> SearchEngine:
    """Open (or create) the index at ``index`` with :data:`ARTICLES` and ``folder`` in it."""
    engine = SearchEngine(index)
    engine.add_documents(ARTICLES)  # ids already there are replaced, so this is repeatable
    if folder is not None:
        report = engine.index_folder(folder)
        for skipped in report.skipped:
            print(f"skipped {skipped.path}: {skipped.reason}", file=sys.stderr)
    return engine


def render_hit(hit: Hit) -> str:
    """One result as an HTML list item. Every value from the index is escaped; the
    snippet comes escaped from :class:`HtmlFormatter`, with ``<mark>`` around matches."""
    title = html.escape(hit.title or hit.id)
    if hit.url and hit.url.startswith(("https://", "http://")):  # never a javascript: link
        title = f'<a href="{html.escape(hit.url)}">{title}</a>'
    meta = [html.escape(value) for value in (
        hit.source, hit.category, hit.date.date().isoformat() if hit.date else None) if value]
    if hit.duplicates:
        meta.append(f"نسخ مكررة: {hit.duplicates}")
    snippet = hit.highlights.render(_MARKS) if hit.highlights else ""
    return (f'<li><h2>{title}</h2><p class="meta">{" · ".join(meta)}</p>'
            f'<p class="snippet">{snippet}</p></li>')


def _link(text: str, **params: str | int | None) -> str:
    query = urlencode({key: value for key, value in params.items() if value})
    return f'<a href="?{html.escape(query)}">{html.escape(text)}</a>'


def _results_html(results: Results, query: str, page: int, source: str | None) -> str:
    parts = [f"<p>النتائج: {results.total}</p>"]
    if results.suggestion:
        parts.append(f"<p>هل تقصد: {_link(results.suggestion, q=results.suggestion)}</p>")
    parts.append(f'<ol start="{results.offset + 1}">')
    parts += (render_hit(hit) for hit in results)
    parts.append("</ol>")
    if results.facets and results.facets.source:
        links = (_link(f"{name} ({count})", q=query, source=name)
                 for name, count in results.facets.source.items())
        parts.append(f"<nav>المصادر: {' | '.join(links)}</nav>")
    if results.offset + len(results) < results.total:
        parts.append(f"<nav>{_link('التالي', q=query, source=source, page=page + 1)}</nav>")
    return "\n".join(parts)


def search_page(engine: SearchEngine, query: str, *, page: int = 1,
                source: str | None = None) -> tuple[int, str]:
    """The HTML page for ``query`` (page ``page``, only from ``source`` if given) and its
    HTTP status: 200, or 400 for a query searchkit refuses (its message is shown)."""
    status, body = 200, ""
    if query.strip():
        try:
            results = engine.search(query, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE,
                                    source=source, facets=True)
            body = _results_html(results, query, page, source)
        except QueryError as exc:
            status, body = 400, f'<p class="error">{html.escape(str(exc))}</p>'
    page_html = f"""<!doctype html>
<html lang="ar" dir="rtl">
<head><meta charset="utf-8"><title>بحث الأخبار</title>
<style>mark {{ background: #ffe58a; }} .meta {{ color: #666; }}</style></head>
<body>
<form method="get"><input name="q" value="{html.escape(query)}"> <button>ابحث</button></form>
{body}
</body>
</html>
"""
    return status, page_html


def make_app(engine: SearchEngine) -> WSGIApplication:
    """A WSGI application serving :func:`search_page` for ``?q=...&page=...&source=...``."""

    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        params = parse_qs(environ.get("QUERY_STRING", ""))
        query = params.get("q", [""])[0]
        page_text = params.get("page", ["1"])[0]
        page = max(1, int(page_text)) if page_text.isdigit() else 1
        status, page_html = search_page(engine, query, page=page,
                                        source=params.get("source", [None])[0])
        body = page_html.encode("utf-8")
        start_response(f"{status} {'OK' if status == 200 else 'Bad Request'}", [
            ("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))])
        return [body]

    return app


class ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    """``wsgiref``'s server, one thread per request."""

    daemon_threads = True


def main(argv: list[str] | None = None) -> int:
    """Serve the app, or with ``--query`` print one result page (exit 2 if refused)."""
    parser = argparse.ArgumentParser(description="A small Arabic news search app.")
    parser.add_argument("--index", type=Path, help="index folder [default: a temporary one]")
    parser.add_argument("--folder", type=Path, help="also index the articles in this folder")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000, help="0 picks a free port")
    parser.add_argument("--query", help="print the result page for this query and exit")
    args = parser.parse_args(argv)
    with (tempfile.TemporaryDirectory() as scratch,
          open_engine(args.index or Path(scratch, "index"), args.folder) as engine):
        if args.query is not None:
            status, page_html = search_page(engine, args.query)
            sys.stdout.write(page_html)
            return 0 if status == 200 else 2
        with make_server(args.host, args.port, make_app(engine),
                         server_class=ThreadingWSGIServer) as server:
            print(f"serving on http://{args.host}:{server.server_port}/ (Ctrl-C to stop)",
                  flush=True)
            with contextlib.suppress(KeyboardInterrupt):
                server.serve_forever()
    return 0


if __name__ == "__main__":  # index_folder starts worker processes, which import this file
    sys.exit(main())
