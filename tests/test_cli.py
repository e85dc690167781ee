"""The CLI end to end in real processes: index, search, JSON, errors without tracebacks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import SEEDS


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "searchkit", *args], capture_output=True,
                          text=True, env={**os.environ, **(env or {})}, timeout=120)


def test_index_then_search_with_markers(tmp_path: Path) -> None:
    ix = str(tmp_path / "ix")
    done = run("index", str(SEEDS), "--index", ix)
    assert done.returncode == 0, done.stderr
    assert "indexed 1 documents" in done.stderr
    found = run("search", "صواريخ فرط صوتيه", "--index", ix)
    assert found.returncode == 0, found.stderr
    assert "kim-jong-un-russia-visit-2023.txt" in found.stdout
    assert "[[صوتية]]" in found.stdout  # piped: plain markers, no colour codes
    assert "\x1b[" not in found.stdout


def test_search_json_and_env_index(tmp_path: Path) -> None:
    ix = str(tmp_path / "ix")
    env = {"SEARCHKIT_INDEX": ix}
    assert run("index", str(SEEDS), env=env).returncode == 0
    found = run("search", "بوتين", "--json", env=env)
    hits = json.loads(found.stdout)
    assert [h["id"] for h in hits] == ["kim-jong-un-russia-visit-2023.txt"]
    assert set(hits[0]) >= {"id", "score", "title", "snippet", "path", "date", "source", "url"}
    assert "[[بوتين]]" in hits[0]["snippet"]


def test_no_match_exits_1(tmp_path: Path) -> None:
    ix = str(tmp_path / "ix")
    run("index", str(SEEDS), "--index", ix)
    done = run("search", "كرة السلة", "--index", ix)
    assert done.returncode == 1
    assert done.stdout == ""


def test_errors_are_one_line_without_traceback(tmp_path: Path) -> None:
    ix = str(tmp_path / "ix")
    cases = [
        run("search", "بوتين", "--index", str(tmp_path / "missing")),
        run("search", "", "--index", ix),
        run("search", "بوتين", "--bogus"),
        run("search", "بوتين", "--limit", "abc"),
        run("index", str(tmp_path / "no-such-folder"), "--index", ix),
    ]
    for done in cases:
        assert done.returncode == 2, done
        assert "Traceback" not in done.stderr
        assert len(done.stderr.strip().splitlines()) == 1, done.stderr
        assert done.stderr.startswith("searchkit: error:")


def test_analyze_shows_original_normalized_and_stem() -> None:
    done = run("analyze", "وَالصَّواريخُ في", "--json")
    tokens = json.loads(done.stdout)
    assert tokens[0] == {"original": "وَالصَّواريخُ", "normalized": "والصواريخ", "stem": "صاروخ",
                         "stop": False, "start": 0, "end": 13, "position": 0,
                         "terms": ["صاروخ"]}
    assert tokens[1]["stop"] is True and tokens[1]["terms"] == []
    plain = run("analyze", "وَالصَّواريخُ")
    assert plain.stdout.split() == ["وَالصَّواريخُ", "والصواريخ", "صاروخ"]
    # A word's other terms (a glued preposition's reading, the root) in a fourth column.
    assert run("analyze", "لترمب").stdout.split() == ["لترمب", "لترمب", "لترمب", "ترامب"]
    assert run("analyze", "المغربية").stdout.split()[3:] == ["√غرب"]
