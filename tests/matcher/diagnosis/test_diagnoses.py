"""Seeker and offer diagnoses on the tiny engine (tests/fixtures/engine): the expected
figures are worked out by hand from those 8 offers and 4 profiles."""

from __future__ import annotations

from indexer.models import Offer, Place, Profile, SkillTag
from matcher.diagnosis.offer import diagnose_offer
from matcher.diagnosis.seeker import OPEN_SCORE, diagnose_seeker, open_offers
from matcher.diagnosis.sentences import offer_sentences, seeker_sentences
from matcher.engine import Engine

AUBENAS = Place(label="Aubenas", commune="07019")


def profile(engine: Engine, profile_id: str) -> Profile:
    found = engine.profiles.get(profile_id)
    assert found is not None
    return found


def test_core_skills_held_and_missing_of_the_target_occupation(tiny_engine: Engine) -> None:
    diagnosis = diagnose_seeker(tiny_engine, profile(tiny_engine, "P-VENDEUSE"))
    [occupation] = diagnosis.occupations
    assert occupation.code == "D1214"
    status = {skill.code: skill.status for skill in occupation.core_skills}
    # D1214's core items in the mini ROME: 100010 (held), 100013 and 200002 (not held)
    assert set(status) == {"100010", "100013", "200002"}
    assert status["100010"] == "held"
    assert status["100013"] in ("close", "missing") and status["200002"] in ("close",
                                                                            "missing")


def test_local_market_counts_offers_and_other_seekers_nearby(tiny_engine: Engine) -> None:
    diagnosis = diagnose_seeker(tiny_engine, profile(tiny_engine, "P-VENDEUSE"))
    market = diagnosis.occupations[0].market
    assert market is not None and market.radius_km == 30
    # D1214 offers within 30 km of Aubenas: OF-VENTE-1 (Aubenas), OF-VENTE-2 (Privas, ~20 km);
    # OF-SANS-LIEU has no place. Other D1214 seekers: P-VENDEUR (Aubenas).
    assert market.offers == 2
    assert market.seekers == 1
    assert market.tension == 2.0


def test_widening_the_radius_opens_the_offer_beyond_it(tiny_engine: Engine) -> None:
    # OF-VENTE-2 is a CDD in Privas, ~20 km from Aubenas: open the contract filter, shrink
    # the radius to 10 km.
    seeker = profile(tiny_engine, "P-VENDEUSE").model_copy(
        update={"radius_km": 10.0, "contract_types": []})
    before = open_offers(tiny_engine, seeker)
    assert "OF-VENTE-2" not in before
    diagnosis = diagnose_seeker(tiny_engine, seeker)
    assert diagnosis.open_offers == len(before)
    radius_actions = [a for a in diagnosis.actions if a.kind == "rayon"]
    assert radius_actions, diagnosis.actions
    assert all(a.opened == len(a.opened_ids) or a.opened > 5 for a in diagnosis.actions)
    widest = max(radius_actions, key=lambda a: a.radius_km)
    assert "OF-VENTE-2" in widest.opened_ids
    after = open_offers(tiny_engine, seeker.model_copy(update={"radius_km": widest.radius_km}))
    assert set(widest.opened_ids) == set(after) - set(before)
    assert all(score >= OPEN_SCORE for score in after.values())
    assert [a.opened for a in diagnosis.actions] == sorted(
        (a.opened for a in diagnosis.actions), reverse=True)
    assert len(diagnosis.actions) <= 3


def test_missing_place_and_occupation_are_said_not_guessed(tiny_engine: Engine) -> None:
    bare = Profile(id="P-NU", skills=[SkillTag(code="100010",
                                               label="Conseiller un client sur un produit")])
    diagnosis = diagnose_seeker(tiny_engine, bare)
    assert diagnosis.occupations == ()
    text = " ".join(diagnosis.missing_data)
    assert "Lieu de résidence inconnu" in text and "Aucun métier visé" in text
    assert not any(a.kind == "rayon" for a in diagnosis.actions)


def test_seeker_sentences_are_french_and_carry_the_numbers(tiny_engine: Engine) -> None:
    diagnosis = diagnose_seeker(tiny_engine, profile(tiny_engine, "P-VENDEUSE"))
    lines = seeker_sentences(diagnosis)
    assert any("Vendeur / Vendeuse en prêt-à-porter (D1214)" in line for line in lines)
    assert any("2 offres" in line and "1 autre demandeur" in line for line in lines)


def test_offer_title_skills_pool_and_duration(tiny_engine: Engine) -> None:
    offer = tiny_engine.offers.get("OF-VENTE-2")
    assert offer is not None
    diagnosis = diagnose_offer(tiny_engine, offer)
    skills = diagnosis.skills
    assert skills is not None
    assert {s.code for s in skills.core_listed} == {"100010"}
    assert {s.code for s in skills.core_missing} == {"100013", "200002"}
    assert skills.unusual == ()
    pool = diagnosis.pool
    assert pool is not None and pool.radius_km == 60
    # D1214 seekers within 60 km of Privas: P-VENDEUSE and P-VENDEUR (3 years each);
    # the offer requires experience (E): both meet it.
    assert pool.seekers == 2
    [experience] = pool.requirements
    assert (experience.name, experience.meet, experience.fail, experience.unknown) == \
        ("experience", 2, 0, 0)
    assert pool.meet_all == 2
    duration = diagnosis.duration
    assert not duration.estimable
    assert duration.offer_age_days == 56  # 2025-04-02 → newest offer (OF-MARINE-1) 05-28
    # the other D1214 offers with a date: OF-VENTE-1 (2025-05-20), 8 days old
    assert (duration.comparable_offers, duration.comparable_median_age_days) == (1, 8.0)
    assert diagnosis.legality.is_clean  # "Conseillère de vente en boutique H/F"


def test_offer_widenings_count_neighbouring_seekers(tiny_engine: Engine) -> None:
    offer = tiny_engine.offers.get("OF-VENTE-2")
    assert offer is not None
    widenings = {(w.kind, w.target): w.added for w in diagnose_offer(tiny_engine,
                                                                     offer).widenings}
    # D1214 → M1203 is a ROME mobility; P-COMPTA (M1203) lives in Privas.
    assert widenings.get(("metier", "M1203")) == 1
    assert all(added > 0 for added in widenings.values())


def test_offer_with_wrong_code_unusual_skill_and_bad_wording(tiny_engine: Engine) -> None:
    offer = Offer(id="X-1", title="Conducteur d'engins agricoles", rome_code="D1214",
                  description="Jeune homme de moins de 25 ans, bonne présentation.",
                  skills=[SkillTag(code="100001", label="Conduire un engin agricole")],
                  place=AUBENAS)
    diagnosis = diagnose_offer(tiny_engine, offer)
    assert diagnosis.title.normalised_code == "A1101"
    assert diagnosis.title.relation in ("autre_metier", "metier_voisin")
    assert diagnosis.skills is not None
    assert [s.code for s in diagnosis.skills.unusual] == ["100001"]
    categories = {f.category.value for f in diagnosis.legality.flags}
    assert {"age", "apparence"} <= categories
    lines = offer_sentences(diagnosis)
    assert any("bonne présentation" in line.lower() for line in lines)
    assert any("non estimable" in line for line in lines)


def test_offer_without_place_says_what_cannot_be_computed(tiny_engine: Engine) -> None:
    offer = tiny_engine.offers.get("OF-SANS-LIEU")
    assert offer is not None
    diagnosis = diagnose_offer(tiny_engine, offer)
    assert diagnosis.pool is None and diagnosis.market is None
    assert any("Lieu de travail inconnu" in line for line in diagnosis.missing_data)
    assert [f.rule_id for f in diagnosis.legality.flags] == ["sexe.intitule_feminin"]
