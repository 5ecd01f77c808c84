"""The block ``add_new`` holds: fields kept whole, read back by key, stable within a key."""

from __future__ import annotations

from datetime import UTC, datetime

from indexer.models import GeoPoint
from indexer.stores.held_documents import DocumentFields, HeldDocuments
from indexer.stores.protocols import IndexedDoc


def _fields(doc_id: str, lat: float | None = None) -> DocumentFields:
    location = None if lat is None else GeoPoint(lat=lat, lon=2.35)
    return DocumentFields.of(IndexedDoc(id=doc_id, title=f"Titre {doc_id}", text="x",
                                        location=location))


def test_fields_come_back_as_they_were_held() -> None:
    doc = IndexedDoc(
        id="o-1", title="Aide-soignant·e — équipe de nuit", text="Soins d’hygiène ✓ 24h/24",
        rome_codes=("J1501",), skill_codes=("100078", "123456"), contract_types=("CDD",),
        location=GeoPoint(lat=45.764043, lon=4.835659),
        created_at=datetime(2025, 3, 1, 8, 30, tzinfo=UTC),
        concepts=("rome:J1501", "esco:http://data.europa.eu/esco/skill/x"),
        concept_text="aide-soignant aide-soignante")
    held = HeldDocuments()
    held.hold(7, DocumentFields.of(doc))
    [back] = list(held.in_key_order())
    assert back == DocumentFields(
        "o-1", "Aide-soignant·e — équipe de nuit", "Soins d’hygiène ✓ 24h/24",
        "aide-soignant aide-soignante", ("J1501",), ("100078", "123456"), ("CDD",),
        ("rome:J1501", "esco:http://data.europa.eu/esco/skill/x"), 45.764043, 4.835659,
        1_740_817_800_000_000)


def test_a_document_without_place_or_date_keeps_none() -> None:
    held = HeldDocuments()
    held.hold(0, _fields("a"))
    [back] = list(held.in_key_order())
    assert (back.lat, back.lon, back.created_micros) == (None, None, None)


def test_read_by_ascending_key_and_in_holding_order_within_a_key() -> None:
    held = HeldDocuments()
    for key, doc_id in [(5, "e"), (1, "a"), (3, "c1"), (3, "c2"), (0, "z"), (3, "c3")]:
        held.hold(key, _fields(doc_id, lat=float(key)))
    assert len(held) == 6
    assert [fields.id for fields in held.in_key_order()] == ["z", "a", "c1", "c2", "c3", "e"]
