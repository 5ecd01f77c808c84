"""Why a seeker's list of offers is empty or thin, and which widening would help, with counts.

Counted from the filter table (no record is read): the offers of the seeker's occupations
within their radius (and contract wishes), what a wider radius would add, and what the related
occupations (same family, ROME mobility targets) hold within the same radius. The sentences
are the seeker's words ("aucune offre de votre métier à moins de 10 km"); the numbers stay in
the fields for the pages and the API.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from indexer.collection import Collection
from indexer.models import Offer, Profile
from indexer.stores.protocols import Filters, GeoFilter
from matcher.queries import MAX_MOBILITY_TARGETS, profile_filters
from skills_taxonomy import Taxonomy

RADIUS_STEPS_KM = (10.0, 20.0, 30.0, 50.0, 100.0)
MIN_CONFIDENCE = 0.5
"""An offer counts for an occupation read from its text from this confidence on."""
THIN_LIST = 3
"""Fewer matches than this is a thin list: say why and what would help."""


@dataclass(frozen=True, slots=True)
class Widening:
    """One change that would bring more offers: a wider radius or related occupations."""

    kind: str
    """"radius" or "related"."""
    text: str
    added: int
    radius_km: float | None = None
    occupations: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ListDiagnosis:
    """What the seeker's list rests on, why it is thin (None when it is not), and the
    widenings that would add offers, the most fruitful first."""

    reason: str | None
    own_occupation_offers: int
    radius_km: float | None
    widenings: tuple[Widening, ...]


class _Counts:
    """Offers of given occupations around the seeker, within a radius, under their wishes."""

    def __init__(self, offers: Collection[Offer], filters: Filters,
                 shown: Sequence[str] = ()) -> None:
        self._offers = offers
        self._filters = filters
        self._shown = shown

    def __call__(self, codes: Sequence[str], radius: float | None) -> int:
        if not codes:
            return 0
        center = self._filters.geo.center if self._filters.geo is not None else None
        geo = GeoFilter(center, radius) if center is not None and radius is not None else None
        scoped = Filters(geo=geo, contract_types=self._filters.contract_types)
        return self._offers.count_with_occupations(codes, scoped, MIN_CONFIDENCE, self._shown)


def diagnose(offers: Collection[Offer], profile: Profile, targets: Mapping[str, float],
             taxonomy: Taxonomy, shown: int, default_radius_km: float | None = None,
             shown_ids: Sequence[str] = ()) -> ListDiagnosis:
    """The diagnosis of a list of ``shown`` matches for ``profile`` (see module doc). The
    widenings count only offers not already in the list (``shown_ids``, when given)."""
    filters = profile_filters(profile, default_radius_km)
    radius = filters.geo.radius_km if filters.geo is not None else None
    own = tuple(targets)
    own_count = _Counts(offers, filters)(own, radius)
    count = _Counts(offers, filters, shown_ids)
    widenings = [*_wider_radii(count, own, radius, count(own, radius)),
                 *_related(count, own, radius, taxonomy)]
    widenings.sort(key=lambda w: (-w.added, w.kind, w.text))
    reason = _reason(own, own_count, radius, taxonomy) if shown < THIN_LIST else None
    return ListDiagnosis(reason, own_count, radius, tuple(w for w in widenings if w.added > 0))


def _wider_radii(count: _Counts, own: Sequence[str], radius: float | None,
                 own_count: int) -> list[Widening]:
    """The first wider radius that adds offers of the seeker's own occupations."""
    if radius is None or not own:
        return []
    for step in RADIUS_STEPS_KM:
        if step > radius:
            added = count(own, step) - own_count
            if added > 0:
                return [Widening("radius", f"élargir à {step:g} km : +{_offers(added)} de "
                                 "votre métier", added, radius_km=step)]
    return []


def _related(count: _Counts, own: Sequence[str], radius: float | None,
             taxonomy: Taxonomy) -> list[Widening]:
    """The related occupations (same family, mobility targets) richest in offers nearby."""
    related: dict[str, None] = {}
    for code in own:
        if code not in taxonomy.occupations:
            continue
        targets = [target for target, _ in taxonomy.mobility_targets(code)]
        for other in (*taxonomy.related_occupations(code), *targets[:MAX_MOBILITY_TARGETS]):
            if other not in own:
                related.setdefault(other)
    found = []
    where = f" dans votre rayon de {radius:g} km" if radius is not None else ""
    for code in related:
        added = count((code,), radius)
        if added > 0:
            label = taxonomy.occupations[code].label
            found.append(Widening("related", f"métier proche « {label} » : +{_offers(added)}"
                                  f"{where}", added, occupations=(code,)))
    return sorted(found, key=lambda w: -w.added)[:3]


def _offers(count: int) -> str:
    return f"{count} offre{'s' if count > 1 else ''}"


def _reason(own: Sequence[str], own_count: int, radius: float | None,
            taxonomy: Taxonomy) -> str:
    if not own:
        return ("votre métier n'a pas pu être reconnu : précisez l'intitulé du poste "
                "recherché")
    labels = ", ".join(taxonomy.occupations[c].label for c in own[:2]
                       if c in taxonomy.occupations) or "votre métier"
    if own_count == 0:
        where = f" à moins de {radius:g} km" if radius is not None else ""
        return f"aucune offre de votre métier ({labels}){where}"
    return (f"seulement {_offers(own_count)} de votre métier ({labels}) dans votre rayon, et "
            "peu d'autres proches de votre profil")
