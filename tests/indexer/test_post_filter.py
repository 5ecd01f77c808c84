"""A collection applies filters that keep most documents to a deeper unfiltered search, for
a keyword store that prunes only unfiltered queries (tantivy) and for the FAISS store: the
hits must be those of the store's own filtered search, and the filtered search must answer
when the filters are selective or the deeper top holds too few allowed documents."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from indexer.collection import POST_FILTER_MIN_SHARE, Collection
from indexer.documents import offer_document
from indexer.models import GeoPoint, Offer, Place
from indexer.stores.faiss_store import FaissVectorStore
from indexer.stores.protocols import (
    Filters,
    GeoFilter,
    Hit,
    KeywordQuery,
    PostFilteringKeywordStore,
)
from indexer.stores.tantivy_store import TantivyKeywordStore

WORDS = ("pain", "fournil", "soins", "patients", "cuisine", "salle", "chantier", "toiture",
         "bilan", "paie", "accueil", "client", "équipe", "nuit", "permis", "livraison")
TITLES = ("Boulanger", "Aide-soignant", "Cuisinier", "Couvreur", "Comptable", "Serveuse")
ROME = ("D1102", "J1501", "G1602", "F1610", "M1203", "G1803")
LYON = GeoPoint(lat=45.7640, lon=4.8357)
DIMENSION = 4
ZINC = np.array([1.0, 0.0, 0.0, 0.0])


class VectorLog(FaissVectorStore):
    """A real FAISS store that records the allow-list size of each search (None: none;
    ``search`` goes through ``search_labels``)."""

    def __init__(self, dimension: int) -> None:
        super().__init__(dimension)
        self.calls: list[int | None] = []

    def search_labels(self, vectors: npt.NDArray[np.float32], top_k: int,
                      labels: npt.NDArray[np.int64] | None = None, nprobe: int | None = None
                      ) -> list[list[Hit]]:
        self.calls.append(None if labels is None else len(labels))
        return super().search_labels(vectors, top_k, labels, nprobe)


class SearchLog(TantivyKeywordStore):
    """A real tantivy store that records the filters and depth of each search."""

    def __init__(self, directory: Path) -> None:
        super().__init__(directory)
        self.calls: list[tuple[Filters, int]] = []

    def search(self, query: KeywordQuery, filters: Filters, top_k: int) -> list[Hit]:
        self.calls.append((filters, top_k))
        return super().search(query, filters, top_k)


def _offers(count: int, seed: int) -> list[Offer]:
    rng = random.Random(seed)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    return [Offer(
        id=f"o{n}", title=rng.choice(TITLES),
        description=" ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 30))),
        contract_type=rng.choices(("CDI", "CDD", "MIS"), weights=(6, 3, 1))[0],
        rome_code=rng.choice(ROME), created_at=start + timedelta(days=rng.randint(0, 300)),
        place=Place(point=GeoPoint(lat=LYON.lat + rng.uniform(-1, 1),
                                   lon=LYON.lon + rng.uniform(-1, 1))))
        for n in range(count)]


@pytest.fixture
def offers(tmp_path: Path) -> Iterator[Collection[Offer]]:
    records = _offers(600, seed=3)
    # a word only CDD offers carry, and three CDI offers that carry it once in a long text
    records += [Offer(id=f"z{n}", title="Couvreur zingueur", description="zingueur zinc",
                      contract_type="CDD", rome_code="F1610") for n in range(90)]
    records += [Offer(id=f"y{n}", title="Couvreur", description="zingueur " + "toiture " * 40,
                      contract_type="CDI", rome_code="F1610") for n in range(3)]
    collection = Collection("offers", SearchLog(tmp_path / "keyword"), VectorLog(DIMENSION),
                            offer_document, folder=tmp_path / "offers", model=Offer)
    vectors = np.random.default_rng(1).standard_normal((len(records), DIMENSION))
    vectors[600:690] = ZINC  # the CDD-only offers share one direction
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    collection.upsert(records, vectors.astype(np.float32))
    collection.delete(["o5", "o17"])  # dead rows must not count
    yield collection
    collection.close()


def _pairs(hits: list[Hit]) -> list[tuple[str, float]]:
    return [(hit.id, round(hit.score, 5)) for hit in hits]


@pytest.mark.parametrize(("filters", "post_filtered"), [
    (Filters(contract_types=frozenset({"CDI"})), True),
    (Filters(contract_types=frozenset({"CDI", "CDD"})), True),
    (Filters(created_after=datetime(2024, 3, 1, tzinfo=UTC)), True),
    (Filters(contract_types=frozenset({"MIS"})), False),
    (Filters(rome_codes=frozenset({"J1501"})), False),
    (Filters(geo=GeoFilter(LYON, 25.0)), False),
])
def test_post_filtered_hits_are_the_filtered_query_hits(
        offers: Collection[Offer], filters: Filters, post_filtered: bool) -> None:
    store = offers.keyword
    assert isinstance(store, SearchLog) and isinstance(store, PostFilteringKeywordStore)
    for text in ("pain fournil cuisine", "soins patients nuit équipe", "client"):
        query = KeywordQuery(text, titles=("Aide-soignant",))
        store.calls.clear()
        found = offers.keyword_search(query, filters, 20)
        assert [f for f, _ in store.calls] == ([Filters()] if post_filtered else [filters])
        expected = store.search(query, filters, 20)
        assert len(expected) >= 10
        assert _pairs(found) == _pairs(expected)


def test_the_store_answers_when_the_deeper_top_holds_too_few_allowed(
        offers: Collection[Offer]) -> None:
    store = offers.keyword
    assert isinstance(store, SearchLog)
    cdi = Filters(contract_types=frozenset({"CDI"}))
    mask = offers._table.allowed_mask(cdi)
    assert mask is not None and offers._table.allowed_share(mask) >= POST_FILTER_MIN_SHARE
    found = offers.keyword_search(KeywordQuery("zingueur"), cdi, 10)
    assert [f for f, _ in store.calls] == [Filters(), cdi]  # tried, then the store's query
    assert sorted(hit.id for hit in found) == ["y0", "y1", "y2"]


def test_an_exhausted_unfiltered_search_is_the_whole_answer(
        offers: Collection[Offer]) -> None:
    store = offers.keyword
    assert isinstance(store, SearchLog)
    cdd = Filters(contract_types=frozenset({"CDD"}))  # keeps ≈ 40 %: post-filtered
    found = offers.keyword_search(KeywordQuery("zinc"), cdd, 200)
    assert [f for f, _ in store.calls] == [Filters()]  # fewer than asked: nothing deeper
    assert sorted(hit.id for hit in found) == sorted(f"z{n}" for n in range(90))


@pytest.mark.parametrize(("filters", "post_filtered"), [
    (Filters(contract_types=frozenset({"CDI"})), True),
    (Filters(created_after=datetime(2024, 3, 1, tzinfo=UTC)), True),
    (Filters(contract_types=frozenset({"MIS"})), False),
    (Filters(geo=GeoFilter(LYON, 25.0)), False),
])
def test_post_filtered_vector_hits_are_the_filtered_search_hits(
        offers: Collection[Offer], filters: Filters, post_filtered: bool) -> None:
    store = offers.vectors
    assert isinstance(store, VectorLog)
    allowed = offers._table.allowed_ids(filters)
    assert allowed is not None
    for seed in range(3):
        query = np.random.default_rng(seed).standard_normal(DIMENSION).astype(np.float32)
        query /= np.linalg.norm(query)
        store.calls.clear()
        found = offers.vector_search(query, filters, 20)
        assert (store.calls == [None]) is post_filtered  # one unfiltered search, no more
        expected = store.search(query.reshape(1, -1), 20, allowed)[0]  # exact (Flat)
        assert len(expected) == 20
        assert _pairs(found) == _pairs(expected)


def test_the_filtered_vector_search_answers_when_the_deeper_top_holds_too_few(
        offers: Collection[Offer]) -> None:
    store = offers.vectors
    assert isinstance(store, VectorLog)
    cdi = Filters(contract_types=frozenset({"CDI"}))
    found = offers.vector_search(ZINC.astype(np.float32), cdi, 10)  # nearest: 90 CDD offers
    allowed = offers._table.allowed_ids(cdi)
    assert allowed is not None and store.calls == [None, len(allowed)]
    assert _pairs(found) == _pairs(store.search(ZINC.reshape(1, -1).astype(np.float32), 10,
                                                allowed)[0])
    assert all(hit.id not in {f"z{n}" for n in range(90)} for hit in found)
    store.calls.clear()  # deeper, the unfiltered top holds some allowed offers, not enough
    found = offers.vector_search(ZINC.astype(np.float32), cdi, 60)
    assert store.calls == [None, len(allowed)] and len(found) == 60
    assert _pairs(found) == _pairs(store.search(ZINC.reshape(1, -1).astype(np.float32), 60,
                                                allowed)[0])
