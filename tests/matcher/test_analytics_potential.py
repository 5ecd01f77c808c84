"""Recruitment potential on the hand-written fixtures (tests/fixtures/engine), values by hand.

Fixture facts used below (offers.jsonl, profiles.jsonl, geo_mini):
- D1214 offers: OF-VENTE-1 Aubenas 07019, 2025-05-20, experience D; OF-VENTE-2 Privas 07186,
  2025-04-02, experience E; OF-SANS-LIEU has no place. No offer names a licence.
- D1214 seekers: P-VENDEUSE and P-VENDEUR, both in Aubenas.
- The most recent offer of the index is OF-MARINE-1, 2025-05-28: the reference day.
- Distances: Aubenas–Privas 20.07 km, Privas–Saint-Péray 30.31 km.
"""

from __future__ import annotations

from datetime import date

import pytest

from matcher.analytics.errors import AnalyticsError, NoData, UnknownOccupation, UnknownTerritory
from matcher.analytics.potential import (
    Trend,
    WeekCount,
    recruitment_potential,
    share,
    tension,
    weekly_counts,
)
from matcher.analytics.snapshot import Snapshot, describe, snapshot
from matcher.analytics.territory import GeoContext, TerritoryKind
from matcher.engine import Engine

DEP = TerritoryKind.DEPARTMENT
COM = TerritoryKind.COMMUNE


@pytest.fixture
def snap(tiny_engine: Engine) -> Snapshot:
    return snapshot(tiny_engine)


def test_tension_and_share_never_divide_by_zero() -> None:
    assert tension(3, 0) is None
    assert tension(0, 4) == 0.0
    assert tension(3, 2) == 1.5
    assert share(0, 0) is None
    assert share(1, 3) == 0.333


def test_weekly_counts_count_back_from_the_reference_day() -> None:
    ref = date(2025, 5, 28)
    days = [date(2025, 5, 28), date(2025, 5, 22), date(2025, 5, 21), date(2025, 1, 1), None,
            date(2025, 6, 1)]
    weeks = weekly_counts(days, ref, weeks=3)
    # week 0 = 22/05..28/05 holds 28/05 and 22/05; week 1 = 15/05..21/05 holds 21/05;
    # 01/01 is outside the 3 weeks, None is unknown, 01/06 is after the reference day.
    assert weeks == [WeekCount(date(2025, 5, 8), date(2025, 5, 14), 0),
                     WeekCount(date(2025, 5, 15), date(2025, 5, 21), 1),
                     WeekCount(date(2025, 5, 22), date(2025, 5, 28), 2)]
    assert weekly_counts(days, None) == []


def test_trend_compares_the_last_four_weeks_with_the_four_before() -> None:
    weeks = [WeekCount(date(2025, 1, 1), date(2025, 1, 7), n) for n in (9, 1, 0, 2, 0, 1, 1, 0)]
    assert Trend.of(weeks) == Trend(recent=2, previous=12, direction="baisse")  # 0+1+1+0 vs 9+1+0+2


def test_potential_of_d1214_in_ardeche(tiny_engine: Engine, snap: Snapshot) -> None:
    result = recruitment_potential(snap, tiny_engine.taxonomy, "d1214",
                                   snap.geo.territory(DEP, "7"))
    assert result.occupation == "D1214"
    assert result.territory.code == "07" and result.territory.name == "Ardèche"
    assert (result.offers, result.seekers) == (2, 2)
    assert result.tension == 1.0                  # 2 offers / 2 seekers
    assert result.experience_share == 0.5          # OF-VENTE-2 only
    assert result.licence_share == 0.0
    assert result.offers_without_place == 1        # OF-SANS-LIEU
    assert result.reference_date == date(2025, 5, 28)
    counts = [w.offers for w in result.weeks]
    # OF-VENTE-1 is 8 days before 28/05 (week 1), OF-VENTE-2 56 days (week 8); oldest first.
    assert counts == [0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0]
    assert result.weeks[3].start == date(2025, 3, 27)
    assert result.trend == Trend(recent=1, previous=0, direction="hausse")
    assert [(d.code, d.offers, d.seekers, d.tension) for d in result.by_department] == \
        [("07", 2, 2, 1.0)]
    assert result.better_nearby == []
    assert result.offer_ids == ["OF-VENTE-1", "OF-VENTE-2"]  # latest first


def test_potential_around_a_commune(tiny_engine: Engine, snap: Snapshot) -> None:
    small = recruitment_potential(snap, tiny_engine.taxonomy, "D1214",
                                  snap.geo.territory(COM, "07019", 10))
    assert (small.offers, small.seekers, small.tension) == (1, 2, 0.5)  # Privas is 20 km away
    wide = recruitment_potential(snap, tiny_engine.taxonomy, "D1214",
                                 snap.geo.territory(COM, "07019", 25))
    assert (wide.offers, wide.seekers, wide.tension) == (2, 2, 1.0)


def test_no_seeker_gives_no_tension_and_points_to_a_better_place(
        tiny_engine: Engine, snap: Snapshot) -> None:
    result = recruitment_potential(snap, tiny_engine.taxonomy, "A1101",
                                   snap.geo.territory(COM, "07186", 10))
    assert (result.offers, result.seekers, result.tension) == (0, 0, None)
    assert result.experience_share is None and result.licence_share is None
    assert result.messages
    [better] = result.better_nearby           # Saint-Péray's 10 km disc holds OF-AGRI-1
    assert (better.code, better.offers, better.seekers, better.tension) == ("07281", 1, 1, 1.0)
    assert better.distance_km == 30.3


def test_region(tiny_engine: Engine, snap: Snapshot) -> None:
    result = recruitment_potential(snap, tiny_engine.taxonomy, "M1203",
                                   snap.geo.territory(TerritoryKind.REGION, "84"))
    assert (result.offers, result.seekers, result.tension, result.experience_share) == \
        (1, 1, 1.0, 1.0)


def test_a_department_without_data_answers_zero(tiny_engine: Engine, snap: Snapshot) -> None:
    result = recruitment_potential(snap, tiny_engine.taxonomy, "D1214",
                                   snap.geo.territory(DEP, "26"))
    assert (result.offers, result.seekers, result.tension) == (0, 0, None)
    assert "Aucune offre ni aucun demandeur" in result.messages[0]


def test_bad_input(tiny_engine: Engine, snap: Snapshot) -> None:
    ardeche = snap.geo.territory(DEP, "07")
    with pytest.raises(AnalyticsError, match="mal formé"):
        recruitment_potential(snap, tiny_engine.taxonomy, "Z9999", ardeche)
    with pytest.raises(UnknownOccupation):
        recruitment_potential(snap, tiny_engine.taxonomy, "B1234", ardeche)
    with pytest.raises(UnknownTerritory):
        snap.geo.territory(COM, "99999")
    with pytest.raises(UnknownTerritory):
        snap.geo.territory(DEP, "75")
    with pytest.raises(AnalyticsError, match="rayon"):
        snap.geo.territory(COM, "07019", 500)


def test_empty_index(tiny_engine: Engine) -> None:
    empty = Snapshot(GeoContext(tiny_engine.gazetteer), (), ())
    with pytest.raises(NoData):
        recruitment_potential(empty, tiny_engine.taxonomy, "D1214",
                              empty.geo.territory(DEP, "07"))
    assert describe(empty) == "0 offres indexées et 0 profils de demandeurs indexés"


def test_describe_says_what_the_figures_come_from(snap: Snapshot) -> None:
    assert describe(snap) == ("8 offres indexées (CDD, CDI ; Ardèche ; créées du 10/02/2025 au "
                              "28/05/2025) et 4 profils de demandeurs indexés")
