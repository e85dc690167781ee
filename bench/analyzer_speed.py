"""Analyzer throughput: tokens per second on one core over the ANT news bodies.

Counts the tokenizer's tokens (words as written, stop words included) and times the full
stemmed-field analysis (tokenize, normalize, stop, stem, roots) and the exact-field analysis.
The first pass starts with empty stem caches; later passes show the warm speed.

    python bench/analyzer_speed.py [--limit N] [--passes 3]
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import sys
import time
from pathlib import Path

from searchkit.analysis import ArabicTokenizer, exact_analyzer, stem_analyzer
from searchkit.analysis.filters import _all_terms, _normalize_word
from searchkit.analysis.stemmer import root, stem

ANT = Path(__file__).resolve().parents[2] / "shared/corpora/news/ant-multisource-v2.1.jsonl.gz"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--limit", type=int, default=0, help="articles to use (0 = all)")
    parser.add_argument("--passes", type=int, default=3)
    args = parser.parse_args()
    if not ANT.is_file():
        print(f"corpus not found: {ANT}", file=sys.stderr)
        return 2
    with gzip.open(ANT, "rt", encoding="utf-8") as fh:
        bodies = [json.loads(line)["body"] for line in fh]
    if args.limit:
        bodies = bodies[: args.limit]
    tokens = sum(1 for body in bodies for _ in ArabicTokenizer()(body))
    chars = sum(len(b) for b in bodies)
    print(f"{len(bodies)} articles, {tokens:,} tokens, {chars / 1e6:.1f} M characters")
    for name, analyzer in (("stemmed field", stem_analyzer()), ("exact field", exact_analyzer())):
        for cache in (_all_terms, _normalize_word, stem, root):
            cache.cache_clear()
        times = []
        for _ in range(args.passes):
            start = time.perf_counter()
            for body in bodies:
                for _ in analyzer(body):
                    pass
            times.append(time.perf_counter() - start)
        rates = [tokens / t for t in times]
        print(f"{name}: first pass {rates[0]:,.0f} tokens/s; median of {args.passes} passes "
              f"{statistics.median(rates):,.0f} tokens/s ({statistics.median(times):.2f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
