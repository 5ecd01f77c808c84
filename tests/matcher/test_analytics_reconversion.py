"""Reconversion suggestions on the hand-written fixtures, scores computed by hand.

Mini ROME (tests/fixtures/rome4_mini): D1214 → D1211 (rank 1), M1203 (2), I1601 (3);
A1101 → A1102 (1). Core items: D1211 {100010}; M1203 {100030}; I1601 {100020, 200004};
A1102 {100003}. Score = 0.5 × coverage + 0.3 × n/(n+3) + 0.2 × 0.5^(d/25).
"""

from __future__ import annotations

import pytest

from indexer.models import Profile
from matcher.analytics.errors import AnalyticsError
from matcher.analytics.reconversion import suggest
from matcher.analytics.snapshot import snapshot
from matcher.engine import Engine


def _profile(engine: Engine, profile_id: str) -> Profile:
    profile = engine.profiles.get(profile_id)
    assert profile is not None
    return profile


def test_suggestions_for_the_saleswoman(tiny_engine: Engine) -> None:
    # P-VENDEUSE: D1214, skills 100010 and 100011, Aubenas, radius 30 km.
    result = suggest(snapshot(tiny_engine), tiny_engine.taxonomy,
                     _profile(tiny_engine, "P-VENDEUSE"))
    assert [s.code for s in result.suggestions] == ["D1211", "M1203", "I1601"]
    sport, compta, marine = result.suggestions
    # D1211: core {100010} held → coverage 1; OF-SPORT-1 at 1.89 km → n = 1, potential 0.25,
    # proximity 0.5^(1.8924/25) = 0.9489; score 0.5 + 0.075 + 0.1898 = 0.7648.
    assert (sport.coverage, sport.potential, sport.proximity) == (1.0, 0.25, 0.9489)
    assert sport.score == pytest.approx(0.7648, abs=1e-4)
    assert sport.core_missing == [] and [g.code for g in sport.core_held] == ["100010"]
    assert sport.links == ["évolution possible depuis « Vendeur / Vendeuse en prêt-à-porter »",
                           "1 compétence clé en commun"]
    assert [o.id for o in sport.offers] == ["OF-SPORT-1"] and sport.nearest_km == 1.9
    # M1203: core {100030} not held → 0; OF-COMPTA-1 in Aubenas itself → 0.075 + 0.2.
    assert compta.score == pytest.approx(0.275, abs=1e-4)
    assert [g.label for g in compta.core_missing] == ["Établir un bilan comptable"]
    # I1601: nothing held, OF-MARINE-1 is 50 km away, beyond 30 km → 0.
    assert marine.score == 0.0 and marine.offers == [] and marine.nearest_km is None
    assert {g.code for g in marine.core_missing} == {"100020", "200004"}


def test_suggestions_for_the_farm_worker(tiny_engine: Engine) -> None:
    # P-AGRI: A1101, skill 100001, Saint-Péray, radius 50 km. A1102's core {100003} is not
    # held; OF-FORET-1 in Privas at 30.31 km → 0.3 × 0.25 + 0.2 × 0.5^(30.31/25) = 0.1614.
    result = suggest(snapshot(tiny_engine), tiny_engine.taxonomy,
                     _profile(tiny_engine, "P-AGRI"))
    [forest] = result.suggestions
    assert forest.code == "A1102"
    assert forest.score == pytest.approx(0.1614, abs=1e-4)
    assert [g.label for g in forest.core_missing] == ["Abattre un arbre"]


def test_a_seeker_without_occupation_is_refused(tiny_engine: Engine) -> None:
    with pytest.raises(AnalyticsError, match="aucun métier"):
        suggest(snapshot(tiny_engine), tiny_engine.taxonomy, Profile(id="X"))


def test_a_seeker_without_place_gets_skill_only_scores(tiny_engine: Engine) -> None:
    profile = _profile(tiny_engine, "P-VENDEUSE").model_copy(update={"place": None})
    result = suggest(snapshot(tiny_engine), tiny_engine.taxonomy, profile)
    assert result.messages and result.suggestions[0].code == "D1211"
    assert result.suggestions[0].score == 0.5     # coverage 1 × 0.5, no potential, no distance
