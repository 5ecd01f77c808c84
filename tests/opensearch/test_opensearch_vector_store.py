"""The OpenSearch vector store, on a real node with the k-NN plugin: the shared conformance
suite (as FAISS), then what only it has: the portable filters inside the k-NN query, checked
against brute force and ``Filters.accepts``; rebuilds behind the alias; the index definition."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from indexer.models import GeoPoint
from indexer.stores.opensearch_vector_store import OpenSearchVectorStore
from indexer.stores.protocols import (
    DocumentVectorStore,
    Filters,
    GeoFilter,
    IndexedDoc,
    VectorStore,
)
from tests.conformance.vector_store_suite import (
    MakeVectorStore,
    ReloadVectorStore,
    VectorStoreConformance,
)
from tests.opensearch.conftest import MakeOpenSearchVectorStore

pytestmark = pytest.mark.opensearch

FloatArray = npt.NDArray[np.float32]
LYON = GeoPoint(lat=45.7640, lon=4.8357)


def _reopen(store: VectorStore, _directory: Path) -> VectorStore:
    """The store "saved and loaded": a new client on the same alias (the data lives in the
    cluster, nothing is written to the folder)."""
    assert isinstance(store, OpenSearchVectorStore)
    store.save()
    return OpenSearchVectorStore(store.settings, store.alias, store.dimension)


class TestOpenSearchVectorStore(VectorStoreConformance):
    """The shared conformance suite, each store on its own alias."""

    @pytest.fixture
    def make_store(self, make_opensearch_vector_store: MakeOpenSearchVectorStore
                   ) -> MakeVectorStore:
        return lambda dimension: make_opensearch_vector_store(dimension)

    @pytest.fixture
    def reload(self) -> ReloadVectorStore:
        return _reopen


# --- filters inside the k-NN query ------------------------------------------------------------


def _unit(count: int, dimension: int, seed: int) -> FloatArray:
    matrix = np.random.default_rng(seed).standard_normal((count, dimension)).astype(np.float32)
    unit: FloatArray = matrix / np.linalg.norm(matrix, axis=1, keepdims=True)
    return unit


def _corpus(count: int, seed: int) -> list[IndexedDoc]:
    """Documents scattered up to ~80 km around Lyon, some without place or date."""
    rng = np.random.default_rng(seed)
    docs = []
    start = datetime(2024, 1, 1, tzinfo=UTC)
    for i in range(count):
        place = None if i % 11 == 0 else GeoPoint(lat=float(LYON.lat + rng.uniform(-0.7, 0.7)),
                                                  lon=float(LYON.lon + rng.uniform(-0.9, 0.9)))
        docs.append(IndexedDoc(
            id=f"doc-{i:04d}", title="", text="",
            contract_types=(("CDI",), ("CDD",), ("CDI", "MIS"), ())[i % 4],
            rome_codes=(f"D11{i % 7:02d}",),
            location=place,
            created_at=(None if i % 13 == 0
                        else start + timedelta(hours=int(rng.integers(0, 2000))))))
    return docs


FILTERS = [
    Filters(geo=GeoFilter(LYON, 30.0)),
    Filters(contract_types=frozenset({"MIS"})),
    Filters(rome_codes=frozenset({"D1103", "D1105"})),
    Filters(created_after=datetime(2024, 2, 1, tzinfo=UTC),
            created_before=datetime(2024, 2, 20, tzinfo=UTC)),
    Filters(geo=GeoFilter(LYON, 15.0), contract_types=frozenset({"CDI"}),
            rome_codes=frozenset({"D1100", "D1101", "D1102"})),
]


@pytest.mark.parametrize("filters", FILTERS, ids=["radius", "contract", "rome", "dates", "all"])
def test_filtered_search_is_exact_against_brute_force(
        make_opensearch_vector_store: MakeOpenSearchVectorStore, filters: Filters) -> None:
    docs = _corpus(600, seed=5)
    matrix = _unit(len(docs), 16, seed=6)
    store = make_opensearch_vector_store(16)
    assert isinstance(store, DocumentVectorStore)
    store.upsert_documents(docs, matrix)
    queries = _unit(3, 16, seed=7)
    passing = [i for i, doc in enumerate(docs) if filters.accepts(doc)]
    assert 0 < len(passing) < len(docs)
    for query, hits in zip(queries, store.search_filtered(queries, 10, filters), strict=True):
        scores = matrix[passing] @ query
        order = sorted(range(len(passing)), key=lambda j: (-float(scores[j]), j))[:10]
        assert [hit.id for hit in hits] == [docs[passing[j]].id for j in order]
        assert [hit.score for hit in hits] == pytest.approx(
            [float(scores[j]) for j in order], abs=1e-5)


def test_a_restrictive_filter_still_fills_the_top_k(
        make_opensearch_vector_store: MakeOpenSearchVectorStore) -> None:
    """Five documents of 800 pass, and they are far from the query: filtering after a k-NN
    search of depth 100 would find none of them; inside the query, all five come back."""
    docs = _corpus(800, seed=8)
    rare = {3, 200, 401, 602, 799}
    docs = [IndexedDoc(id=d.id, title="", text="", rome_codes=("Z9999",) if i in rare
                       else d.rome_codes) for i, d in enumerate(docs)]
    query = _unit(1, 16, seed=9)
    matrix = _unit(len(docs), 16, seed=10)
    matrix[list(rare)] = -query  # the farthest possible
    store = make_opensearch_vector_store(16, candidates=100)
    store.upsert_documents(docs, matrix)
    [hits] = store.search_filtered(query, 5, Filters(rome_codes=frozenset({"Z9999"})))
    assert sorted(hit.id for hit in hits) == sorted(docs[i].id for i in rare)
    assert all(hit.score == pytest.approx(-1.0, abs=1e-5) for hit in hits)


def test_vectors_upserted_without_fields_never_pass_a_filter(
        make_opensearch_vector_store: MakeOpenSearchVectorStore) -> None:
    store = make_opensearch_vector_store(3)
    store.upsert(["bare"], np.asarray([[1.0, 0.0, 0.0]], dtype=np.float32))
    store.upsert_documents([IndexedDoc(id="placed", title="", text="", location=LYON)],
                           np.asarray([[0.0, 1.0, 0.0]], dtype=np.float32))
    query = np.asarray([[1.0, 0.0, 0.0]], dtype=np.float32)
    assert [h.id for h in store.search_filtered(query, 5, Filters())[0]] == ["bare", "placed"]
    near = Filters(geo=GeoFilter(LYON, 1.0))
    assert [h.id for h in store.search_filtered(query, 5, near)[0]] == ["placed"]


def test_a_long_allow_list_is_searched_in_chunks(
        make_opensearch_vector_store: MakeOpenSearchVectorStore,
        monkeypatch: pytest.MonkeyPatch) -> None:
    import indexer.stores.opensearch_vector_store as module

    monkeypatch.setattr(module, "MAX_TERMS", 7)
    matrix = _unit(60, 8, seed=11)
    ids = [f"v{i:02d}" for i in range(60)]
    store = make_opensearch_vector_store(8)
    store.upsert(ids, matrix)
    allowed = ids[::2]
    query = _unit(1, 8, seed=12)
    scores = matrix[::2] @ query[0]
    expected = [allowed[j] for j in np.argsort(-scores)[:5]]
    assert [h.id for h in store.search(query, 5, allowed)[0]] == expected


def test_zero_vectors_are_refused_by_id(
        make_opensearch_vector_store: MakeOpenSearchVectorStore) -> None:
    store = make_opensearch_vector_store(2)
    with pytest.raises(ValueError, match="'b' is zero"):
        store.upsert(["a", "b"], np.asarray([[1.0, 0.0], [0.0, 0.0]], dtype=np.float32))
    assert store.count() == 0


# --- the index, rebuilds ------------------------------------------------------------------------


def test_the_index_is_a_lucene_hnsw_cosine_field_without_the_vector_in_source(
        make_opensearch_vector_store: MakeOpenSearchVectorStore) -> None:
    store = make_opensearch_vector_store(4)
    store.upsert(["a"], np.asarray([[0.5, 0.5, 0.5, 0.5]], dtype=np.float32))
    [physical] = store.physical_indexes()
    mapping = store.client.indices.get_mapping(index=physical)[physical]["mappings"]
    vector = mapping["properties"]["vector"]
    assert vector["type"] == "knn_vector" and vector["dimension"] == 4
    assert vector["method"]["engine"] == "lucene"
    assert vector["method"]["space_type"] == "cosinesimil"
    assert mapping["_source"]["excludes"] == ["vector"]
    assert store.client.get(index=store.alias, id="a")["_source"] == {"id": "a"}
    assert store.mapping_is_current()
    assert not OpenSearchVectorStore(store.settings, store.alias, 5).mapping_is_current()


def test_a_rebuild_streams_into_a_new_index_and_switches_on_save(
        make_opensearch_vector_store: MakeOpenSearchVectorStore) -> None:
    store = make_opensearch_vector_store(3)
    store.upsert(["old"], np.asarray([[1.0, 0.0, 0.0]], dtype=np.float32))
    [old] = store.physical_indexes()
    new = store.begin_rebuild()
    store.upsert(["new"], np.asarray([[1.0, 0.0, 0.0]], dtype=np.float32))
    query = np.asarray([[1.0, 0.0, 0.0]], dtype=np.float32)
    assert [h.id for h in store.search(query, 5)[0]] == ["old"]  # still the live index
    store.save()
    assert store.physical_indexes() == [new]
    assert not store.client.indices.exists(index=old)
    assert [h.id for h in store.search(query, 5)[0]] == ["new"]


def test_an_abandoned_rebuild_leaves_the_alias_and_deletes_its_index(
        make_opensearch_vector_store: MakeOpenSearchVectorStore) -> None:
    store = make_opensearch_vector_store(3)
    store.upsert(["old"], np.asarray([[1.0, 0.0, 0.0]], dtype=np.float32))
    [old] = store.physical_indexes()
    new = store.begin_rebuild()
    store.upsert(["new"], np.asarray([[0.0, 1.0, 0.0]], dtype=np.float32))
    store.close()
    reader = OpenSearchVectorStore(store.settings, store.alias, 3)
    assert reader.physical_indexes() == [old]
    assert not reader.client.indices.exists(index=new)
    assert reader.count() == 1
