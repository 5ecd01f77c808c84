"""The bulk path of a fresh generation: a collection whose keyword store started empty sends
new ids to ``add_new`` (no delete per document) and gives the same results as ``upsert``;
replacing an id, in a fresh store or not, still replaces it; a repeated id keeps its last
record."""

from __future__ import annotations

import random
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

import indexer.catalog as catalog
from indexer.catalog import IndexWriter, SearchIndex
from indexer.collection import Collection
from indexer.documents import offer_document
from indexer.encoders import Encoder
from indexer.models import GeoPoint, Offer, Place
from indexer.settings import Settings, load_settings
from indexer.stores.faiss_store import FaissVectorStore
from indexer.stores.protocols import (
    AppendableKeywordStore,
    Filters,
    GeoFilter,
    Hit,
    IndexedDoc,
    KeywordQuery,
    KeywordStore,
)
from indexer.stores.tantivy_store import TantivyKeywordStore

DIMENSION = 8
TITLES = ("Boulanger", "Vendeuse en boulangerie", "Électricien du bâtiment", "Aide-soignant",
          "Cuisinier", "Serveuse", "Maçon", "Couvreur", "Comptable", "Assistante de direction",
          "Chauffeur poids lourd", "Agent d'entretien", "Développeur web", "Infirmière")
WORDS = ("pain", "fournil", "câblage", "tableaux", "soins", "patients", "cuisine", "salle",
         "chantier", "toiture", "bilan", "paie", "agenda", "livraison", "nettoyage", "locaux",
         "python", "hôpital", "nuit", "week-end", "équipe", "client", "accueil", "permis")
CONTRACTS = ("CDI", "CDD", "MIS")
ROME = ("D1102", "D1106", "F1602", "J1501", "G1602", "G1803", "F1703", "F1610")
LYON = GeoPoint(lat=45.7640, lon=4.8357)


def _offers(count: int, seed: int, prefix: str = "o") -> list[Offer]:
    """``count`` varied offers (seeded): titles, words, contracts, codes, places, dates."""
    rng = random.Random(seed)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    return [Offer(
        id=f"{prefix}{n}", title=rng.choice(TITLES),
        description=" ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 25))),
        contract_type=rng.choice(CONTRACTS), rome_code=rng.choice(ROME),
        created_at=start + timedelta(days=rng.randint(0, 300)),
        place=Place(point=GeoPoint(lat=LYON.lat + rng.uniform(-1, 1),
                                   lon=LYON.lon + rng.uniform(-1, 1))))
        for n in range(count)]


class RecordingTantivyStore(TantivyKeywordStore):
    """A real tantivy store that counts the documents each write method received."""

    def __init__(self, directory: Path | None) -> None:
        super().__init__(directory)
        self.added_new = 0
        self.upserted = 0

    def add_new(self, docs: Iterable[IndexedDoc]) -> None:
        docs = list(docs)
        self.added_new += len(docs)
        super().add_new(docs)

    def upsert(self, docs: Iterable[IndexedDoc]) -> None:
        docs = list(docs)
        self.upserted += len(docs)
        super().upsert(docs)


class UpsertOnlyStore:
    """A tantivy store seen through the ``KeywordStore`` protocol alone (no ``add_new``):
    the reference path a collection takes with a backend without the capability."""

    def __init__(self, inner: TantivyKeywordStore) -> None:
        self._inner = inner

    def upsert(self, docs: Iterable[IndexedDoc]) -> None:
        self._inner.upsert(docs)

    def delete(self, ids: Iterable[str]) -> None:
        self._inner.delete(ids)

    def purge(self, ids: Iterable[str]) -> bool:
        return self._inner.purge(ids)

    def search(self, query: KeywordQuery, filters: Filters, top_k: int) -> list[Hit]:
        return self._inner.search(query, filters, top_k)

    def count(self) -> int:
        return self._inner.count()


def _collection(folder: Path, keyword: KeywordStore) -> Collection[Offer]:
    return Collection("offers", keyword, FaissVectorStore(DIMENSION), offer_document,
                      folder=folder, model=Offer)


def _vectors(count: int, seed: int) -> npt.NDArray[np.float32]:
    matrix = np.random.default_rng(seed).standard_normal((count, DIMENSION)).astype(np.float32)
    unit: npt.NDArray[np.float32] = matrix / np.linalg.norm(matrix, axis=1, keepdims=True)
    return unit


PROBES: tuple[tuple[KeywordQuery, Filters], ...] = (
    (KeywordQuery("boulanger pain fournil"), Filters()),
    (KeywordQuery("vendeuse", titles=("Vendeur en boulangerie",)), Filters()),
    (KeywordQuery("soins patients nuit"), Filters(contract_types=frozenset({"CDD"}))),
    (KeywordQuery("chantier toiture", rome_codes=("F1610",)), Filters()),
    (KeywordQuery("électricienne câblage"), Filters(geo=GeoFilter(LYON, 40.0))),
    (KeywordQuery("comptable paie bilan"),
     Filters(created_after=datetime(2024, 4, 1, tzinfo=UTC))),
    (KeywordQuery("équipe client accueil"), Filters(rome_codes=frozenset({"G1803", "D1106"}))),
    (KeywordQuery("développeur python"), Filters()),
)


def _results(collection: Collection[Offer]) -> list[list[tuple[str, float]]]:
    return [[(hit.id, hit.score) for hit in collection.keyword_search(query, filters, 25)]
            for query, filters in PROBES]


def _same_results(got: list[list[tuple[str, float]]],
                  expected: list[list[tuple[str, float]]]) -> None:
    """The same scores, and the same ids above the last score: documents tied at the top-k
    cut may differ, since ``add_new`` writes them in another order (curve order) and the
    cut keeps the first written of equal scores."""
    assert any(expected), "the probes must find something"
    for found, wanted in zip(got, expected, strict=True):
        assert [score for _, score in found] == pytest.approx([score for _, score in wanted])
        assert _above_the_cut(found) == _above_the_cut(wanted)


def _above_the_cut(hits: list[tuple[str, float]]) -> list[str]:
    return [doc_id for doc_id, score in hits if hits and score > hits[-1][1]]


def test_fresh_collection_adds_new_ids_and_finds_what_upsert_finds(tmp_path: Path) -> None:
    first, second = _offers(300, seed=1), _offers(120, seed=2, prefix="s")
    # the second batch replaces 40 offers of the first and repeats one id inside itself
    second = [*second[:80], *(o.model_copy(update={"id": f"o{n}"}) for n, o in
                              enumerate(second[80:])), second[0].model_copy(
                                  update={"title": "Couvreur zingueur"})]
    fresh_store = RecordingTantivyStore(tmp_path / "fresh-keyword")
    fresh = _collection(tmp_path / "fresh", fresh_store)
    reference = _collection(tmp_path / "reference",
                            UpsertOnlyStore(TantivyKeywordStore(tmp_path / "reference-keyword")))
    assert isinstance(fresh_store, AppendableKeywordStore)
    for batch, seed in ((first, 3), (second, 4)):
        fresh.upsert(batch, _vectors(len(batch), seed))
        reference.upsert(batch, _vectors(len(batch), seed))

    distinct = {o.id for o in [*first, *second]}
    assert fresh_store.count() == reference.keyword.count() == len(distinct) == 380
    assert fresh_store.added_new == 380  # each id's first document
    assert fresh_store.upserted == 40 + 1  # the replaced offers and the repeated id
    _same_results(_results(fresh), _results(reference))
    replaced = fresh.get("o0")
    assert replaced is not None and replaced.title == second[80].title
    repeated = fresh.get(second[0].id)
    assert repeated is not None and repeated.title == "Couvreur zingueur"
    hits = fresh.keyword_search(KeywordQuery("zingueur"), Filters(), 5)
    assert [hit.id for hit in hits] == [second[0].id]
    fresh.close()
    reference.close()


def test_collection_that_started_with_records_replaces_through_upsert(tmp_path: Path) -> None:
    folder = tmp_path / "offers"
    offers = _offers(50, seed=5)
    first = _collection(folder, TantivyKeywordStore(tmp_path / "keyword"))
    first.upsert(offers, _vectors(50, 6))
    assert isinstance(first.keyword, TantivyKeywordStore)
    first.keyword.save()
    first.keyword.close()
    first.write_records(folder)
    first.close()

    store = RecordingTantivyStore(tmp_path / "keyword")
    reopened = Collection.open("offers", store, first.vectors, offer_document, folder, Offer)
    changed = offers[7].model_copy(update={"title": "Ramoneur", "description": "Cheminées."})
    added = _offers(1, seed=7, prefix="new")[0]
    reopened.upsert([changed, added], _vectors(2, 8))

    assert store.added_new == 0  # not a fresh store: every write checks for a replace
    assert store.upserted == 2
    assert store.count() == 51
    assert [h.id for h in reopened.keyword_search(KeywordQuery("ramoneur"), Filters(), 5)] \
        == [offers[7].id]
    old_words = KeywordQuery(offers[7].description)
    assert offers[7].id not in {h.id for h in reopened.keyword_search(old_words, Filters(), 60)}
    reopened.close()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(index_dir=tmp_path / "index", cache_dir=tmp_path / "cache")


@pytest.mark.parametrize("chunk", [2, 4096], ids=["across-chunks", "in-one-chunk"])
def test_rebuild_with_repeated_ids_keeps_the_last(settings: Settings, encoder: Encoder,
                                                  chunk: int,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(catalog, "ENCODE_CHUNK", chunk)
    offers = _offers(5, seed=9)
    last = offers[1].model_copy(update={"title": "Ramoneur", "description": "Cheminées."})
    with IndexWriter(settings.index_dir, settings, encoder, rebuild=True) as writer:
        writer.upsert_offers([*offers, last])
        writer.commit()
    index = SearchIndex.open(settings.index_dir, settings, encoder)
    assert index.offers.keyword.count() == index.offers.vectors.count() == len(index.offers) == 5
    assert index.offers.get(offers[1].id) == last
    assert [h.id for h in index.offers.keyword_search(KeywordQuery("ramoneur"), Filters(), 5)] \
        == [offers[1].id]
    before = {h.id for h in index.offers.keyword_search(KeywordQuery(offers[1].description),
                                                         Filters(), 10)}
    assert offers[1].id not in before


def test_rebuild_over_a_live_index_holds_only_the_new_records(settings: Settings,
                                                              encoder: Encoder) -> None:
    old, new = _offers(30, seed=11, prefix="old"), _offers(40, seed=12, prefix="new")
    for offers in (old, new):
        with IndexWriter(settings.index_dir, settings, encoder, rebuild=True) as writer:
            writer.upsert_offers(offers)
            writer.commit()
    index = SearchIndex.open(settings.index_dir, settings, encoder)
    assert index.offers.keyword.count() == len(index.offers) == 40
    found = {hit.id for query, filters in PROBES
             for hit in index.offers.keyword_search(query, filters, 100)}
    assert found and all(doc_id.startswith("new") for doc_id in found)
