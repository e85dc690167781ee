"""Relevance on public Arabic retrieval sets: searchkit against plain Whoosh, same process.

Sets (from ../shared/corpora/eval): ARCD (1,395 questions, 460 paragraphs), XQuAD-ar
(1,190 questions, 240 paragraphs), Qur'an QA 2023 task A train/dev/test (zero-answer
questions left out). Each question is run as typed; metrics over the top 100:
MRR@10, Recall@10, Recall@100, nDCG@10 (binary relevance; a question with no hit scores 0).

    python bench/relevance.py                 # searchkit vs plain Whoosh on every set
    python bench/relevance.py --ablation      # also without stemming, the lexicon (protected
                                              # words and dictionaries), stop words, roots,
                                              # glued-preposition expansion
    python bench/relevance.py --sets arcd --runs /tmp/runs   # write TREC run files too
    python bench/relevance.py --headlines     # also headline-to-body known item (ANT and
                                              # SaudiNewsNet: 8,000 bodies without titles, 400
                                              # headlines as written and as typed, seed 11)
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import math
import random
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh import qparser, scoring
from whoosh.analysis import LowercaseFilter, RegexTokenizer
from whoosh.fields import ID, TEXT, Schema

from searchkit import QueryError, SearchEngine
from searchkit.analysis import AnalysisOptions

EVAL = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "eval"


@dataclass
class EvalSet:
    name: str
    passages: list[dict[str, str]]  # id, title, text
    queries: dict[str, str]
    qrels: dict[str, set[str]]


def _jsonl(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _tsv(path: Path) -> dict[str, str]:
    with path.open(encoding="utf-8") as fh:
        return dict(line.rstrip("\n").split("\t", 1) for line in fh if line.strip())


def _qrels(path: Path) -> dict[str, set[str]]:
    qrels: dict[str, set[str]] = {}
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            parts = line.split()
            if len(parts) == 4 and parts[2] != "-1" and int(parts[3]) > 0:
                qrels.setdefault(parts[0], set()).add(parts[2])
    return qrels


NEWS = EVAL.parent / "news"
HEADLINE_SOURCES = {"ant": "ant-multisource-v2.1.jsonl.gz",
                    "saudi": "saudinewsnet-sample16k.jsonl.gz"}
HEADLINE_BODIES, HEADLINE_QUERIES, HEADLINE_SEED = 8000, 400, 11
_MARKS = "\u064e\u064f\u0650\u0651\u0652\u064b\u0640"  # harakat, shadda, sukun, tatweel


def headline_set(source: str, typed: bool) -> EvalSet:
    """Headline-to-body known item: 8,000 bodies of the corpus (distinct bodies and titles,
    seeded), indexed without their titles; 400 of their headlines as queries, each finding
    its own body. ``typed``: the headlines as people type them (see :func:`as_typed`)."""
    with gzip.open(NEWS / HEADLINE_SOURCES[source], "rt", encoding="utf-8") as fh:
        articles = [json.loads(line) for line in fh]
    seen_bodies: set[str] = set()
    titles = Counter(a["title"] for a in articles if a["title"])
    unique = []
    for a in articles:
        if a["body"] not in seen_bodies and a["title"] and titles[a["title"]] == 1:
            seen_bodies.add(a["body"])
            unique.append(a)
    rng = random.Random(HEADLINE_SEED)
    bodies = rng.sample(unique, HEADLINE_BODIES)
    asked = rng.sample(bodies, HEADLINE_QUERIES)
    queries = {a["id"]: a["title"] for a in asked}
    if typed:
        queries = {qid: as_typed(text, random.Random(f"{HEADLINE_SEED}:{qid}"))
                   for qid, text in queries.items()}
    return EvalSet(f"{source}-headlines{'-typed' if typed else ''}",
                   [{"id": a["id"], "title": "", "text": a["body"]} for a in bodies],
                   queries, {a["id"]: {a["id"]} for a in asked})


def as_typed(text: str, rng: random.Random) -> str:
    """``text`` as a user would type it: hamza seats dropped (أ إ آ -> ا), final ة as ه half
    of the time, final ى and ي swapped half of the time, the article dropped from one word
    (a third of the time), a stray haraka or tatweel (a third of the time)."""
    text = text.translate(str.maketrans("أإآ", "ااا"))
    words = text.split()
    for i, word in enumerate(words):
        if word.endswith("ة") and rng.random() < 0.5:
            word = word[:-1] + "ه"
        elif word[-1:] in "ىي" and rng.random() < 0.5:
            word = word[:-1] + ("ي" if word.endswith("ى") else "ى")
        words[i] = word
    with_article = [i for i, w in enumerate(words) if w.startswith("ال") and len(w) > 4]
    if with_article and rng.random() < 1 / 3:
        i = rng.choice(with_article)
        words[i] = words[i][2:]
    if words and rng.random() < 1 / 3:
        i = rng.randrange(len(words))
        at = rng.randint(1, len(words[i]))
        words[i] = words[i][:at] + rng.choice(_MARKS) + words[i][at:]
    return " ".join(words)


def load_sets(names: Iterable[str]) -> list[EvalSet]:
    sets = []
    for name in names:
        if name.endswith(("-headlines", "-headlines-typed")):
            sets.append(headline_set(name.split("-")[0], name.endswith("-typed")))
        elif name in ("arcd", "xquad-ar"):
            folder = EVAL / name
            sets.append(EvalSet(name, _jsonl(folder / "passages.jsonl"),
                                _tsv(folder / "queries.tsv"), _qrels(folder / "qrels.tsv")))
        else:
            split = name.rsplit("-", 1)[1]
            folder = EVAL / "quranqa2023-taskA"
            with (folder / "QQA23_TaskA_QPC_v1.1.tsv").open(encoding="utf-8") as fh:
                rows = csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
                passages = [{"id": r[0], "title": "", "text": r[1]} for r in rows if len(r) == 2]
            qrels = _qrels(folder / f"QQA23_TaskA_ayatec_v1.2_qrels_{split}.gold")
            queries = _tsv(folder / f"QQA23_TaskA_ayatec_v1.2_{split}.tsv")
            sets.append(EvalSet(name, passages, {q: t for q, t in queries.items() if q in qrels},
                                qrels))
    return sets


def metrics(ranked: dict[str, list[str]], qrels: dict[str, set[str]]) -> dict[str, float]:
    """MRR@10, R@10, R@100, nDCG@10 averaged over every query with judgments."""
    totals = {"MRR@10": 0.0, "R@10": 0.0, "R@100": 0.0, "nDCG@10": 0.0}
    for qid, relevant in qrels.items():
        docs = ranked.get(qid, [])
        first = next((i for i, d in enumerate(docs[:10]) if d in relevant), None)
        totals["MRR@10"] += 0.0 if first is None else 1.0 / (first + 1)
        totals["R@10"] += len(relevant & set(docs[:10])) / len(relevant)
        totals["R@100"] += len(relevant & set(docs[:100])) / len(relevant)
        dcg = sum(1 / math.log2(i + 2) for i, d in enumerate(docs[:10]) if d in relevant)
        ideal = sum(1 / math.log2(i + 2) for i in range(min(10, len(relevant))))
        totals["nDCG@10"] += dcg / ideal
    return {k: v / len(qrels) for k, v in totals.items()}


Searcher = Callable[[str], list[str]]


def searchkit_system(data: EvalSet, folder: Path, options: AnalysisOptions) -> Searcher:
    engine = SearchEngine(folder, analysis=options)
    engine.add_documents({"id": p["id"], "title": p.get("title") or None, "body": p["text"]}
                         for p in data.passages)

    def run(question: str) -> list[str]:
        try:
            return [hit.id for hit in engine.search(question, limit=100, snippets=False)]
        except QueryError:
            return []
    return run


def plain_whoosh_system(data: EvalSet, folder: Path) -> Searcher:
    """Whoosh with no Arabic processing: regex words, lowercase, BM25F, OR of the words."""
    schema = Schema(id=ID(stored=True), content=TEXT(analyzer=RegexTokenizer() | LowercaseFilter()))
    ix = whoosh_index.create_in(str(folder), schema)
    with ix.writer() as writer:
        for p in data.passages:
            writer.add_document(id=p["id"], content=f"{p.get('title') or ''}\n{p['text']}")
    searcher = ix.searcher(weighting=scoring.BM25F())
    parser = qparser.QueryParser("content", schema, group=qparser.OrGroup)
    parser.remove_plugin_class(qparser.WildcardPlugin)

    def run(question: str) -> list[str]:
        q = parser.parse(question)
        return [hit["id"] for hit in searcher.search(q, limit=100)]
    return run


def evaluate(data: EvalSet, system: Searcher
             ) -> tuple[dict[str, float], dict[str, list[str]], float]:
    start = time.perf_counter()
    ranked = {qid: system(text) for qid, text in data.queries.items()}
    per_query_ms = (time.perf_counter() - start) * 1000 / max(1, len(data.queries))
    return metrics(ranked, data.qrels), ranked, per_query_ms


SYSTEMS: dict[str, AnalysisOptions | None] = {
    "plain-whoosh": None,
    "searchkit": AnalysisOptions(),
}
ABLATIONS = {
    "searchkit -stem": AnalysisOptions(stem=False),
    "searchkit -lexicon": AnalysisOptions(lexicon=False),
    "searchkit -stopwords": AnalysisOptions(stopwords=False),
    "searchkit -roots": AnalysisOptions(roots=False),
    "searchkit -clitics": AnalysisOptions(expand=""),
}
ALL_SETS = ["arcd", "xquad-ar", "quranqa-train", "quranqa-dev", "quranqa-test"]
HEADLINE_SETS = ["ant-headlines", "ant-headlines-typed", "saudi-headlines",
                 "saudi-headlines-typed"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sets", nargs="+", default=ALL_SETS, choices=ALL_SETS + HEADLINE_SETS)
    parser.add_argument("--headlines", action="store_true",
                        help="also the headline-to-body known-item sets (ANT, SaudiNewsNet)")
    parser.add_argument("--ablation", action="store_true", help="also run the ablations")
    parser.add_argument("--runs", type=Path, help="write TREC run files to this folder")
    args = parser.parse_args()
    if not EVAL.is_dir():
        print(f"evaluation sets not found at {EVAL}", file=sys.stderr)
        return 2
    systems = {**SYSTEMS, **(ABLATIONS if args.ablation else {})}
    names = args.sets + (HEADLINE_SETS if args.headlines else [])
    print("| set | system | MRR@10 | R@10 | R@100 | nDCG@10 | ms/query |")
    print("|---|---|---|---|---|---|---|")
    for data in load_sets(names):
        for name, options in systems.items():
            with tempfile.TemporaryDirectory() as tmp:
                system = (plain_whoosh_system(data, Path(tmp)) if options is None
                          else searchkit_system(data, Path(tmp) / "ix", options))
                scores, ranked, ms = evaluate(data, system)
            row = " | ".join(f"{scores[k]:.3f}" for k in ("MRR@10", "R@10", "R@100", "nDCG@10"))
            print(f"| {data.name} ({len(data.qrels)} q) | {name} | {row} | {ms:.1f} |", flush=True)
            if args.runs:
                args.runs.mkdir(parents=True, exist_ok=True)
                with (args.runs / f"{data.name}.{name.replace(' ', '')}.txt").open("w") as fh:
                    for qid, docs in ranked.items():
                        for rank, doc in enumerate(docs, 1):
                            fh.write(f"{qid} Q0 {doc} {rank} {100 - rank} {name}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
