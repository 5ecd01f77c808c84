"""The matcher on a real engine over hand-written offers and profiles."""

from __future__ import annotations

import pytest

from indexer.models import Profile, SkillTag
from matcher.engine import Engine, SeekerQuery, with_tags


def _ids(matches: list) -> list[str]:  # type: ignore[type-arg]
    return [m.id for m in matches]


def _profile(engine: Engine, profile_id: str) -> Profile:
    profile = engine.profiles.get(profile_id)
    assert profile is not None
    return profile


def test_seeker_gets_her_occupation_first_within_radius_and_contract(
        tiny_engine: Engine) -> None:
    matches = tiny_engine.offers_for_profile(_profile(tiny_engine, "P-VENDEUSE"), top_k=10)
    ids = _ids(matches)
    assert ids[0] == "OF-VENTE-1"
    # CDD offer (contract filter), far offers (30 km radius) and the offer without a place
    # (a geo filter needs a place) never appear.
    assert "OF-VENTE-2" not in ids
    assert not {"OF-AGRI-1", "OF-MARINE-1", "OF-SANS-LIEU"} & set(ids)
    assert all(m.explanation.distance_km is not None and m.explanation.distance_km <= 30
               for m in matches)


def test_explanation_adds_up(tiny_engine: Engine) -> None:
    best = tiny_engine.offers_for_profile(_profile(tiny_engine, "P-VENDEUSE"), top_k=1)[0]
    explanation = best.explanation
    assert sum(c.contribution for c in explanation.components) == pytest.approx(best.score,
                                                                                abs=1e-3)
    assert sum(c.share for c in explanation.components) == pytest.approx(1.0, abs=1e-3)
    assert {s.code for s in explanation.matched_skills} == {"100010", "100011"}
    assert [s.label for s in explanation.missing_skills] == ["Techniques de vente"]
    assert explanation.occupation_relation == (
        "même métier : Vendeur / Vendeuse en prêt-à-porter (D1214)")
    assert explanation.distance_km == pytest.approx(0.0, abs=0.1)
    assert any("rayon de 30 km" in reason for reason in explanation.filters)


def test_gendered_titles_and_protected_attributes_rank_identically(
        tiny_engine: Engine) -> None:
    # P-VENDEUSE and P-VENDEUR differ only by the title's gender and personal data.
    feminine = tiny_engine.offers_for_profile(_profile(tiny_engine, "P-VENDEUSE"), top_k=10)
    masculine = tiny_engine.offers_for_profile(_profile(tiny_engine, "P-VENDEUR"), top_k=10)
    assert _ids(feminine) == _ids(masculine)
    assert [m.score for m in feminine] == pytest.approx([m.score for m in masculine], abs=0.02)


def test_candidates_for_an_offer(tiny_engine: Engine) -> None:
    offer = tiny_engine.offers.get("OF-COMPTA-1")
    assert offer is not None
    matches = tiny_engine.candidates_for_offer(offer, top_k=4)
    assert matches[0].id == "P-COMPTA"
    assert matches[0].explanation.matched_skills


def test_free_text_search_around_a_commune(tiny_engine: Engine) -> None:
    query = SeekerQuery(text="mécanicien bateau", titles=("Mécanicien de marine",),
                        commune="07281", radius_km=10)
    matches = tiny_engine.search_offers(query, top_k=5)
    assert _ids(matches)[0] == "OF-MARINE-1"
    assert all(m.explanation.distance_km is not None and m.explanation.distance_km <= 10
               for m in matches)


def test_a_search_with_nothing_to_compare_but_words_still_finds_matches(
        tiny_engine: Engine) -> None:
    # "vendeur" alone is below the reader's confidence for an occupation, and a visitor
    # lists no skills: neither can be judged, so the words decide (the visitor's journey).
    query = SeekerQuery(titles=("vendeur",), commune="07019", radius_km=40)
    assert not tiny_engine.profile_from_query(query).occupation_tags
    matches = tiny_engine.search_offers(query, top_k=5)
    assert "OF-VENTE-1" in _ids(matches)
    assert all(m.level is not None for m in matches)


def test_unknown_commune_is_a_clear_error(tiny_engine: Engine) -> None:
    with pytest.raises(ValueError, match="unknown commune '99999'"):
        tiny_engine.search_offers(SeekerQuery(text="vente", commune="99999"))


def test_widening_brings_neighbouring_occupations_with_reasons(tiny_engine: Engine) -> None:
    profile = _profile(tiny_engine, "P-AGRI").model_copy(update={"radius_km": 100})
    narrow = tiny_engine.offers_for_profile(profile, top_k=3, include_weak=True)
    wide = tiny_engine.offers_for_profile(profile, top_k=3, widen=True, include_weak=True)
    assert _ids(narrow)[0] == _ids(wide)[0] == "OF-AGRI-1"
    forest = next(m for m in wide if m.id == "OF-FORET-1")
    assert forest.explanation.retrieval.expansions
    assert "A1101" in forest.explanation.retrieval.expansions[0]


def test_tag_preview_lists_entering_and_leaving_offers(tiny_engine: Engine) -> None:
    profile = _profile(tiny_engine, "P-COMPTA").model_copy(update={"radius_km": 100})
    add = [SkillTag(code="100021", label="Réparer un moteur de bateau"),
           SkillTag(code="100020", label="Monter un accastillage")]
    preview = tiny_engine.preview_tags(profile, add=add, remove=["100030", "200005"], top_k=3)
    before, after = _ids(preview.before), _ids(preview.after)
    assert "OF-MARINE-1" not in before
    assert "OF-MARINE-1" in after  # its skills are now all covered
    assert preview.entered == [i for i in after if i not in before]
    assert preview.left == [i for i in before if i not in after]
    assert preview.profile_after is not None
    assert {s.code for s in preview.profile_after.skills} == {"100021", "100020"}
    assert {s.code for s in profile.skills} == {"100030", "200005"}  # not saved


def test_tag_preview_counts_an_occupation_change_as_saving_would(tiny_engine: Engine) -> None:
    profile = _profile(tiny_engine, "P-VENDEUSE").model_copy(update={"radius_km": 100})
    preview = tiny_engine.preview_change(profile, with_tags(profile, [], ["M1203"]), top_k=5)
    read = preview.profile_after.concepts if preview.profile_after is not None else None
    assert read is not None and "M1203" in {t.rome_code for t in read.occupations}
    assert "OF-COMPTA-1" in _ids(preview.after) and "OF-COMPTA-1" not in _ids(preview.before)


def test_candidates_of_either_gender_score_the_same(tiny_engine: Engine) -> None:
    offer = tiny_engine.offers.get("OF-SANS-LIEU")  # "Vendeuse à domicile"
    assert offer is not None
    scores = {m.id: m.score for m in tiny_engine.candidates_for_offer(offer, top_k=10)}
    assert scores["P-VENDEUSE"] == pytest.approx(scores["P-VENDEUR"], abs=1e-9)
