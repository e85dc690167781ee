"""Readers, one format, encoding and failure at a time, on small files written here."""

from __future__ import annotations

import gzip
import io
import json
import re
import zipfile
from datetime import datetime, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from searchkit.ingest import Limits, Unreadable, key_map, read_bytes
from searchkit.ingest.decode import decode

ARTICLE = "وصل الرئيس إلى موسكو صباح اليوم في زيارة رسمية تستمر ثلاثة أيام"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def docs(path: str, data: bytes | str, **kwargs: object) -> list:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return read_bytes(path, raw, **kwargs).documents  # type: ignore[arg-type]


# -- text ----------------------------------------------------------------------------------


def test_text_title_body_and_date_from_name() -> None:
    [doc] = docs("news/20180226-visit.txt", f"زيارة الرئيس\n\n{ARTICLE}\n")
    assert (doc.id, doc.path, doc.title, doc.body) == (
        "news/20180226-visit.txt", "news/20180226-visit.txt", "زيارة الرئيس", ARTICLE)
    assert doc.date == utc(2018, 2, 26)
    assert doc.encoding == "utf-8" and len(doc.file_hash or "") == 40


def test_markup_leftovers_are_not_text() -> None:
    [doc] = docs("a.md", f"عنوان\n{ARTICLE}<br />سطر ثان\n/>\n  />  \nسطر ثالث")
    assert "/>" not in doc.body and "<br" not in doc.body
    assert doc.body.split("\n") == [ARTICLE, "سطر ثان", "سطر ثالث"]


def test_one_line_file_splits_paragraphs_on_space_runs() -> None:
    [doc] = docs("k.txt", f"  عنوان الخبر     {ARTICLE}     فقرة ثانية")
    assert doc.title == "عنوان الخبر"
    assert doc.body == f"{ARTICLE}\nفقرة ثانية"


# -- encodings -----------------------------------------------------------------------------


@pytest.mark.parametrize("encoding,expected", [
    ("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("utf-16", "utf-16"),
    ("cp1256", "cp1256"), ("iso-8859-6", "iso8859_6"),
])
def test_encodings_are_detected(encoding: str, expected: str) -> None:
    text = f"عنوان الخبر\n{ARTICLE}. وقال المتحدث إن الزيارة مهمة."
    [doc] = docs("a.txt", text.encode(encoding))
    assert doc.encoding == expected
    assert doc.title == "عنوان الخبر" and doc.body.startswith(ARTICLE)


def test_undecodable_text_is_skipped_not_mojibake() -> None:
    with pytest.raises(Unreadable, match="encoding"):
        decode(bytes(range(0x80, 0x100)) * 8)
    with pytest.raises(Unreadable, match="too little text"):
        decode("caf\xe9".encode("latin-1"))


@pytest.mark.parametrize("data,reason", [
    (b"", "empty file"), (b"  \n\t\n", "empty file"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
])
def test_empty_and_binary_files_are_unreadable(data: bytes, reason: str) -> None:
    with pytest.raises(Unreadable, match=reason):
        read_bytes("x.txt", data)


# -- TREC / ANT <DOC> ----------------------------------------------------------------------

TREC = """<DOC>
<DOCNO>CN-economy-1-20181016</DOCNO>
<URL>https://example.com/a?x=1&y=2</URL> \n<SRC>CNN</SRC>
<CAT>economy</CAT>
<TITLE>مؤشر S&P 500 &amp; الأسواق</TITLE>
<TIME>{time}</TIME>
<ABSTRACT>
ملخص
</ABSTRACT>
<TEXT>
{text}
</TEXT>
</DOC>
"""


@pytest.mark.parametrize("time,date", [
    ("Tue, 16 Oct 2018 07:49:11 +0000", utc(2018, 10, 16, 7, 49, 11)),
    ("Wed, 21 Mar 2018 01:34:08 GMT", utc(2018, 3, 21, 1, 34, 8)),
    ("2017-01-22T181500", utc(2017, 1, 22, 18, 15)),
    ("01/07/2016", utc(2016, 7, 1)),
    ("2017-02-01T23:08:00+01:00", utc(2017, 2, 1, 22, 8)),
])
def test_trec_doc_with_bare_ampersands_and_odd_dates(time: str, date: datetime) -> None:
    [doc] = docs("CN/economy/x.txt", TREC.format(time=time, text=ARTICLE))
    assert doc.id == "CN/economy/x.txt"
    assert doc.title == "مؤشر S&P 500 & الأسواق"
    assert doc.body == ARTICLE
    assert (doc.source, doc.category) == ("CNN", "economy")
    assert doc.url == "https://example.com/a?x=1&y=2"
    assert doc.date == date


def test_trec_several_docs_missing_tags_and_empty_text() -> None:
    data = ("<DOC><DOCNO>a</DOCNO><TEXT>نص أول</TEXT></DOC>\n"
            "<DOC><DOCNO>b</DOCNO><TITLE>فارغ</TITLE><TEXT>\n</TEXT></DOC>\n"
            "<DOC><TITLE>بلا رقم</TITLE><TEXT>نص ثالث</TEXT></DOC>")
    parsed = read_bytes("t.trec", data.encode())
    assert [(d.id, d.title) for d in parsed.documents] == [
        ("t.trec#a", None), ("t.trec#3", "بلا رقم")]
    assert parsed.problems == ["DOC b: empty TEXT"]
    [abstract_only] = docs("e.txt", TREC.format(time="", text="  "))
    assert abstract_only.body == "ملخص"
    with pytest.raises(Unreadable, match="DOC z: empty TEXT"):
        read_bytes("e.txt", b"<DOC><DOCNO>z</DOCNO><ABSTRACT></ABSTRACT><TEXT> </TEXT></DOC>")


# -- JSON and JSON Lines -------------------------------------------------------------------


def test_json_object_with_common_key_names() -> None:
    article = {"headline": "عنوان", "content": ARTICLE, "publishedAt": "2015-07-23 19:28:17",
               "site": "okaz", "link": "http://x/1", "section": ["سياسة"]}
    [doc] = docs("a.json", json.dumps(article, ensure_ascii=False))
    assert (doc.id, doc.title, doc.body, doc.source, doc.url, doc.category) == (
        "a.json", "عنوان", ARTICLE, "okaz", "http://x/1", "سياسة")
    assert doc.date == utc(2015, 7, 23, 19, 28, 17)


def test_json_array_ids_and_empty_records() -> None:
    records = [{"id": "x1", "title": "أ", "body": ARTICLE}, {"title": "ب", "content": ""},
               {"article": "نص ثالث", "date_extracted": "2015-07-23"}]
    parsed = read_bytes("day.json", json.dumps(records).encode())
    assert [d.id for d in parsed.documents] == ["day.json#x1", "day.json#2"]
    assert parsed.documents[1].date == utc(2015, 7, 23)
    assert parsed.problems == ["record 1: no text"]


def test_jsonl_truncated_line_is_skipped_rest_kept() -> None:
    lines = [json.dumps({"title": "أ", "text": ARTICLE}), "",
             json.dumps({"title": "ب", "text": "نص"}), '{"title": "ج", "text": "مقطو']
    parsed = read_bytes("a.ndjson", "\n".join(lines).encode())
    assert [d.id for d in parsed.documents] == ["a.ndjson#1", "a.ndjson#3"]
    assert len(parsed.problems) == 1 and parsed.problems[0].startswith("line 4: invalid JSON")


def test_jsonl_strings_may_hold_unicode_line_separators() -> None:
    body = "الفقرة الأولى\u2029الفقرة الثانية\u2028سطر\x85آخر"
    lines = [json.dumps({"title": "أ", "text": body}, ensure_ascii=False),
             json.dumps({"title": "ب", "text": ARTICLE}, ensure_ascii=False)]
    parsed = read_bytes("a.jsonl", "\n".join(lines).encode())
    assert not parsed.problems
    assert [d.id for d in parsed.documents] == ["a.jsonl#1", "a.jsonl#2"]
    assert "الفقرة الثانية" in parsed.documents[0].body


def test_json_key_override() -> None:
    keys = key_map({"body": "story", "title": "hed"})
    [doc] = docs("a.json", json.dumps({"hed": "عنوان", "story": ARTICLE, "body": "قصير"}),
                 keys=keys)
    assert (doc.title, doc.body) == ("عنوان", ARTICLE)
    with pytest.raises(ValueError, match="unknown field"):
        key_map({"bodyy": "x"})


def test_invalid_json_is_unreadable() -> None:
    with pytest.raises(Unreadable, match="invalid JSON"):
        read_bytes("a.json", b'{"title": ')


# -- HTML ------------------------------------------------------------------------------------

PAGE = """<!doctype html><html lang="ar"><head><meta charset="utf-8">
<title>عنوان الوسم | الموقع</title>
<meta property="og:title" content="زيارة الرئيس إلى موسكو">
<meta property="og:site_name" content="الحياة">
<meta property="article:published_time" content="2023-09-17T10:00:00+03:00">
</head><body><header><nav><a href="/">الرئيسية</a> <a href="/s">رياضة</a></nav></header>
<main><article><h1>زيارة الرئيس إلى موسكو</h1>
<p>{p1}</p><p>وقال المتحدث باسم الرئاسة إن الزيارة تأتي في إطار تعزيز التعاون بين البلدين.<br/>
وأضاف أن الجانبين سيوقعان عدة اتفاقيات.</p></article></main>
<aside>الأكثر قراءة</aside><footer>جميع الحقوق محفوظة</footer></body></html>"""


def test_html_title_date_and_main_text_without_boilerplate() -> None:
    [doc] = docs("site/page.html", PAGE.format(p1=ARTICLE))
    assert doc.title == "زيارة الرئيس إلى موسكو"
    assert doc.date is not None and doc.date.date().isoformat() == "2023-09-17"
    assert doc.source == "الحياة"
    assert doc.body.startswith(ARTICLE)
    assert "وأضاف أن الجانبين" in doc.body
    for boilerplate in ("الرئيسية", "الأكثر قراءة", "جميع الحقوق", "/>", "<br"):
        assert boilerplate not in doc.body


def test_html_named_file_without_tags_is_plain_text() -> None:
    [doc] = docs("k.html", f"عنوان   {ARTICLE}".encode("cp1256"))
    assert (doc.title, doc.body, doc.encoding) == ("عنوان", ARTICLE, "cp1256")


# -- RSS and Atom ----------------------------------------------------------------------------

RSS = f"""<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>
<title>أخبار</title>
<item><title>خبر أول</title><link>http://x/1</link><guid>g1</guid><category>سياسة</category>
<pubDate>Wed, 21 Mar 2018 01:34:08 GMT</pubDate>
<description>&lt;p&gt;{ARTICLE}&lt;/p&gt;</description></item>
<item><title>فارغ</title><description></description></item>
<item><title>خبر ثالث</title><description>نص ثالث</description></item>
</channel></rss>"""

ATOM = f"""<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">
<title>موقع</title><entry><title>مدخل</title><id>urn:1</id><link href="http://x/a"/>
<updated>2018-02-26T10:00:00Z</updated><content type="html">&lt;p&gt;{ARTICLE}&lt;/p&gt;</content>
</entry></feed>"""


def test_rss_one_document_per_item() -> None:
    parsed = read_bytes("feeds/news.xml", RSS.encode())
    first, third = parsed.documents
    assert (first.id, first.title, first.body, first.url, first.category, first.source) == (
        "feeds/news.xml#g1", "خبر أول", ARTICLE, "http://x/1", "سياسة", "أخبار")
    assert first.date == utc(2018, 3, 21, 1, 34, 8)
    assert third.id == "feeds/news.xml#3" and third.body == "نص ثالث"
    assert parsed.problems == ["item 2: no text"]


def test_atom_entries() -> None:
    [doc] = docs("a.atom", ATOM)
    assert (doc.id, doc.title, doc.body, doc.url) == ("a.atom#urn:1", "مدخل", ARTICLE, "http://x/a")
    assert doc.date == utc(2018, 2, 26, 10)


# -- archives --------------------------------------------------------------------------------


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_zip_of_mixed_formats() -> None:
    data = _zip({
        "day/2015-07-23.json": json.dumps([{"title": "أ", "content": ARTICLE}]).encode(),
        "note.txt": f"عنوان\n{ARTICLE}".encode("cp1256"),
        "image.png": b"\x89PNG\x00\x00",
        "__MACOSX/._note.txt": b"\x00\x01",
        "bad.txt": b"",
    })
    parsed = read_bytes("a/b.zip", data)
    assert [d.id for d in parsed.documents] == ["a/b.zip!/day/2015-07-23.json#0",
                                                "a/b.zip!/note.txt"]
    assert {d.path for d in parsed.documents} == {"a/b.zip"}
    assert parsed.documents[1].encoding == "cp1256"
    assert parsed.problems == ["bad.txt: empty file"]


def test_gzip_member_read_by_inner_suffix() -> None:
    lines = "\n".join(json.dumps({"title": str(i), "body": ARTICLE}) for i in range(3))
    parsed = read_bytes("dump.jsonl.gz", gzip.compress(lines.encode()))
    assert [d.id for d in parsed.documents] == [f"dump.jsonl.gz!/dump.jsonl#{i}" for i in (1, 2, 3)]


def test_archive_limits_and_broken_archives() -> None:
    big = gzip.compress(b"a" * 5000)
    with pytest.raises(Unreadable, match="expands to more than"):
        read_bytes("x.txt.gz", big, limits=Limits(max_expanded=1000))
    with pytest.raises(Unreadable, match="more than 1 members"):
        read_bytes("x.zip", _zip({"a.txt": b"a", "b.txt": b"b"}), limits=Limits(max_members=1))
    with pytest.raises(Unreadable, match="broken zip"):
        read_bytes("x.zip", b"PK\x03\x04 not really")
    with pytest.raises(Unreadable, match="broken gzip"):
        read_bytes("x.txt.gz", gzip.compress(ARTICLE.encode())[:-12])


_DOC_REFERENCE = re.compile(r"<DOC>(.*?)(?:</DOC>|\Z)", re.DOTALL | re.IGNORECASE)
_TAG_REFERENCE = re.compile(r"<([A-Z]+)>(.*?)</\1\s*>", re.DOTALL | re.IGNORECASE)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(["<DOC>", "</DOC>", "<doc>", "</Doc>", "<TEXT>", "</TEXT>",
                                 "</text >", "<TITLE>", "</TITLE>", "<p>", "</P>", "نص", " ",
                                 "\n", "<", ">", "/", "<A>", "</A\n>", "<AB>", "</a>"]),
                max_size=14))
def test_trec_elements_found_as_the_lazy_patterns_find_them(parts: list[str]) -> None:
    """DOC blocks and tags are found with searches for the opening and closing tags: the
    same as a lazy ``<DOC>(.*?)</DOC>`` and ``<X>(.*?)</X>``, without their char-by-char
    scan."""
    from searchkit.ingest.trec import _docs, _tags

    text = "".join(parts)
    assert _docs(text) == _DOC_REFERENCE.findall(text)
    assert list(_tags(text)) == [m.groups() for m in _TAG_REFERENCE.finditer(text)]
