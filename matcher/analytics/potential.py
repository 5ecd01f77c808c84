"""Recruitment potential of an occupation in a territory.

Figures, all from the index (nothing is estimated):

- ``offers``: indexed offers of the occupation placed in the territory (the index keeps no
  closing date: every indexed offer counts as open);
- ``weeks``: offers of the occupation in the territory created in each of the last ``weeks``
  weeks, counted back from the most recent ``created_at`` of the whole index (not today);
- ``seekers``: indexed seekers whose ``rome_codes`` include the occupation, living in it;
- ``tension`` = offers / seekers (offers per seeker); above 1 there are more offers than
  seekers (employers compete), below 1 seekers compete; ``None`` ("n/a") without seekers;
- ``experience_share`` / ``licence_share``: share of those offers that require experience
  (``experienceExige`` = E) / name a driving licence; ``None`` without offers;
- ``better_nearby``: the nearest territories of the same kind with strictly more offers of the
  occupation (for a commune: discs of the same radius around the communes holding offers).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Any

from indexer.distance import haversine_km
from matcher.analytics.errors import NoData
from matcher.analytics.occupations import resolve_occupation
from matcher.analytics.snapshot import PlacedOffer, Snapshot
from matcher.analytics.territory import Location, Territory, TerritoryKind
from skills_taxonomy import Taxonomy

DEFAULT_WEEKS = 12
TREND_WEEKS = 4
MAX_BETTER = 5


@dataclass(frozen=True, slots=True)
class WeekCount:
    """Offers created from ``start`` to ``end`` (both included)."""

    start: date
    end: date
    offers: int


@dataclass(frozen=True, slots=True)
class Trend:
    """Offers created in the last ``TREND_WEEKS`` weeks against the ``TREND_WEEKS`` before."""

    recent: int
    previous: int
    direction: str

    @classmethod
    def of(cls, weeks: list[WeekCount]) -> Trend:
        """From a chronological weekly series."""
        recent = sum(w.offers for w in weeks[-TREND_WEEKS:])
        previous = sum(w.offers for w in weeks[-2 * TREND_WEEKS:-TREND_WEEKS])
        direction = "hausse" if recent > previous else "baisse" if recent < previous \
            else "stable"
        return cls(recent, previous, direction)


@dataclass(frozen=True, slots=True)
class AreaFigures:
    """Offers, seekers and tension of one occupation in one area."""

    kind: str
    code: str
    name: str
    offers: int
    seekers: int
    tension: float | None
    distance_km: float | None = None


@dataclass(frozen=True, slots=True)
class Potential:
    """The recruitment potential of an occupation in a territory (see the module docstring)."""

    occupation: str
    occupation_label: str
    territory: Territory
    offers: int
    seekers: int
    tension: float | None
    experience_share: float | None
    licence_share: float | None
    reference_date: date | None
    weeks: list[WeekCount]
    trend: Trend
    by_department: list[AreaFigures]
    better_nearby: list[AreaFigures]
    offer_ids: list[str]
    offers_without_place: int
    messages: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (dates as ISO strings)."""
        data = asdict(self)
        data["territory"] = self.territory.to_dict()
        data["reference_date"] = _iso(self.reference_date)
        data["weeks"] = [{"start": w.start.isoformat(), "end": w.end.isoformat(),
                          "offers": w.offers} for w in self.weeks]
        return data


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def tension(offers: int, seekers: int) -> float | None:
    """Offers per seeker, rounded to 2 decimals; None when there is no seeker."""
    return round(offers / seekers, 2) if seekers > 0 else None


def share(part: int, whole: int) -> float | None:
    """``part / whole`` rounded to 3 decimals; None when ``whole`` is 0."""
    return round(part / whole, 3) if whole > 0 else None


def weekly_counts(days: Iterable[date | None], reference: date | None,
                  weeks: int = DEFAULT_WEEKS) -> list[WeekCount]:
    """Chronological weekly counts: week k (0 = latest) covers ``reference - 7k - 6`` to
    ``reference - 7k``; days outside the window or unknown are not counted."""
    if reference is None or weeks <= 0:
        return []
    counts: Counter[int] = Counter()
    for day in days:
        if day is not None and day <= reference:
            k = (reference - day).days // 7
            if k < weeks:
                counts[k] += 1
    return [WeekCount(reference - timedelta(days=7 * k + 6), reference - timedelta(days=7 * k),
                      counts[k]) for k in reversed(range(weeks))]


def recruitment_potential(snap: Snapshot, taxonomy: Taxonomy, code: str,
                          territory: Territory, weeks: int = DEFAULT_WEEKS) -> Potential:
    """The potential of occupation ``code`` in ``territory``; raises on an unknown code or an
    empty index."""
    code, label = resolve_occupation(taxonomy, code)
    if not snap.offers:
        raise NoData("l'index ne contient aucune offre : indexez des offres "
                     "(emploi index) avant de calculer un potentiel de recrutement")
    offers = snap.offers_in(territory, code)
    seekers = snap.seekers_in(territory, code)
    reference = snap.reference_date
    series = weekly_counts((o.created for o in offers), reference, weeks)
    messages = []
    if not offers and not seekers:
        messages.append(f"Aucune offre ni aucun demandeur pour « {label} » dans ce territoire.")
    elif not seekers:
        messages.append("Aucun demandeur indexé ne vise ce métier ici : la tension "
                        "(offres par demandeur) n'est pas calculable.")
    return Potential(
        occupation=code, occupation_label=label, territory=territory,
        offers=len(offers), seekers=len(seekers), tension=tension(len(offers), len(seekers)),
        experience_share=share(sum(1 for o in offers if o.offer.experience == "E"),
                               len(offers)),
        licence_share=share(sum(1 for o in offers if o.offer.licences), len(offers)),
        reference_date=reference, weeks=series, trend=Trend.of(series),
        by_department=by_department(snap, code),
        better_nearby=better_nearby(snap, code, territory, len(offers)),
        offer_ids=[o.offer.id for o in _latest_first(offers)],
        offers_without_place=sum(1 for o in snap.offers_of(code)
                                 if o.location.department is None and o.location.point is None),
        messages=messages,
    )


def _latest_first(offers: list[PlacedOffer]) -> list[PlacedOffer]:
    return sorted(offers, key=lambda o: (o.created or date.min, o.offer.id), reverse=True)


def by_department(snap: Snapshot, code: str) -> list[AreaFigures]:
    """Offers and seekers of the occupation in every département that has either, most
    offers first."""
    offers = Counter(o.location.department for o in snap.offers_of(code)
                     if o.location.department)
    seekers = Counter(s.location.department for s in snap.seekers_of(code)
                      if s.location.department)
    rows = [AreaFigures(TerritoryKind.DEPARTMENT.value, dep, snap.geo.department_name(dep),
                        offers[dep], seekers[dep], tension(offers[dep], seekers[dep]))
            for dep in set(offers) | set(seekers)]
    return sorted(rows, key=lambda r: (-r.offers, -r.seekers, r.code))


def better_nearby(snap: Snapshot, code: str, territory: Territory,
                  offers_here: int) -> list[AreaFigures]:
    """The nearest territories of the same kind with strictly more offers of ``code``."""
    if territory.kind is TerritoryKind.COMMUNE:
        return _better_discs(snap, code, territory, offers_here)
    kind = territory.kind
    origin = snap.geo.centroid(kind, territory.code)

    def area_of(location: Location) -> str | None:
        return location.department if kind is TerritoryKind.DEPARTMENT else location.region

    offers = Counter(area_of(o.location) for o in snap.offers_of(code))
    seekers = Counter(area_of(s.location) for s in snap.seekers_of(code))
    rows = []
    for area, count in offers.items():
        if area is None or area == territory.code or count <= offers_here:
            continue
        centre = snap.geo.centroid(kind, area)
        distance = round(haversine_km(origin, centre), 1) if origin and centre else None
        name = snap.geo.department_name(area) if kind is TerritoryKind.DEPARTMENT \
            else snap.geo.region_name(area)
        rows.append(AreaFigures(kind.value, area, name, count, seekers[area],
                                tension(count, seekers[area]), distance))
    return _nearest(rows)


def _better_discs(snap: Snapshot, code: str, territory: Territory,
                  offers_here: int) -> list[AreaFigures]:
    rows = []
    communes = {o.location.commune for o in snap.offers_of(code) if o.location.commune}
    for commune_code in sorted(communes - {territory.code}):
        commune = snap.geo.gazetteer.commune(commune_code)
        if commune is None or commune.point is None:
            continue
        disc = Territory(TerritoryKind.COMMUNE, commune.code, commune.name,
                         territory.radius_km, commune.point)
        count = len(snap.offers_in(disc, code))
        if count <= offers_here:
            continue
        seekers = len(snap.seekers_in(disc, code))
        distance = snap.geo.distance(territory, Location(point=commune.point))
        rows.append(AreaFigures(TerritoryKind.COMMUNE.value, commune.code, commune.name, count,
                                seekers, tension(count, seekers),
                                None if distance is None else round(distance, 1)))
    return _nearest(rows)


def _nearest(rows: list[AreaFigures]) -> list[AreaFigures]:
    return sorted(rows, key=lambda r: (r.distance_km is None, r.distance_km or 0.0,
                                       -r.offers, r.code))[:MAX_BETTER]
