"""The features added beyond fusion: related-skill credit, contract and experience fit,
freshness, confidence-weighted occupation proximity, and the explanation that carries them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from indexer.models import ExperienceLevel, Offer, Profile, SkillTag
from matcher.engine import Engine
from matcher.features import (
    contract_fit,
    experience_fit,
    freshness,
    occupation_proximity,
    skill_coverage,
)
from matcher.matcher import COMPONENT_LABELS
from matcher.widening import widen
from skills_taxonomy import Taxonomy

ASKED = SkillTag(code="100011", label="Encaisser un paiement")
CLOSE = SkillTag(code="999999", label="Tenir une caisse")


def _close_to_asked(asked: SkillTag) -> SkillTag | None:
    return CLOSE if asked.code == ASKED.code else None


def test_related_skill_earns_partial_credit_and_is_explained() -> None:
    coverage = skill_coverage([ASKED], [CLOSE], _close_to_asked, related_credit=0.5)
    assert coverage.value == pytest.approx(0.5)
    assert not coverage.matched and not coverage.missing
    assert "compétence proche : Tenir une caisse" in coverage.related[0].label
    assert skill_coverage([ASKED], [CLOSE]).value == 0.0  # no finder, no credit


def test_contract_fit() -> None:
    offer = Offer(id="o", title="t", contract_type="CDD")
    assert contract_fit(offer, Profile(id="p", contract_types=["CDI"])) == 0.0
    assert contract_fit(offer, Profile(id="p", contract_types=["CDI", "CDD"])) == 1.0
    assert contract_fit(offer, Profile(id="p")) is None


def test_experience_fit() -> None:
    required = Offer(id="o", title="t", experience=ExperienceLevel.REQUIRED)
    beginners = Offer(id="o", title="t", experience=ExperienceLevel.BEGINNER_ACCEPTED)
    assert experience_fit(beginners, Profile(id="p", experience_years=0), 2.0) == 1.0
    assert experience_fit(required, Profile(id="p", experience_years=1), 2.0) == 0.5
    assert experience_fit(required, Profile(id="p", experience_years=5), 2.0) == 1.0
    assert experience_fit(required, Profile(id="p"), 2.0) is None
    assert experience_fit(Offer(id="o", title="t"), Profile(id="p"), 2.0) is None
    assert experience_fit(beginners, Profile(id="p"), 2.0) is None  # unknown: no favour


def test_wished_experience_is_a_soft_requirement() -> None:
    """"S" (expérience souhaitée, as the real API returns it): a beginner is not penalised as
    for a required experience, an experienced seeker fits fully, the order D ≥ S ≥ E holds."""
    wished = Offer(id="o", title="t", experience=ExperienceLevel("S"))
    required = Offer(id="o", title="t", experience=ExperienceLevel.REQUIRED)
    beginners = Offer(id="o", title="t", experience=ExperienceLevel.BEGINNER_ACCEPTED)
    assert experience_fit(wished, Profile(id="p", experience_years=5), 2.0) == 1.0
    for years in (0.0, 0.5, 1.0, 1.5):
        seeker = Profile(id="p", experience_years=years)
        fits = [experience_fit(offer, seeker, 2.0) for offer in (beginners, wished, required)]
        assert fits[0] >= fits[1] > fits[2]
    assert experience_fit(wished, Profile(id="p", experience_years=0), 2.0) == 0.5


def test_freshness_is_relative_to_the_newest_offer() -> None:
    newest = datetime(2025, 5, 28, tzinfo=UTC)
    assert freshness(newest, newest, 30.0) == 1.0
    assert freshness(newest - timedelta(days=30), newest, 30.0) == pytest.approx(0.5)
    assert freshness(datetime(2025, 4, 28), newest, 30.0) == pytest.approx(0.5)  # naive = UTC
    assert freshness(None, newest, 30.0) is None


def test_occupation_proximity_is_scaled_by_confidence(mini_taxonomy: Taxonomy) -> None:
    sure = occupation_proximity({"D1214": 1.0}, {"D1214": 1.0}, mini_taxonomy)
    guessed = occupation_proximity({"D1214": 0.6}, {"D1214": 1.0}, mini_taxonomy)
    assert sure.value == 1.0
    assert guessed.value == pytest.approx(0.6)
    assert guessed.relation is not None and "60 %" in guessed.relation


def test_every_component_is_explained_with_a_short_label(tiny_engine: Engine) -> None:
    profile = tiny_engine.profiles.get("P-VENDEUSE")
    assert profile is not None
    for match in tiny_engine.offers_for_profile(profile, top_k=5):
        names = [c.name for c in match.explanation.components]
        assert names == list(COMPONENT_LABELS)
        assert all(len(c.label) <= 22 for c in match.explanation.components)
        assert sum(c.contribution for c in match.explanation.components) == pytest.approx(
            match.score, abs=1e-3)
    best = tiny_engine.offers_for_profile(profile, top_k=1)[0]
    values = {c.name: c for c in best.explanation.components}
    assert values["experience"].value == 1.0  # beginners accepted
    assert values["freshness"].weight > 0


def test_widening_adds_synonyms_and_core_skills_with_reasons(tiny_engine: Engine) -> None:
    profile = tiny_engine.profiles.get("P-AGRI")
    assert profile is not None
    from matcher.queries import query_for_profile

    narrow = query_for_profile(profile, tiny_engine.taxonomy)
    query = widen(narrow, tiny_engine.taxonomy)
    # Widening adds titles and codes; it keeps what the narrow query looked for.
    assert query.keyword.concepts == narrow.keyword.concepts != ()
    assert query.keyword.max_text_terms == narrow.keyword.max_text_terms is not None
    assert set(narrow.keyword.titles) < set(query.keyword.titles)
    kinds = {key.split(":", 1)[0] for key in query.expansions}
    assert {"parent", "skill"} <= kinds
    assert all("poids" in reason for reason in query.expansions.values())
    wide = tiny_engine.offers_for_profile(profile.model_copy(update={"radius_km": 100}),
                                          top_k=5, widen=True, include_weak=True)
    forest = next(m for m in wide if m.id == "OF-FORET-1")
    assert any("A1101" in reason for reason in forest.explanation.retrieval.expansions)
