"""Employer targeting: the pool summary on hand-made matches, and the real pipeline on the
hand-written fixtures."""

from __future__ import annotations

from indexer.models import Offer
from matcher.analytics.pool import (
    HARD_TO_FILL_BELOW,
    STRONG_SCORE,
    candidate_pool,
    hard_to_fill,
    summarise_pool,
)
from matcher.engine import Engine
from matcher.results import Explanation, Match, SkillRef

S1 = SkillRef("1", "Encaisser", "required")
S2 = SkillRef("2", "Conseiller", "wished")


def _match(pid: str, score: float, relation: str | None, distance: float | None,
           missing: tuple[SkillRef, ...]) -> Match:
    return Match(pid, score, Explanation(components=(), missing_skills=missing,
                                         distance_km=distance, occupation_relation=relation))


def test_summary_counts_by_hand() -> None:
    offer = Offer(id="O", title="Vendeur", rome_code="D1214")
    matches = [
        _match("a", 0.8, "même métier (D1214)", 5.0, (S1,)),
        _match("b", 0.6, "métier voisin : même fiche parente (D1214 ~ D1211)", 25.0, (S1, S2)),
        _match("c", 0.3, None, 70.0, (S2,)),
    ]
    pool = summarise_pool(offer, matches)
    assert STRONG_SCORE == 0.5 and HARD_TO_FILL_BELOW == 3
    assert (pool.candidates, pool.strong) == (3, 2)          # a and b score ≥ 0.5
    assert pool.by_relation == {"même métier": 1, "métier voisin": 1}
    assert pool.by_distance == {"moins de 10 km": 1, "10 à 30 km": 1}
    assert pool.missing_over == "candidats forts"
    # over a and b: S1 missing twice, S2 once (c is not counted)
    assert [(m.label, m.lacking) for m in pool.missing_skills] == [("Encaisser", 2),
                                                                   ("Conseiller", 1)]
    assert pool.hard_to_fill                                 # 2 < 3


def test_without_strong_candidates_the_whole_pool_is_counted() -> None:
    offer = Offer(id="O", title="Vendeur")
    pool = summarise_pool(offer, [_match("c", 0.3, None, None, (S2,))])
    assert pool.strong == 0 and pool.missing_over == "tout le vivier"
    assert [(m.label, m.lacking) for m in pool.missing_skills] == [("Conseiller", 1)]
    empty = summarise_pool(offer, [])
    assert (empty.candidates, empty.strong, empty.missing_skills) == (0, 0, [])


def test_real_pool_and_hard_to_fill_ranking(tiny_engine: Engine) -> None:
    offers = [o for o in tiny_engine.offers]
    vente = tiny_engine.offers.get("OF-VENTE-1")
    assert vente is not None
    pool = candidate_pool(tiny_engine, vente)
    assert pool.candidates >= pool.strong >= 2        # the two Aubenas sellers at least
    assert candidate_pool(tiny_engine, vente) is pool  # cached
    ranking = hard_to_fill(tiny_engine, offers, top=20)
    assert ranking.offers_in_territory == ranking.offers_considered == 8
    assert hard_to_fill(tiny_engine, offers, limit=3).offers_considered == 3
    assert all(p.strong < HARD_TO_FILL_BELOW for p in ranking.ranked)
    assert [p.strong for p in ranking.ranked] == sorted(p.strong for p in ranking.ranked)
    assert "OF-MARINE-1" in {p.offer_id for p in ranking.ranked}  # no marine mechanic seeker
