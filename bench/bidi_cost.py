"""What terminal bidi costs: laying out search results with --bidi on against off.

Makes N search-result snippets (default 1,000) from random ANT articles in
../shared/corpora/news, each for 2 words of the article's own title, as ``searchkit search``
does (``make_snippet``, up to 3 fragments of about 160 characters). Then times printing them
the way the CLI does on an 80-column colour terminal, title and snippet of each hit wrapped
with a hanging indent: ``--bidi off`` (wrap only), ``--bidi on`` (wrap, then reorder each
line with python-bidi and mark the visual string), and a pipe (lines as they are). Snippet
making is outside the timing. Median of --runs passes.

    python bench/bidi_cost.py [--snippets 1000] [--runs 7] [--width 80]
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import statistics
import sys
import time
from pathlib import Path

from searchkit.analysis import explain
from searchkit.snippets import QueryTerms, make_snippet
from searchkit.terminal import BOLD, HIGHLIGHT, Layout, Marked, marked_snippet

ANT = (Path(__file__).resolve().parents[2] / "shared" / "corpora" / "news"
       / "ant-multisource-v2.1.jsonl.gz")


def results(count: int) -> list[tuple[Marked, Marked]]:
    """``count`` (title, snippet) pairs, each snippet for two words of its article's title."""
    with gzip.open(ANT, "rt", encoding="utf-8") as fh:
        articles = [a for a in map(json.loads, fh) if a.get("title") and a.get("body")]
    out: list[tuple[Marked, Marked]] = []
    for article in random.Random(7).sample(articles, count):
        words = [t for t in explain(article["title"]) if not t.stop][:2]
        terms = QueryTerms(frozenset(t.normalized for t in words),
                           frozenset(t.stem for t in words))
        title = article["title"]
        out.append((Marked(title, ((0, len(title)),)),
                    marked_snippet(make_snippet(article["body"], terms))))
    return out


def lay_out(layout: Layout, hits: list[tuple[Marked, Marked]]) -> int:
    """Lay every hit out as the CLI prints it; the number of lines."""
    lines = 0
    for rank, (title, snippet) in enumerate(hits, 1):
        lines += len(layout.lines(title, BOLD, prefix=f"{rank}. ", indent="   "))
        lines += len(layout.lines(snippet, HIGHLIGHT, prefix="   "))
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--snippets", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--width", type=int, default=80)
    args = parser.parse_args()
    if not ANT.is_file():
        print(f"skipped: {ANT} not found", file=sys.stderr)
        return
    hits = results(args.snippets)
    chars = sum(len(t.text) + len(s.text) for t, s in hits)
    print(f"{len(hits)} results, {chars} characters of titles and snippets")
    layouts = {"pipe": Layout(), "off": Layout(args.width), "on": Layout(args.width, True)}
    medians = {}
    for name, layout in layouts.items():
        lay_out(layout, hits[:20])  # warm caches and the python-bidi import
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            lines = lay_out(layout, hits)
            times.append(time.perf_counter() - start)
        medians[name] = statistics.median(times)
        print(f"{name:>4}: {medians[name] * 1000:8.1f} ms median of {args.runs} "
              f"({medians[name] / len(hits) * 1e6:6.1f} us a result, {lines} lines)")
    print(f"on / off: {medians['on'] / medians['off']:.1f}x; a page of 10 results costs "
          f"{(medians['on'] - medians['off']) / len(hits) * 10 * 1000:.1f} ms more with bidi")


if __name__ == "__main__":
    main()
