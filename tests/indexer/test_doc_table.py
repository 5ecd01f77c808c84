"""DocTable.columns: what the matcher bounds candidates with, read from the table alone."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from indexer import doc_table
from indexer.doc_table import TABLE_FILE, DocTable, Entries
from indexer.models import GeoPoint
from indexer.stores.protocols import Filters, GeoFilter, IndexedDoc


def _doc(doc_id: str, romes: tuple[str, ...] = (), weights: tuple[float, ...] = (),
         contracts: tuple[str, ...] = (), place: GeoPoint | None = None) -> IndexedDoc:
    return IndexedDoc(id=doc_id, title=doc_id, text="", rome_codes=romes,
                      occupation_weights=weights, contract_types=contracts, location=place,
                      created_at=datetime(2025, 3, 1, tzinfo=UTC))


DOCS = [
    _doc("a", ("J1501", "J1502"), (1.0, 0.25), ("CDI",), GeoPoint(lat=44.7, lon=4.6)),
    _doc("b"),
    _doc("c", ("H2913",), (), ("CDD", "MIS")),
    _doc("d", ("K2111", "J1501", "M1607"), (0.5, 0.75, 0.125)),
]


def test_columns_give_each_known_id_its_own_codes_weights_and_place() -> None:
    table = DocTable(DOCS)
    columns = table.columns(["d", "zz", "b", "a", "c"])
    assert columns.found.tolist() == [0, 2, 3, 4]  # "zz" is unknown
    assert columns.romes.grouped(4) == [
        [("K2111", 0.5), ("J1501", 0.75), ("M1607", 0.125)], [],
        [("J1501", 1.0), ("J1502", 0.25)], [("H2913", 1.0)]]
    assert _values(columns.contracts, 4) == [(), (), ("CDI",), ("CDD", "MIS")]
    assert columns.lat[2] == 44.7 and columns.lon[2] == 4.6
    assert math.isnan(columns.lat[0]) and math.isnan(columns.lon[1])


def test_columns_follow_a_replaced_document_and_forget_a_deleted_one() -> None:
    table = DocTable(DOCS)
    table.upsert([_doc("a", ("F1703",), (0.5,), ("SAI",))])
    table.delete(["c"])
    columns = table.columns(["a", "c", "d"])
    assert columns.found.tolist() == [0, 2]
    assert columns.romes.grouped(2) == [[("F1703", 0.5)],
                                        [("K2111", 0.5), ("J1501", 0.75), ("M1607", 0.125)]]
    assert _values(columns.contracts, 2) == [("SAI",), ()]


def test_columns_of_many_rows_keep_every_row_apart() -> None:
    docs = [_doc(f"o{n}", tuple(f"R{n}-{k}" for k in range(n % 4)),
                 tuple((k + 1) / 8 for k in range(n % 4))) for n in range(500)]
    table = DocTable(docs)
    asked = [f"o{n}" for n in range(499, -1, -7)]
    columns = table.columns(asked)
    for position, doc_id in enumerate(asked):
        n = int(doc_id[1:])
        assert columns.romes.grouped(len(asked))[position] == [
            (f"R{n}-{k}", (k + 1) / 8) for k in range(n % 4)]


def _values(entries: Entries, size: int) -> list[tuple[str, ...]]:
    return [tuple(value for value, _ in row) for row in entries.grouped(size)]


def _asking(doc_id: str, asked: tuple[str, ...], importance: tuple[float, ...]) -> IndexedDoc:
    return IndexedDoc(id=doc_id, title=doc_id, text="", skill_keys=asked,
                      skill_key_weights=importance)


def _asked_of(table: DocTable, ids: list[str]) -> list[list[tuple[str, float]]]:
    columns = table.columns(ids)
    assert columns.skills is not None
    return [list(row) for row in columns.skills.grouped(len(columns.found))]


def test_skill_keys_are_kept_per_row_duplicates_included(tmp_path: Path) -> None:
    table = DocTable([_asking("a", ("x", "y", "x"), (1.0, 0.5, 0.25)), _asking("b", (), ()),
                      _asking("c", ("y",), (0.75,))])
    expected = [[("y", 0.75)], [("x", 1.0), ("y", 0.5), ("x", 0.25)], []]
    assert _asked_of(table, ["c", "a", "b"]) == expected
    table.save(tmp_path)
    loaded = DocTable.load(tmp_path)
    assert loaded is not None and _asked_of(loaded, ["c", "a", "b"]) == expected
    loaded.upsert([_asking("a", ("z",), (0.5,))])
    loaded.delete(["c"])
    loaded.compact()
    assert _asked_of(loaded, ["a", "b", "c"]) == [[("z", 0.5)], []]


def test_a_table_saved_before_it_kept_skill_keys_says_it_does_not_know(
        tmp_path: Path) -> None:
    DocTable([_asking("a", ("x",), (1.0,))]).save(tmp_path)
    path = tmp_path / TABLE_FILE
    with np.load(path) as data:
        older = {name: data[name] for name in data.files if not name.startswith("skillkey_")}
    np.savez(path, **older)
    loaded = DocTable.load(tmp_path)
    assert loaded is not None and loaded.columns(["a"]).skills is None
    assert loaded.columns(["a"]).found.tolist() == [0]


def test_multi_valued_rows_take_four_bytes_and_older_eight_byte_tables_still_load(
        tmp_path: Path) -> None:
    table = DocTable([_asking("a", ("x", "y"), (1.0, 0.5)), *DOCS[1:],
                      _asking("e", ("y",), (0.75,))])
    table.save(tmp_path)
    path = tmp_path / TABLE_FILE
    with np.load(path) as data:
        saved = {name: data[name] for name in data.files}
    row_arrays = [name for name in saved if name.endswith("_rows")]
    assert row_arrays and all(saved[name].dtype == np.int32 for name in row_arrays)
    np.savez(path, **{name: array.astype(np.int64) if name in row_arrays else array
                      for name, array in saved.items()})  # as tables were saved before
    loaded = DocTable.load(tmp_path)
    assert loaded is not None
    ids = ["a", "b", "c", "d", "e"]
    assert _asked_of(loaded, ids) == _asked_of(table, ids)
    assert loaded.concept_scores({"J1501": 1.0}, {"x": 1.0}, 0.5)[0].tolist() == \
        table.concept_scores({"J1501": 1.0}, {"x": 1.0}, 0.5)[0].tolist()
    loaded.save(tmp_path)
    with np.load(path) as data:
        assert all(data[name].dtype == np.int32 for name in row_arrays)


def _passing(table: DocTable, filters: Filters) -> set[str]:
    mask = table.allowed_mask(filters)
    assert mask is not None
    return {table.id_of(row) for row in np.flatnonzero(mask).tolist()}


def test_the_kept_filter_mask_follows_every_write() -> None:
    table = DocTable(DOCS)
    cdi = Filters(contract_types=frozenset({"CDI"}))
    assert _passing(table, cdi) == {"a"}
    first = table.allowed_mask(cdi)
    assert first is not None and table.allowed_mask(cdi) is first  # kept
    assert not first.flags.writeable  # nobody can change what the next request reads
    assert _passing(table, Filters(contract_types=frozenset({"CDD"}))) == {"c"}
    table.upsert([_doc("e", contracts=("CDI",))])
    assert _passing(table, cdi) == {"a", "e"}
    table.delete(["a"])
    assert _passing(table, cdi) == {"e"}
    table.upsert([_doc("e", contracts=("CDD",))])
    assert _passing(table, cdi) == set()
    table.compact()
    assert _passing(table, Filters(contract_types=frozenset({"CDD"}))) == {"c", "e"}


def _reference_concept_score(doc: IndexedDoc, occupations: dict[str, float],
                             skills: dict[str, float], share: float) -> float:
    """The concept score of one document, written out from its definition."""
    confidence = {code: doc.occupation_weights[i] if i < len(doc.occupation_weights) else 1.0
                  for i, code in reversed(list(enumerate(doc.rome_codes)))}
    occupation = max([weight * confidence[code] for code, weight in occupations.items()
                      if code in confidence], default=0.0)
    held = sum(weight for code, weight in skills.items() if code in doc.skill_codes)
    return share * occupation + (1 - share) * held / sum(skills.values())


def test_concept_scores_follow_their_definition_over_live_and_allowed_rows() -> None:
    rng = np.random.default_rng(5)
    romes, skills = ["A1", "A2", "A3", "A4"], [f"s{i}" for i in range(8)]

    def pick(values: list[str]) -> tuple[str, ...]:
        return tuple(rng.choice(values, size=int(rng.integers(0, 4))).tolist())  # repeats too

    docs = [IndexedDoc(id=f"d{i}", title="t", text="", rome_codes=(codes := pick(romes)),
                       occupation_weights=tuple(rng.random(len(codes)).round(2).tolist()),
                       skill_codes=pick(skills), contract_types=("CDI",) if i % 2 else ("CDD",))
            for i in range(60)]
    table = DocTable(docs)
    table.delete(["d3", "d7"])
    table.upsert([replace(docs[10], id="d11")])  # d11 now holds d10's codes
    live = {doc.id: doc for doc in docs if doc.id not in {"d3", "d7"}} | {
        "d11": replace(docs[10], id="d11")}
    occupations, wanted = {"A1": 1.0, "A3": 0.5}, {"s1": 2.0, "s4": 1.0, "s9": 1.0}
    for filters in (Filters(), Filters(contract_types=frozenset({"CDI"}))):
        rows, scores = table.concept_scores(occupations, wanted, 0.6,
                                            table.allowed_mask(filters))
        found = {table.id_of(row): score for row, score in zip(rows.tolist(), scores.tolist(),
                                                                 strict=True)}
        expected = {doc_id: score for doc_id, doc in live.items()
                    if not filters.contract_types or "CDI" in doc.contract_types
                    if (score := _reference_concept_score(doc, occupations, wanted, 0.6)) > 0}
        assert found.keys() == expected.keys() and len(found) > 10
        # the table keeps weights in float32
        assert all(math.isclose(found[key], expected[key], rel_tol=1e-6) for key in expected)
    assert list(rows) == sorted(rows)


def test_concept_scores_of_codes_no_live_row_holds_are_empty() -> None:
    table = DocTable([_doc("a", ("A1",), (1.0,)), _doc("b", ("A2",), (0.5,))])
    table.delete(["a"])
    for occupations, skills in (({"Z9": 1.0}, {"s0": 1.0}), ({"A1": 1.0}, {})):
        rows, scores = table.concept_scores(occupations, skills, 0.6)
        assert len(rows) == len(scores) == 0
    rows, scores = table.concept_scores({"A1": 1.0, "A2": 1.0}, {}, 0.6)
    assert [table.id_of(row) for row in rows.tolist()] == ["b"]
    assert scores.tolist() == pytest.approx([0.6 * 0.5])


def test_radius_filters_pass_what_filters_accept_through_every_write(tmp_path: Path) -> None:
    rng = np.random.default_rng(11)

    def located(number: int) -> IndexedDoc:
        place = None if number % 9 == 0 else GeoPoint(lat=float(rng.uniform(43.0, 49.0)),
                                                      lon=float(rng.uniform(-1.0, 7.0)))
        return _doc(f"p{number}", contracts=("CDI",) if number % 3 else ("CDD",), place=place)

    edges = [_doc(name, contracts=("CDI",), place=GeoPoint(lat=lat, lon=lon)) for name, lat, lon
             in (("east", 0.0, 179.95), ("west", 0.0, -179.95), ("pole", 89.95, 0.0),
                 ("pole-far-side", 89.95, 180.0), ("north", 70.0, 20.0))]
    docs = {doc.id: doc for doc in [*map(located, range(400)), *edges]}
    table = DocTable(docs.values())
    centres = [GeoPoint(lat=float(rng.uniform(43.0, 49.0)), lon=float(rng.uniform(-1.0, 7.0)))
               for _ in range(12)]
    centres += [GeoPoint(lat=0.0, lon=-179.99), GeoPoint(lat=89.99, lon=90.0),
                GeoPoint(lat=70.0, lon=22.5)]  # across ±180°, a pole, far north (wide lons)

    def check(current: DocTable) -> None:
        for number, centre in enumerate(centres):
            filters = Filters(geo=GeoFilter(centre, float(rng.choice([5.0, 30.0, 120.0]))),
                              contract_types=frozenset({"CDI"}) if number % 2 else frozenset())
            expected = {doc.id for doc in docs.values() if filters.accepts(doc)}
            assert current.allowed_ids(filters) == expected
        assert sum(len(current.allowed_ids(Filters(geo=GeoFilter(c, 120.0))) or ())
                   for c in centres) > 50  # the circles hold documents
        for centre, near in ((centres[-3], {"east", "west"}),
                             (centres[-2], {"pole", "pole-far-side"}), (centres[-1], {"north"})):
            assert current.allowed_ids(Filters(geo=GeoFilter(centre, 100.0))) == near

    check(table)
    moved = [located(n) for n in range(400, 460)] + [located(5), located(7)]  # new and moved
    table.upsert(moved)
    docs.update({doc.id: doc for doc in moved})
    table.delete(["p10", "p11"])
    del docs["p10"], docs["p11"]
    check(table)
    table.compact()
    check(table)
    table.save(tmp_path)
    loaded = DocTable.load(tmp_path)
    assert loaded is not None
    check(loaded)


def test_prepared_reads_are_built_ahead_and_follow_later_writes() -> None:
    table = DocTable(DOCS)
    table.prepare_reads()
    assert table._romes._postings is not None and table._latitude_order is not None
    prepared = table._romes._postings
    assert _passing(table, Filters(rome_codes=frozenset({"J1501"}))) == {"a", "d"}
    assert table._romes._postings is prepared  # the search used what was built ahead
    table.upsert([_doc("e", ("J1501",), place=GeoPoint(lat=44.71, lon=4.61))])
    assert _passing(table, Filters(rome_codes=frozenset({"J1501"}))) == {"a", "d", "e"}
    near = Filters(geo=GeoFilter(GeoPoint(lat=44.7, lon=4.6), 5.0))
    assert _passing(table, near) == {"a", "e"}


def test_packing_pending_rows_and_entries_changes_nothing_stored(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(8)

    def doc(number: int) -> IndexedDoc:
        return _doc(f"d{number}", tuple(rng.choice(["A1", "B2", "C3"], size=2).tolist()),
                    (0.5, 1.0), (("CDI",), ("CDD",))[number % 2],
                    GeoPoint(lat=float(rng.uniform(43, 49)), lon=float(rng.uniform(-1, 7))))

    batches = [[doc(n) for n in range(start, start + 7)] for start in range(0, 35, 7)]
    saved = {}
    for pack_every in (3, doc_table.PACK_EVERY):
        monkeypatch.setattr(doc_table, "PACK_EVERY", pack_every)
        table = DocTable()
        for number, batch in enumerate(batches):
            table.upsert(batch, labels=list(range(number * 7, number * 7 + 7)))
            table.delete([f"d{number}"])
        table.save(tmp_path / str(pack_every))
        with np.load(tmp_path / str(pack_every) / TABLE_FILE) as data:
            saved[pack_every] = {name: data[name] for name in data.files}
    small, default = saved.values()
    assert small.keys() == default.keys() and len(small["ids"]) == 35
    for name in small:
        assert np.array_equal(small[name], default[name], equal_nan=small[name].dtype.kind == "f")


def test_the_part_index_names_the_values_holding_each_part_and_follows_new_values() -> None:
    table = DocTable([_asking("a", ("k:1|l:x", "l:y"), (1.0, 1.0)),
                      _asking("b", ("k:2|l:x",), (1.0,))])
    entries = table.columns(["a"]).skills
    assert entries is not None
    index = entries.parts("|")
    codes = {value: code for code, value in enumerate(entries.vocabulary)}
    assert sorted(index["l:x"]) == sorted([codes["k:1|l:x"], codes["k:2|l:x"]])
    assert list(index["l:y"]) == [codes["l:y"]] and "k:3" not in index
    table.upsert([_asking("c", ("k:3|l:y",), (1.0,))])
    later = table.columns(["c"]).skills
    assert later is not None
    grown = later.parts("|")
    assert len(grown["l:y"]) == 2 and len(grown["k:3"]) == 1


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_entries_of_any_rows_are_those_each_row_was_given(seed: int) -> None:
    rng = np.random.default_rng(seed)
    column = doc_table._Multi(distinct=False)
    given: dict[int, list[tuple[str, float]]] = {}
    for row in rng.permutation(60).tolist():  # rows added out of order, some left empty
        values = [f"v{int(v)}" for v in rng.integers(0, 9, size=int(rng.integers(0, 4)))]
        weights = [float(w) for w in rng.integers(1, 8, size=len(values)) / 8]
        column.add(row, values, weights)
        given[row] = list(zip(values, weights, strict=True))
    asked = rng.integers(0, 80, size=40)  # repeats, and rows past the last one given
    entries = column.entries(asked)
    assert entries.grouped(len(asked)) == [given.get(row, []) for row in asked.tolist()]


def test_entries_of_an_empty_column_are_empty() -> None:
    entries = doc_table._Multi().entries(np.array([0, 3], dtype=np.int64))
    assert entries.grouped(2) == [[], []]
