"""Shared fixtures: the bundled seed article and the shared corpora (skipped when absent)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SHARED = ROOT.parent / "shared"
CORPORA = SHARED / "corpora"


@pytest.fixture
def seed_index(tmp_path: Path) -> Path:
    """An index of the bundled seeds, built through the API."""
    from searchkit import SearchEngine

    path = tmp_path / "index"
    with SearchEngine(path) as engine:
        report = engine.index_folder(SEEDS)
    assert report.documents == 1 and not report.skipped
    return path


@pytest.fixture
def corpora() -> Path:
    """The shared corpora folder; skips the test where it is absent."""
    if not CORPORA.is_dir():
        pytest.skip(f"shared corpora not found at {CORPORA}")
    return CORPORA


def run_threads(work: Callable[[int], None], count: int) -> list[BaseException]:
    """Run ``work(0) .. work(count - 1)`` in threads at once; the exceptions they raised."""
    errors: list[BaseException] = []

    def guarded(n: int) -> None:
        try:
            work(n)
        except BaseException as exc:  # reported to the test
            errors.append(exc)

    threads = [threading.Thread(target=guarded, args=(n,)) for n in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors
