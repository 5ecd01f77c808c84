"""Time to return to work: Kaplan–Meier estimates from seekers' unemployment spells.

No outcome data ships with this project, so nothing here runs unless a spells file is given
(``docs/territory.md`` describes it). The file is a UTF-8 CSV with a header::

    seeker_id,rome_code,commune,start_date,end_date,exit_reason
    S1,D1214,07019,2025-01-06,2025-03-03,emploi
    S2,D1214,07019,2025-01-13,,

``start_date`` / ``end_date`` are ISO dates; an empty ``end_date`` means the spell was still
open when the file was extracted: it is censored at the extraction date, the latest date in
the file. A spell ends in the event (return to work) only when ``exit_reason`` is ``emploi``;
any other exit (training, deregistration, ...) is censored at its end date.
"""

from __future__ import annotations

import csv
import logging
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any

from matcher.analytics.errors import AnalyticsError

logger = logging.getLogger(__name__)

EVENT_REASON = "emploi"
COLUMNS = ("seeker_id", "rome_code", "commune", "start_date", "end_date", "exit_reason")
MIN_SPELLS = 20
HORIZONS_DAYS = (91, 182, 365)


@dataclass(frozen=True, slots=True)
class Spell:
    """One unemployment spell."""

    seeker_id: str
    rome_code: str
    commune: str
    start: date
    end: date | None
    exit_reason: str


@dataclass(frozen=True, slots=True)
class Duration:
    """A spell as survival data: ``days`` followed and whether it ended in a return to work."""

    days: int
    event: bool


@dataclass(frozen=True, slots=True)
class KmStep:
    """The survival curve just after ``day``: at risk, events, and S(day)."""

    day: int
    at_risk: int
    events: int
    survival: float


@dataclass(frozen=True, slots=True)
class KmEstimate:
    """A Kaplan–Meier curve and its summaries."""

    spells: int
    events: int
    steps: list[KmStep]
    median_days: int | None
    still_unemployed: dict[int, float | None]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        data = asdict(self)
        data["still_unemployed"] = {str(k): v for k, v in self.still_unemployed.items()}
        return data


def read_spells(path: Path) -> list[Spell]:
    """The spells of a CSV file; a missing column or a bad date is an :class:`AnalyticsError`
    naming the line."""
    spells: list[Spell] = []
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or ())]
        if missing:
            raise AnalyticsError(f"{path.name} : colonnes manquantes {', '.join(missing)}")
        for line, row in enumerate(reader, start=2):
            try:
                start = date.fromisoformat(row["start_date"].strip())
                end_text = (row["end_date"] or "").strip()
                end = date.fromisoformat(end_text) if end_text else None
            except ValueError as error:
                raise AnalyticsError(f"{path.name}, ligne {line} : date invalide ({error})") \
                    from None
            if end is not None and end < start:
                raise AnalyticsError(f"{path.name}, ligne {line} : fin avant le début")
            spells.append(Spell(row["seeker_id"].strip(), row["rome_code"].strip().upper(),
                                row["commune"].strip(), start, end,
                                (row["exit_reason"] or "").strip().lower()))
    logger.info("read %d spells from %s", len(spells), path)
    return spells


def durations(spells: Sequence[Spell]) -> list[Duration]:
    """Spells as (days, event); open spells are censored at the latest date of the spells."""
    if not spells:
        return []
    extraction = max(max(s.start, s.end or s.start) for s in spells)
    return [Duration(((s.end or extraction) - s.start).days,
                     s.end is not None and s.exit_reason == EVENT_REASON) for s in spells]


def kaplan_meier(data: Iterable[Duration]) -> KmEstimate:
    """The product-limit estimate S(t) = Π_{t_i ≤ t} (1 − d_i / n_i) over the event days t_i,
    with d_i events and n_i spells still followed at t_i (a spell censored on an event day
    counts as at risk that day)."""
    items = sorted(data, key=lambda d: d.days)
    events_at: Counter[int] = Counter(d.days for d in items if d.event)
    leaving_at: Counter[int] = Counter(d.days for d in items)
    at_risk = len(items)
    survival = 1.0
    steps: list[KmStep] = []
    for day in sorted(leaving_at):
        events = events_at[day]
        if events:
            survival *= 1.0 - events / at_risk
            steps.append(KmStep(day, at_risk, events, round(survival, 6)))
        at_risk -= leaving_at[day]
    median = next((s.day for s in steps if s.survival <= 0.5), None)
    longest = items[-1].days if items else 0
    horizon = {h: (_survival_at(steps, h) if h <= longest else None) for h in HORIZONS_DAYS}
    return KmEstimate(len(items), sum(events_at.values()), steps, median, horizon)


def _survival_at(steps: Sequence[KmStep], day: int) -> float:
    value = 1.0
    for step in steps:
        if step.day > day:
            break
        value = step.survival
    return value
