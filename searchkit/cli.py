"""The ``searchkit`` command: parse arguments, call the engine, print.

Exit codes: 0 success; 1 nothing found (search) or some files skipped (index);
2 an error (bad option, missing index, bad query); 130 interrupted.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.exceptions import TyperException

from .analysis import explain
from .engine import SearchEngine
from .errors import SearchkitError
from .search import Hit
from .snippets import PlainFormatter, TerminalFormatter

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


@app.callback(invoke_without_command=True)
def _root(ctx: typer.Context) -> None:
    if ctx.invoked_subcommand is None:
        typer.echo(ctx.get_help())


@app.command("index")
def index_cmd(
    folder: Annotated[Path, typer.Argument(help="Folder of articles to index.")],
    index: IndexOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Index the articles under FOLDER.

    Example: searchkit index seeds
    """
    if not folder.is_dir():
        raise SearchkitError(f"{folder}: no such folder")
    with SearchEngine(index or _default_index()) as engine:
        report = engine.index_folder(folder)
    if as_json:
        _print_json(report.to_dict())
    else:
        for skipped in report.skipped:
            typer.echo(f"skipped {skipped.path}: {skipped.reason}", err=True)
        typer.echo(f"indexed {report.documents} documents from {report.files} files"
                   f" ({len(report.skipped)} skipped)", err=True)
    if report.skipped:
        raise typer.Exit(EXIT_PARTIAL)


def _print_hit(rank: int, hit: Hit, colour: bool) -> None:
    heading = hit.title or hit.path or hit.id
    bold = (lambda s: f"\x1b[1m{s}\x1b[0m") if colour else (lambda s: s)
    typer.echo(f"{rank}. {bold(heading)}")
    meta = [m for m in (hit.path, hit.date.date().isoformat() if hit.date else None,
                        hit.source, f"score {hit.score:.2f}") if m]
    typer.echo("   " + " | ".join(meta))
    formatter = TerminalFormatter() if colour else PlainFormatter()
    if hit.highlights is not None:
        typer.echo("   " + hit.highlights.render(formatter))
    typer.echo()


@app.command("search")
def search_cmd(
    query: Annotated[str, typer.Argument(help="What to look for.")],
    index: IndexOption = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="Hits to show.")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="Print hits as a JSON array.")] = False,
) -> None:
    """Search the index; matches are highlighted in snippets from the original text.

    Example: searchkit search "صواريخ فرط صوتيه"
    """
    with SearchEngine(index or _default_index(), create=False) as engine:
        results = engine.search(query, limit=limit)
    if as_json:
        _print_json([hit.to_dict() for hit in results])
    else:
        colour = _colour()
        typer.echo(f"{results.total} matching documents", err=True)
        for rank, hit in enumerate(results, 1):
            _print_hit(rank, hit, colour)
    if not results:
        raise typer.Exit(EXIT_PARTIAL)


@app.command("analyze")
def analyze_cmd(
    text: Annotated[str, typer.Argument(help="Arabic text to analyze.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print tokens as JSON.")] = False,
) -> None:
    """Show each token as written, normalized and stemmed, and whether it is a stop word.

    Example: searchkit analyze "وَالصَّواريخُ"
    """
    tokens = explain(text)
    if as_json:
        _print_json([
            {"original": t.original, "normalized": t.normalized, "stem": t.stem,
             "stop": t.stop, "start": t.start, "end": t.end, "position": t.position}
            for t in tokens
        ])
        return
    for t in tokens:
        term = "(stop word)" if t.stop else t.stem
        typer.echo(f"{t.original}\t{t.normalized}\t{term}")


def main() -> None:
    """Run the CLI, turning user errors into one line on stderr and an exit code."""
    try:
        code = app(standalone_mode=False)
    except SearchkitError as exc:
        typer.echo(f"searchkit: error: {exc}", err=True)
        code = EXIT_ERROR
    except TyperException as exc:  # usage errors: bad option, missing argument, bad value
        typer.echo(f"searchkit: error: {exc.format_message()}", err=True)
        code = EXIT_ERROR
    except (typer.Abort, KeyboardInterrupt):
        typer.echo("searchkit: interrupted", err=True)
        code = EXIT_INTERRUPTED
    sys.exit(code if isinstance(code, int) else EXIT_OK)
