"""What a collection keeps of its records between reads: decoded records (a few), views of
them (many, :meth:`Collection.view`), and neither for a walk over every record."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from indexer.catalog import IndexWriter
from indexer.collection import Collection
from indexer.encoders import Encoder
from indexer.models import Offer, Profile
from indexer.settings import load_settings

OFFERS = [Offer(id="o1", title="Boulanger", rome_code="D1102"),
          Offer(id="o2", title="Électricien du bâtiment", rome_code="F1602"),
          Offer(id="o3", title="Vendeuse en boulangerie", rome_code="D1106")]


@pytest.fixture
def writer(tmp_path: Path, encoder: Encoder) -> Iterator[IndexWriter]:
    settings = load_settings(index_dir=tmp_path / "index", cache_dir=tmp_path / "cache")
    with IndexWriter(settings.index_dir, settings, encoder) as writer:
        writer.upsert_offers(OFFERS)
        writer.upsert_profiles([Profile(id="p1", titles=["Boulanger"])])
        yield writer


def _count_reads(collection: Collection[Offer] | Collection[Profile],
                 monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The ids whose stored bytes the collection reads from now on."""
    reads: list[str] = []
    raw = collection.raw

    def counting_raw(record_id: str) -> bytes | None:
        reads.append(record_id)
        return raw(record_id)

    monkeypatch.setattr(collection, "raw", counting_raw)
    return reads


def _title(offer: Offer) -> str:
    return offer.title.upper()


def test_a_view_is_made_once_and_read_again_without_the_record(
        writer: IndexWriter, monkeypatch: pytest.MonkeyPatch) -> None:
    offers = writer.offers
    reads = _count_reads(offers, monkeypatch)
    made: list[str] = []

    def title(offer: Offer) -> str:
        made.append(offer.id)
        return _title(offer)

    assert offers.view("o1", "title", title) == "BOULANGER"
    offers.get("o1")
    assert offers.view("o1", "title", title) == "BOULANGER"
    assert made == ["o1"] and reads == ["o1"]
    assert offers.view("o1", "length", lambda offer: len(offer.title)) == len("Boulanger")
    assert offers.view("nope", "title", title) is None


def test_a_written_record_gets_a_new_view(writer: IndexWriter) -> None:
    offers = writer.offers
    assert offers.view("o2", "title", _title) == "ÉLECTRICIEN DU BÂTIMENT"
    writer.upsert_offers([OFFERS[1].model_copy(update={"title": "Électricienne"})])
    assert offers.view("o2", "title", _title) == "ÉLECTRICIENNE"
    assert offers.view("o3", "title", _title) == "VENDEUSE EN BOULANGERIE"
    writer.delete_offers(["o3"])
    assert offers.view("o3", "title", _title) is None


def test_an_erased_profile_has_no_view_left(writer: IndexWriter) -> None:
    profiles = writer.profiles
    assert profiles.view("p1", "titles", lambda p: tuple(p.titles)) == ("Boulanger",)
    writer.purge_profiles(["p1"])
    assert profiles.view("p1", "titles", lambda p: tuple(p.titles)) is None


def test_a_walk_keeps_no_record_it_was_not_already_keeping(
        writer: IndexWriter, monkeypatch: pytest.MonkeyPatch) -> None:
    offers = writer.offers
    offers.get("o1")
    reads = _count_reads(offers, monkeypatch)
    assert [offer.id for offer in offers] == ["o1", "o2", "o3"]
    assert reads == ["o2", "o3"]              # o1 was kept: not read again
    offers.get("o1")
    offers.get("o2")
    assert reads == ["o2", "o3", "o2"]        # the walk did not keep o2
