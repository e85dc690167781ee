"""Indexing folders: incremental sync, removal, bad input, interruption, the CLI's report."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from searchkit import SearchEngine
from searchkit.cli import app
from searchkit.sync import MANIFEST_FILE, Progress, sync_folder

ARTICLE = "وصل الرئيس إلى موسكو صباح اليوم في زيارة رسمية تستمر ثلاثة أيام"


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "news"
    write(root / "a.txt", f"زيارة\n{ARTICLE}")
    write(root / "sub/b.txt", "مباراة\nفاز الفريق في مباراة كرة القدم")
    write(root / "sub/c.jsonl", "\n".join(json.dumps({"title": t, "body": b}) for t, b in
                                           [("اقتصاد", "ارتفع سعر النفط"), ("طقس", "أمطار غزيرة")]))
    return root


def test_second_run_reads_only_changes(folder: Path, tmp_path: Path) -> None:
    with SearchEngine(tmp_path / "ix") as engine:
        first = engine.index_folder(folder)
        assert (first.files, first.added, first.documents, first.skipped) == (3, 3, 4, [])
        assert engine.count() == 4

        again = engine.index_folder(folder)
        assert (again.unchanged, again.added, again.updated, again.bytes_read) == (3, 0, 0, 0)

        write(folder / "a.txt", "زيارة\nوصل الوزير إلى طهران")           # changed
        (folder / "sub/b.txt").unlink()                                  # removed
        write(folder / "new.txt", "جديد\nافتتاح معرض الكتاب")              # added
        os.utime(folder / "sub/c.jsonl", ns=(1, 10**18))                 # touched only
        report = engine.index_folder(folder)
        assert (report.added, report.updated, report.removed, report.unchanged) == (1, 1, 1, 1)
        assert report.documents == 2  # c.jsonl's two were not parsed again
        assert engine.count() == 4
        assert engine.search("موسكو").total == 0
        assert engine.search("طهران")[0].id == "a.txt"
        assert engine.search("مباراة").total == 0
        assert engine.search("النفط")[0].id == "sub/c.jsonl#1"


def test_metadata_recorded(folder: Path, tmp_path: Path) -> None:
    with SearchEngine(tmp_path / "ix") as engine:
        engine.index_folder(folder)
        hit = engine.search("موسكو")[0]
        assert (hit.id, hit.path, hit.title) == ("a.txt", "a.txt", "زيارة")
        with engine._ix.searcher() as searcher:
            stored = searcher.document(id="a.txt")
        assert stored["encoding"] == "utf-8" and len(stored["file_hash"]) == 40
        assert len(stored["hash"]) == 40  # identical bodies share it: search can fold them


def test_state_rebuilt_from_index_without_manifest(folder: Path, tmp_path: Path) -> None:
    with SearchEngine(tmp_path / "ix") as engine:
        engine.index_folder(folder)
        (tmp_path / "ix" / MANIFEST_FILE).unlink()
        report = engine.index_folder(folder)
        # Every file is hashed again, none parsed or written again.
        assert (report.unchanged, report.documents, report.added) == (3, 0, 0)
        assert engine.count() == 4


def test_without_writer_processes_a_batch_is_at_most_one_segment_s_worth(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Written in this process, a batch is held in memory: it is committed every
    SEGMENT_DOCUMENTS documents, however big the batch asked for."""
    from searchkit import sync

    monkeypatch.setattr(sync, "SEGMENT_DOCUMENTS", 3)
    root = tmp_path / "news"
    for i in range(7):
        write(root / f"{i}.txt", f"عنوان {i}\n{ARTICLE} {i}")
    with SearchEngine(tmp_path / "ix") as engine:
        before = engine._ix.latest_generation()
        sync_folder(engine._ix, engine.path, root, procs=1, batch_documents=1000)
        assert engine._ix.latest_generation() - before == 3  # 3 + 3 + 1 documents
        assert engine.count() == 7


def test_writer_processes_started_during_the_walk_stop_when_the_writer_cannot_open(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Writer processes start while the walk goes on; if the index writer then cannot be
    had (another writer holds Whoosh's lock), they are stopped, none left running."""
    from whoosh.index import LockError

    from searchkit import index as idx
    from searchkit import sync

    started = []
    original = idx.start_workers

    def start_workers(*args: object) -> object:
        started.append(original(*args))  # type: ignore[arg-type]
        return started[-1]

    def locked(*args: object, **kwargs: object) -> object:
        raise LockError("held by another writer")

    monkeypatch.setattr(idx, "start_workers", start_workers)
    monkeypatch.setattr(idx, "writer", locked)
    root = tmp_path / "news"
    for i in range(sync.POOL_MIN_FILES):
        write(root / f"{i}.txt", f"عنوان {i}\n{ARTICLE} {i}")
    with SearchEngine(tmp_path / "ix") as engine, pytest.raises(LockError):
        sync_folder(engine._ix, engine.path, root, procs=2)
    assert len(started) == 1
    assert not any(p.is_alive() for p in started[0]._processes)


def test_interrupted_run_keeps_last_commit_and_resumes(tmp_path: Path) -> None:
    root = tmp_path / "news"
    for i in range(6):
        write(root / f"{i}.txt", f"عنوان {i}\n{ARTICLE} {i}")
    with SearchEngine(tmp_path / "ix") as engine:
        def stop_after_three(p: Progress) -> None:
            if p.files_done == 3:
                raise KeyboardInterrupt

        with pytest.raises(KeyboardInterrupt):
            sync_folder(engine._ix, engine.path, root, procs=1, batch_documents=2,
                        progress=stop_after_three)
        assert engine.count() == 2  # the first batch was committed, the second was not
        report = engine.index_folder(root)
        assert (report.unchanged, report.added) == (2, 4)
        assert engine.count() == 6


def test_crash_between_commit_and_manifest_does_not_duplicate(folder: Path, tmp_path: Path
                                                              ) -> None:
    with SearchEngine(tmp_path / "ix") as engine:
        engine.index_folder(folder)
        manifest = tmp_path / "ix" / MANIFEST_FILE
        manifest.write_text('{"version": 1, "roots": {}}', encoding="utf-8")
        report = engine.index_folder(folder)
        assert report.added == 3
        assert engine.count() == 4


def test_bad_input_is_skipped_with_reasons(tmp_path: Path) -> None:
    root = tmp_path / "news"
    write(root / "good.txt", f"عنوان\n{ARTICLE}")
    write(root / "empty.txt", "")
    write(root / "binary.txt", b"\x7fELF\x02\x01\x01\x00\x00\x00\x00")
    write(root / "latin.txt", bytes(range(0x80, 0x100)) * 4)
    write(root / "big.txt", "ا" * (2**20))
    write(root / "cut.jsonl", json.dumps({"body": ARTICLE}) + '\n{"body": "مقط')
    write(root / ".hidden/x.txt", ARTICLE)
    write(root / "photo.jpg", b"\xff\xd8\xff")
    locked = write(root / "locked.txt", ARTICLE)
    locked.chmod(0)
    (root / "loop").symlink_to(root, target_is_directory=True)
    with SearchEngine(root / "ix") as engine:  # the index inside the folder is left out
        report = engine.index_folder(root, max_file_mb=1)
    reasons = {s.path: s.reason for s in report.skipped}
    assert reasons.pop("empty.txt") == "empty file"
    assert "binary" in reasons.pop("binary.txt")
    assert "encoding" in reasons.pop("latin.txt")
    assert reasons.pop("big.txt").startswith("larger than 1 MB")
    assert reasons.pop("cut.jsonl").startswith("1 record left out: line 2: invalid JSON")
    if os.geteuid() != 0:  # root reads files whatever their mode
        assert reasons.pop("locked.txt") == "permission denied"
    assert reasons == {}
    assert report.documents == 2 + (os.geteuid() == 0)


def test_vanished_file_is_skipped(folder: Path, tmp_path: Path) -> None:
    with SearchEngine(tmp_path / "ix") as engine:
        def remove_b(p: Progress) -> None:
            (folder / "sub/b.txt").unlink(missing_ok=True)

        report = sync_folder(engine._ix, engine.path, folder, procs=1, progress=remove_b)
    assert [(s.path, s.reason) for s in report.skipped] == [
        ("sub/b.txt", "vanished while indexing")]


def test_pool_of_two_processes(tmp_path: Path) -> None:
    root = tmp_path / "news"
    for i in range(80):
        write(root / f"d{i // 10}/{i}.txt", f"عنوان {i}\nخبر رقم {i} عن الاقتصاد")
    with SearchEngine(tmp_path / "ix") as engine:
        report = engine.index_folder(root, procs=2)
        assert (report.added, report.documents, engine.count()) == (80, 80, 80)
        assert engine.search("الاقتصاد").total == 80


# -- the command line --------------------------------------------------------------------------


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_cli_json_report_and_exit_codes(folder: Path, tmp_path: Path) -> None:
    ix = str(tmp_path / "ix")
    code, out, err = run("index", str(folder), "--index", ix, "--json")
    report = json.loads(out)
    assert code == 0 and report["added"] == 3 and report["skipped"] == []
    write(folder / "empty.txt", "")
    code, out, err = run("index", str(folder), "--index", ix)
    assert code == 1
    assert "skipped empty.txt: empty file" in err
    assert "0 added, 0 updated, 0 removed, 3 unchanged, 1 skipped" in err
    code, out, err = run("index", str(folder), "--index", ix, "--rebuild", "--json")
    assert code == 1 and json.loads(out)["added"] == 3


def test_cli_field_option(tmp_path: Path) -> None:
    write(tmp_path / "news/a.json", json.dumps({"hed": "عنوان", "story": ARTICLE}))
    ix = str(tmp_path / "ix")
    code, out, _ = run("index", str(tmp_path / "news"), "-i", ix, "--field", "body=story",
                       "--json")
    assert code == 0 and json.loads(out)["documents"] == 1


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX exit codes")
def test_cli_user_errors_are_one_line(tmp_path: Path) -> None:
    import subprocess

    for args in (["index", str(tmp_path / "missing")],
                 ["index", str(tmp_path), "--field", "nonsense"],
                 ["index", str(tmp_path), "--field", "bodyy=x"]):
        done = subprocess.run([sys.executable, "-m", "searchkit", *args, "-i",
                               str(tmp_path / "ix")], capture_output=True, text=True)
        assert done.returncode == 2, done.stderr
        assert done.stderr.count("\n") == 1 and done.stderr.startswith("searchkit: error:")


def test_writer_processes_across_batches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                         ) -> None:
    """Writer processes kept for the whole run: several commits, then an update."""
    import searchkit.sync as sync_module

    monkeypatch.setattr(sync_module, "WRITER_POOL_MIN_BYTES", 0)
    monkeypatch.setattr(sync_module, "POOL_MIN_FILES", 0)
    root = tmp_path / "news"
    for i in range(250):
        write(root / f"d{i // 50}/{i}.txt", f"عنوان {i}\nخبر رقم {i} عن الاقتصاد والنفط")
    with SearchEngine(tmp_path / "ix") as engine:
        report = sync_folder(engine._ix, engine.path, root, procs=2, batch_documents=60)
        assert (report.added, report.documents, engine.count()) == (250, 250, 250)
        assert engine.search("النفط").total == 250
        write(root / "d0/7.txt", "عنوان جديد\nخبر عن الصواريخ")
        (root / "d1/60.txt").unlink()
        report = sync_folder(engine._ix, engine.path, root, procs=2)
        assert (report.updated, report.removed, engine.count()) == (1, 1, 249)
        assert [hit.id for hit in engine.search("الصواريخ").hits] == ["d0/7.txt"]


def test_a_file_of_many_documents_is_shared_out_among_the_writer_processes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    import searchkit.sync as sync_module

    monkeypatch.setattr(sync_module, "WRITER_POOL_MIN_BYTES", 0)
    monkeypatch.setattr(sync_module, "POOL_MIN_FILES", 0)
    monkeypatch.setattr(sync_module, "SHARED_DOCUMENTS", 5)
    monkeypatch.setattr(sync_module, "SHARE_BATCH", 4)
    root = tmp_path / "news"
    write(root / "dump.jsonl", "\n".join(json.dumps(
        {"id": str(i), "title": f"عنوان {i}", "body": f"خبر رقم {i} عن النفط"}) for i in range(40)))
    write(root / "one.txt", "عنوان\nخبر عن النفط")
    with SearchEngine(tmp_path / "ix") as engine:
        report = sync_folder(engine._ix, engine.path, root, procs=2, batch_documents=15)
        assert (report.added, report.documents, engine.count()) == (2, 41, 41)
        assert engine.search("النفط").total == 41
        assert [hit.id for hit in engine.search("رقم 37").hits][:1] == ["dump.jsonl#37"]


def test_a_writer_process_writes_a_segment_per_so_many_documents(tmp_path: Path) -> None:
    """However many documents come before a commit, a process's segments stay small."""
    from searchkit import Document
    from searchkit import index as idx
    from searchkit.sync import _writer_job
    from searchkit.writer import Workers

    ix = idx.open_index(tmp_path / "ix")
    workers = Workers(ix.storage, ix.indexname, 1, idx._WRITER_OPTIONS, _writer_job,
                      segment_documents=3)
    try:
        workers.send(("index", [Document(id=str(n), body=f"خبر {n}") for n in range(10)]))
        assert workers.reply() is None
        assert [segment.doc_count_all() for segment in workers.segments()] == [3, 3, 3, 1]
        assert workers.segments() == []  # nothing since
    finally:
        workers.close()
        ix.close()


def test_a_failing_writer_process_is_reported_not_waited_for(tmp_path: Path) -> None:
    from searchkit import Document
    from searchkit import index as idx
    from searchkit.sync import _writer_job
    from searchkit.writer import WriterProcessError

    ix = idx.open_index(tmp_path / "ix")
    workers = idx.start_workers(ix, 1, _writer_job)
    try:  # (a source that is not text: the process's writer fails on it)
        workers.send(("index", [Document(id="1", body="نص", source=5)]))  # type: ignore[arg-type]
        with pytest.raises(WriterProcessError, match="5 is not unicode"):
            workers.reply()
    finally:
        workers.close()
        ix.close()
