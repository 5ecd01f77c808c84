"""Entities of messages, on the mini taxonomy and the hand-typed communes."""

from __future__ import annotations

from datetime import datetime

import pytest

from indexer.geo import Gazetteer
from matcher.inbox.entities import EntityExtractor, EntityKind, resolve_date
from skills_taxonomy import Taxonomy

MONDAY = datetime(2025, 5, 19, 9, 0)  # a Monday


@pytest.fixture(scope="module")
def extractor(mini_taxonomy: Taxonomy, mini_gazetteer: Gazetteer) -> EntityExtractor:
    return EntityExtractor(mini_taxonomy, mini_gazetteer, offer_exists={"7963145"}.__contains__,
                           preferred_departments=("07",))


def kinds(extractor: EntityExtractor, text: str) -> dict[EntityKind, list[str]]:
    found: dict[EntityKind, list[str]] = {}
    for entity in extractor.extract(text, MONDAY):
        found.setdefault(entity.kind, []).append(entity.value or entity.text)
    return found


def test_offer_ids_in_both_formats(extractor: EntityExtractor) -> None:
    found = kinds(extractor, "Offre 193BBFX et l'annonce n° 4455667, et aussi 7963145 ; "
                             "mon code postal 07200 et 1234567 seul.")
    assert found[EntityKind.OFFER] == ["193BBFX", "4455667", "7963145"]


def test_rome_codes_known_to_the_taxonomy_only(extractor: EntityExtractor) -> None:
    assert kinds(extractor, "codes D1214 et Z9999 et A1101")[EntityKind.ROME] == \
        ["D1214", "A1101"]


def test_amounts_in_euros(extractor: EntityExtractor) -> None:
    found = kinds(extractor, "Devis de 1 450 €, caution 35 euros, salaire entre 2 200 et "
                             "2 600 € brut, 12,50 €, 2,5 k€.")
    assert found[EntityKind.AMOUNT] == ["1450.00", "35.00", "2200.00", "2600.00", "12.50",
                                        "2500.00"]


def test_dates_are_resolved_against_the_message_date(extractor: EntityExtractor) -> None:
    entities = [e for e in extractor.extract(
        "Je ne viendrai pas demain à 14 h 30, ni vendredi. On se voit le 3 juin ou le "
        "12/06/2025 ? Sinon lundi prochain.", MONDAY) if e.kind is EntityKind.DATE]
    assert [(e.text, e.value) for e in entities] == [
        ("demain à 14 h 30", "2025-05-20T14:30"), ("vendredi", "2025-05-23"),
        ("3 juin", "2025-06-03"), ("12/06/2025", "2025-06-12"),
        ("lundi prochain", "2025-05-26")]


def test_durations_are_not_times(extractor: EntityExtractor) -> None:
    assert EntityKind.DATE not in kinds(extractor, "CDI 35h, 24 h par semaine")


def test_relative_dates_without_reference_stay_unresolved() -> None:
    assert resolve_date("demain", None) is None
    assert resolve_date("14 mai 2025", None) == "2025-05-14"


def test_occupations_by_title_gender_and_number(extractor: EntityExtractor) -> None:
    found = kinds(extractor, "Je cherche comme vendeuse en prêt-à-porter, ou conductrices "
                             "d'engins agricoles. Un agent ? Un conseiller ?")
    assert found[EntityKind.OCCUPATION] == ["D1214", "A1101"]


def test_communes_capitalised_lowercase_and_short_forms(extractor: EntityExtractor) -> None:
    found = kinds(extractor, "J'habite à Aubenas, je travaille a privas et vers St Peray. "
                             "Claire Aubenas signe. Bonjour.")
    assert found[EntityKind.COMMUNE] == ["07019", "07186", "07281"]


def test_contacts_are_found_and_masked(extractor: EntityExtractor) -> None:
    text = "Appelez-moi au 06 12 34 56 78 ou +33 4 75 12 34 56, ou écrivez à a.b@example.org"
    found = kinds(extractor, text)
    assert len(found[EntityKind.PHONE]) == 2 and len(found[EntityKind.EMAIL]) == 1
    masked = extractor.mask(text)
    assert "56 78" not in masked and "example.org" not in masked
    assert masked.count("[numéro masqué]") == 2 and "[adresse e-mail masquée]" in masked


def test_without_taxonomy_or_gazetteer_no_occupation_or_commune() -> None:
    found = kinds(EntityExtractor(), "vendeuse à Aubenas, offre 193BBFX")
    assert EntityKind.OCCUPATION not in found and EntityKind.COMMUNE not in found
    assert found[EntityKind.OFFER] == ["193BBFX"]
