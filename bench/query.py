"""Query latency on the ~50k-article news index: searchkit against plain Whoosh, same run.

Builds (or reuses with --index) a searchkit index of every article in
../shared/corpora/news (ANT, SaudiNewsNet sample, Khaleej-2004: 49,762 articles) through the
CLI, and a plain Whoosh index of the same articles (regex words, lowercase, one field, BM25F).
Two query sets, seeded: 1,000 ANT titles and 1,000 short queries of 1-3 consecutive words
taken from random ANT bodies (so the most common words come up). Each query is timed end to
end in-process, top 10 with snippets (Whoosh: ``hit.highlights``), after one warm-up pass; the
report gives median, p95 and p99. Then the wall time of one ``searchkit search`` command from
a cold start (new process), median of 5.

    python bench/query.py [--index DIR] [--plain DIR] [--queries 1000]
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from whoosh import highlight, qparser, scoring
from whoosh import index as whoosh_index
from whoosh.analysis import LowercaseFilter, RegexTokenizer
from whoosh.fields import ID, TEXT, Schema

from searchkit import QueryError, SearchEngine
from searchkit.analysis import explain

NEWS = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "news"
ANT = NEWS / "ant-multisource-v2.1.jsonl.gz"


def articles() -> list[dict[str, str]]:
    out = []
    for path in sorted(NEWS.glob("*.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            out.extend(json.loads(line) for line in fh)
    return out


def query_sets(count: int) -> dict[str, list[str]]:
    with gzip.open(ANT, "rt", encoding="utf-8") as fh:
        ant = [json.loads(line) for line in fh]
    rng = random.Random(7)
    titles = [a["title"] for a in rng.sample([a for a in ant if a["title"]], count)]
    short = []
    while len(short) < count:
        words = [i.original for i in explain(rng.choice(ant)["body"]) if not i.stop]
        if words:
            size = rng.randint(1, 3)
            start = rng.randrange(max(1, len(words) - size))
            short.append(" ".join(words[start:start + size]))
    return {"ANT titles": titles, "short 1-3 words": short}


def build_searchkit(folder: Path) -> float:
    news = folder / "news"
    news.mkdir(parents=True)
    for path in NEWS.glob("*.jsonl.gz"):
        (news / path.name).symlink_to(path)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "searchkit", "index", str(news), "--index",
                           str(folder / "ix"), "--json"], capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode not in (0, 1):  # 1: some records skipped, each with its reason
        raise SystemExit(f"indexing failed: {done.stderr.strip()}")
    report = json.loads(done.stdout)
    print(f"indexed {report['documents']} documents; skipped: "
          + "; ".join(f"{s['path']}: {s['reason']}" for s in report["skipped"]), flush=True)
    return seconds


def build_plain(folder: Path, docs: list[dict[str, str]]) -> float:
    schema = Schema(id=ID(stored=True), content=TEXT(
        analyzer=RegexTokenizer() | LowercaseFilter(), stored=True))
    ix = whoosh_index.create_in(str(folder), schema)
    start = time.perf_counter()
    with ix.writer(limitmb=256, procs=2, multisegment=True) as writer:
        for d in docs:
            writer.add_document(id=d["id"], content=f"{d['title'] or ''}\n{d['body']}")
    return time.perf_counter() - start


def searchkit_runner(path: Path) -> Callable[[str], int]:
    engine = SearchEngine(path, create=False)

    def run(q: str) -> int:
        try:
            return len(engine.search(q, limit=10))
        except QueryError:
            return 0
    return run


def plain_runner(path: Path) -> Callable[[str], int]:
    ix = whoosh_index.open_dir(str(path))
    searcher = ix.searcher(weighting=scoring.BM25F())
    parser = qparser.QueryParser("content", ix.schema, group=qparser.OrGroup)
    parser.remove_plugin_class(qparser.WildcardPlugin)
    fragmenter = highlight.ContextFragmenter(maxchars=200, surround=40)

    def run(q: str) -> int:
        hits = searcher.search(parser.parse(q), limit=10)
        hits.fragmenter = fragmenter
        for hit in hits:
            hit.highlights("content", top=2)
        return len(hits)
    return run


def percentiles(times: list[float]) -> str:
    ms = sorted(t * 1000 for t in times)
    def pick(p: float) -> float:
        return ms[min(len(ms) - 1, int(p * len(ms)))]
    return f"{statistics.median(ms):.1f} | {pick(0.95):.1f} | {pick(0.99):.1f} | {ms[-1]:.0f}"


def timed(run: Callable[[str], int], queries: list[str]) -> list[float]:
    for q in queries[:100]:
        run(q)  # warm-up: caches, file pages
    times = []
    for q in queries:
        start = time.perf_counter()
        run(q)
        times.append(time.perf_counter() - start)
    return times


def cold_start(index: Path, query: str, runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(["searchkit", "search", query, "--index", str(index)],
                       check=False, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--index", type=Path, help="reuse (or build here) the searchkit index")
    parser.add_argument("--plain", type=Path, help="reuse (or build here) the plain index")
    parser.add_argument("--queries", type=int, default=1000)
    args = parser.parse_args()
    if not ANT.is_file():
        print(f"corpus not found under {NEWS}", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="searchkit-query-"))
    index = args.index or work / "sk" / "ix"
    if not index.exists():
        print(f"searchkit index built in {build_searchkit(index.parent):.0f} s", flush=True)
    plain = args.plain or work / "plain"
    if not plain.exists():
        plain.mkdir(parents=True)
        print(f"plain Whoosh index built in {build_plain(plain, articles()):.0f} s", flush=True)
    sets = query_sets(args.queries)
    print("\n| engine | queries | median ms | p95 ms | p99 ms | max ms |")
    print("|---|---|---|---|---|---|")
    for name, runner in (("searchkit", searchkit_runner(index)), ("plain Whoosh",
                                                                  plain_runner(plain))):
        for set_name, queries in sets.items():
            print(f"| {name} | {set_name} | {percentiles(timed(runner, queries))} |", flush=True)
    print(f"\ncold start, `searchkit search` (median of 5): "
          f"{cold_start(index, sets['short 1-3 words'][0]):.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
