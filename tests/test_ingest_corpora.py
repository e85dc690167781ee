"""The real messy files in ../shared/corpora/raw-samples (skipped where absent)."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from searchkit import SearchEngine
from searchkit.ingest import Parsed, read_bytes


@pytest.fixture
def samples(corpora: Path) -> Path:
    return corpora / "raw-samples"


def read(samples: Path, rel: str) -> Parsed:
    return read_bytes(rel, (samples / rel).read_bytes())


@pytest.mark.parametrize("rel,title,date,source,category", [
    ("ant-multisource/BBC/middleEast/BB-middleEast-228-20180321.txt",
     "اختبار كشف الكذب يؤكد صدق ممثلة إباحية في زعمها ممارسة الجنس مع ترامب",
     datetime(2018, 3, 21, 1, 34, 8, tzinfo=timezone.utc), "BBC", "middleEast"),
    ("ant-multisource/CNN/economy/CN-economy-437-20181016.txt",
     "ما هو مؤشر S&P 500 ولماذا يعتبر أفضل ممثل لأداء الشركات؟",
     datetime(2018, 10, 16, 7, 49, 11, tzinfo=timezone.utc), "CNN", "economy"),
    ("ant-jawharafm-v1.1/politic/JA-politic-92-20170201.txt",
     "محسن مرزوق : موفى مارس سيكون موعدا للإعلان عن البديل السياسي",
     datetime(2017, 2, 1, 22, 8, tzinfo=timezone.utc), None, None),
    ("ant-jawharafm-v1.1/localNews/JA-localNews-40-20170122.txt",
     "29 حافلة مستعملة تعزز أسطول النقل بالساحل",
     datetime(2017, 1, 22, 18, 15, tzinfo=timezone.utc), "Jawhara FM", "localNews"),
    ("ant-jawharafm-v1.1/culture/JA-culture-56-20160701.txt",
     "مهرجان قرطاج الدولي : أماكن وأوقات بيع التذاكر",
     datetime(2016, 7, 1, tzinfo=timezone.utc), "Jawhara FM", "culture"),
])
def test_ant_doc_files(samples: Path, rel: str, title: str, date: datetime,
                       source: str | None, category: str | None) -> None:
    [doc] = read(samples, rel).documents
    assert (doc.id, doc.title, doc.date, doc.source, doc.category) == (
        rel, title, date, source, category)
    assert doc.encoding == "utf-8" and doc.url and doc.url.startswith("http")
    assert "<TEXT>" not in doc.body and "</" not in doc.body
    assert sum("\u0600" <= c <= "\u06ff" for c in doc.body) > 50


def test_ant_empty_text_is_skipped(samples: Path) -> None:
    with pytest.raises(Exception, match="empty TEXT"):
        read(samples, "ant-jawharafm-v1.1/localNews/JA-localNews-1458-20170218.txt")


def test_saudinewsnet_zip_yields_its_articles(samples: Path) -> None:
    parsed = read(samples, "saudinewsnet/dataset/2015-07-23.zip")
    assert len(parsed.documents) + len(parsed.problems) == 1318
    assert len(parsed.problems) == 16 and all(p.endswith("no text") for p in parsed.problems)
    first = parsed.documents[0]
    assert first.id == "saudinewsnet/dataset/2015-07-23.zip!/2015-07-23.json#0"
    assert (first.title, first.source) == ("المالكي ونصيحة سعود الفيصل", "aawsat")
    assert first.date == datetime(2015, 7, 23, 19, 28, 17, tzinfo=timezone.utc)
    assert len({d.id for d in parsed.documents}) == len(parsed.documents)


def test_khaleej_cp1256_is_arabic_and_searchable(samples: Path, tmp_path: Path) -> None:
    with SearchEngine(tmp_path / "ix") as engine:
        report = engine.index_folder(samples / "khaleej2004-cp1256")
        assert (report.added, report.documents, report.skipped) == (4, 4, [])
        hits = engine.search("الاقتصاديين")
        assert hits.total >= 1
        assert hits[0].id == "Economy/arc_Articlesww0221.html"
        assert hits[0].title == "جمعية الاقتصاديين الدور المأمول"
        assert engine.search("باربار")[0].id == "Sports/arc_Articleszz375b.html"
    [doc] = read(samples, "khaleej2004-cp1256/Sports/arc_Articleszz375b.html").documents
    assert doc.encoding == "cp1256"
    assert doc.body.startswith("خسر فريق نادي باربار")
