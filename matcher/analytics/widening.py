"""What would widen an offer's candidate pool: a larger radius, or seekers of a related
occupation, each with the number of seekers it would add.

Counts are of indexed seekers who target the occupation (``Profile.rome_codes``) and live
within the radius of the offer's place: the people a recruiter could reach by accepting a
longer commute or a neighbouring trade. Related occupations are those of the ROME mobility
links, both ways (seekers of an occupation whose mobility leads to the offer's, and the
offer's own mobility targets), and the occupations under the same parent code.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from indexer.distance import haversine_km
from indexer.models import GeoPoint, Offer
from matcher.analytics.snapshot import PlacedSeeker, Snapshot
from skills_taxonomy import Taxonomy

RADIUS_STEPS = (1.5, 2.0)
MAX_RELATED = 4


@dataclass(frozen=True, slots=True)
class Widening:
    """One way to widen the pool: ``kind`` is ``radius`` or ``occupation``; ``code`` the
    related ROME code; ``radius_km`` the radius it assumes; ``added`` the seekers it adds."""

    kind: str
    label: str
    code: str | None
    radius_km: float
    added: int
    relation: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)


@dataclass(frozen=True, slots=True)
class PoolWidening:
    """The seekers of the offer's occupation within its radius, and what would add more."""

    occupation: str | None
    radius_km: float
    seekers: int
    options: list[Widening]


def related_occupations(taxonomy: Taxonomy, code: str) -> dict[str, str]:
    """Occupations related to ``code`` → how (in French): mobility to or from it, same
    family (parent code)."""
    related: dict[str, str] = {}
    if code not in taxonomy.occupations:
        return related
    for other in taxonomy.occupations:
        if other != code and any(target == code for target, _ in
                                 taxonomy.mobility_targets(other)):
            related.setdefault(other, "ses demandeurs peuvent évoluer vers ce métier")
    for target, _rank in taxonomy.mobility_targets(code):
        related.setdefault(target, "métier vers lequel on évolue depuis celui-ci")
    parent = taxonomy.parent_of(code)
    for other, occupation in taxonomy.occupations.items():
        if other != code and occupation.parent_code == parent:
            related.setdefault(other, "même famille de métiers")
    return related


def _within(seekers: Sequence[PlacedSeeker], point: GeoPoint, radius_km: float) -> list[str]:
    return [s.profile.id for s in seekers if s.location.point is not None
            and haversine_km(point, s.location.point) <= radius_km]


def pool_widenings(snap: Snapshot, taxonomy: Taxonomy, offer: Offer, radius_km: float
                   ) -> PoolWidening:
    """What would widen ``offer``'s pool beyond ``radius_km``: larger radii and related
    occupations, those that add seekers only, most added first (radii first)."""
    point = offer.place.point if offer.place and offer.place.point else None
    code = offer.rome_code
    if point is None or code is None:
        return PoolWidening(code, radius_km, 0, [])
    own = snap.seekers_of(code)
    base = set(_within(own, point, radius_km))
    options: list[Widening] = []
    for step in RADIUS_STEPS:
        wider = radius_km * step
        added = len(set(_within(own, point, wider)) - base)
        if added:
            options.append(Widening("radius", f"Rayon de {wider:g} km", None, wider, added))
    occupations: list[Widening] = []
    for other, relation in related_occupations(taxonomy, code).items():
        added = len(set(_within(snap.seekers_of(other), point, radius_km)) - base)
        if added:
            occupations.append(Widening("occupation", taxonomy.occupations[other].label, other,
                                        radius_km, added, relation))
    occupations.sort(key=lambda w: (-w.added, w.label))
    return PoolWidening(code, radius_km, len(base), options + occupations[:MAX_RELATED])
