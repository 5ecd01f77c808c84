"""Kaplan–Meier time to return to work on hand-made spells, with the curve computed by hand."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from matcher.analytics.errors import AnalyticsError
from matcher.analytics.return_to_work import UNAVAILABLE, return_to_work
from matcher.analytics.snapshot import snapshot
from matcher.analytics.survival import Duration, KmStep, durations, kaplan_meier, read_spells
from matcher.analytics.territory import TerritoryKind
from matcher.engine import Engine

HEADER = "seeker_id,rome_code,commune,start_date,end_date,exit_reason\n"


def test_kaplan_meier_by_hand() -> None:
    # Days followed (E = return to work, C = censored): 5E 8C 10E 10E 12C 15E.
    # t=5: 6 at risk, 1 event → S = 5/6 = 0.833333
    # t=8: one censored, 4 left; t=10: 4 at risk, 2 events → S = 5/6 × 2/4 = 0.416667
    # t=12: one censored, 1 left; t=15: 1 at risk, 1 event → S = 0.
    data = [Duration(5, True), Duration(8, False), Duration(10, True), Duration(10, True),
            Duration(12, False), Duration(15, True)]
    estimate = kaplan_meier(data)
    assert estimate.steps == [KmStep(5, 6, 1, 0.833333), KmStep(10, 4, 2, 0.416667),
                              KmStep(15, 1, 1, 0.0)]
    assert (estimate.spells, estimate.events, estimate.median_days) == (6, 4, 10)
    assert estimate.still_unemployed == {91: None, 182: None, 365: None}  # followed 15 days


def test_censored_on_an_event_day_is_still_at_risk() -> None:
    # t=3: 3 at risk (the censored one too), 1 event → 2/3; t=6: 1 at risk, 1 event → 0.
    estimate = kaplan_meier([Duration(3, True), Duration(3, False), Duration(6, True)])
    assert [(s.day, s.at_risk, s.survival) for s in estimate.steps] == [(3, 3, 0.666667),
                                                                       (6, 1, 0.0)]


def test_no_event_no_median() -> None:
    estimate = kaplan_meier([Duration(100, False), Duration(400, False)])
    assert estimate.steps == [] and estimate.median_days is None
    assert estimate.still_unemployed == {91: 1.0, 182: 1.0, 365: 1.0}


def test_reading_spells(tmp_path: Path) -> None:
    path = tmp_path / "spells.csv"
    path.write_text(HEADER + "S1,d1214,07019,2025-01-01,2025-01-31,emploi\n"
                             "S2,D1214,07019,2025-01-01,2025-01-11,formation\n"
                             "S3,D1214,07019,2025-01-21,,\n", encoding="utf-8")
    spells = read_spells(path)
    assert [s.rome_code for s in spells] == ["D1214"] * 3
    # S1 30 days, event; S2 10 days, censored (exit to training); S3 open, censored at the
    # extraction date 2025-01-31 → 10 days.
    assert durations(spells) == [Duration(30, True), Duration(10, False), Duration(10, False)]


@pytest.mark.parametrize("body, message", [
    ("seeker_id,rome_code\nS1,D1214\n", "colonnes manquantes"),
    (HEADER + "S1,D1214,07019,2025-13-01,,\n", "ligne 2 : date invalide"),
    (HEADER + "S1,D1214,07019,2025-02-01,2025-01-01,emploi\n", "fin avant le début"),
])
def test_bad_spell_files(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "spells.csv"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(AnalyticsError, match=message):
        read_spells(path)


def test_return_to_work_is_unavailable_without_data(tiny_engine: Engine, tmp_path: Path,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    snap = snapshot(tiny_engine)
    ardeche = snap.geo.territory(TerritoryKind.DEPARTMENT, "07")
    result = return_to_work(None, snap, "D1214", ardeche)
    assert not result.available and result.message == UNAVAILABLE and result.estimate is None
    missing = return_to_work(tmp_path / "absent.csv", snap, "D1214", ardeche)
    assert not missing.available and "introuvable" in missing.message
    broken = tmp_path / "broken.csv"
    broken.write_text("seeker_id\nS1\n", encoding="utf-8")
    with caplog.at_level(logging.ERROR, logger="matcher.analytics.return_to_work"):
        unreadable = return_to_work(broken, snap, "D1214", ardeche)
    # the person reads that the data cannot be read; the administrator's log says why
    assert not unreadable.available and "illisibles" in unreadable.message
    assert "colonnes manquantes" not in unreadable.message
    assert any("colonnes manquantes" in r.getMessage() for r in caplog.records)


def test_return_to_work_by_occupation_and_territory(tiny_engine: Engine, tmp_path: Path) -> None:
    # 20 D1214 spells in Aubenas from 2025-01-01: 10 back to work on 2025-01-31 (30 days),
    # 10 still open, censored at the extraction date 2025-01-31 (30 days too). At t=30: 20 at
    # risk, 10 events → S = 0.5, so the median is 30 days. One spell elsewhere (Drôme-less
    # commune code) and one of another occupation are left out.
    rows = [f"S{i},D1214,07019,2025-01-01,2025-01-31,emploi" for i in range(10)]
    rows += [f"T{i},D1214,07019,2025-01-01,," for i in range(10)]
    rows += ["U1,M1203,07019,2025-01-01,2025-01-02,emploi", "U2,D1214,99999,2025-01-01,,"]
    path = tmp_path / "spells.csv"
    path.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    snap = snapshot(tiny_engine)
    result = return_to_work(path, snap, "D1214",
                            snap.geo.territory(TerritoryKind.DEPARTMENT, "07"))
    assert result.available and result.estimate is not None
    assert (result.estimate.spells, result.estimate.events) == (20, 10)
    assert result.estimate.median_days == 30
    too_few = return_to_work(path, snap, "M1203",
                             snap.geo.territory(TerritoryKind.DEPARTMENT, "07"))
    assert not too_few.available and "1 épisode(s)" in too_few.message
