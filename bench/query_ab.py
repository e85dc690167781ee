"""Two checkouts of searchkit side by side on the same queries: one process each, at once.

The machine's speed drifts by 10-25% over minutes, so two runs one after the other compare
the moments as much as the code. Here each checkout (its own index, built by that code)
answers the same seeded queries of ``bench/query.py`` after the same warm-up, both processes
running at the same time (one a core); ``--rounds`` repeats that. ``--passes 2`` also times a
second pass over the same queries (everything cached: what is left of a query's cost).

    python bench/query_ab.py A_CHECKOUT A_INDEX B_CHECKOUT B_INDEX [--set titles] [--rounds 2]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

SETS = {"titles": "ANT titles", "short": "short 1-3 words"}


def run_one(checkout: str, index: str, set_name: str, count: int, passes: int
            ) -> list[dict[str, float]]:
    """Time the queries in this process (``checkout`` on ``PYTHONPATH``; ``bench/``, the
    script's folder, first on ``sys.path``)."""
    from query import query_sets

    import searchkit
    from searchkit import QueryError, SearchEngine

    if not Path(searchkit.__file__).resolve().is_relative_to(Path(checkout).resolve()):
        raise SystemExit(f"searchkit came from {searchkit.__file__}, not {checkout}")
    engine = SearchEngine(index, create=False)
    queries = query_sets(count)[SETS[set_name]]

    def search(q: str) -> None:
        with contextlib.suppress(QueryError):
            engine.search(q, limit=10)

    for q in queries[:100]:  # warm-up, as bench/query.py does
        search(q)
    out = []
    for _ in range(passes):
        times = []
        for q in queries:
            start = time.perf_counter()
            search(q)
            times.append((time.perf_counter() - start) * 1000)
        times.sort()
        out.append({"median": statistics.median(times), "p95": times[int(0.95 * len(times))],
                    "mean": statistics.mean(times)})
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("a_checkout")
    parser.add_argument("a_index")
    parser.add_argument("b_checkout")
    parser.add_argument("b_index")
    parser.add_argument("--set", choices=sorted(SETS), default="titles")
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--passes", type=int, default=1)
    parser.add_argument("--one", nargs=2, help=argparse.SUPPRESS)  # (a child process)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(*args.one, args.set, args.queries, args.passes)))
        return 0
    sides = {"A": (args.a_checkout, args.a_index), "B": (args.b_checkout, args.b_index)}
    for number in range(1, args.rounds + 1):
        children = {
            name: subprocess.Popen([sys.executable, __file__, *sys.argv[1:], "--one",
                                    checkout, index], stdout=subprocess.PIPE, text=True,
                                   env={**os.environ, "PYTHONPATH": checkout})
            for name, (checkout, index) in sides.items()}
        for name, child in children.items():
            out, _ = child.communicate()
            if child.returncode:
                print(f"{name} failed", file=sys.stderr)
                return 1
            for n, figures in enumerate(json.loads(out), 1):
                print(f"round {number} pass {n} {name} ({sides[name][0]}): "
                      + ", ".join(f"{key} {value:.2f} ms" for key, value in figures.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
