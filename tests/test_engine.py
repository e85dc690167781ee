"""The public Python API end to end: add, replace, search, snippets, errors."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

import searchkit
from searchkit import Document, SearchEngine


def test_seed_found_without_hamza_or_diacritics(seed_index: Path) -> None:
    with SearchEngine(seed_index) as engine:
        results = engine.search("صواريخ فرط صوتيه")
        assert results.total == 1
        hit = results[0]
        assert hit.id == "kim-jong-un-russia-visit-2023.txt"
        assert hit.path == "kim-jong-un-russia-visit-2023.txt"
        # The snippet is cut from the original text: صوتية keeps its ة, and the clitic
        # form والصواريخ is marked as a whole word.
        assert "[[صوتية]]" in hit.snippet
        assert "[[والصواريخ]]" in hit.snippet
        assert "/>" not in hit.snippet


def test_snippet_keeps_diacritics_of_the_original(seed_index: Path) -> None:
    with SearchEngine(seed_index) as engine:
        hit = engine.search("المصفح")[0]
    # The article writes المصفّح once with a shadda: both spellings are marked as written.
    assert "[[المصفّح]]" in hit.snippet or "[[المصفح]]" in hit.snippet


def test_add_documents_dicts_and_records(tmp_path: Path) -> None:
    with SearchEngine(tmp_path / "ix") as engine:
        added = engine.add_documents([
            {"id": "a", "body": "وصل الرئيسُ إلى موسكو", "title": "زيارة",
             "date": "2023-09-17", "source": "Alhayat"},
            Document(id="b", body="مباراة كرة القدم في بيروت",
                     date=datetime(2020, 1, 1, tzinfo=timezone.utc)),
        ])
        assert added == 2
        assert engine.count() == 2
        hit = engine.search("الرئيس")[0]
        assert (hit.id, hit.title, hit.source) == ("a", "زيارة", "Alhayat")
        assert hit.date == datetime(2023, 9, 17, tzinfo=timezone.utc)
        # Same id again: replaced, not duplicated.
        engine.add_documents([{"id": "a", "body": "نص جديد عن طهران"}])
        assert engine.count() == 2
        assert engine.search("موسكو").total == 0
        assert engine.search("طهران")[0].id == "a"


def test_exact_form_ranks_above_stem_only_match(tmp_path: Path) -> None:
    with SearchEngine(tmp_path / "ix") as engine:
        engine.add_documents([
            {"id": "stem", "body": "أطلق الجيش صاروخا جديدا من القاعدة"},
            {"id": "exact", "body": "أطلق الجيش الصواريخ الجديدة من القاعدة"},
            {"id": "none", "body": "افتتح الوزير المعرض الجديد في المدينة"},
        ])
        results = engine.search("الصواريخ")
        assert [h.id for h in results] == ["exact", "stem"]
        assert results.total == 2


def test_bad_documents_and_queries_raise_clear_errors(tmp_path: Path) -> None:
    with SearchEngine(tmp_path / "ix") as engine:
        with pytest.raises(searchkit.DocumentError, match="'id' and 'body'"):
            engine.add_documents([{"body": "بلا معرف"}])
        with pytest.raises(searchkit.DocumentError, match="ISO 8601"):
            engine.add_documents([{"id": "x", "body": "نص", "date": "yesterday"}])
        assert engine.count() == 0  # nothing half-written
        with pytest.raises(searchkit.QueryError, match="empty"):
            engine.search("   ")
        with pytest.raises(searchkit.QueryError, match="no searchable words"):
            engine.search("؟! ..")
        stops = engine.search("في من على")  # pasted text is not refused: it says why
        assert stops.total == 0 and "stop words" in stops.notes[0] and "علي" in stops.notes[0]


def test_missing_index_is_not_created_when_asked_not_to(tmp_path: Path) -> None:
    with pytest.raises(searchkit.IndexNotFoundError, match="no index"):
        SearchEngine(tmp_path / "missing", create=False)
    assert not (tmp_path / "missing").exists()


def test_index_from_another_version_asks_for_rebuild(seed_index: Path) -> None:
    meta = seed_index / "searchkit.json"
    meta.write_text(meta.read_text().replace('"analysis": ', '"analysis": 99'), "utf-8")
    with pytest.raises(searchkit.IndexVersionError, match="--rebuild"):
        SearchEngine(seed_index)


def test_index_folder_reports_skipped_files(tmp_path: Path) -> None:
    folder = tmp_path / "news"
    folder.mkdir()
    (folder / "good.txt").write_text("عنوان قصير\nنص الخبر عن الانتخابات", "utf-8")
    (folder / "latin1.txt").write_bytes("caf\xe9".encode("latin-1"))
    (folder / "empty.txt").write_text("", "utf-8")
    with SearchEngine(tmp_path / "ix") as engine:
        report = engine.index_folder(folder)
        assert report.documents == 1
        assert {s.path for s in report.skipped} == {"latin1.txt", "empty.txt"}
        hit = engine.search("انتخابات")[0]
        assert (hit.id, hit.title) == ("good.txt", "عنوان قصير")


def test_snippet_marks_words_matched_through_a_glued_preposition(tmp_path: Path) -> None:
    with SearchEngine(tmp_path / "ix") as engine:
        engine.add_documents([{"id": "1", "body": "وصل كيم لروسيا أمس في زيارة رسمية"}])
        assert engine.search("روسيا")[0].snippet == "وصل كيم [[لروسيا]] أمس في زيارة رسمية"


def test_document_dates_as_date_datetime_or_text() -> None:
    from datetime import date

    from searchkit import DocumentError

    day = Document(id="d", body="نص", date=date(2020, 1, 2)).date
    assert day == datetime(2020, 1, 2, tzinfo=timezone.utc)
    assert Document(id="s", body="نص", date="2020-01-02").date == day
    with pytest.raises(DocumentError, match="date must be"):
        Document(id="n", body="نص", date=20200102)  # type: ignore[arg-type]


def test_seed_article_body_has_no_markup_leftovers(seed_index: Path) -> None:
    with SearchEngine(seed_index, create=False) as engine:
        doc = engine.get("kim-jong-un-russia-visit-2023.txt")
        assert doc is not None and "كيم" in doc.body
        assert "/>" not in doc.body and "<br" not in doc.body


def test_stored_body_reads_text_and_the_earlier_deflated_form(tmp_path: Path) -> None:
    import zlib

    from searchkit.index import stored_body

    assert stored_body({"body_z": "خبر عن النفط"}) == "خبر عن النفط"
    assert stored_body({"body_z": zlib.compress("خبر عن النفط".encode())}) == "خبر عن النفط"
    assert stored_body({}) == ""
    with SearchEngine(tmp_path / "ix") as engine:
        engine.add_documents([{"id": "1", "body": "خبر عن النفط"}])
        with engine._reading() as arrays:  # kept as text (the stored column deflates it)
            assert arrays.searcher.stored_fields(0)["body_z"] == "خبر عن النفط"
