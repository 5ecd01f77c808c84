"""Fairness beyond invariance: exposure of groups in the top candidates against their pool."""

from __future__ import annotations

import numpy as np
import pytest

from indexer.models import GeoPoint, Offer, PersonalData, Place, Profile
from matcher.evaluation.fairness import (
    GroupExposure,
    RankedOffer,
    age_band,
    eligible_pool,
    exposure,
    protected_groups,
)

WOMEN = [f"F{n}" for n in range(10)]
MEN = [f"M{n}" for n in range(10)]
GROUPS = {**{c: {"sex": "femmes"} for c in WOMEN}, **{c: {"sex": "hommes"} for c in MEN}}


def _by_group(report_groups: list[GroupExposure], attribute: str) -> dict[str, GroupExposure]:
    return {g.group: g for g in report_groups if g.attribute == attribute}


def test_a_ranking_proportional_to_its_pool_is_not_flagged() -> None:
    alternating = [c for pair in zip(WOMEN, MEN, strict=True) for c in pair]
    rankings = [RankedOffer(f"O{n}", WOMEN + MEN, alternating[:10]) for n in range(5)]
    report = exposure(rankings, GROUPS)
    groups = _by_group(report.groups, "sex")
    assert groups["femmes"].ratio == pytest.approx(1.0)
    assert groups["hommes"].ratio == pytest.approx(1.0)
    assert report.flagged == [] and report.offers_with_candidates == 5


def test_a_biased_ranking_is_flagged_against_its_pool() -> None:
    """Offer A: pool of 10 women and 10 men, top 10 = 8 men + 2 women. Offer B: a pool of
    women only, top 5 women (not a bias: nobody else was eligible). Four of each:
    women get 4 × (2 + 5) = 28 slots where the pools predict 4 × (10 × 0.5 + 5 × 1) = 40
    (ratio 0.70); men 4 × 8 = 32 where 4 × 5 = 20 are predicted (ratio 1.60)."""
    offer_a = RankedOffer("A", WOMEN + MEN, MEN[:8] + WOMEN[:2])
    offer_b = RankedOffer("B", WOMEN, WOMEN[:5])
    report = exposure([offer_a, offer_b] * 4, GROUPS)
    women, men = (_by_group(report.groups, "sex")[g] for g in ("femmes", "hommes"))
    assert (women.slots, women.expected_slots) == (28, pytest.approx(40.0))
    assert women.ratio == pytest.approx(0.70)
    assert men.ratio == pytest.approx(1.60)
    assert (women.verdict, men.verdict) == ("under-exposed", "over-exposed")
    assert report.flagged == [women, men]
    fair = exposure([RankedOffer("C", WOMEN + MEN, (WOMEN[:5] + MEN[:5]))] * 4, GROUPS)
    assert fair.flagged == []
    fair.subsets["biased offers"] = report
    assert fair.flagged == [women, men] and "**biased offers**" in fair.to_markdown()
    # position matters too: the two women of A sit at ranks 9 and 10
    assert women.weighted_ratio < women.ratio


def test_few_expected_slots_get_no_verdict() -> None:
    report = exposure([RankedOffer("A", WOMEN + MEN, MEN[:3])], GROUPS)
    assert {g.verdict for g in report.groups} == {"too few"} and report.flagged == []


def test_age_bands_and_groups_come_from_personal_data_only() -> None:
    assert [age_band(2025 - age, 2025) for age in (18, 25, 26, 49, 50, 63)] == [
        "moins de 26 ans", "moins de 26 ans", "26 à 49 ans", "26 à 49 ans",
        "50 ans et plus", "50 ans et plus"]
    profile = Profile(id="P", personal=PersonalData(sex="F", birth_year=1970))
    assert protected_groups(profile, 2025) == {"sex": "femmes", "age": "50 ans et plus"}
    assert protected_groups(Profile(id="Q"), 2025) == {}


def test_the_pool_is_the_seekers_within_the_candidate_radius() -> None:
    offer = Offer(id="O", title="Boulanger", place=Place(point=GeoPoint(lat=44.72, lon=4.59)))
    ids = ["near", "far", "unknown"]
    lats = np.array([44.75, 45.76, np.nan])   # Privas area; Lyon (~130 km); no point
    lons = np.array([4.60, 4.84, np.nan])
    assert eligible_pool(offer, ids, lats, lons, 60.0) == ["near"]
    assert eligible_pool(offer, ids, lats, lons, None) == ids
    assert eligible_pool(Offer(id="X", title="t"), ids, lats, lons, 60.0) == ids
