"""Ingest benchmark: the ANT corpus as one ``<DOC>`` file per article, indexed by the CLI.

Times a full index, a no-change re-run, a re-run after touching 1% of the files (mtime only)
and one after changing 1% (new content); reports each run's peak memory (the CLI process and
its workers) and the index size. Needs ../shared/corpora.

    python bench/ingest.py [--procs 2] [--limit N] [--keep DIR]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CORPUS = (Path(__file__).resolve().parents[2] / "shared" / "corpora" / "news"
          / "ant-multisource-v2.1.jsonl.gz")

DOC = """<DOC>
<DOCNO>{id}</DOCNO>
<URL>{url}</URL>
<SRC>{source}</SRC>
<CAT>{category}</CAT>
<TITLE>{title}</TITLE>
<TIME>{date}</TIME>
<TEXT>
{body}
</TEXT>
</DOC>
"""


def write_corpus(folder: Path, limit: int | None) -> list[Path]:
    """One file per article under ``source/category/``, like the original ANT layout."""
    paths = []
    with gzip.open(CORPUS, "rt", encoding="utf-8") as fh:
        for n, line in enumerate(fh):
            if limit is not None and n >= limit:
                break
            article = json.loads(line)
            section = folder / article["source"] / (article["category"] or "none")
            path = section / f"{article['id']}.txt"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(DOC.format(**{k: v or "" for k, v in article.items()}), "utf-8")
            paths.append(path)
    return paths


def run_index(folder: Path, index: Path, procs: int, *extra: str) -> dict[str, object]:
    """Run ``searchkit index`` once; its report, wall time and peak RSS (with workers)."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "searchkit", "index", str(folder), "--index", str(index),
             "--procs", str(procs), "--json", *extra],
            stdout=subprocess.PIPE, stderr=err,
        )
        out = proc.stdout.read() if proc.stdout else b""
        _, status, usage = os.wait4(proc.pid, 0)  # wait4: the peak RSS of it and its workers
        seconds = time.perf_counter() - started
        if not out:
            err.seek(0)
            sys.exit(f"searchkit index failed:\n{err.read().decode()}")
    report = json.loads(out)
    return {"seconds": round(seconds, 2), "peak_rss_mb": round(usage.ru_maxrss / 1024),
            "exit": os.waitstatus_to_exitcode(status),
            **{k: report[k] for k in ("added", "updated", "removed", "unchanged", "documents")},
            "skipped": len(report["skipped"])}


def size_mb(folder: Path) -> float:
    return round(sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**20, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--procs", type=int, default=2)
    parser.add_argument("--limit", type=int, default=None, help="first N articles only")
    parser.add_argument("--keep", type=Path, default=None, help="write the files here")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="searchkit-bench-"))
    folder, index = work / "ant", work / "index"
    t = time.perf_counter()
    paths = write_corpus(folder, args.limit)
    print(f"wrote {len(paths)} files ({size_mb(folder)} MB) in {time.perf_counter() - t:.1f} s",
          file=sys.stderr)
    results: dict[str, object] = {"files": len(paths), "procs": args.procs}
    results["full"] = run_index(folder, index, args.procs, "--rebuild")
    print(f"full: {results['full']}", file=sys.stderr)
    results["index_mb"] = size_mb(index)
    results["no_change"] = run_index(folder, index, args.procs)
    step = 100
    now = time.time() + 10
    for path in paths[::step]:
        os.utime(path, (now, now))
    results["touched_1pct"] = run_index(folder, index, args.procs)
    for path in paths[1::step]:
        with path.open("a", encoding="utf-8") as fh:
            fh.write("\n")
    results["changed_1pct"] = run_index(folder, index, args.procs)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
