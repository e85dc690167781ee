"""Match precision on the ANT news corpus: how many hits of a one-word search contain the word.

A search for المغرب (Morocco) used to find documents that only share its root (غربية
"western", أغرب "strangest"): inflated counts and polluted date-sorted lists. This bench runs
~100 entity and topic words typical of Arabic news (countries, cities, leaders, sport,
organisations, topics) on an index of all 31,523 ANT articles
(../shared/corpora/news/ant-multisource-v2.1.jsonl.gz) and judges each hit with a judge that
does not use searchkit's analysis:

* normalize title + " " + body: drop diacritics (U+064B-U+0652, U+0670) and tatweel, map
  أإآ to ا, ى to ي, ة to ه; tokens are runs of Arabic letters (ء-ي) or of Latin letters and
  digits;
* a hit is real when a token is ``prefix + core + suffix``: prefix one of the glued
  conjunctions, prepositions and article (و ف ب ل ك, ال, وال, بال, لل, ...), core one of the
  entry's cores (with its spellings: ترامب/ترمب, بوتين/بوتن, نتنياهو/نتانياهو; broken plurals
  and adjectives as cores of their own: مغاربة, أتراك) and suffix one of the endings that core
  takes: nothing (BARE), the relative adjective (NISBA: مغربي، مغربية، مغاربيين...), noun
  endings (MASC: dual, plural, tanwin alif, pronouns) or those of a noun in ة (FEM: مظاهرة،
  مظاهرات، مظاهرتهم);
* a core in an entry's ``definite`` list counts bare (no suffix) only with the article (ال,
  لل and their glued forms): المغرب، والمغرب، للمغرب but not مغرب; its adjectives
  (مغربي، المغربية) count with any prefix.

So المغرب accepts المغرب، بالمغرب، المغربي، المغربية، المغاربة and not غربية، أغرب، الغرب،
غربي. Verbs of the same root (اعترف for اعتراف) and other derivations are not matches. The
judge is generous with endings (a suffix can make another word: قطرات from قطر) and strict
about the stem; a bare name that is also a common word (حماس "zeal", صلاح "goodness") counts.

Per word: ``results.total`` (the count), the count of the quoted word (exact form) and, with
--roots-off, the count on an index built with ``AnalysisOptions(roots=False)``; the share of
real hits among the 20 newest (``sort="date"``) and among up to 20 hits drawn from all matching
hits (copies not folded; ``random.Random(f"{seed}:{word}")``). ``results.expanded`` is shown
when searchkit broadened the search because it found almost nothing. The summary gives
micro-averaged precision (real hits / judged hits) overall and by kind, then every word below
0.98 with a false hit's id and the tokens in it that share letters with the word.

    python bench/precision.py                         # build a temporary index, then judge
    python bench/precision.py --index /tmp/antix      # reuse (or build into) /tmp/antix
    python bench/precision.py --index /tmp/antix --roots-off --index-noroots /tmp/antix-noroots
    python bench/precision.py --seed 17 --json /tmp/precision.json

An --index/--index-noroots folder that does not exist or is empty is built (~30-60 s each).
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from searchkit import SearchEngine
from searchkit.analysis import AnalysisOptions
from searchkit.errors import SearchkitError

ANT = (Path(__file__).resolve().parents[2] / "shared" / "corpora" / "news"
       / "ant-multisource-v2.1.jsonl.gz")
CHUNK = 5000
NEWEST = 20
SAMPLE = 20
THRESHOLD = 0.98

# -- the judge ------------------------------------------------------------------------------

_DROP = re.compile("[\u064b-\u0652\u0670\u0640]")
_MAP = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ى": "ي", "ة": "ه"})
_TOKEN = re.compile("[\u0621-\u064a]+|[A-Za-z0-9]+")

PREFIXES = ("", "و", "ف", "ب", "ل", "ك", "وب", "ول", "فب", "فل", "وك",
            "ال", "وال", "بال", "لل", "ولل", "فلل", "فال", "كال", "وبال", "فبال", "وكال")
ARTICLE = tuple(p for p in PREFIXES if p.endswith(("ال", "لل")))

PRON = ("ه", "ها", "هم", "هما", "هن", "ك", "كم", "نا", "ي")
BARE = frozenset({""})
NISBA = frozenset({"ي", "يه", "يين", "يون", "يان", "يتان", "يتين", "يات", "يا"})
PLACE = BARE | NISBA
MASC = frozenset({"", "ا", "ان", "ين", "ون", "ات", "يه", *PRON, *("ات" + p for p in PRON)})
FEM = frozenset({"ه", "ات", "تان", "تين", *("ت" + p for p in PRON),
                 *("ات" + p for p in PRON)})


def normalize(text: str) -> str:
    """Text without diacritics and tatweel, with أإآ→ا, ى→ي, ة→ه."""
    return _DROP.sub("", text).translate(_MAP)


def tokens(text: str) -> list[str]:
    """The normalized tokens of ``text``: runs of Arabic letters, or of Latin letters/digits."""
    return _TOKEN.findall(normalize(text))


@dataclass(frozen=True)
class Entry:
    """A query word, its kind and the surface forms that make a hit real.

    ``cores`` maps each core (normalized when the forms are built) to the endings it takes;
    a core in ``definite`` counts bare only after the article.
    """

    kind: str
    word: str
    cores: dict[str, frozenset[str]]
    definite: tuple[str, ...] = ()
    forms: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        definite = {normalize(c) for c in self.definite}
        accepted = set()
        for raw, endings in self.cores.items():
            core = normalize(raw)
            for suffix in endings:
                prefixes = ARTICLE if suffix == "" and core in definite else PREFIXES
                accepted.update(p + core + suffix for p in prefixes)
        object.__setattr__(self, "forms", frozenset(accepted))

    def is_real(self, text: str) -> bool:
        """Whether ``text`` has the word in one of the accepted forms."""
        return any(t in self.forms for t in tokens(text))

    def suspects(self, text: str, top: int = 3) -> list[str]:
        """Tokens of ``text`` most like the word's cores: a common run of letters (at least
        3, or the whole core) scored by Dice over lengths, a glued prefix set aside."""
        cores = [normalize(c) for c in self.cores]
        scored: dict[str, float] = {}
        for t in set(tokens(text)) - self.forms:
            best = 0.0
            for p in PREFIXES:
                rest = t[len(p):]
                if not t.startswith(p) or len(rest) < 2:
                    continue
                for c in cores:
                    run = _common(rest, c)
                    if run >= min(3, len(c)):
                        best = max(best, 2 * run / (len(rest) + len(c)))
            if best:
                scored[t] = best
        return sorted(scored, key=lambda t: (-scored[t], t))[:top]


def _common(a: str, b: str) -> int:
    """Length of the longest common substring of ``a`` and ``b``."""
    best = 0
    for i in range(len(a)):
        for j in range(len(b)):
            k = 0
            while i + k < len(a) and j + k < len(b) and a[i + k] == b[j + k]:
                k += 1
            best = max(best, k)
    return best


E = Entry
WORDS: list[Entry] = [
    # countries
    E("country", "المغرب", {"مغرب": PLACE, "مغاربة": BARE}, definite=("مغرب",)),
    E("country", "مصر", {"مصر": PLACE}),
    E("country", "تركيا", {"تركيا": BARE, "ترك": NISBA, "أتراك": BARE}),
    E("country", "روسيا", {"روسيا": BARE, "روس": PLACE}),
    E("country", "فرنسا", {"فرنسا": BARE, "فرنس": NISBA}),
    E("country", "الصين", {"صين": PLACE}, definite=("صين",)),
    E("country", "اليابان", {"يابان": PLACE}, definite=("يابان",)),
    E("country", "إيران", {"إيران": PLACE}),
    E("country", "العراق", {"عراق": PLACE}, definite=("عراق",)),
    E("country", "سوريا", {"سوريا": BARE, "سور": NISBA}),
    E("country", "الجزائر", {"جزائر": PLACE}, definite=("جزائر",)),
    E("country", "تونس", {"تونس": PLACE}),
    E("country", "ليبيا", {"ليبيا": BARE, "ليب": NISBA}),
    E("country", "السعودية", {"سعودية": BARE, "سعود": NISBA}, definite=("سعودية",)),
    E("country", "قطر", {"قطر": PLACE}),
    E("country", "الإمارات", {"إمارات": PLACE}, definite=("إمارات",)),
    E("country", "اليمن", {"يمن": PLACE}, definite=("يمن",)),
    E("country", "لبنان", {"لبنان": PLACE}),
    E("country", "الأردن", {"أردن": PLACE}, definite=("أردن",)),
    E("country", "ألمانيا", {"ألمانيا": BARE, "ألمان": PLACE}),
    E("country", "بريطانيا", {"بريطانيا": BARE, "بريطان": NISBA}),
    E("country", "أمريكا", {"أمريكا": BARE, "أميركا": BARE, "أمريك": NISBA, "أميرك": NISBA,
                            "أمريكان": BARE, "أميركان": BARE}),
    E("country", "إسرائيل", {"إسرائيل": PLACE}),
    E("country", "فلسطين", {"فلسطين": PLACE}),
    E("country", "السودان", {"سودان": PLACE}, definite=("سودان",)),
    E("country", "الكويت", {"كويت": PLACE}, definite=("كويت",)),
    E("country", "الهند", {"هند": PLACE}, definite=("هند",)),
    E("country", "إسبانيا", {"إسبانيا": BARE, "إسبان": PLACE}),
    # capitals and cities
    E("city", "القاهرة", {"قاهرة": BARE}, definite=("قاهرة",)),
    E("city", "الرياض", {"رياض": BARE}, definite=("رياض",)),
    E("city", "دمشق", {"دمشق": PLACE}),
    E("city", "بغداد", {"بغداد": PLACE}),
    E("city", "بيروت", {"بيروت": PLACE}),
    E("city", "موسكو", {"موسكو": BARE}),
    E("city", "باريس", {"باريس": PLACE}),
    E("city", "لندن", {"لندن": PLACE}),
    E("city", "واشنطن", {"واشنطن": BARE}),
    E("city", "القدس", {"قدس": BARE}, definite=("قدس",)),
    E("city", "الرباط", {"رباط": BARE}, definite=("رباط",)),
    E("city", "طهران", {"طهران": BARE}),
    E("city", "إسطنبول", {"إسطنبول": BARE, "إسطمبول": BARE, "استانبول": BARE}),
    E("city", "حلب", {"حلب": PLACE}),
    E("city", "الدوحة", {"دوحة": BARE}, definite=("دوحة",)),
    E("city", "دبي", {"دبي": BARE}),
    E("city", "غزة", {"غزة": BARE, "غز": NISBA}),
    # leaders and people
    E("person", "ترامب", {"ترامب": BARE, "ترمب": BARE}),
    E("person", "بوتين", {"بوتين": BARE, "بوتن": BARE}),
    E("person", "ماكرون", {"ماكرون": BARE}),
    E("person", "أردوغان", {"أردوغان": BARE, "أردغان": BARE}),
    E("person", "نتنياهو", {"نتنياهو": BARE, "نتانياهو": BARE}),
    E("person", "ميركل", {"ميركل": BARE}),
    E("person", "السيسي", {"سيسي": BARE}, definite=("سيسي",)),
    E("person", "روحاني", {"روحاني": BARE}),
    E("person", "أوباما", {"أوباما": BARE}),
    E("person", "خامنئي", {"خامنئي": BARE}),
    E("person", "حفتر", {"حفتر": BARE}),
    E("person", "عباس", {"عباس": BARE}),
    E("person", "تيلرسون", {"تيلرسون": BARE}),
    # clubs and sport
    E("sport", "برشلونة", {"برشلونة": BARE, "برشلون": NISBA}),
    E("sport", "ليفربول", {"ليفربول": BARE}),
    E("sport", "يوفنتوس", {"يوفنتوس": BARE}),
    E("sport", "الأهلي", {"أهلي": BARE}, definite=("أهلي",)),
    E("sport", "الزمالك", {"زمالك": BARE}, definite=("زمالك",)),
    E("sport", "تشيلسي", {"تشيلسي": BARE, "تشلسي": BARE}),
    E("sport", "أرسنال", {"أرسنال": BARE}),
    E("sport", "ميسي", {"ميسي": BARE}),
    E("sport", "رونالدو", {"رونالدو": BARE}),
    E("sport", "صلاح", {"صلاح": BARE}),
    E("sport", "المونديال", {"مونديال": PLACE}),
    # organisations
    E("organisation", "الناتو", {"ناتو": BARE}),
    E("organisation", "اليونسكو", {"يونسكو": BARE}),
    E("organisation", "حماس", {"حماس": BARE}),
    E("organisation", "داعش", {"داعش": PLACE}),
    E("organisation", "الفيفا", {"فيفا": BARE}),
    E("organisation", "أوبك", {"أوبك": BARE}),
    E("organisation", "طالبان", {"طالبان": BARE}),
    E("organisation", "الحوثيين", {"حوث": NISBA}),
    E("organisation", "الكونغرس", {"كونغرس": BARE, "كونجرس": BARE}),
    E("organisation", "البرلمان", {"برلمان": MASC | NISBA}),
    # topics
    E("topic", "الانتخابات", {"انتخاب": MASC | NISBA}),
    E("topic", "مظاهرات", {"مظاهر": FEM}),
    E("topic", "اعتراف", {"اعتراف": MASC}),
    E("topic", "الاقتصاد", {"اقتصاد": MASC | NISBA}),
    E("topic", "النفط", {"نفط": MASC | NISBA}),
    E("topic", "الزلزال", {"زلزال": MASC, "زلازل": MASC}),
    E("topic", "اللاجئين", {"لاجئ": MASC | FEM}),
    E("topic", "الإرهاب", {"إرهاب": MASC | NISBA}),
    E("topic", "الفساد", {"فساد": MASC}),
    E("topic", "التضخم", {"تضخم": MASC}),
    E("topic", "البطالة", {"بطال": FEM}),
    E("topic", "الاستثمار", {"استثمار": MASC | NISBA}),
    E("topic", "الصحة", {"صح": FEM | NISBA}),
    E("topic", "التعليم", {"تعليم": MASC | NISBA}),
    E("topic", "الحرب", {"حرب": MASC, "حروب": MASC}),
    E("topic", "الاحتجاجات", {"احتجاج": MASC | NISBA}),
    E("topic", "الصواريخ", {"صواريخ": MASC, "صاروخ": MASC | NISBA}),
    E("topic", "الكهرباء", {"كهرباء": MASC, "كهربائ": NISBA}),
    E("topic", "السياحة", {"سياح": FEM | NISBA}),
    E("topic", "الهجرة", {"هجر": FEM}),
    E("topic", "العقوبات", {"عقوب": FEM}),
    E("topic", "الدستور", {"دستور": MASC | NISBA}),
]
KINDS = list(dict.fromkeys(e.kind for e in WORDS))

# -- the index ------------------------------------------------------------------------------


def ant_records() -> Iterable[dict[str, Any]]:
    """The ANT articles, one JSON record each, as read."""
    with gzip.open(ANT, "rt", encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def open_or_build(folder: Path, options: AnalysisOptions | None, label: str) -> SearchEngine:
    """The index in ``folder``; built from ANT first when the folder is missing or empty."""
    if folder.is_dir() and any(folder.iterdir()):
        try:
            return SearchEngine(folder, create=False)
        except SearchkitError as exc:
            raise SystemExit(f"{label} index {folder}: {exc} (or name a new folder to build one)"
                             ) from exc
    start = time.perf_counter()
    engine = SearchEngine(folder, analysis=options)
    chunk: list[dict[str, Any]] = []
    for record in ant_records():
        chunk.append(record)
        if len(chunk) == CHUNK:
            engine.add_documents(chunk)
            chunk = []
    if chunk:
        engine.add_documents(chunk)
    print(f"built {label} index {folder}: {engine.count()} documents in "
          f"{time.perf_counter() - start:.0f} s", file=sys.stderr, flush=True)
    return engine


# -- judging --------------------------------------------------------------------------------


@dataclass
class Judged:
    """Hits judged for one word: how many, how many real, and the false ones' ids."""

    judged: int = 0
    real: int = 0
    false: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float | None:
        return self.real / self.judged if self.judged else None


def judge(engine: SearchEngine, entry: Entry, ids: Iterable[str]) -> Judged:
    out = Judged()
    for doc_id in ids:
        doc = engine.get(doc_id)
        text = f"{doc.title or ''} {doc.body}" if doc else ""
        out.judged += 1
        if entry.is_real(text):
            out.real += 1
        else:
            out.false.append(doc_id)
    return out


def measure(engine: SearchEngine, noroots: SearchEngine | None, entry: Entry,
            seed: int) -> dict[str, Any]:
    """Counts and precisions of one word (see the module docstring)."""
    word = entry.word
    newest = engine.search(word, sort="date", limit=NEWEST, snippets=False)
    every = engine.search(word, limit=max(1, newest.total + newest.folded), snippets=False,
                          fold_duplicates=False)
    ids = [hit.id for hit in every]
    sampled = random.Random(f"{seed}:{word}").sample(ids, min(SAMPLE, len(ids)))
    top = judge(engine, entry, (hit.id for hit in newest))
    sample = judge(engine, entry, sampled)
    example = None
    for doc_id in top.false + sample.false:
        doc = engine.get(doc_id)
        if doc:
            example = {"id": doc_id,
                       "tokens": entry.suspects(f"{doc.title or ''} {doc.body}")}
            break
    return {
        "kind": entry.kind, "word": word, "total": newest.total,
        "all_hits": len(ids),
        "quoted": engine.search(f'"{word}"', limit=1, snippets=False).total,
        "roots_off": (noroots.search(word, limit=1, snippets=False).total
                      if noroots else None),
        "expanded": {w: list(near) for w, near in newest.expanded.items()},
        "newest": {"judged": top.judged, "real": top.real, "precision": top.precision,
                   "false": top.false},
        "sample": {"judged": sample.judged, "real": sample.real,
                   "precision": sample.precision, "false": sample.false},
        "example": example,
    }


def micro(rows: list[dict[str, Any]], part: str) -> float | None:
    judged = sum(r[part]["judged"] for r in rows)
    return sum(r[part]["real"] for r in rows) / judged if judged else None


def summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    groups = {"all": rows, **{k: [r for r in rows if r["kind"] == k] for k in KINDS}}
    return {name: {"words": len(group), "newest": micro(group, "newest"),
                   "sample": micro(group, "sample"),
                   "newest_judged": sum(r["newest"]["judged"] for r in group),
                   "sample_judged": sum(r["sample"]["judged"] for r in group)}
            for name, group in groups.items()}


def _p(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def below(row: dict[str, Any]) -> bool:
    return any(row[part]["precision"] is not None and row[part]["precision"] < THRESHOLD
               for part in ("newest", "sample"))


def report(rows: list[dict[str, Any]], sums: dict[str, Any], roots_off: bool) -> str:
    head = ["kind", "word", "total", '"quoted"', *(["roots off"] if roots_off else []),
            f"newest {NEWEST}", f"sample {SAMPLE}", "expanded"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        expanded = "; ".join(f"{w}: {' '.join(near)}" for w, near in r["expanded"].items())
        cells = [r["kind"], r["word"], str(r["total"]), str(r["quoted"]),
                 *([str(r["roots_off"])] if roots_off else []),
                 _p(r["newest"]["precision"]), _p(r["sample"]["precision"]), expanded]
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "Micro-averaged precision (real hits / judged hits):", "",
              "| kind | words | newest (hits) | sample (hits) |", "|---|---|---|---|"]
    for name, s in sums.items():
        lines.append(f"| {name} | {s['words']} | {_p(s['newest'])} ({s['newest_judged']}) | "
                     f"{_p(s['sample'])} ({s['sample_judged']}) |")
    weak = [r for r in rows if below(r)]
    lines += ["", f"Words below {THRESHOLD} (newest or sample): {len(weak)}", ""]
    for r in weak:
        ex = r["example"] or {}
        lines.append(f"- {r['word']} ({r['kind']}): newest {_p(r['newest']['precision'])}, "
                     f"sample {_p(r['sample']['precision'])}; e.g. {ex.get('id')}: "
                     f"{' '.join(ex.get('tokens') or []) or '(no similar token)'}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--index", type=Path, help="searchkit index of ANT (built if missing)")
    ap.add_argument("--roots-off", action="store_true",
                    help="also count on an index built with AnalysisOptions(roots=False)")
    ap.add_argument("--index-noroots", type=Path,
                    help="the roots-off index (built if missing)")
    ap.add_argument("--seed", type=int, default=17)
    ap.add_argument("--json", type=Path, help="write every number to this file")
    args = ap.parse_args(argv)
    if not ANT.is_file():
        print(f"precision: corpus not found: {ANT}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="precision-") as tmp:
        engine = open_or_build(args.index or Path(tmp) / "ix", None, "searchkit")
        noroots = (open_or_build(args.index_noroots or Path(tmp) / "noroots",
                                 AnalysisOptions(roots=False), "roots-off")
                   if args.roots_off else None)
        start = time.perf_counter()
        rows = []
        for entry in WORDS:
            rows.append(measure(engine, noroots, entry, args.seed))
        print(f"judged {len(WORDS)} words in {time.perf_counter() - start:.0f} s",
              file=sys.stderr, flush=True)
        engine.close()
        if noroots:
            noroots.close()
    sums = summary(rows)
    print(report(rows, sums, args.roots_off))
    if args.json:
        args.json.write_text(json.dumps({"seed": args.seed, "words": rows, "summary": sums},
                                        ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
