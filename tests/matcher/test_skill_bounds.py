"""The skill bound the matcher prunes with: never below the exact coverage, and equal to it
when no related-skill credit can be earned."""

from __future__ import annotations

import math
import random
from collections.abc import Callable

import pytest

from indexer.doc_table import DocTable
from indexer.documents import offer_document, profile_document
from indexer.models import Offer, Profile, Requirement, SkillTag
from matcher.features import HeldSkills, skill_credit
from matcher.skill_bounds import offer_skill_bounds, seeker_skill_bounds

# Two codes share a label (the ROME does that) and two labels differ only in case and accents:
# a skill is the same as another when either its code or its folded label agrees.
VOCABULARY = [("100", "Accueillir une clientèle"), ("101", "Accueillir une clientele"),
              ("102", "Encaisser un paiement"), ("103", "Encaisser un paiement"),
              (None, "Tenir une caisse"), (None, "ACCUEILLIR UNE CLIENTÈLE"),
              ("104", "Conduire un chariot"), ("105", "Souder à l'arc")]
CLOSEST = SkillTag(label="Compétence proche", weight=1.0)
"""What a related-skill finder that finds one for every lacking skill answers."""


def _tag(rng: random.Random) -> SkillTag:
    code, label = rng.choice(VOCABULARY)
    inferred = rng.random() < 0.4
    return SkillTag(code=code, label=label, requirement=rng.choice(list(Requirement)),
                    weight=rng.choice([0.0, 0.5, 1.0, 2.0]), inferred=inferred,
                    confidence=rng.choice([0.0, 0.3, 0.9]) if inferred else None)


def _offers(rng: random.Random, count: int) -> list[Offer]:
    return [Offer(id=f"o{n}", title="Offre", description="",
                  skills=[_tag(rng) for _ in range(rng.randint(0, 5))]) for n in range(count)]


def _bounds(offers: list[Offer], held: HeldSkills, unheld_credit: float) -> list[float]:
    table = DocTable([offer_document(offer) for offer in offers])
    ids = [offer.id for offer in offers]
    bounds: list[float] = offer_skill_bounds(table.columns(ids).skills, held,
                                                unheld_credit, len(ids)).tolist()
    return bounds


def _check(bound: float, exact: float | None, unheld_credit: float) -> None:
    """With related credit the bound may exceed the coverage, never fall below it; without,
    it is the coverage. Nothing asked: unknown, as the exact score has it."""
    if exact is None:
        assert math.isnan(bound)
    elif unheld_credit:
        assert bound >= exact - 1e-6
    else:
        assert bound == pytest.approx(exact, abs=1e-6)


def _finder(unheld_credit: float) -> Callable[[SkillTag], SkillTag | None] | None:
    """A related-skill finder that finds one for every lacking skill, when credit counts."""
    return (lambda _asked: CLOSEST) if unheld_credit else None


@pytest.mark.parametrize("unheld_credit", [0.0, 0.5])
def test_offers_are_bounded_from_the_skills_they_ask(unheld_credit: float) -> None:
    """Offers for a seeker: exact for what the seeker holds, the credit for what they lack."""
    rng = random.Random(7)
    for _ in range(60):
        held = HeldSkills.of(_tag(rng) for _ in range(rng.randint(0, 4)))
        offers = _offers(rng, 25)
        for offer, bound in zip(offers, _bounds(offers, held, unheld_credit), strict=True):
            _check(bound, skill_credit(offer.matching_skills, held, _finder(unheld_credit),
                                       0.5), unheld_credit)


def test_an_unknown_table_bounds_every_row_at_one() -> None:
    assert offer_skill_bounds(None, HeldSkills.of([]), 0.5, 3).tolist() == [1.0, 1.0, 1.0]


def _candidate_bounds(asked: list[SkillTag], profiles: list[Profile],
                      unheld_credit: float) -> list[float]:
    table = DocTable([profile_document(profile) for profile in profiles])
    ids = [profile.id for profile in profiles]
    bounds: list[float] = seeker_skill_bounds(asked, table.columns(ids).skills,
                                                unheld_credit, len(ids)).tolist()
    return bounds


@pytest.mark.parametrize("unheld_credit", [0.0, 0.5])
def test_candidates_are_bounded_from_the_skills_they_hold(unheld_credit: float) -> None:
    """Seekers for an offer: exact for what they hold, the credit for what they lack."""
    rng = random.Random(13)
    for _ in range(60):
        asked = [_tag(rng) for _ in range(rng.randint(0, 5))]
        profiles = [Profile(id=f"p{n}", skills=[_tag(rng) for _ in range(rng.randint(0, 4))])
                    for n in range(25)]
        bounds = _candidate_bounds(asked, profiles, unheld_credit)
        for profile, bound in zip(profiles, bounds, strict=True):
            held = HeldSkills.of(profile.matching_skills)
            _check(bound, skill_credit(asked, held, _finder(unheld_credit), 0.5), unheld_credit)
