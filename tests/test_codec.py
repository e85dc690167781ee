"""The compact postings codec (searchkit.codec): records, matchers, and an index written with it."""

from __future__ import annotations

import io
import random
import zlib
from pathlib import Path

import numpy as np
import pytest
from whoosh import formats, index, query
from whoosh.codec.whoosh3 import W3Codec
from whoosh.reading import CorruptIndexError
from whoosh.system import pack_uint

from searchkit import SearchEngine, codec
from searchkit import index as idx
from searchkit.codec import ArrayMatcher, PositionsFormat, decode_postings, encode_postings
from searchkit.index import make_schema
from searchkit.termdict import TermDict, TermDictWriter

POSITIONS = PositionsFormat()


def _random_postings(rng: random.Random, count: int) -> tuple[list[int], list[list[int]]]:
    ids = sorted(rng.sample(range(rng.choice([600, 70_000, 2**22])), count))
    top = rng.choice([10, 300, 70_000, 2**20])
    return ids, [sorted(rng.sample(range(top), rng.randint(0, 4))) for _ in ids]


@pytest.mark.parametrize("count", [1, 2, 31, 32, 33, 500])
def test_records_give_back_ids_weights_and_values(count: int) -> None:
    rng = random.Random(count)
    for _ in range(60):
        ids, positions = _random_postings(rng, count)
        weights = [float(len(p)) for p in positions]
        cases = [
            (POSITIONS, [POSITIONS.encode(p) for p in positions]),
            (formats.Frequency(), [pack_uint(int(w)) for w in weights]),
            (formats.Existence(), [b""] * count),
            (None, [bytes(rng.randrange(256) for _ in range(rng.randint(0, 9))) for _ in ids]),
        ]
        for fmt, values in cases:
            record = encode_postings(ids, weights, values, fmt)
            got = decode_postings(record)
            assert got.ids.tolist() == ids
            assert got.weights.tolist() == weights
            bare = decode_postings(record, values=False)  # values skipped, not decoded
            assert (bare.ids.tolist(), bare.weights.tolist()) == (ids, weights)
            with pytest.raises((ValueError, IndexError, zlib.error)):
                decode_postings(record[:-1], values=False)
            cut = [got.positions[a:b].tobytes() if got.positions is not None else b""
                   for a, b in zip(got.starts[:-1], got.starts[1:], strict=True)] \
                if got.starts is not None else [b""] * count
            assert cut == values


def test_fractional_weights_and_positions_out_of_order_are_kept() -> None:
    values = [POSITIONS.encode([9, 2]), POSITIONS.encode([4])]
    got = decode_postings(encode_postings([1, 5], [0.5, 2.25], values, POSITIONS))
    assert got.weights.tolist() == [0.5, 2.25]
    first = got.positions[got.starts[0]:got.starts[1]].tobytes()
    assert POSITIONS.decode_positions(first) == [9, 2]


def test_small_and_large_ways_write_the_same_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(1)
    samples = []
    for _ in range(300):
        ids, positions = _random_postings(rng, rng.randint(1, 32))
        weights = [float(len(p)) if rng.random() < 0.7 else rng.choice([1.0, 3.0])
                   for p in positions]
        samples.append((ids, weights, [POSITIONS.encode(p) for p in positions]))
    small = [encode_postings(*sample, POSITIONS) for sample in samples]
    monkeypatch.setattr(codec, "_encode_small", lambda *args: None)
    assert [encode_postings(*sample, POSITIONS) for sample in samples] == small


def _terms_of_postings(rng: random.Random, fmt: formats.Format | None, irregular: bool
                       ) -> list[tuple[list[int], list[float], list[bytes]]]:
    """Terms of random postings in ``fmt``'s values; ``irregular`` mixes in postings
    numpy does not lay out (fractional weights, positions out of order, foreign values)."""
    terms = []
    for _ in range(rng.randint(1, 40)):
        ids, positions = _random_postings(rng, rng.choice([1, 2, 5, 33, 300]))
        weights, values = [], []
        for found in positions:
            found = found or [0]
            weight = float(len(found))
            if irregular and rng.random() < 0.05:
                weight = rng.choice([0.5, 2.0, 7.0])
            if irregular and rng.random() < 0.05:
                found = found[::-1]
            foreign = irregular and rng.random() < 0.03
            if isinstance(fmt, PositionsFormat):
                values.append(fmt.encode(found))
            elif isinstance(fmt, formats.Frequency):
                values.append(b"" if foreign else pack_uint(int(weight)))
            else:
                values.append(b"xy" if foreign else b"")
            weights.append(weight if fmt is not None or irregular else 1.0)
        terms.append((ids, weights, values))
    return terms


@pytest.mark.parametrize("fmt", [POSITIONS, codec.FrequencyFormat(), formats.Existence(), None],
                         ids=["positions", "frequency", "existence", "none"])
@pytest.mark.parametrize("irregular", [False, True])
def test_many_records_at_once_are_the_records_one_at_a_time(
        fmt: formats.Format | None, irregular: bool) -> None:
    rng = random.Random(f"{fmt}{irregular}")
    for _ in range(15):
        terms = _terms_of_postings(rng, fmt, irregular)
        one_by_one = [encode_postings(ids, weights, values, fmt)
                      for ids, weights, values in terms]
        values = [v for _, _, vs in terms for v in vs]
        pieces, lengths = codec.encode_records(
            np.cumsum([0] + [len(ids) for ids, _, _ in terms]),
            np.concatenate([ids for ids, _, _ in terms]),
            np.concatenate([w for _, w, _ in terms]).astype(np.float32),
            np.array([len(v) for v in values]), np.frombuffer(b"".join(values), np.uint8), fmt)
        assert lengths.tolist() == [len(record) for record in one_by_one]
        assert b"".join(pieces) == b"".join(one_by_one)


@pytest.mark.parametrize("irregular", [False, True])
def test_records_decoded_together_are_the_records_decoded_one_by_one(irregular: bool) -> None:
    """codec.decode_many gives, end to end, what decode_postings gives for each record
    without values: every width of ids and weights, deflated or not, positions skipped,
    fractional weights, raw values; and refuses a cut record."""
    rng = random.Random(f"many{irregular}")
    for _ in range(20):
        records = [encode_postings(ids, weights, values, fmt)
                   for fmt in rng.sample([POSITIONS, codec.FrequencyFormat(),
                                          formats.Existence(), None], 4)
                   for ids, weights, values in _terms_of_postings(rng, fmt, irregular)]
        rng.shuffle(records)
        ids, weights, counts = codec.decode_many(records)
        each = [decode_postings(record, values=False) for record in records]
        assert counts.tolist() == [len(one.ids) for one in each]
        assert ids.tolist() == [i for one in each for i in one.ids.tolist()]
        assert weights.tolist() == [w for one in each for w in one.weights.tolist()]
        damaged = rng.randrange(len(records))
        records[damaged] = records[damaged][:-1]
        with pytest.raises((ValueError, IndexError, zlib.error)):
            codec.decode_many(records)
    assert [a.tolist() for a in codec.decode_many([])] == [[], [], []]


def test_long_lists_are_deflated_to_a_fraction() -> None:
    ids = list(range(0, 40_000, 3))
    record = encode_postings(ids, [1.0] * len(ids), [b""] * len(ids), None)
    assert len(record) < len(ids) // 20  # deltas of 3: byte planes deflate to almost nothing


def test_damaged_record_is_refused() -> None:
    record = encode_postings(list(range(0, 9000, 7)), [2.0] * 1286, [b""] * 1286, None)
    with pytest.raises((ValueError, zlib.error)):
        decode_postings(record[:-9])


def test_matcher_skips_by_bisection() -> None:
    matcher = ArrayMatcher([2, 5, 9, 14, 30], [1.0] * 5)
    matcher.skip_to(10)
    assert matcher.id() == 14
    matcher.skip_to(3)  # never backwards
    assert matcher.id() == 14
    matcher.skip_to(31)
    assert not matcher.is_active()


WORDS = ["الرئيس", "بوتين", "كيم", "موسكو", "زيارة", "الصواريخ", "النفط", "أسعار", "مجلس",
         "الأمن", "القمة", "روسيا"]


def _docs(seed: int, count: int) -> list[dict[str, str]]:
    rng = random.Random(seed)
    return [{"id": f"{seed}-{n}", "title": " ".join(rng.sample(WORDS, 2)),
             "body": " ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 80)))}
            for n in range(count)]


def test_phrases_match_adjacent_words_only(tmp_path: Path) -> None:
    docs = _docs(1, 200)
    with SearchEngine(tmp_path / "ix") as engine:
        engine.add_documents(docs)
        found = {hit.id for hit in engine.search('"مجلس الأمن"', limit=500).hits}
    expected = {d["id"] for d in docs if "مجلس الأمن" in d["body"] or "مجلس الأمن" in d["title"]}
    assert found == expected and expected


def _all_postings(ix: index.Index) -> dict[tuple[str, bytes], list[tuple[str, float, bytes]]]:
    """Every posting of the body fields, by stored document id (numbers change in a merge)."""
    out = {}
    with ix.searcher() as searcher:
        reader = searcher.reader()
        stored = [fields["id"] for fields in reader.all_stored_fields()]
        for field, text in reader.all_terms():
            if field in ("body_exact", "body"):
                m, found = reader.postings(field, text), []
                while m.is_active():
                    found.append((stored[m.id()], m.weight(), m.value() or b""))
                    m.next()
                out[field, text] = sorted(found)
    return out


def test_merging_segments_keeps_every_posting(tmp_path: Path) -> None:
    with SearchEngine(tmp_path / "ix") as engine:
        for seed in range(3):
            engine.add_documents(_docs(seed, 60))
    ix = index.open_dir(str(tmp_path / "ix"))
    before = _all_postings(ix)
    assert len(ix._segments()) == 3 and before
    # searchkit's writer merges: Whoosh reads our records, the array pool writes them again.
    idx.writer(ix).commit(optimize=True)
    assert len(ix._segments()) == 1
    assert isinstance(ix._segments()[0].codec(), codec.SearchkitCodec)
    assert _all_postings(ix) == before
    ix.close()


@pytest.fixture(scope="module")
def twin_indexes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, index.Index]:
    """The same 400 documents in two indexes: Whoosh 3's codec and ours."""
    docs, root = _docs(7, 400), tmp_path_factory.mktemp("twins")
    made = {}
    for name, used in (("whoosh3", W3Codec()), ("searchkit", codec.SearchkitCodec())):
        (root / name).mkdir()
        ix = made[name] = index.create_in(str(root / name), make_schema())
        writer = ix.writer(codec=used, compound=False)
        for doc in docs:
            writer.add_document(title=doc["title"], title_exact=doc["title"],
                                body=doc["body"], body_exact=doc["body"], id=doc["id"])
        writer.commit()
    return made


def _size(ix: index.Index, pattern: str) -> int:
    return sum(p.stat().st_size for p in Path(ix.storage.folder).glob(pattern))


def test_index_takes_under_half_of_whoosh_3s_bytes(twin_indexes: dict[str, index.Index]
                                                   ) -> None:
    ours, theirs = twin_indexes["searchkit"], twin_indexes["whoosh3"]
    assert _size(ours, "*.pst") < _size(theirs, "*.pst") / 2
    assert _size(ours, "*.trm") < _size(theirs, "*.trm") / 2


def test_readers_answer_as_whoosh_3s_do(twin_indexes: dict[str, index.Index]) -> None:
    answers = {}
    for name, ix in twin_indexes.items():
        with ix.searcher() as searcher:
            reader = searcher.reader()
            terms = list(reader.all_terms())
            answers[name] = {
                "terms": terms,
                "stats": [(reader.doc_frequency(*t), reader.frequency(*t)) for t in terms],
                "postings": [(list(reader.postings(*t).all_ids()), _walk(reader.postings(*t)))
                             for t in terms[::7]],
                "prefix": list(reader.expand_prefix("body_exact", "ال")),
                "fuzzy": sorted(reader.terms_within("body_exact", "الامم", 1)),
                "from": [(term, info.doc_frequency(), info.weight(), info.max_weight(),
                          info.min_id(), info.max_id())
                         for (term, info), _ in zip(reader.iter_from("body", "م"), range(5),
                                                    strict=False)],
                "missing": (reader.doc_frequency("body", "غائب"), ("body", b"x") in reader),
                "phrase": len(searcher.search(
                    query.Phrase("body_exact", ["مجلس", "الامن"]), limit=None)),
            }
    assert answers["searchkit"] == answers["whoosh3"]
    assert answers["searchkit"]["phrase"] > 0 and answers["searchkit"]["fuzzy"]


def _walk(m: object) -> list[tuple[float, bytes]]:
    out = []
    while m.is_active():  # type: ignore[attr-defined]
        out.append((m.weight(), m.value_as("frequency")))  # type: ignore[attr-defined]
        m.next()  # type: ignore[attr-defined]
    return out


def test_damaged_term_dictionary_is_refused() -> None:
    with pytest.raises(CorruptIndexError):
        TermDict(b"SKT1" + b"\0" * 40)


def test_term_dictionary_finds_every_key_and_walks_in_order() -> None:
    class Kept(io.BytesIO):
        def close(self) -> None:
            pass

    rng = random.Random(3)
    keys = sorted({bytes(rng.randrange(256) for _ in range(rng.randint(1, 12)))
                   for _ in range(5000)})
    out, offset = Kept(), 10
    writer = TermDictWriter(out, {"f": 0})
    for n, key in enumerate(keys):
        writer.add(key, n + 1, offset, n % 300)
        offset += n % 300
    writer.close()
    terms = TermDict(out.getvalue())
    assert [terms.find(k) for k in keys] == list(range(len(keys)))
    assert terms.find(b"\xff" * 13) is None
    assert terms.extent(7) == (10 + sum(n % 300 for n in range(7)), 7)
    assert int(terms.dfs[99]) == 100
    probe = keys[1234][:-1] + b"\0"
    assert terms.first_at_or_after(probe) == sum(k < probe for k in keys)
    with pytest.raises(ValueError):
        writer.add(b"\0", 1, offset, 1)  # out of order


def test_term_dictionary_finds_many_keys_at_once() -> None:
    """find_many answers as find does, also for keys whose hashes are equal."""
    class Kept(io.BytesIO):
        def close(self) -> None:
            pass

    rng = random.Random(5)
    by_hash: dict[int, bytes] = {}
    same: list[bytes] = []  # pairs of keys with the same CRC-32
    while len(same) < 6:
        key = rng.randbytes(8)
        other = by_hash.setdefault(zlib.crc32(key), key)
        if other != key:
            same += (other, key)
    keys = sorted({*same[:4], *(bytes(rng.randrange(256) for _ in range(6))
                                for _ in range(3000))})
    out = Kept()
    writer = TermDictWriter(out, {"f": 0})
    writer.extend(keys, [1] * len(keys), 0, [1] * len(keys))
    writer.close()
    terms = TermDict(out.getvalue())
    asked = [*same, *rng.sample(keys, 500), b"absent", b""]
    rng.shuffle(asked)
    expected = [keys.index(k) if k in keys else None for k in asked]
    assert terms.find_many(asked) == expected == [terms.find(k) for k in asked]
    assert None in expected and expected.count(None) >= 3  # the twins left out, absent keys


def test_positions_format_round_trip() -> None:
    assert POSITIONS.decode_positions(POSITIONS.encode([0, 3, 70_000])) == [0, 3, 70_000]
    assert POSITIONS.decode_frequency(POSITIONS.encode([1, 2])) == 2
    assert np.frombuffer(POSITIONS.encode([5]), "<u4").tolist() == [5]


@pytest.mark.parametrize("slice_terms", [20_000, 7])
def test_array_pool_writes_the_same_files_as_whoosh_s_writer(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, slice_terms: int) -> None:
    from datetime import datetime

    from searchkit import writer as writer_module

    monkeypatch.setattr(writer_module._FieldPostings, "WRITE_TERMS", slice_terms)

    from whoosh.writing import SegmentWriter as WhooshSegmentWriter

    from searchkit.documents import Document
    from searchkit.index import document_fields
    from searchkit.writer import SegmentWriter

    docs = [Document(id=d["id"], title=d["title"], body=d["body"], source="src",
                     date=datetime(2018, 1 + n % 12, 1), path=f"a/{n}.txt")
            for n, d in enumerate(_docs(11, 150))]
    files = {}
    for name, cls in (("whoosh", WhooshSegmentWriter), ("ours", SegmentWriter)):
        (tmp_path / name).mkdir()
        ix = index.create_in(str(tmp_path / name), make_schema())
        writer = cls(ix, codec=codec.SearchkitCodec(), compound=False)
        for doc in docs:
            writer.add_document(**document_fields(doc))
        writer.commit()
        # Postings, terms and columns (field lengths, stored fields), by name less segment.
        files[name] = {p.name.split(".", 1)[1]: p.read_bytes()
                       for p in (tmp_path / name).glob("*.*")
                       if p.suffix in (".pst", ".trm", ".col")}
        ix.close()
    assert files["ours"] == files["whoosh"]
    assert {"pst", "trm", "_body_len.col", "_title_exact_len.col", "_stored.col"} <= set(
        files["ours"])


def test_array_pool_sorts_postings_added_out_of_order() -> None:
    from searchkit.writer import TermPool

    class Recorder:
        def __init__(self) -> None:
            self.records: list[tuple[str, bytes, int, bytes]] = []

        def start_field(self, fieldname: str, fieldobj: object) -> None:
            self.field = fieldname

        def add_records(self, keys: list[bytes], dfs: np.ndarray, records: list[bytes],
                        lengths: np.ndarray) -> None:
            blob, ends = b"".join(records), np.cumsum(lengths).tolist()
            for key, df, start, end in zip(keys, dfs.tolist(), [0, *ends], ends, strict=False):
                self.records.append((self.field, key, df, blob[start:end]))

        def finish_field(self) -> None:
            pass

    schema = make_schema()
    pool = TermPool(schema)
    for docnum in (5, 1, 9, 3):
        pool.add(("body_exact", b"b", docnum, 2.0, POSITIONS.encode([docnum, docnum + 4])))
        pool.add(("body_exact", b"a", docnum, 1.0, POSITIONS.encode([docnum])))
    pool.add(("id", b"x", 2, 1.0, b""))
    out = Recorder()
    pool.write(out)  # type: ignore[arg-type]
    assert [(f, t, df) for f, t, df, _ in out.records] == [
        ("body_exact", b"a", 4), ("body_exact", b"b", 4), ("id", b"x", 1)]
    got = decode_postings(out.records[1][3])
    assert got.ids.tolist() == [1, 3, 5, 9]
    assert got.positions.tolist() == [1, 5, 3, 7, 5, 9, 9, 13]


def test_fields_get_only_their_own_terms(tmp_path: Path) -> None:
    with SearchEngine(tmp_path / "ix") as engine:
        engine.add_documents([{"id": "1", "title": "كوريا الشمالية", "body": "قمة موسكو"}])
    ix = index.open_dir(str(tmp_path / "ix"))
    with ix.searcher() as searcher:
        terms = {(f, t.decode()) for f, t in searcher.reader().all_terms()
                 if f in ("title_exact", "body_exact")}
    assert terms == {("title_exact", "كوريا"), ("title_exact", "الشماليه"),
                     ("body_exact", "قمه"), ("body_exact", "موسكو")}
    ix.close()


def test_formats_index_through_the_memo_as_whoosh_would() -> None:
    schema = make_schema()
    texts = ["وَالصَّوارِيخُ فرط صوتيّة 3.5 km ﷺ", "في في في", "", "ذهب إلى المدرسةِ ثم ذهب",
             " ".join(_docs(3, 1)[0]["body"].split() * 2)]
    for name, base in (("body_exact", formats.Positions), ("body", formats.Frequency)):
        field = schema[name]
        for text in texts:
            fast = sorted(field.format.word_values(text, field.analyzer, mode="index"))
            slow = sorted(base.word_values(field.format, text, field.analyzer, mode="index"))
            assert fast == slow


def test_a_segment_written_by_whoosh_s_own_codec_asks_for_a_rebuild(tmp_path: Path) -> None:
    from searchkit import IndexCorruptError

    with SearchEngine(tmp_path / "ix") as engine:
        engine.add_documents(_docs(1, 5))
    ix = index.open_dir(str(tmp_path / "ix"))
    with ix.writer() as writer:  # Whoosh's writer and default codec, behind searchkit's back
        writer.add_document(id="x", body="موسكو", body_exact="موسكو")
    ix.close()
    with SearchEngine(tmp_path / "ix", create=False) as engine, \
            pytest.raises(IndexCorruptError, match="not written by searchkit"):
        engine.search("موسكو")


@pytest.mark.parametrize("high", [300, 2**16 + 5, 2**32 - 1])
def test_sixteen_bits_at_a_time_sorts_as_a_stable_sort(high: int) -> None:
    from searchkit.writer import _stable_order

    keys = np.random.default_rng(high).integers(0, high, 50_000, endpoint=True,
                                                dtype=np.uint64).astype(np.uint32)
    assert _stable_order(keys).tolist() == np.argsort(keys, kind="stable").tolist()
    assert _stable_order(np.zeros(0, np.uint32)).tolist() == []


def test_postings_bytes_mapped_from_a_file_or_read_from_memory(tmp_path: Path) -> None:
    from whoosh.filedb.structfile import StructFile

    path = tmp_path / "postings"
    for data in (b"records", b""):  # (an empty file cannot be mapped: read instead)
        path.write_bytes(data)
        with path.open("rb") as fh:
            assert codec._mapped(StructFile(fh))[:] == data
        assert codec._mapped(StructFile(io.BytesIO(data)))[:] == data
