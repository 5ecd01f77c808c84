"""Seeded generation of realistic (but fake) job-seeker profiles for demos and benchmarks.

Every profile is generated: occupations from the ROME taxonomy (mostly those of the given
offers, weighted by frequency), skills from the occupation's core items plus a little noise,
a commune within ~20 km of an offer of the same occupation (else of any offer), and invented
personal data (names from small hand lists,
e-mail addresses at ``example.org``, phone numbers in ARCEP's range reserved for fiction). The
``Profile`` model carries no "generated" flag: files written from this module and the CLI's log
must say the data is generated.
"""

from __future__ import annotations

import logging
import unicodedata
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Protocol

import numpy as np

from indexer.geo import Gazetteer
from indexer.models import GeoPoint, Offer, PersonalData, Place, Profile, SkillTag

logger = logging.getLogger(__name__)


# --------------------------------------------------------------------------- taxonomy API used


class _OccupationLike(Protocol):
    @property
    def label(self) -> str: ...


class _AppellationLike(Protocol):
    @property
    def code(self) -> str: ...
    @property
    def label(self) -> str: ...
    @property
    def forms(self) -> tuple[str, ...]: ...


class _ItemLike(Protocol):
    @property
    def code(self) -> str: ...
    @property
    def label(self) -> str: ...


class _OccupationItemLike(Protocol):
    @property
    def item(self) -> _ItemLike: ...


class TaxonomyLike(Protocol):
    """The part of ``skills_taxonomy.Taxonomy`` this generator uses."""

    @property
    def occupations(self) -> Mapping[str, _OccupationLike]: ...

    def appellations_of(self, rome_code: str, /) -> Sequence[_AppellationLike]: ...

    def items_of(self, rome_code: str, /, core_only: bool = ...) -> Sequence[_OccupationItemLike]:
        ...


# --------------------------------------------------------------------------- fixed lists

FIRST_NAMES_F = ("Camille", "Léa", "Manon", "Chloé", "Inès", "Sarah", "Julie", "Emma", "Nadia",
                 "Sophie", "Aurélie", "Fatou", "Mélanie", "Claire", "Yasmine", "Anaïs")
FIRST_NAMES_M = ("Lucas", "Hugo", "Thomas", "Nicolas", "Karim", "Julien", "Maxime", "Mehdi",
                 "Antoine", "Romain", "Kevin", "Mamadou", "Pierre", "Théo", "Sébastien", "Yanis")
LAST_NAMES = ("Martin", "Bernard", "Dubois", "Durand", "Moreau", "Laurent", "Simon", "Michel",
              "Lefebvre", "Garcia", "Roux", "Fournier", "Girard", "Bonnet", "Mercier", "Benali",
              "Diallo", "Nguyen", "Rousset", "Chabert", "Faure", "Vidal", "Blanc", "Ferrand")
NATIONALITIES = ("française", "portugaise", "marocaine", "algérienne", "italienne", "espagnole",
                 "turque", "tunisienne")
NATIONALITY_WEIGHTS = (0.86, 0.03, 0.03, 0.03, 0.015, 0.015, 0.01, 0.01)
RADII_KM = (10.0, 20.0, 30.0, 50.0)
RADIUS_WEIGHTS = (0.2, 0.35, 0.3, 0.15)
CONTRACT_WISHES: tuple[tuple[str, ...], ...] = (("CDI",), ("CDI", "CDD"), ("CDD",), ("CDI", "MIS"),
                                                 ("MIS",))
CONTRACT_WEIGHTS = (0.6, 0.2, 0.1, 0.06, 0.04)
NEARBY_KM = 20.0
REFERENCE_YEAR = 2025


def _pick(rng: np.random.Generator, options: Sequence[str]) -> str:
    return options[int(rng.integers(len(options)))]


def _weighted(rng: np.random.Generator, n: int, weights: Sequence[float]) -> int:
    p = np.asarray(weights, dtype=np.float64)
    return int(rng.choice(n, p=p / p.sum()))


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


# --------------------------------------------------------------------------- pieces


class _Places:
    """Communes near the offers, sampled through the point of a random offer of the seeker's
    occupation when there is one (people live where their trade is), else of any offer."""

    def __init__(self, gazetteer: Gazetteer, offers: Sequence[Offer]) -> None:
        self._gazetteer = gazetteer
        self._anchors: list[GeoPoint] = _sorted_points(offers)
        self._anchors_by_code = {
            code: _sorted_points([o for o in offers if o.rome_code == code])
            for code in {o.rome_code for o in offers if o.rome_code}}
        self._near: dict[GeoPoint, list[Place]] = {}

    def _around(self, point: GeoPoint) -> list[Place]:
        if point not in self._near:
            self._near[point] = [
                Place(label=c.name, commune=c.code,
                      postcode=c.postcodes[0] if c.postcodes else None, point=c.point)
                for c, _ in self._gazetteer.nearby(point, NEARBY_KM)
            ]
        return self._near[point]

    def sample(self, rng: np.random.Generator, code: str) -> Place | None:
        anchors = self._anchors_by_code.get(code) or self._anchors
        if not anchors:
            return None
        anchor = anchors[int(rng.integers(len(anchors)))]
        around = self._around(anchor)
        if not around:
            return Place(point=anchor)
        return around[int(rng.integers(len(around)))]


def _sorted_points(offers: Sequence[Offer]) -> list[GeoPoint]:
    return sorted({o.place.point for o in offers if o.place and o.place.point},
                  key=lambda p: (p.lat, p.lon))


def _occupation_sampler(taxonomy: TaxonomyLike, offers: Sequence[Offer]
                        ) -> tuple[list[str], np.ndarray, list[str]]:
    known = taxonomy.occupations
    counts = Counter(o.rome_code for o in offers if o.rome_code and o.rome_code in known)
    present = sorted(counts)
    weights = np.array([counts[c] for c in present], dtype=np.float64)
    return present, weights / weights.sum() if present else weights, sorted(known)


def _title(taxonomy: TaxonomyLike, code: str, female: bool, rng: np.random.Generator) -> str:
    appellations = list(taxonomy.appellations_of(code))
    if not appellations:
        return taxonomy.occupations[code].label
    appellation = appellations[int(rng.integers(len(appellations)))]
    forms = appellation.forms or (appellation.label,)
    return forms[1] if female and len(forms) > 1 else forms[0]


def _skills(taxonomy: TaxonomyLike, code: str, all_codes: Sequence[str],
            rng: np.random.Generator) -> list[SkillTag]:
    core = list(taxonomy.items_of(code, core_only=True))
    chosen: list[SkillTag] = []
    if core:
        k = max(1, round(float(rng.uniform(0.4, 0.9)) * len(core)))
        picks = sorted(rng.choice(len(core), size=min(k, len(core)), replace=False).tolist())
        chosen = [SkillTag(code=core[i].item.code, label=core[i].item.label) for i in picks]
    codes = {s.code for s in chosen}
    for _ in range(int(rng.integers(0, 4))):
        other = all_codes[int(rng.integers(len(all_codes)))]
        if other == code:
            continue
        items = list(taxonomy.items_of(other, core_only=True))
        if not items:
            continue
        item = items[int(rng.integers(len(items)))].item
        if item.code not in codes:
            codes.add(item.code)
            chosen.append(SkillTag(code=item.code, label=item.label))
    return chosen


def _personal(rng: np.random.Generator, female: bool) -> PersonalData:
    first = _pick(rng, FIRST_NAMES_F if female else FIRST_NAMES_M)
    last = _pick(rng, LAST_NAMES)
    birth_year = int(rng.integers(1962, 2006))
    return PersonalData(
        name=f"{first} {last}",
        email=f"{_ascii(first)}.{_ascii(last)}{int(rng.integers(1, 100))}@example.org",
        phone=f"06 39 98 {int(rng.integers(100)):02d} {int(rng.integers(100)):02d}",
        birth_year=birth_year,
        sex="F" if female else "M",
        nationality=NATIONALITIES[_weighted(rng, len(NATIONALITIES), NATIONALITY_WEIGHTS)],
    )


def _summary(title: str, years: float, place: Place | None, contracts: Sequence[str]) -> str:
    experience = ("Débutant(e)" if years < 1 else
                  f"{years:g} an{'s' if years >= 2 else ''} d'expérience")
    where = f" autour de {place.label}" if place and place.label else ""
    return f"{title} — {experience}, recherche un poste en {' ou '.join(contracts)}{where}."


# --------------------------------------------------------------------------- public


def generate_profiles(taxonomy: TaxonomyLike, gazetteer: Gazetteer, offers: Sequence[Offer],
                      n: int = 600, seed: int = 42) -> list[Profile]:
    """Generate ``n`` fake seeker profiles, identical for identical inputs and ``seed``.

    80% target an occupation present in ``offers`` (weighted by frequency), 20% any ROME
    occupation; each has 40–90% of its occupation's core skills plus 0–3 skills of other
    occupations, a commune within ~20 km of an offer (of its occupation when there is one), a
    search radius, contract wishes (mostly
    CDI), experience, and invented personal data. Ids are ``P000001``, ``P000002``, …
    """
    rng = np.random.default_rng(seed)
    present, weights, all_codes = _occupation_sampler(taxonomy, offers)
    if not all_codes:
        raise ValueError("the taxonomy has no occupations")
    places = _Places(gazetteer, offers)
    profiles: list[Profile] = []
    for number in range(1, n + 1):
        if present and rng.random() < 0.8:
            code = present[int(rng.choice(len(present), p=weights))]
        else:
            code = all_codes[int(rng.integers(len(all_codes)))]
        female = bool(rng.random() < 0.5)
        personal = _personal(rng, female)
        title = _title(taxonomy, code, female, rng)
        age = REFERENCE_YEAR - (personal.birth_year or REFERENCE_YEAR - 30)
        years = float(min(max(age - 18, 0), round(float(rng.gamma(2.0, 3.0)) * 2) / 2))
        place = places.sample(rng, code)
        contracts = CONTRACT_WISHES[_weighted(rng, len(CONTRACT_WISHES), CONTRACT_WEIGHTS)]
        profiles.append(Profile(
            id=f"P{number:06d}",
            titles=[title],
            rome_codes=[code],
            skills=_skills(taxonomy, code, all_codes, rng),
            summary=_summary(title, years, place, contracts),
            place=place,
            radius_km=RADII_KM[_weighted(rng, len(RADII_KM), RADIUS_WEIGHTS)],
            contract_types=list(contracts),
            experience_years=years,
            licences=["B - Véhicule léger"] if rng.random() < 0.75 else [],
            personal=personal,
        ))
    logger.info("generated %d demo profiles (seed %d)", len(profiles), seed)
    return profiles
