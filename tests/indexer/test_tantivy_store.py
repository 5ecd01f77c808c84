"""The tantivy keyword store: the shared conformance suite, plus on-disk persistence."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.stores.protocols import Filters, IndexedDoc, KeywordQuery
from indexer.stores.tantivy_store import TantivyKeywordStore, title_pairs
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


def _store_with_common_words(count: int) -> TantivyKeywordStore:
    store = TantivyKeywordStore(None)
    store.upsert([IndexedDoc(id=f"common-{i}", title="Poste", text="Travail en équipe.")
                  for i in range(count)])
    store.upsert([IndexedDoc(id="rare", title="Poste", text="Soudure à l'arc.")])
    return store


def test_max_text_terms_keeps_the_most_selective_terms() -> None:
    store = _store_with_common_words(20)
    text = "travail équipe soudure"
    every_term = [hit.id for hit in store.search(KeywordQuery(text), Filters(), 50)]
    assert "rare" in every_term and len(every_term) == 21
    one_term = store.search(KeywordQuery(text, max_text_terms=1), Filters(), 50)
    assert [hit.id for hit in one_term] == ["rare"]


def test_max_text_terms_breaks_ties_by_query_order() -> None:
    store = TantivyKeywordStore(None)
    store.upsert([IndexedDoc(id=word, title="Poste", text=word)
                  for word in ("cariste", "magasinier", "soudeur")])
    query = KeywordQuery("soudeur cariste magasinier", max_text_terms=2)
    assert sorted(hit.id for hit in store.search(query, Filters(), 10)) == ["cariste", "soudeur"]


def test_max_text_terms_leaves_titles_and_codes_alone() -> None:
    store = _store_with_common_words(5)
    store.upsert([IndexedDoc(id="coded", title="Soudeur", text="Atelier.", rome_codes=("H2913",))])
    query = KeywordQuery("travail équipe soudure", titles=("Soudeur",), rome_codes=("H2913",),
                         max_text_terms=1)
    ids = [hit.id for hit in store.search(query, Filters(), 10)]
    assert ids[0] == "coded" and "rare" in ids
