"""Reconversion suggestions: occupations a seeker could move to, with the skill gap.

Candidates are the ROME mobility targets of the seeker's occupations and the occupations of
the indexed offers that share at least one core skill with the seeker. Each gets a transparent
score, a weighted sum of three values in [0, 1]:

- ``coverage`` (weight 0.5): share of the target's core items (``coeur_metier``) the seeker
  holds, by ROME code;
- ``potential`` (weight 0.3): ``n / (n + 3)`` for the ``n`` offers of the target within the
  seeker's radius (0 offers → 0, 3 → 0.5, 9 → 0.75);
- ``proximity`` (weight 0.2): ``0.5 ** (d / 25 km)`` for the nearest such offer at ``d`` km
  (0 when none); the half-life is the matcher's ``distance_half_life_km``.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from indexer.models import Profile
from matcher.analytics.errors import AnalyticsError
from matcher.analytics.snapshot import PlacedOffer, Snapshot
from matcher.analytics.territory import DEFAULT_RADIUS_KM, Territory, TerritoryKind
from skills_taxonomy import Taxonomy

WEIGHTS = {"coverage": 0.5, "potential": 0.3, "proximity": 0.2}
POTENTIAL_HALF = 3
MAX_OFFERS_LISTED = 10


@dataclass(frozen=True, slots=True)
class SkillGap:
    """A core skill of the target occupation, by ROME code and label."""

    code: str
    label: str


@dataclass(frozen=True, slots=True)
class OpenedOffer:
    """An offer of the target occupation within the seeker's radius."""

    id: str
    title: str
    place: str | None
    distance_km: float | None


@dataclass(frozen=True, slots=True)
class Suggestion:
    """One target occupation, its score and what it is made of."""

    code: str
    label: str
    links: list[str]
    score: float
    coverage: float
    potential: float
    proximity: float
    core_held: list[SkillGap]
    core_missing: list[SkillGap]
    offers_nearby: int
    nearest_km: float | None
    offers: list[OpenedOffer]


@dataclass(frozen=True, slots=True)
class Reconversion:
    """The suggestions for one seeker."""

    profile_id: str
    origins: list[dict[str, str]]
    radius_km: float
    place: str | None
    weights: dict[str, float]
    suggestions: list[Suggestion]
    messages: list[str]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)


def candidate_links(profile: Profile, taxonomy: Taxonomy,
                    offer_codes: set[str]) -> dict[str, list[str]]:
    """Target code → why it is a candidate (mobility rank, shared core skills)."""
    origins = [c for c in profile.rome_codes if c in taxonomy.occupations]
    held = {s.code for s in profile.skills if s.code}
    links: dict[str, list[str]] = {}
    for origin in origins:
        for target, _rank in taxonomy.mobility_targets(origin):
            if target not in origins and target in taxonomy.occupations:
                links.setdefault(target, []).append(
                    f"évolution possible depuis « {taxonomy.occupations[origin].label} »")
    for target in sorted(offer_codes - set(origins)):
        if target not in taxonomy.occupations:
            continue
        shared = sum(1 for link in taxonomy.items_of(target, core_only=True)
                     if link.item.code in held)
        if shared:
            links.setdefault(target, []).append(
                f"{shared} compétence{'s' if shared > 1 else ''} clé{'s' if shared > 1 else ''}"
                " en commun")
    return links


def suggest(snap: Snapshot, taxonomy: Taxonomy, profile: Profile, top: int = 10,
            half_life_km: float = 25.0) -> Reconversion:
    """Ranked reconversion suggestions for ``profile`` (see the module docstring)."""
    origins = [c for c in profile.rome_codes if c in taxonomy.occupations]
    if not origins:
        raise AnalyticsError(f"le profil {profile.id} ne vise aucun métier ROME connu : "
                             "ajoutez-lui un métier avant de chercher une reconversion")
    location = snap.geo.locate(profile.place)
    radius = profile.radius_km or DEFAULT_RADIUS_KM
    messages: list[str] = []
    area: Territory | None = None
    if location.point is None:
        messages.append("Le lieu du demandeur est inconnu : le potentiel local et la distance "
                        "valent 0, seules les compétences comptent.")
    else:
        area = Territory(TerritoryKind.COMMUNE, location.commune or "", profile.place.label
                         if profile.place and profile.place.label else "",
                         radius, location.point)
    held = {s.code for s in profile.skills if s.code}
    links = candidate_links(profile, taxonomy, set(snap.occupations()))
    suggestions = [_suggestion(snap, taxonomy, code, reasons, held, area, half_life_km)
                   for code, reasons in links.items()]
    suggestions.sort(key=lambda s: (-s.score, -s.coverage, s.code))
    if not suggestions:
        messages.append("Aucun métier n'est relié à ceux du demandeur (mobilité ROME ou "
                        "compétences clés communes).")
    return Reconversion(
        profile.id,
        [{"code": c, "label": taxonomy.occupations[c].label} for c in origins],
        radius, profile.place.label if profile.place else None, dict(WEIGHTS),
        suggestions[:top], messages)


def _place_name(snap: Snapshot, placed: PlacedOffer) -> str | None:
    """The name of an offer's commune ('Aubenas'), else its own label."""
    commune = snap.geo.gazetteer.commune(placed.location.commune) \
        if placed.location.commune else None
    if commune is not None:
        return commune.name
    return placed.offer.place.label if placed.offer.place else None


def _suggestion(snap: Snapshot, taxonomy: Taxonomy, code: str, links: list[str],
                held: set[str], area: Territory | None, half_life_km: float) -> Suggestion:
    core = taxonomy.items_of(code, core_only=True)
    core_held = [SkillGap(i.item.code, i.item.label) for i in core if i.item.code in held]
    core_missing = [SkillGap(i.item.code, i.item.label) for i in core if i.item.code not in held]
    coverage = len(core_held) / len(core) if core else 0.0
    nearby: list[tuple[float, PlacedOffer]] = []
    if area is not None:
        for placed in snap.offers_in(area, code):
            distance = snap.geo.distance(area, placed.location)
            nearby.append((distance if distance is not None else math.inf, placed))
    nearby.sort(key=lambda pair: (pair[0], pair[1].offer.id))
    potential = len(nearby) / (len(nearby) + POTENTIAL_HALF)
    nearest = nearby[0][0] if nearby else None
    proximity = math.pow(0.5, nearest / half_life_km) if nearest is not None else 0.0
    score = (WEIGHTS["coverage"] * coverage + WEIGHTS["potential"] * potential
             + WEIGHTS["proximity"] * proximity)
    offers = [OpenedOffer(p.offer.id, p.offer.title, _place_name(snap, p), round(d, 1))
              for d, p in nearby[:MAX_OFFERS_LISTED]]
    return Suggestion(code, taxonomy.occupations[code].label, links, round(score, 4),
                      round(coverage, 4), round(potential, 4), round(proximity, 4),
                      core_held, core_missing, len(nearby),
                      None if nearest is None else round(nearest, 1), offers)
