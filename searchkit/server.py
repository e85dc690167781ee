"""The HTTP face: a JSON API over :class:`SearchEngine`, and one search page.

``create_app(index)`` gives an ASGI app (Starlette) to run or to mount in another app:

* ``GET /search?q=...`` -- the parameters of ``searchkit search``: ``limit``, ``page`` or
  ``offset``, ``sort``, ``source`` and ``category`` (repeatable), ``since``, ``until``,
  ``facets``, ``all_copies``; the JSON of :meth:`Results.to_dict` plus ``limit``, with
  each snippet as escaped HTML, matches in ``<mark>``;
* ``GET /doc/{id}`` -- a whole document; ``GET /similar/{id}?limit=N``; ``GET /stats``;
* ``GET /`` -- the search page (files under ``/static``, nothing fetched from elsewhere).

Errors are JSON ``{"error": "message"}``: 400 a bad query or parameter, 404 an unknown
document or route, 405 a method other than GET, 503 an index missing, incompatible or
unreadable, 500 a bug (logged, never shown). Endpoints run in Starlette's thread pool,
sharing one engine (safe: its searches run one at a time).
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import socket
import threading
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from http import HTTPStatus
from pathlib import Path
from typing import Any, cast

from starlette.applications import Starlette
from starlette.datastructures import QueryParams
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .engine import SearchEngine
from .errors import (
    DocumentError,
    IndexCorruptError,
    IndexLockedError,
    IndexNotFoundError,
    IndexVersionError,
    QueryError,
    SearchkitError,
)
from .search import Results, Sort
from .snippets import HtmlFormatter

WEB = Path(__file__).with_name("web")
MAX_LIMIT = 100
SEARCH_PARAMS = frozenset({"q", "limit", "page", "offset", "sort", "source", "category",
                           "since", "until", "facets", "all_copies"})
_STATUS: tuple[tuple[type[SearchkitError], int], ...] = (
    (QueryError, 400), (DocumentError, 400), (IndexNotFoundError, 503),
    (IndexVersionError, 503), (IndexLockedError, 503), (IndexCorruptError, 503),
)
_FLAGS = {"1": True, "true": True, "yes": True, "on": True,
          "0": False, "false": False, "no": False, "off": False, "": False}
# Everything the page needs comes from this server; nothing may run inline.
_HEADERS = (
    (b"content-security-policy",
     b"default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
)
_LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "[::1]"})

log = logging.getLogger(__name__)


class _Engine:
    """The app's engine: the one given, or one opened from a folder on first use (until
    an index is there, requests get 503) and closed with the app."""

    def __init__(self, target: SearchEngine | str | Path) -> None:
        self._engine = target if isinstance(target, SearchEngine) else None
        self._path = None if isinstance(target, SearchEngine) else Path(target)
        self._lock = threading.Lock()

    def engine(self) -> SearchEngine:
        with self._lock:
            if self._engine is None:
                assert self._path is not None
                self._engine = SearchEngine(self._path, create=False)
            return self._engine

    def close(self) -> None:
        """Close the engine if this app opened it."""
        with self._lock:
            if self._path is not None and self._engine is not None:
                self._engine.close()
                self._engine = None


class _Params:
    """A request's query parameters, checked: bad values are 400s naming the parameter."""

    def __init__(self, params: QueryParams, known: frozenset[str]) -> None:
        unknown = sorted(set(params) - known)
        if unknown:
            raise HTTPException(400, f"unknown parameter {unknown[0]!r} "
                                f"(known: {', '.join(sorted(known))})")
        self.params = params

    def text(self, name: str) -> str | None:
        return self.params.get(name) or None

    def values(self, name: str) -> list[str]:
        return [v for v in self.params.getlist(name) if v.strip()]

    def number(self, name: str, default: int, low: int, high: int | None = None) -> int:
        raw = self.params.get(name)
        if raw is None or raw == "":
            return default
        try:
            value = int(raw)
        except ValueError:
            value = low - 1
        if value < low or (high is not None and value > high):
            span = f"from {low} to {high}" if high is not None else f"at least {low}"
            raise HTTPException(400, f"{name} must be a whole number {span}, not {raw!r}")
        return value

    def flag(self, name: str) -> bool:
        raw = self.params.get(name, "").strip().lower()
        if raw not in _FLAGS:
            raise HTTPException(400, f"{name} must be 1 or 0 (true or false), not {raw!r}")
        return _FLAGS[raw]


def _results(results: Results, limit: int) -> dict[str, Any]:
    """``results`` as JSON, each snippet as escaped HTML with ``<mark>`` around matches."""
    data = results.to_dict()
    data["limit"] = limit
    formatter = HtmlFormatter()
    for hit, out in zip(results, data["hits"], strict=True):
        out["snippet"] = hit.highlights.render(formatter) if hit.highlights else ""
    return data


def create_app(index: SearchEngine | str | Path) -> Starlette:
    """The HTTP API and search page over ``index``: a :class:`SearchEngine` (left open; the
    caller closes it) or an index folder (opened on the first request, closed with the app).

    >>> app = create_app("no-index-here")
    >>> from starlette.testclient import TestClient
    >>> TestClient(app).get("/stats").status_code
    503
    """
    source = _Engine(index)

    def search(request: Request) -> Response:
        params = _Params(request.query_params, SEARCH_PARAMS)
        query = params.text("q")
        if query is None:
            raise HTTPException(400, "missing parameter q: what to search for")
        limit = params.number("limit", 10, 1, MAX_LIMIT)
        if "page" in request.query_params and "offset" in request.query_params:
            raise HTTPException(400, "give page or offset, not both")
        offset = params.number("offset", (params.number("page", 1, 1) - 1) * limit, 0)
        results = source.engine().search(
            query, limit=limit, offset=offset, sort=cast(Sort, params.text("sort") or "relevance"),
            source=params.values("source"), category=params.values("category"),
            since=params.text("since"), until=params.text("until"),
            facets=params.flag("facets"), fold_duplicates=not params.flag("all_copies"))
        return JSONResponse(_results(results, limit))

    def document(request: Request) -> Response:
        _Params(request.query_params, frozenset())
        doc_id = request.path_params["doc_id"]
        doc = source.engine().get(doc_id)
        if doc is None:
            raise HTTPException(404, f"no document with id {doc_id!r}")
        return JSONResponse(doc.to_dict())

    def similar(request: Request) -> Response:
        params = _Params(request.query_params, frozenset({"limit"}))
        limit = params.number("limit", 10, 1, MAX_LIMIT)
        doc_id = request.path_params["doc_id"]
        engine = source.engine()
        if engine.get(doc_id) is None:
            raise HTTPException(404, f"no document with id {doc_id!r}")
        return JSONResponse(_results(engine.similar(doc_id, limit=limit), limit))

    def stats(request: Request) -> Response:
        _Params(request.query_params, frozenset())
        return JSONResponse(source.engine().stats().to_dict())

    def page(request: Request) -> Response:
        return FileResponse(WEB / "index.html")

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        source.close()

    return Starlette(
        routes=[
            Route("/", page), Route("/search", search), Route("/stats", stats),
            Route("/doc/{doc_id:path}", document), Route("/similar/{doc_id:path}", similar),
            Mount("/static", StaticFiles(directory=WEB)),
        ],
        exception_handlers={HTTPException: _http_error, SearchkitError: _searchkit_error,
                            OSError: _unreadable, Exception: _bug},
        middleware=[Middleware(_SecurityHeaders)], lifespan=lifespan,
    )


class _SecurityHeaders:
    """Adds the content security policy and its companions to every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *_HEADERS]
            await send(message)

        await self.app(scope, receive, send_with_headers)


class _LocalHostOnly:
    """Refuses requests whose Host is not a loopback name: a web page elsewhere cannot
    read a server on this machine by pointing its own domain at 127.0.0.1."""

    def __init__(self, app: ASGIApp, names: frozenset[str]) -> None:
        self.app = app
        self.names = names

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            host = dict(scope["headers"]).get(b"host", b"").decode("latin-1")
            name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
            if name.lower() not in self.names:
                await _error(400, f"host {host!r} refused: this server answers "
                             "requests to localhost only")(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _error(status: int, message: str, headers: Mapping[str, str] | None = None) -> Response:
    return JSONResponse({"error": message}, status_code=status, headers=headers)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    message = exc.detail
    if message == HTTPStatus(exc.status_code).phrase:  # Starlette's own: say what was asked
        message = f"{message.lower()}: {request.method} {request.url.path}"
    return _error(exc.status_code, message, exc.headers)


async def _searchkit_error(request: Request, exc: Exception) -> Response:
    status = next((code for kind, code in _STATUS if isinstance(exc, kind)), 500)
    return _error(status, str(exc))


async def _unreadable(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, OSError)
    log.warning("cannot read the index: %s", exc)
    return _error(503, f"cannot read the index: {exc.strerror or exc}")


async def _bug(request: Request, exc: Exception) -> Response:
    # Starlette re-raises the exception after this response, and the server logs it.
    return _error(500, "internal error: see the server's log")


def listen(host: str, port: int) -> socket.socket:
    """A socket listening on ``host:port`` (port 0: any free port); :class:`SearchkitError`
    if it cannot (port in use, unknown host)."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
        sock = socket.socket(family, kind, proto)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(address)
            sock.listen(2048)  # connections wait from here on, before the server runs
        except OSError:
            sock.close()
            raise
    except OSError as exc:
        raise SearchkitError(f"cannot listen on {host}:{port}: "
                             f"{exc.strerror or exc}".rstrip(": ")) from None
    return sock


def serve(index: SearchEngine | str | Path, host: str = "127.0.0.1", port: int = 8000, *,
          ready: Callable[[str], None] | None = None) -> None:
    """Serve :func:`create_app` on ``host:port`` until interrupted; ``ready`` gets the URL
    once listening. Bound to a loopback address, only requests naming localhost are
    answered. Ctrl-C shuts down cleanly, then raises :class:`KeyboardInterrupt`.
    """
    import uvicorn

    sock = listen(host, port)
    address, bound_port = sock.getsockname()[:2]
    name = f"[{address}]" if sock.family == socket.AF_INET6 else address
    app: ASGIApp = create_app(index)
    if ipaddress.ip_address(address).is_loopback:
        app = _LocalHostOnly(app, _LOOPBACK_NAMES | {name})
    else:
        log.warning("listening on %s: anyone who can reach this machine can search the index",
                    name)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    with sock:
        if ready:
            ready(f"http://{name}:{bound_port}/")
        # uvicorn re-raises the Ctrl-C it shut down on, but asyncio may swallow it.
        with contextlib.suppress(KeyboardInterrupt):
            server.run(sockets=[sock])
    if server.should_exit:  # stopped by a signal: always an interrupt
        raise KeyboardInterrupt
