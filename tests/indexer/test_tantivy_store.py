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


