"""Offer and profile documents, and the embedding texts."""

from __future__ import annotations

from datetime import UTC, datetime

from indexer.documents import (
    EMBEDDING_DESCRIPTION_CHARS,
    offer_document,
    offer_embedding_text,
    profile_document,
    profile_embedding_text,
)
from indexer.models import GeoPoint, Offer, Place, Profile, SkillTag

POINT = GeoPoint(lat=44.61, lon=4.39)


def _offer(**changes: object) -> Offer:
    fields: dict[str, object] = {
        "id": "O1", "title": "Boulanger H/F", "appellation": "Boulanger / Boulangère",
        "description": "Fabrication du pain. " * 60, "rome_code": "D1102",
        "skills": [SkillTag(code="100090", label="Techniques de panification"),
                   SkillTag(label="Pétrir"),
                   SkillTag(code="100090", label="Techniques de panification")],
        "qualities": ["Rigueur"], "sector": "Boulangerie", "contract_type": "CDI",
        "place": Place(commune="07019", point=POINT),
        "created_at": datetime(2025, 3, 1, tzinfo=UTC),
    }
    fields.update(changes)
    return Offer.model_validate(fields)


def test_offer_document() -> None:
    doc = offer_document(_offer())
    assert doc.id == "O1"
    assert doc.title == "Boulanger H/F — Boulanger / Boulangère"
    assert doc.text.startswith("Fabrication du pain.")
    for part in ("Techniques de panification", "Pétrir", "Rigueur", "Boulangerie"):
        assert part in doc.text
    assert doc.rome_codes == ("D1102",)
    assert doc.skill_codes == ("100090",)
    assert doc.contract_types == ("CDI",)
    assert doc.location == POINT
    assert doc.created_at == datetime(2025, 3, 1, tzinfo=UTC)


def test_minimal_offer_document() -> None:
    doc = offer_document(Offer(id="O2", title="Plombier"))
    assert (doc.title, doc.text, doc.rome_codes, doc.contract_types, doc.location) == (
        "Plombier", "", (), (), None)


def test_offer_title_not_repeated_when_equal_to_appellation() -> None:
    assert offer_document(_offer(title="Boulanger / Boulangère")).title == "Boulanger / Boulangère"


def test_offer_embedding_text_is_short_and_focused() -> None:
    text = offer_embedding_text(_offer())
    lines = text.splitlines()
    assert lines[0] == "Boulanger H/F — Boulanger / Boulangère"
    assert lines[1] == "Compétences : Techniques de panification, Pétrir"
    assert lines[2].endswith("…") and len(lines[2]) <= EMBEDDING_DESCRIPTION_CHARS + 1
    assert "Rigueur" not in text and "Boulangerie" not in text


def test_profile_document_and_text() -> None:
    profile = Profile(
        id="P1", titles=["Boulangère", "Pâtissière"], rome_codes=["D1102"],
        skills=[SkillTag(code="100090", label="Techniques de panification")],
        summary="Boulangère expérimentée.", contract_types=["CDI", "CDD"],
        place=Place(commune="07019", point=POINT),
    )
    doc = profile_document(profile)
    assert doc.title == "Boulangère — Pâtissière"
    assert doc.text == "Boulangère expérimentée.\nTechniques de panification"
    assert doc.rome_codes == ("D1102",) and doc.skill_codes == ("100090",)
    assert doc.contract_types == ("CDI", "CDD") and doc.location == POINT
    assert profile_embedding_text(profile) == (
        "Boulangère — Pâtissière\nCompétences : Techniques de panification\n"
        "Boulangère expérimentée.")
    assert profile_document(Profile(id="P2")).location is None
