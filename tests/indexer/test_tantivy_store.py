"""The tantivy keyword store: the shared conformance suite, on-disk persistence, ids read
back by key, and ``add_new``'s curve order and radius cells."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest
import tantivy

from indexer.geo_cells import curve_key
from indexer.models import GeoPoint
from indexer.stores.id_keys import IdsByKey, id_key
from indexer.stores.protocols import Filters, GeoFilter, IndexedDoc, KeywordQuery
from indexer.stores.tantivy_store import TantivyKeywordStore, build_schema, title_pairs
from skills_taxonomy.plural import strip_plurals
from tests.conformance.keyword_store_suite import (
    AppendableKeywordStoreConformance,
    MakeKeywordStore,
)


class TestTantivyKeywordStore(AppendableKeywordStoreConformance):
    """Runs the conformance suite on in-memory tantivy indexes."""

    @pytest.fixture
    def make_store(self) -> MakeKeywordStore:
        return lambda: TantivyKeywordStore(None)


class TestTantivyOnDisk(AppendableKeywordStoreConformance):
    """Runs the conformance suite on on-disk tantivy indexes."""

    @pytest.fixture
    def make_store(self, tmp_path: Path) -> MakeKeywordStore:
        counter = iter(range(1_000))
        return lambda: TantivyKeywordStore(tmp_path / f"index-{next(counter)}")


class TestTantivyReadByKey(AppendableKeywordStoreConformance):
    """Runs the conformance suite on stores whose reads were prepared while they were empty,
    so that every hit's id is read back by key from what the writes added and removed."""

    @pytest.fixture
    def make_store(self) -> MakeKeywordStore:
        def make() -> TantivyKeywordStore:
            store = TantivyKeywordStore(None)
            store.prepare_reads()
            return store
        return make


class _CountingIds(IdsByKey):
    """An id map that counts the keys it answered."""

    def __init__(self) -> None:
        super().__init__()
        self.answered = 0

    def ids_of(self, keys: Sequence[int | None]) -> list[str | None]:
        found = super().ids_of(keys)
        self.answered += sum(doc_id is not None for doc_id in found)
        return found


_JOBS = [IndexedDoc(id=f"o{n}", title=title, text=f"{title} : {text}.")
         for n, (title, text) in enumerate([
             ("Boulanger", "pain au levain et viennoiseries"),
             ("Boulangère", "pain, tourte et brioche"),
             ("Pâtissier", "viennoiseries, pain et entremets"),
             ("Cariste", "chariot élévateur et quai de chargement"),
             ("Soudeur", "soudure à l'arc, pain de soudure")])]
_QUERIES = ["pain", "viennoiseries boulanger", "chariot", "soudure pain", "inconnu"]


def test_prepared_reads_return_what_the_document_store_returns(tmp_path: Path) -> None:
    store = TantivyKeywordStore(tmp_path)
    store.upsert(_JOBS)
    store.close()
    reopened = TantivyKeywordStore(tmp_path)
    before = [reopened.search(KeywordQuery(text), Filters(), 10) for text in _QUERIES]
    assert any(before) and not reopened._ids.loaded
    reopened._ids = counting = _CountingIds()
    reopened.prepare_reads()
    assert len(counting) == len(_JOBS)
    after = [reopened.search(KeywordQuery(text), Filters(), 10) for text in _QUERIES]
    assert after == before
    assert counting.answered == sum(len(hits) for hits in after) > 0  # all read by key


def test_writes_after_prepared_reads_are_read_back_by_key(tmp_path: Path) -> None:
    store = TantivyKeywordStore(tmp_path)
    store.upsert(_JOBS[:2])
    store.prepare_reads()
    store.upsert([IndexedDoc(id="o0", title="Cariste", text="Chariot.")])  # replaced
    store.add_new(_JOBS[3:])
    store.delete(["o1"])
    assert [hit.id for hit in store.search(KeywordQuery("pain"), Filters(), 10)] == ["o4"]
    assert {hit.id for hit in store.search(KeywordQuery("chariot"), Filters(), 10)} == {
        "o0", "o3"}
    assert store._ids.ids_of([id_key("o1"), id_key("o4")]) == [None, "o4"]


def test_an_erased_id_leaves_the_key_map(tmp_path: Path) -> None:
    store = TantivyKeywordStore(tmp_path)
    store.upsert(_JOBS)
    store.prepare_reads()
    store.purge(["o2"])
    assert store._ids.ids_of([id_key("o2")]) == [None]
    assert "o2" not in [hit.id for hit in store.search(KeywordQuery("pain"), Filters(), 10)]


def test_a_store_built_without_prepared_reads_keeps_no_map_of_its_ids() -> None:
    store = TantivyKeywordStore(None)
    store.add_new(_JOBS[:3])
    store.upsert(_JOBS[3:])
    store.delete(["o0"])
    assert len(store._ids) == 0 and not store._ids.loaded
    assert {hit.id for hit in store.search(KeywordQuery("pain"), Filters(), 10)} == {
        "o1", "o2", "o4"}


def test_prepared_reads_of_an_empty_store() -> None:
    store = TantivyKeywordStore(None)
    store.prepare_reads()
    assert store._ids.loaded and len(store._ids) == 0
    assert store.search(KeywordQuery("pain"), Filters(), 5) == []


def test_saved_index_reopens(tmp_path: Path) -> None:
    store = TantivyKeywordStore(tmp_path)
    store.upsert([IndexedDoc(id="a", title="Boulanger", text="Pain au levain.")])
    store.save()
    store.close()
    reopened = TantivyKeywordStore(tmp_path)
    assert reopened.count() == 1
    hits = reopened.search(KeywordQuery("boulangers"), Filters(), 5)
    assert [hit.id for hit in hits] == ["a"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("Boulangers", "Boulanger"), ("travaux", "traval"), ("bureaux", "bureau"),
     ("bus", "bus"), ("adresse", "adresse"), ("les", "les"), ("l'hôpitaux", "l'hôpital")],
)
def test_strip_plurals(text: str, expected: str) -> None:
    assert strip_plurals(text) == expected


def test_title_pairs_are_adjacent_analysed_terms() -> None:
    assert title_pairs(["agent", "entretien", "batiment"]) == [
        "agent entretien", "entretien batiment"]
    assert title_pairs(["soudeur"]) == []


@pytest.mark.parametrize("field", ["title", "text", "concept_text"])
def test_analysed_fields_index_no_positions(field: str) -> None:
    """Every query the store makes is a term query, so no positions are written (they were
    as large as the postings): a phrase query on an analysed field is refused."""
    store = TantivyKeywordStore(None)
    store.upsert([IndexedDoc(id="a", title="Aide soignant", text="Aide soignant de nuit.",
                             concept_text="aide soignant")])
    store.save()
    phrase = tantivy.Query.phrase_query(build_schema(), field, ["aid", "soignant"])
    with pytest.raises(ValueError, match="positions"):
        store._index.searcher().search(phrase, 5)
    assert [hit.id for hit in store.search(KeywordQuery("aide soignant"), Filters(), 5)] == ["a"]


# Five places, listed here in the order of their curve keys (asserted below): south-west first.
_PLACES = {"reunion": GeoPoint(lat=-21.1, lon=55.5), "bordeaux": GeoPoint(lat=44.84, lon=-0.58),
           "marseille": GeoPoint(lat=43.30, lon=5.37), "lyon": GeoPoint(lat=45.76, lon=4.84),
           "lille": GeoPoint(lat=50.63, lon=3.06)}


def _stored_order(store: TantivyKeywordStore) -> list[str]:
    """The stored documents' ids in doc-address order (segment, then doc id)."""
    store.save()
    searcher = store._index.searcher()
    hits = searcher.search(tantivy.Query.all_query(), limit=100).hits
    addresses = sorted((address for _, address in hits),
                       key=lambda address: (address.segment_ord, address.doc))
    return [str(searcher.doc(address).get_first("id")) for address in addresses]


def _placed(names: list[str]) -> list[IndexedDoc]:
    return [IndexedDoc(id=name, title="Cariste", text="Chariot.", location=_PLACES.get(name))
            for name in names]


def test_add_new_writes_documents_in_curve_order() -> None:
    keys = [curve_key(place) for place in _PLACES.values()]
    assert keys == sorted(keys)
    store = TantivyKeywordStore(None)
    store.add_new(_placed(["lille", "nowhere", "reunion", "lyon", "bordeaux", "marseille"]))
    assert _stored_order(store) == [*_PLACES, "nowhere"]


def test_add_new_sorts_each_block_of_sort_block_documents() -> None:
    store = TantivyKeywordStore(None, sort_block=3)
    store.add_new(_placed(["lille", "lyon", "reunion"]))
    store.add_new(_placed(["marseille", "bordeaux"]))
    assert _stored_order(store) == ["reunion", "lyon", "lille", "bordeaux", "marseille"]


def test_held_documents_are_written_before_any_other_write(tmp_path: Path) -> None:
    store = TantivyKeywordStore(tmp_path)
    store.add_new(_placed(["lille", "lyon"]))
    store.upsert([IndexedDoc(id="lyon", title="Boulanger", text="Pain.")])  # replaces it
    store.add_new(_placed(["marseille"]))
    store.delete(["marseille"])  # deletes what add_new holds
    store.close()
    reopened = TantivyKeywordStore(tmp_path)
    assert reopened.count() == 2
    assert [hit.id for hit in reopened.search(KeywordQuery("boulanger"), Filters(), 5)] == [
        "lyon"]
    assert [hit.id for hit in reopened.search(KeywordQuery("cariste"), Filters(), 5)] == [
        "lille"]


@pytest.mark.parametrize(("center", "radius_km", "clause"), [
    (GeoPoint(lat=45.76, lon=4.84), 30.0, "TermSetQuery"),  # 0.1° cells
    (GeoPoint(lat=45.76, lon=4.84), 300.0, "TermSetQuery"),  # 1.6° cells
    (GeoPoint(lat=89.9, lon=4.0), 30.0, "RangeQuery"),  # a pole inside: the box
    (GeoPoint(lat=-17.0, lon=179.95), 30.0, "RangeQuery"),  # the antimeridian: the box
])
def test_a_radius_is_filtered_by_its_cells_where_they_cover_it(
        center: GeoPoint, radius_km: float, clause: str) -> None:
    clauses = TantivyKeywordStore(None)._geo_clauses(GeoFilter(center, radius_km))
    assert [repr(query).split(" ")[0] for query in clauses][:1] == [f"Query({clause}"]


def test_segments_counts_one_per_commit_until_merged(tmp_path: Path) -> None:
    store = TantivyKeywordStore(tmp_path)
    assert store.segments() == 0
    store.upsert([IndexedDoc(id="a", title="Cariste", text="Chariot.")])
    assert store.segments() == 1  # a read commits the pending write
    store.upsert([IndexedDoc(id="b", title="Soudeur", text="Soudure.")])
    assert store.segments() == 2  # tantivy merges 8 segments of a size at once, not 2


def test_sort_block_must_be_positive() -> None:
    with pytest.raises(ValueError, match="sort_block"):
        TantivyKeywordStore(None, sort_block=0)
