"""Local figures shared by both diagnoses: the disc around a place, and one occupation's
offers, seekers, tension and trend in it (from :mod:`matcher.analytics.potential`)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from indexer.models import Place
from matcher.analytics.errors import AnalyticsError
from matcher.analytics.potential import recruitment_potential
from matcher.analytics.snapshot import Snapshot
from matcher.analytics.territory import Territory, TerritoryKind
from skills_taxonomy import Taxonomy

RADIUS_STEPS_KM = (10.0, 20.0, 30.0, 50.0, 80.0, 120.0)
"""The radii a widening is tried at (the next ones above the current radius)."""


@dataclass(frozen=True, slots=True)
class LocalMarket:
    """One occupation around one place, from the index.

    ``offers``: indexed offers of the occupation within the radius; ``recent_offers`` /
    ``previous_offers``: created in the last 4 weeks / the 4 before, counted back from the
    newest offer of the index (``trend`` is "hausse", "baisse" or "stable");
    ``seekers``: indexed seekers targeting the occupation within the radius (the person
    diagnosed excluded); ``tension``: offers per seeker (None without seekers).
    """

    occupation: str
    occupation_label: str
    radius_km: float
    place: str
    offers: int
    recent_offers: int
    previous_offers: int
    trend: str
    seekers: int
    tension: float | None
    reference_date: str | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)


def disc(snap: Snapshot, place: Place | None, radius_km: float) -> Territory | None:
    """The disc of ``radius_km`` around a place, or None when the place has no point."""
    location = snap.geo.locate(place)
    if location.point is None:
        return None
    label = (place.label if place and place.label else "") or (location.commune or "")
    return Territory(TerritoryKind.COMMUNE, location.commune or "", label, radius_km,
                     location.point)


def local_market(snap: Snapshot, taxonomy: Taxonomy, code: str, area: Territory,
                 exclude_seeker: str | None = None) -> LocalMarket | None:
    """The figures of ``code`` in ``area``; None when the code is unknown or the index has no
    offer at all."""
    try:
        potential = recruitment_potential(snap, taxonomy, code, area)
    except AnalyticsError:
        return None
    seekers = potential.seekers
    if exclude_seeker is not None and any(
            s.profile.id == exclude_seeker for s in snap.seekers_in(area, code)):
        seekers -= 1
    offers = potential.offers
    return LocalMarket(
        occupation=potential.occupation, occupation_label=potential.occupation_label,
        radius_km=area.radius_km or 0.0, place=area.name, offers=offers,
        recent_offers=potential.trend.recent, previous_offers=potential.trend.previous,
        trend=potential.trend.direction, seekers=seekers,
        tension=round(offers / seekers, 2) if seekers > 0 else None,
        reference_date=potential.reference_date.isoformat() if potential.reference_date
        else None)


def wider_radii(radius_km: float, count: int = 2) -> list[float]:
    """The next ``count`` steps of :data:`RADIUS_STEPS_KM` above ``radius_km``."""
    return [r for r in RADIUS_STEPS_KM if r > radius_km][:count]
