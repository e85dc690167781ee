"""Crashes and concurrent use, with real processes: kill -9 while indexing, two writers, a
reader searching while a writer indexes."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from searchkit import SearchEngine
from searchkit.lock import HOLDER_FILE, LOCK_FILE
from searchkit.sync import MANIFEST_FILE

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals and flock")

FILES = 2000
BATCH = 200
WORDS = ["وصل", "الرئيس", "إلى", "موسكو", "صباح", "اليوم", "في", "زيارة", "رسمية", "تستمر",
         "ثلاثة", "أيام", "لبحث", "الاقتصاد", "والنفط", "مع", "الحكومة", "والبرلمان"]


def searchkit(*args: str) -> list[str]:
    return [sys.executable, "-m", "searchkit", *args]


@pytest.fixture(scope="module")
def news(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of FILES small articles, one document each; all share the word الرئيس."""
    root = tmp_path_factory.mktemp("news")
    for i in range(FILES):
        path = root / f"d{i // 100}" / f"{i}.txt"
        path.parent.mkdir(exist_ok=True)
        words = " ".join(WORDS[(i + k) % len(WORDS)] for k in range(25))
        path.write_text(f"خبر {i}\nالرئيس {words} رقم{i}", encoding="utf-8")
    return root


def generation(ix: Path) -> int:
    """The index's committed generation (-1 before it exists)."""
    return max((int(p.stem.rsplit("_", 1)[1]) for p in ix.glob("_MAIN_*.toc")), default=-1)


def wait_for_commits(ix: Path, process: subprocess.Popen[bytes], target: int) -> None:
    """Wait until ``process`` holds the write lock (its holder record names it; the index
    exists then) and the index reached generation ``target`` (or the process ended)."""
    deadline = time.monotonic() + 30
    while process.poll() is None and not (holds(ix, process.pid) and generation(ix) >= target):
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.002)


def holds(ix: Path, pid: int) -> bool:
    """Whether the write lock's holder record names process ``pid``."""
    try:
        return json.loads((ix / HOLDER_FILE).read_text())["pid"] == pid
    except (OSError, ValueError):
        return False


def stored_ids(ix: Path) -> list[str]:
    with SearchEngine(ix, create=False) as engine, engine._ix.searcher() as searcher:
        return [fields["id"] for fields in searcher.all_stored_fields()]


def assert_consistent(ix: Path) -> int:
    """The index opens and answers with its committed state: no duplicate, every file the
    manifest records is indexed, a search counts every document. Returns the count."""
    ids = stored_ids(ix)
    assert len(ids) == len(set(ids)), "duplicate documents"
    manifest = ix / MANIFEST_FILE
    if manifest.exists():
        recorded = next(iter(json.loads(manifest.read_text())["roots"].values()), {})
        assert set(recorded) <= set(ids), "the manifest claims files the index lacks"
    with SearchEngine(ix, create=False) as engine:
        assert engine.count() == len(ids)
        if ids:
            assert engine.search("الرئيس", snippets=False).total == len(ids)
    return len(ids)


def test_kill_9_at_several_points_then_resume(news: Path, tmp_path: Path) -> None:
    ix = tmp_path / "ix"
    # When to kill, as (generations committed by this run, extra delay): before the first
    # commit, right after one, and a little later (in the next batch or its commit).
    points = [(0, 0.0), (1, 0.0), (1, 0.03), (2, 0.06), (1, 0.1)]
    before = 0
    for commits, delay in points:
        start = generation(ix)
        process = subprocess.Popen(searchkit("index", str(news), "-i", str(ix), "--procs", "1",
                                             "--batch", str(BATCH)),
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        wait_for_commits(ix, process, max(start, 0) + commits)  # 0: the index was created
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        _, err = process.communicate()
        assert process.returncode == -signal.SIGKILL, f"the run ended before the kill: {err}"
        count = assert_consistent(ix)
        assert count % BATCH == 0 and count >= before  # whole batches, nothing lost
        before = count
    assert 0 < before < FILES
    done = subprocess.run(searchkit("index", str(news), "-i", str(ix), "--procs", "1"),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "cleared the write lock left by process" in done.stderr
    assert assert_consistent(ix) == FILES
    assert sorted(stored_ids(ix), key=lambda i: int(Path(i).stem)) == [
        f"d{i // 100}/{i}.txt" for i in range(FILES)]
    assert not list(ix.glob("*.tmp")) and not (ix / HOLDER_FILE).exists()
    check = subprocess.run(searchkit("check", str(news), "-i", str(ix)), capture_output=True,
                           text=True, timeout=60)
    assert check.returncode == 0, check.stdout


def test_second_writer_waits_then_names_the_first(news: Path, tmp_path: Path) -> None:
    ix = tmp_path / "ix"
    subprocess.run(searchkit("index", str(news / "d0"), "-i", str(ix)), check=True,
                   capture_output=True)
    # A real process holds the write lock (as an indexing run would) until told to stop.
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, pathlib; from searchkit.lock import WriteLock\n"
         f"with WriteLock(pathlib.Path({str(ix)!r})):\n"
         "    print('locked', flush=True); sys.stdin.readline()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
        started = time.monotonic()
        second = subprocess.run(searchkit("index", str(news / "d1"), "-i", str(ix),
                                          "--wait", "0.5"),
                                capture_output=True, text=True, timeout=60)
        waited = time.monotonic() - started
        assert second.returncode == 2
        lines = second.stderr.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in second.stderr
        assert f"process {holder.pid} on " in lines[0] and "gave up after waiting 0.5 s" in lines[0]
        assert waited >= 0.5
        # A writer that waits long enough goes ahead once the first is done.
        third = subprocess.Popen(searchkit("index", str(news / "d1"), "-i", str(ix),
                                           "--wait", "30"),
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        time.sleep(0.5)
        assert third.poll() is None  # still waiting
    finally:
        holder.communicate("\n", timeout=30)
    assert third.wait(timeout=60) == 0, third.stderr
    assert not (ix / HOLDER_FILE).exists()
    with SearchEngine(ix, create=False) as engine:
        assert engine.count() == 200


def test_stale_lock_of_a_dead_writer_is_cleared(news: Path, tmp_path: Path) -> None:
    ix = tmp_path / "ix"
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import pathlib, time; from searchkit.lock import WriteLock\n"
         f"WriteLock(pathlib.Path({str(ix)!r})).acquire()\n"
         f"(pathlib.Path({str(ix)!r}) / 'k3vq9pool.tmp').mkdir()\n"
         "print('locked', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
    holder.kill()
    holder.wait()
    record = json.loads((ix / HOLDER_FILE).read_text())
    assert record["pid"] == holder.pid and (ix / LOCK_FILE).exists()
    started = time.monotonic()
    done = subprocess.run(searchkit("index", str(news / "d2"), "-i", str(ix), "--wait", "10"),
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert time.monotonic() - started < 10  # no waiting for a dead process
    assert f"cleared the write lock left by process {holder.pid}" in done.stderr
    assert not (ix / "k3vq9pool.tmp").exists() and not (ix / HOLDER_FILE).exists()


READER = """
import json, sys
from searchkit import SearchEngine
counts = []
with SearchEngine(sys.argv[1], create=False) as engine:
    print("ready", flush=True)
    while True:
        counts.append(engine.search("الرئيس", limit=5).total)
        if sys.stdin.readline().strip() == "stop":  # one search per line the test sends
            break
print(json.dumps(counts))
"""


def test_searches_while_indexing_see_consistent_snapshots(news: Path, tmp_path: Path) -> None:
    ix = tmp_path / "ix"
    SearchEngine(ix).close()
    reader = subprocess.Popen([sys.executable, "-c", READER, str(ix)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert reader.stdin is not None and reader.stdout is not None
    assert reader.stdout.readline() == "ready\n"
    writer = subprocess.Popen(searchkit("index", str(news), "-i", str(ix), "--procs", "1",
                                        "--batch", str(BATCH)),
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    while writer.poll() is None:
        reader.stdin.write("go\n")
        reader.stdin.flush()
        time.sleep(0.005)
    out, err = reader.communicate("go\nstop\n", timeout=60)  # a last search after the end
    assert writer.returncode == 0
    assert reader.returncode == 0, err  # no search failed
    counts = json.loads(out)
    assert counts[-1] == FILES
    assert len(set(counts)) > 3  # it did search between commits
    assert counts == sorted(counts)  # never backwards
    assert all(c % BATCH == 0 for c in counts)  # whole commits only
