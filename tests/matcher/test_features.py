"""Scoring features, on hand-made tags and the hand-written mini ROME."""

from __future__ import annotations

import pytest

from indexer.models import GeoPoint, Requirement, SkillTag
from matcher.features import distance_decay, occupation_proximity, skill_coverage
from skills_taxonomy import Taxonomy

REQUIRED_A = SkillTag(code="100010", label="Conseiller un client sur un produit")
REQUIRED_B = SkillTag(code="100011", label="Encaisser un paiement")
WISHED_C = SkillTag(code="200002", label="Techniques de vente", requirement=Requirement.WISHED)


def test_skill_coverage_counts_required_once_and_wished_half() -> None:
    coverage = skill_coverage([REQUIRED_A, REQUIRED_B, WISHED_C], [REQUIRED_A, WISHED_C])
    # (1 + 0.5) / (1 + 1 + 0.5)
    assert coverage.value == pytest.approx(0.6)
    assert [s.code for s in coverage.matched] == ["100010", "200002"]
    assert [s.code for s in coverage.missing] == ["100011"]
    assert coverage.missing[0].label == "Encaisser un paiement"


def test_skill_coverage_without_asked_skills_is_unknown() -> None:
    assert skill_coverage([], [REQUIRED_A]).value is None


def test_counsellor_weight_scales_credit() -> None:
    softened = REQUIRED_A.model_copy(update={"weight": 0.5})
    assert skill_coverage([REQUIRED_A], [softened]).value == pytest.approx(0.5)
    boosted = REQUIRED_A.model_copy(update={"weight": 3.0})
    assert skill_coverage([REQUIRED_A], [boosted]).value == pytest.approx(1.0)


def test_skills_without_codes_match_on_folded_labels() -> None:
    asked = [SkillTag(label="Techniques de Vente")]
    held = [SkillTag(label="techniques de vente")]
    assert skill_coverage(asked, held).value == pytest.approx(1.0)


@pytest.mark.parametrize(("mine", "theirs", "value"), [
    (["D1214"], ["D1214"], 1.0),        # same occupation
    (["D1211"], ["D1214"], 0.7),        # D1211's parent sheet is D1214
    (["D1214"], ["M1203"], 0.5),        # mobility D1214 -> M1203
    (["M1203"], ["D1214"], 0.5),        # the link counts both ways
    (["A1101"], ["M1203"], 0.0),
    ([], ["M1203"], 0.0),
    (["A1101", "D1214"], ["D1214"], 1.0),  # the best pair wins
])
def test_occupation_proximity(mini_taxonomy: Taxonomy, mine: list[str], theirs: list[str],
                              value: float) -> None:
    proximity = occupation_proximity(dict.fromkeys(mine, 1.0), dict.fromkeys(theirs, 1.0),
                                     mini_taxonomy)
    assert proximity.value == pytest.approx(value)


def test_occupation_proximity_weighs_both_confidences_and_says_what_was_inferred(
        mini_taxonomy: Taxonomy) -> None:
    proximity = occupation_proximity({"D1214": 0.8}, {"D1214": 0.5}, mini_taxonomy,
                                     inferred={"D1214"})
    assert proximity.value == pytest.approx(0.4)
    assert proximity.relation is not None
    assert "titre reconnu à 80 %" in proximity.relation
    assert "métier déduit de l'annonce à 50 %" in proximity.relation
    given = occupation_proximity({"D1214": 1.0}, {"D1214": 1.0}, mini_taxonomy)
    assert given.relation is not None and "déduit" not in given.relation


def test_distance_decay_halves_at_half_life() -> None:
    origin = GeoPoint(lat=45.0, lon=4.0)
    # One degree of latitude is 111.195 km on the mean-radius sphere.
    target = GeoPoint(lat=45.0 + 25.0 / 111.195, lon=4.0)
    value, distance = distance_decay(origin, target, half_life_km=25.0)
    assert distance == pytest.approx(25.0, abs=0.01)
    assert value == pytest.approx(0.5, abs=1e-3)
    assert distance_decay(origin, None, 25.0) == (None, None)
