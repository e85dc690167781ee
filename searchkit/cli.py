"""The ``searchkit`` command: parse arguments, call the engine, print.

Exit codes: 0 success; 1 nothing found (search), some files skipped (index) or the index out
of step with its folder (check); 2 an error (bad option, missing, locked or incompatible
index, bad query; a broken index for check); 130 interrupted.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, cast

import typer
from typer.exceptions import TyperException

from .analysis import explain
from .engine import SearchEngine
from .errors import SearchkitError
from .lock import DEFAULT_WAIT
from .search import Hit, Results, Sort
from .terminal import BIDI_ENV, BOLD, HIGHLIGHT, MARKERS, BidiMode, Layout, Marked, marked_snippet

if TYPE_CHECKING:
    from .sync import ProgressCallback

EXIT_OK, EXIT_PARTIAL, EXIT_ERROR, EXIT_INTERRUPTED = 0, 1, 2, 130

app = typer.Typer(
    help="Full-text search for Arabic news: index folders of articles, search them.",
    add_completion=False, pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _default_index() -> Path:
    return Path(os.environ.get("SEARCHKIT_INDEX", "index"))


IndexOption = Annotated[
    Path | None,
    typer.Option("--index", "-i", help="Index folder [default: $SEARCHKIT_INDEX or ./index]",
                 show_default=False),
]


def _colour(stream: Any = None) -> bool:
    stream = stream or sys.stdout
    return stream.isatty() and "NO_COLOR" not in os.environ


def _print_json(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))


BidiOption = Annotated[BidiMode, typer.Option(
    "--bidi", envvar=BIDI_ENV, case_sensitive=False,
    help="Arabic lines in visual order for terminals that show them backwards (on), in "
    "reading order (off), or on a terminal that does no bidi itself (auto).")]


def _layout(bidi: BidiMode) -> Layout:
    return Layout.for_stream(sys.stdout, bidi, os.environ)


def _echo_lines(lines: list[str]) -> None:
    typer.echo("\n".join(lines))


@app.callback(invoke_without_command=True)
def _root(ctx: typer.Context) -> None:
    if ctx.invoked_subcommand is None:
        typer.echo(ctx.get_help())


@contextmanager
def _progress_bar() -> Iterator[ProgressCallback | None]:
    """A progress bar on stderr when it is a terminal (files, documents, MB, rate, ETA)."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )
    from rich.progress import Progress as RichProgress

    from .sync import Progress as SyncProgress

    columns = (
        TextColumn("indexing"), BarColumn(), TextColumn("{task.fields[files]} files"),
        TextColumn("{task.fields[documents]} docs"), DownloadColumn(binary_units=True),
        TransferSpeedColumn(), TimeRemainingColumn(),
    )
    with RichProgress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("index", total=None, files="0", documents=0)

        def update(p: SyncProgress) -> None:
            bar.update(task, total=p.bytes_total, completed=p.bytes_done,
                       files=f"{p.files_done}/{p.files_total}", documents=p.documents)

        yield update


@app.command("index")
def index_cmd(
    folder: Annotated[Path, typer.Argument(help="Folder of articles to index.")],
    index: IndexOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    rebuild: Annotated[bool, typer.Option(
        "--rebuild", help="Start over: empty the index, then index every file.")] = False,
    procs: Annotated[int | None, typer.Option(
        "--procs", "-j", min=1, help="Processes that read files [default: one per core]",
        show_default=False)] = None,
    field: Annotated[list[str] | None, typer.Option(
        "--field", metavar="FIELD=KEY",
        help="JSON key to read a field from, e.g. --field body=story (repeatable).")] = None,
    max_size: Annotated[int, typer.Option(
        "--max-size", min=1, help="Skip files larger than this many MB.")] = 50,
    wait: Annotated[float, typer.Option(
        "--wait", min=0, metavar="SECONDS",
        help="Wait this long for another process writing to the index.")] = DEFAULT_WAIT,
    batch: Annotated[int | None, typer.Option(
        "--batch", min=1, show_default=False,
        help="Documents per commit (at most 10000 without writer processes); a crash "
             "loses at most one batch [default: 50000]")
    ] = None,
) -> None:
    """Index the articles under FOLDER; a second run reads only new and changed files.

    Reads .txt/.md, .html, .json/.jsonl, TREC <DOC> files, RSS/Atom .xml, and .gz/.zip of
    these. Exit code 1 if some files or records were skipped. One process writes to an
    index at a time: another waits up to --wait seconds, then exits with code 2 naming the
    writer.

    Example: searchkit index seeds
    """
    keys = dict(_field_option(f) for f in field or [])
    path = index or _default_index()
    if rebuild:
        SearchEngine.reset(path, wait=wait)
    with SearchEngine(path, wait=wait) as engine, _progress_bar() as progress:
        report = engine.index_folder(folder, procs=procs, keys=keys, max_file_mb=max_size,
                                     progress=progress, batch_documents=batch)
    if as_json:
        _print_json(report.to_dict())
    else:
        for skipped in report.skipped:
            typer.echo(f"skipped {skipped.path}: {skipped.reason}", err=True)
        typer.echo(report.summary(), err=True)
    if report.skipped:
        raise typer.Exit(EXIT_PARTIAL)


def _field_option(value: str) -> tuple[str, str]:
    name, sep, key = value.partition("=")
    if not sep or not name or not key:
        raise SearchkitError(f"--field {value!r}: expected FIELD=KEY, e.g. body=story")
    return name.strip(), key.strip()


def _print_hit(rank: int, hit: Hit, colour: bool, layout: Layout) -> None:
    heading = hit.title or hit.path or hit.id
    _echo_lines(layout.lines(Marked(heading, ((0, len(heading)),)), BOLD if colour else None,
                             prefix=f"{rank}. ", indent="   "))
    meta = [m for m in (hit.id, hit.date.date().isoformat() if hit.date else None,
                        hit.source, hit.category, f"score {hit.score:.2f}" if hit.score else None,
                        f"+{hit.duplicates} copies" if hit.duplicates else None) if m]
    _echo_lines(layout.lines(Marked(" | ".join(meta)), prefix="   "))
    if hit.highlights is not None:
        _echo_lines(layout.lines(marked_snippet(hit.highlights),
                                 HIGHLIGHT if colour else MARKERS, prefix="   "))
    typer.echo()


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _print_results(results: Results, as_json: bool, facets: bool, bidi: BidiMode) -> None:
    if as_json:
        _print_json(results.to_dict() if facets else [hit.to_dict() for hit in results])
    else:
        colour, layout = _colour(), _layout(bidi)
        for rank, hit in enumerate(results, results.offset + 1):
            _print_hit(rank, hit, colour, layout)
        if results.facets:
            for name, counts in results.facets.to_dict().items():
                shown = ", ".join(f"{key} {n}" for key, n in list(counts.items())[:20])
                _echo_lines(layout.lines(Marked(shown or "-"), prefix=f"{name}: "))
    # Notes about the search go to stderr, so piped output stays hits only.
    folded = f" ({_count(results.folded, 'copy', 'copies')} folded)" if results.folded else ""
    typer.echo(f"{_count(results.total, 'matching document', 'matching documents')}{folded}",
               err=True)
    if results.expanded:
        near = "; ".join(f"{', '.join(v)} for {w}" for w, v in results.expanded.items())
        typer.echo(f"few matches, so also searched near spellings and roots (√): {near}",
                   err=True)
    if results.suggestion:
        typer.echo(f"did you mean: {results.suggestion}", err=True)
    for note in results.notes:
        typer.echo(f"read as: {note}", err=True)


JsonOption = Annotated[bool, typer.Option(
    "--json", help="Print hits as a JSON array (with --facets: an object with total, hits, "
    "facets, suggestion).")]


@app.command("search")
def search_cmd(
    query: Annotated[str, typer.Argument(help="What to look for (see the query language).")],
    index: IndexOption = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="Hits to show.")] = 10,
    page: Annotated[int, typer.Option("--page", "-p", min=1, help="Page of --limit hits.")] = 1,
    offset: Annotated[int | None, typer.Option(
        "--offset", min=0, help="Hits to skip (instead of --page).", show_default=False)] = None,
    sort: Annotated[str, typer.Option(
        "--sort", help="relevance, or date (newest first).")] = "relevance",
    source: Annotated[list[str] | None, typer.Option(
        "--source", help="Only from this source (repeatable; any of them).")] = None,
    category: Annotated[list[str] | None, typer.Option(
        "--category", help="Only in this category (repeatable; any of them).")] = None,
    since: Annotated[str | None, typer.Option(
        "--since", help="From this date on: YYYY, YYYY-MM or YYYY-MM-DD.")] = None,
    until: Annotated[str | None, typer.Option(
        "--until", help="Up to this date, included: YYYY, YYYY-MM or YYYY-MM-DD.")] = None,
    facets: Annotated[bool, typer.Option(
        "--facets", help="Also count results by source, category and month.")] = False,
    all_copies: Annotated[bool, typer.Option(
        "--all-copies", help="Show every copy of an article, not one per body.")] = False,
    as_json: JsonOption = False,
    bidi: BidiOption = BidiMode.AUTO,
) -> None:
    """Search the index; matches are highlighted in snippets from the original text.

    Query language (operators in capitals):
    words; "exact phrase"; +required -excluded; AND OR NOT ( ); title:word body:word
    source:name category:name; prefix* and one-letter wild?card (؟ too); near~ spelling;
    date:2018 date:2018-03 date:2018-01..2018-06 date:..2017 since:2018-03-01 until:2018-04.

    Examples: searchkit search "صواريخ فرط صوتيه";
    searchkit search '"كيم جونغ" -بكين since:2023' --sort date --facets
    """
    with SearchEngine(index or _default_index(), create=False) as engine:
        results = engine.search(
            query, limit=limit, offset=offset if offset is not None else (page - 1) * limit,
            sort=cast(Sort, sort), source=source, category=category, since=since, until=until,
            facets=facets, fold_duplicates=not all_copies)
    _print_results(results, as_json, facets, bidi)
    if not results:
        raise typer.Exit(EXIT_PARTIAL)


@app.command("show")
def show_cmd(
    doc_id: Annotated[str, typer.Argument(metavar="ID", help="Document id (as search shows).")],
    index: IndexOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the document as JSON.")] = False,
    bidi: BidiOption = BidiMode.AUTO,
) -> None:
    """Show a whole document with its metadata.

    Example: searchkit show kim-jong-un-russia-visit-2023.txt
    """
    with SearchEngine(index or _default_index(), create=False) as engine:
        doc = engine.get(doc_id)
    if doc is None:
        raise SearchkitError(f"no document with id {doc_id!r}")
    if as_json:
        _print_json(doc.to_dict())
        return
    data, layout = doc.to_dict(), _layout(bidi)
    for key in ("id", "title", "date", "source", "category", "url", "path", "encoding"):
        if data.get(key):
            _echo_lines(layout.lines(Marked(str(data[key])), prefix=f"{key}: "))
    typer.echo()
    _echo_lines(layout.paragraphs(doc.body))


@app.command("similar")
def similar_cmd(
    doc_id: Annotated[str, typer.Argument(metavar="ID", help="Document id (as search shows).")],
    index: IndexOption = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="Hits to show.")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="Print hits as a JSON array.")] = False,
    bidi: BidiOption = BidiMode.AUTO,
) -> None:
    """Show documents like ID (more like this), copies of its body left out.

    Example: searchkit similar kim-jong-un-russia-visit-2023.txt
    """
    with SearchEngine(index or _default_index(), create=False) as engine:
        results = engine.similar(doc_id, limit=limit)
    _print_results(results, as_json, facets=False, bidi=bidi)
    if not results:
        raise typer.Exit(EXIT_PARTIAL)


@app.command("check")
def check_cmd(
    folder: Annotated[Path | None, typer.Argument(
        help="The indexed folder, to compare with the index.", show_default=False)] = None,
    index: IndexOption = None,
    full: Annotated[bool, typer.Option(
        "--full", help="Decode every stored body, not a sample.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Verify the index: open every segment, count and decode documents, compare with the
    sync manifest and, given FOLDER, with the files there; say what to do.

    Exit code 0 healthy, 1 out of step (run index), 2 broken (rebuild).

    Example: searchkit check seeds
    """
    from .check import check_index

    report = check_index(index or _default_index(), folder, full=full)
    if as_json:
        _print_json(report.to_dict())
    else:
        for line in report.lines():
            typer.echo(line)
    raise typer.Exit({"ok": EXIT_OK, "out of step": EXIT_PARTIAL}.get(report.status, EXIT_ERROR))


@app.command("analyze")
def analyze_cmd(
    text: Annotated[str, typer.Argument(help="Arabic text to analyze.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print tokens as JSON.")] = False,
    bidi: BidiOption = BidiMode.AUTO,
) -> None:
    """Show each token as written, normalized and stemmed, and whether it is a stop word;
    then its other terms: the stem without a glued preposition, the root (√, ranks only).

    Example: searchkit analyze "وَالصَّواريخُ"
    """
    tokens = explain(text)
    if as_json:
        _print_json([
            {"original": t.original, "normalized": t.normalized, "stem": t.stem,
             "stop": t.stop, "start": t.start, "end": t.end, "position": t.position,
             "terms": list(t.terms)}
            for t in tokens
        ])
        return
    layout = _layout(bidi)
    for t in tokens:
        cells = [t.original, t.normalized, "(stop word)" if t.stop else t.stem or ""]
        cells += [" ".join(term for term in t.terms if term != t.stem)] if t.terms[1:] else []
        typer.echo("\t".join(layout.line(cell) for cell in cells))


@app.command("stats")
def stats_cmd(
    index: IndexOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the stats as JSON.")] = False,
) -> None:
    """Show what the index holds: documents, sources, categories, dates, size, last sync.

    Example: searchkit stats --json
    """
    with SearchEngine(index or _default_index(), create=False) as engine:
        stats = engine.stats()
    if as_json:
        _print_json(stats.to_dict())
    else:
        for line in stats.lines():
            typer.echo(line)


@app.command("serve")
def serve_cmd(
    index: IndexOption = None,
    host: Annotated[str, typer.Option(
        "--host", help="Address to listen on; other than loopback, anyone who can reach "
        "this machine can search the index.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(
        "--port", min=0, max=65535, help="Port to listen on (0: any free port).")] = 8000,
) -> None:
    """Serve the search page and the JSON API (/search, /doc/ID, /similar/ID, /stats).

    Listens on this machine only unless --host says otherwise. Ctrl-C stops it.

    Example: searchkit serve --port 8080, then open http://127.0.0.1:8080/
    """
    from .server import serve

    with SearchEngine(index or _default_index(), create=False) as engine:
        serve(engine, host, port, ready=lambda url: typer.echo(
            f"searchkit: serving {engine.path} at {url} (Ctrl-C to stop)"))


def _dash_hint(exc: TyperException) -> str:
    """A hint when an unknown option is really a query that starts with an excluded word
    (``searchkit search "-بكين كيم"``: the shell passes ``-بكين`` as an option)."""
    name = getattr(exc, "option_name", None) or ""
    if name.startswith("-") and not name.lstrip("-")[:1].isascii():
        return "; a query that starts with '-' goes after '--': searchkit search -- '-word ...'"
    return ""


def main() -> None:
    """Run the CLI, turning user errors into one line on stderr and an exit code."""
    logging.basicConfig(format="searchkit: %(message)s", level=logging.WARNING)
    try:
        code = app(standalone_mode=False)
    except SearchkitError as exc:
        typer.echo(f"searchkit: error: {exc}", err=True)
        code = EXIT_ERROR
    except TyperException as exc:  # usage errors: bad option, missing argument, bad value
        typer.echo(f"searchkit: error: {exc.format_message()}{_dash_hint(exc)}", err=True)
        code = EXIT_ERROR
    except (typer.Abort, KeyboardInterrupt):
        typer.echo("searchkit: interrupted", err=True)
        code = EXIT_INTERRUPTED
    sys.exit(code if isinstance(code, int) else EXIT_OK)
