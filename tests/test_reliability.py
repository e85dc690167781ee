"""Index versions, `searchkit check`, hostile input, writes from many threads."""

from __future__ import annotations

import gzip
import io
import json
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import SEEDS, run_threads
from whoosh import index as whoosh_index
from whoosh.fields import TEXT, Schema

from searchkit import IndexCorruptError, IndexVersionError, SearchEngine
from searchkit.analysis import ANALYSIS_VERSION
from searchkit.check import check_index
from searchkit.index import FORMAT_VERSION, META_FILE
from searchkit.ingest import Limits
from searchkit.snippets import HtmlFormatter, QueryTerms, make_snippet
from searchkit.sync import MANIFEST_FILE, Options, sync_folder

ARTICLE = "وصل الرئيس إلى موسكو صباح اليوم في زيارة رسمية تستمر ثلاثة أيام"


def searchkit(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "searchkit", *args], capture_output=True,
                          text=True, timeout=120)


# -- index versions ----------------------------------------------------------------------------


def _set_meta(ix: Path, **changes: object) -> None:
    meta = json.loads((ix / META_FILE).read_text()) | changes
    (ix / META_FILE).write_text(json.dumps(meta))


def _rename_analyzer_module(ix: Path) -> None:
    """The pickled schema names an analyzer module this searchkit does not have."""
    toc = next(ix.glob("_MAIN_*.toc"))
    data = toc.read_bytes()
    assert b"searchkit.analysis.tokenizer" in data
    toc.write_bytes(data.replace(b"searchkit.analysis.tokenizer", b"searchkit.analysis.tokenizex"))


def _foreign(ix: Path, with_meta: bool) -> None:
    """A Whoosh index that searchkit did not build (with our meta file copied in, or not)."""
    meta = (ix / META_FILE).read_text()
    for path in ix.iterdir():
        path.unlink()
    whoosh_index.create_in(str(ix), Schema(content=TEXT(stored=True))).close()
    if with_meta:
        (ix / META_FILE).write_text(meta)


INCOMPATIBLE: dict[str, Callable[[Path], None]] = {
    "no meta file": lambda ix: (ix / META_FILE).unlink(),
    "older format": lambda ix: _set_meta(ix, format=FORMAT_VERSION - 1),
    "newer format": lambda ix: _set_meta(ix, format=FORMAT_VERSION + 1),
    "older analysis": lambda ix: _set_meta(ix, analysis=ANALYSIS_VERSION - 1),
    "garbled meta": lambda ix: (ix / META_FILE).write_text("{not json"),
    "unpicklable schema": _rename_analyzer_module,
    "foreign Whoosh index": lambda ix: _foreign(ix, with_meta=False),
    "foreign index, our meta": lambda ix: _foreign(ix, with_meta=True),
}


@pytest.mark.parametrize("case", INCOMPATIBLE)
def test_incompatible_index_says_rebuild(case: str, seed_index: Path) -> None:
    INCOMPATIBLE[case](seed_index)
    with pytest.raises(IndexVersionError, match=r"searchkit index --rebuild"):
        SearchEngine(seed_index, create=False)
    report = check_index(seed_index)
    assert report.status == "broken" and "--rebuild" in report.advice
    SearchEngine.reset(seed_index)  # --rebuild works whatever was there
    with SearchEngine(seed_index, create=False) as engine:
        assert engine.count() == 0


def test_incompatible_index_cli_one_line_exit_2(seed_index: Path) -> None:
    _rename_analyzer_module(seed_index)
    for args in (["search", "بوتين"], ["index", str(SEEDS)], ["check"]):
        done = searchkit(*args, "--index", str(seed_index))
        assert done.returncode == 2, done
        assert "Traceback" not in done.stderr
        if args[0] != "check":
            assert done.stderr.count("\n") == 1 and "searchkit index --rebuild" in done.stderr
        else:
            assert "broken" in done.stdout and "--rebuild" in done.stdout
    rebuilt = searchkit("index", str(SEEDS), "--index", str(seed_index), "--rebuild")
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert searchkit("search", "بوتين", "--index", str(seed_index)).returncode == 0


# -- searchkit check ---------------------------------------------------------------------------


@pytest.fixture
def news(tmp_path: Path) -> Path:
    root = tmp_path / "news"
    root.mkdir()
    for i in range(5):
        (root / f"{i}.txt").write_text(f"عنوان {i}\n{ARTICLE} {i}", encoding="utf-8")
    return root


@pytest.mark.parametrize("part", ["*.pst", "*.trm", "*_stored.col"])
def test_damaged_index_files_say_rebuild_in_one_line(seed_index: Path, part: str) -> None:
    target = next(seed_index.glob(part))  # postings, term dictionary, stored fields
    damaged = bytearray(target.read_bytes())
    damaged[::5] = b"A" * len(damaged[::5])
    target.write_bytes(bytes(damaged))
    with SearchEngine(seed_index, create=False) as engine, \
            pytest.raises(IndexCorruptError, match="rebuild"):
        engine.search("صواريخ")
    done = searchkit("search", "صواريخ", "--index", str(seed_index))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1 and "--rebuild" in done.stderr


def test_check_healthy_then_out_of_step_then_broken(news: Path, tmp_path: Path) -> None:
    ix = tmp_path / "ix"
    with SearchEngine(ix) as engine:
        engine.index_folder(news)
    report = check_index(ix, news, full=True)
    assert (report.status, report.documents, report.problems) == ("ok", 5, [])

    (news / "new.txt").write_text(f"جديد\n{ARTICLE}", encoding="utf-8")
    (news / "0.txt").unlink()
    (news / "1.txt").write_text("تغير\nنص آخر", encoding="utf-8")
    report = check_index(ix, news)
    assert report.status == "out of step" and report.folder is not None
    assert (report.folder.new, report.folder.removed, report.folder.changed) == (1, 1, 1)
    assert report.advice.startswith(f"bring it up to date: searchkit index {news}")
    with SearchEngine(ix) as engine:
        engine.index_folder(news)
    assert check_index(ix, news).status == "ok"

    # A run killed between its commit and its manifest: the next run repairs it.
    (ix / MANIFEST_FILE).write_text('{"version": 1, "roots": {"/elsewhere": {"x.txt": []}}}')
    report = check_index(ix)
    assert report.status == "out of step"
    assert any("not in the sync manifest" in p for p in report.problems)
    assert any("have no documents" in p for p in report.problems)
    assert "--rebuild" in report.advice

    for seg in ix.glob("MAIN_*"):  # lost segment files (a disk error, a bad copy)
        seg.write_bytes(b"\0" * 64)
    report = check_index(ix)
    assert report.status == "broken" and "--rebuild" in report.advice


def test_check_cli_exit_codes_and_json(news: Path, tmp_path: Path) -> None:
    ix = str(tmp_path / "ix")
    assert searchkit("index", str(news), "-i", ix).returncode == 0
    done = searchkit("check", str(news), "-i", ix, "--json")
    assert done.returncode == 0
    data = json.loads(done.stdout)
    assert data["status"] == "ok" and data["documents"] == 5
    assert data["folder"] == {"folder": str(news), "new": 0, "removed": 0, "changed": 0}
    (news / "4.txt").unlink()
    done = searchkit("check", str(news), "-i", ix)
    assert done.returncode == 1
    advice = f"bring it up to date: searchkit index {news} --index {ix}"
    assert done.stdout.splitlines()[-1] == advice
    missing = searchkit("check", "-i", str(tmp_path / "nothing"))
    assert missing.returncode == 2 and missing.stderr.startswith("searchkit: error: no index")


# -- hostile input -----------------------------------------------------------------------------


def _sync(root: Path, ix: Path, limits: Limits | None = None) -> tuple[dict[str, str], int]:
    with SearchEngine(ix) as engine:
        report = sync_folder(engine._ix, ix, root, procs=1,
                             options=Options(limits=limits or Limits()))
        return {s.path: s.reason for s in report.skipped}, engine.count()


def test_hostile_files_are_skipped_with_reasons_and_bounded(tmp_path: Path) -> None:
    root = tmp_path / "news"
    root.mkdir()
    (root / "good.txt").write_text(f"عنوان\n{ARTICLE}", encoding="utf-8")
    (root / "nested.json").write_text("[" * 100_000 + "]" * 100_000)
    (root / "nested.jsonl").write_text(json.dumps({"body": ARTICLE}) + "\n"
                                       + '{"body": ' + "[" * 50_000 + "]" * 50_000 + "}\n")
    bomb = gzip.compress(b"\0" * (8 * 2**20))
    (root / "bomb.txt.gz").write_bytes(bomb)
    many = io.BytesIO()
    with zipfile.ZipFile(many, "w") as zf:
        for i in range(30):
            zf.writestr(f"{i}.txt", ARTICLE)
    (root / "many.zip").write_bytes(many.getvalue())
    (root / "bad-utf8.txt").write_bytes(f"عنوان\n{ARTICLE}".encode() + b"\xff\xfe\xc3(" + b"x")
    (root / "controls.txt").write_text(f"عنوان\x07\n{ARTICLE}\x1b[31m تحكم\x0c\x7f",
                                       encoding="utf-8")
    (root / "late-nul.txt").write_text(f"عنوان\n{ARTICLE}" + " " * 9000 + "\x00 نهاية",
                                       encoding="utf-8")
    (root / "nul.txt").write_bytes(b"\x00\x00" + ARTICLE.encode())
    reasons, count = _sync(root, tmp_path / "ix", Limits(max_expanded=2**20, max_members=20))
    assert reasons.pop("nested.json").startswith("nested too deeply")
    assert reasons.pop("nested.jsonl").startswith("1 record left out: line 2: nested too deeply")
    assert reasons.pop("bomb.txt.gz") == "expands to more than 1 MB"
    assert reasons.pop("many.zip") == "more than 20 members"
    assert "encoding" in reasons.pop("bad-utf8.txt")  # never indexed as mojibake
    assert "binary" in reasons.pop("nul.txt")  # NUL bytes at the start: not text
    assert reasons == {}
    assert count == 4  # good.txt, the good line of nested.jsonl, the two with controls
    with SearchEngine(tmp_path / "ix") as engine:
        for doc_id in ("controls.txt", "late-nul.txt"):
            doc = engine.get(doc_id)
            assert doc is not None and doc.title == "عنوان"
            assert not any((ord(c) < 32 and c not in "\n\t") or 0x7f <= ord(c) < 0xa0
                           for c in doc.body)
        assert engine.search("تحكم")[0].id == "controls.txt"
        assert engine.search("نهاية")[0].id == "late-nul.txt"


def test_a_reader_bug_costs_one_file_not_the_run(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    import searchkit.sync

    root = tmp_path / "news"
    root.mkdir()
    for name in ("a.txt", "b.txt", "c.txt"):
        (root / name).write_text(f"عنوان\n{ARTICLE}", encoding="utf-8")
    real = searchkit.sync.read_bytes

    def buggy(path: str, *args: object, **kwargs: object) -> object:
        if path == "b.txt":
            raise IndexError("list index out of range")
        return real(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(searchkit.sync, "read_bytes", buggy)
    reasons, count = _sync(root, tmp_path / "ix")
    assert reasons == {"b.txt": "could not be read (IndexError: list index out of range)"}
    assert count == 2


def test_one_megabyte_word_and_line(tmp_path: Path) -> None:
    word = "ب" * 2**20
    body = f"{ARTICLE} {word} موسكو\n" + "كلمة " * 200_000
    started = time.monotonic()
    with SearchEngine(tmp_path / "ix") as engine:
        engine.add_documents([{"id": "huge", "title": "<script>alert(1)</script>", "body": body}])
        hit = engine.search("موسكو")[0]
        assert hit.id == "huge"
        assert len(hit.snippet) < 1000  # a snippet, not the whole line
        huge = engine.search("ببب*")[0]  # the huge word itself matches
        assert huge.id == "huge" and len(huge.snippet) < 1000
    assert time.monotonic() - started < 20


def test_file_changing_while_read_is_indexed_once_and_resynced(tmp_path: Path) -> None:
    root = tmp_path / "news"
    root.mkdir()
    target = root / "live.txt"
    target.write_text(f"عنوان\n{ARTICLE}", encoding="utf-8")
    ix = tmp_path / "ix"
    stop = threading.Event()

    def rewrite() -> None:
        n = 0
        while not stop.is_set():
            n += 1
            target.write_text(f"عنوان {n}\n{ARTICLE} رقم{n}", encoding="utf-8")

    thread = threading.Thread(target=rewrite)
    thread.start()
    try:
        for _ in range(5):
            _sync(root, ix)
    finally:
        stop.set()
        thread.join()
    reasons, count = _sync(root, ix)
    assert count == 1 and reasons == {}
    with SearchEngine(ix) as engine:
        doc = engine.get("live.txt")
        assert doc is not None and doc.body == target.read_text(encoding="utf-8").split("\n", 1)[1]


def test_html_snippet_escapes_document_markup(tmp_path: Path) -> None:
    body = 'موسكو <img src=x onerror="alert(1)"> <b>موسكو</b> &lt;tag&gt; موسكو'
    snippet = make_snippet(body, QueryTerms(exact=frozenset({"موسكو"})))
    html = snippet.render(HtmlFormatter())
    assert "<img" not in html and "<b>" not in html
    assert html.replace("<mark>", "").replace("</mark>", "").count("<") == 0


# -- threads -----------------------------------------------------------------------------------


def test_writes_from_many_threads_are_serialized(tmp_path: Path) -> None:
    with SearchEngine(tmp_path / "ix", wait=30) as engine:
        def add(n: int) -> None:
            for i in range(5):
                engine.add_documents([{"id": f"{n}-{i}", "body": f"{ARTICLE} {n} {i}"}])
                engine.search("موسكو")

        assert not run_threads(add, 4)
        assert engine.count() == 20
        assert engine.search("موسكو", fold_duplicates=False).total == 20
