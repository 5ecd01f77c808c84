"""Offer diagnosis: is the title the listed occupation, are the skills the usual ones, how
many local candidates meet the requirements, how tense is the market, what widening would
grow the pool, and is the wording legal.

Figures and their limits:

- **title**: ``Engine.normalise_title`` (the normaliser) on the title; its best occupation is
  compared with the listed ``rome_code``: the same, a neighbour (same parent sheet or ROME
  mobility), or another occupation; below ``TITLE_CONFIDENCE`` the title is "not recognised";
- **skills**: the listed skills against the occupation's ROME items — core skills not listed,
  listed skills the ROME does not link to the occupation ("unusual"), skills without a code;
- **local pool**: indexed seekers targeting the offer's occupation within the matcher's
  ``candidate_radius_km`` (60 km by default) of the offer; how many meet the required
  experience (``experience_years`` ≥ ``experience_required_years``), the listed driving
  licences, both; a seeker who says nothing is counted as *unknown*, not as failing.
  Languages cannot be checked: seeker profiles record none. The *strong* candidates are the
  candidate pool's (:mod:`matcher.analytics.pool`, match score ≥ 0.5);
- **tension** and **trend** of the occupation in the same disc (:mod:`matcher.analytics`);
- **how long offers stay open**: cannot be estimated — the offers carry a creation date and no
  closing or filling date. What is given: this offer's age and the ages of the comparable
  offers (same occupation) still indexed, counted back from the newest offer of the index;
- **widenings**: seekers of the occupation within wider radii, seekers of the neighbouring
  occupations (same parent sheet, ROME mobility either way) within the radius, and the
  seekers who would qualify without the experience or licence requirement;
- **legality**: :mod:`matcher.diagnosis.legality` on the title and description.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from indexer.models import ExperienceLevel, Offer
from matcher.analytics.pool import candidate_pool
from matcher.analytics.snapshot import PlacedSeeker, Snapshot, snapshot
from matcher.analytics.territory import Territory
from matcher.diagnosis.legality import LegalityChecker, LegalityReport
from matcher.diagnosis.market import LocalMarket, disc, local_market, wider_radii
from matcher.engine import Engine
from skills_taxonomy import Taxonomy
from skills_taxonomy.text import fold

TITLE_CONFIDENCE = 0.5
RELATED_OCCUPATIONS = 3
DEFAULT_POOL_RADIUS_KM = 60.0


@dataclass(frozen=True, slots=True)
class TitleCheck:
    """The title's normalised occupation and how it relates to the listed code.

    ``relation``: ``meme_metier``, ``metier_voisin``, ``autre_metier``, ``code_absent`` (the
    offer lists no code) or ``titre_non_reconnu``."""

    title: str
    normalised_code: str | None
    normalised_label: str | None
    confidence: float
    listed_code: str | None
    listed_label: str | None
    relation: str
    alternatives: tuple[tuple[str, str, float], ...] = ()


@dataclass(frozen=True, slots=True)
class SkillRef:
    """A skill by ROME code (when known) and label."""

    code: str | None
    label: str


@dataclass(frozen=True, slots=True)
class SkillCheck:
    """Listed skills against the occupation's ROME items."""

    listed: int
    core_total: int
    core_listed: tuple[SkillRef, ...]
    core_missing: tuple[SkillRef, ...]
    unusual: tuple[SkillRef, ...]
    without_code: int


@dataclass(frozen=True, slots=True)
class Requirement:
    """How many seekers of the pool meet one requirement: ``meet``, ``fail``, ``unknown``."""

    name: str
    asked: str
    meet: int
    fail: int
    unknown: int


@dataclass(frozen=True, slots=True)
class PoolCheck:
    """The local pool of seekers targeting the occupation, against the requirements."""

    radius_km: float
    seekers: int
    strong_candidates: int
    requirements: tuple[Requirement, ...]
    meet_all: int
    not_estimable: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class OpenDuration:
    """What the data allows about how long offers stay open (see the module docstring)."""

    estimable: bool
    offer_age_days: int | None
    comparable_offers: int
    comparable_median_age_days: float | None
    comparable_oldest_age_days: int | None
    reference_date: str | None
    explanation: str


@dataclass(frozen=True, slots=True)
class Widening:
    """A change that would grow the pool, and by how many seekers."""

    kind: str
    target: str
    label: str
    added: int


@dataclass(frozen=True, slots=True)
class OfferDiagnosis:
    """The whole diagnosis (numbers only: :mod:`matcher.diagnosis.sentences` words it)."""

    offer_id: str
    title: TitleCheck
    skills: SkillCheck | None
    pool: PoolCheck | None
    market: LocalMarket | None
    duration: OpenDuration
    widenings: tuple[Widening, ...]
    legality: LegalityReport
    missing_data: tuple[str, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        data = asdict(self)
        data["legality"] = self.legality.to_dict()
        return data


def diagnose_offer(engine: Engine, offer: Offer, radius_km: float | None = None,
                   legality: LegalityChecker | None = None) -> OfferDiagnosis:
    """The diagnosis of ``offer`` (indexed or not); ``radius_km`` overrides the matcher's
    candidate radius."""
    taxonomy = engine.taxonomy
    snap = snapshot(engine)
    missing: list[str] = []
    code = offer.rome_code if offer.rome_code in taxonomy.occupations else None
    if offer.rome_code and code is None:
        missing.append(f"Code ROME {offer.rome_code} inconnu du référentiel.")
    title = check_title(engine, offer)
    if code is None and title.relation != "titre_non_reconnu":
        code = title.normalised_code
        missing.append("L'offre n'a pas de code ROME : le diagnostic utilise le métier "
                       "reconnu dans l'intitulé.")
    radius = radius_km or engine.settings.matching.candidate_radius_km or DEFAULT_POOL_RADIUS_KM
    area = disc(snap, offer.place, radius)
    if area is None:
        missing.append("Lieu de travail inconnu : vivier local, tension et élargissements "
                       "non calculables.")
    skills = check_skills(taxonomy, offer, code) if code else None
    if code is None:
        missing.append("Métier inconnu : compétences et vivier non calculables.")
    pool = market = None
    widenings: tuple[Widening, ...] = ()
    if code and area is not None:
        pool = check_pool(engine, snap, offer, code, area)
        market = local_market(snap, taxonomy, code, area)
        widenings = tuple(_widenings(engine, snap, offer, code, area))
    checker = legality or LegalityChecker(taxonomy.feminine_to_masculine)
    return OfferDiagnosis(offer.id, title, skills, pool, market,
                          open_duration(snap, offer, code), widenings,
                          checker.check_offer(offer.title, offer.description), tuple(missing))


def check_title(engine: Engine, offer: Offer) -> TitleCheck:
    """The title's occupation (:meth:`Engine.normalise_title`) against the listed code."""
    taxonomy = engine.taxonomy
    matches = engine.normalise_title(offer.title, limit=3)
    listed = offer.rome_code
    occupation = taxonomy.occupations.get(listed) if listed else None
    listed_label = occupation.label if occupation else None
    alternatives = tuple((m.rome_code, m.label, round(m.confidence, 3)) for m in matches)
    best = matches[0] if matches else None
    if best is None or best.confidence < TITLE_CONFIDENCE:
        relation = "titre_non_reconnu"
    elif not listed:
        relation = "code_absent"
    elif best.rome_code == listed:
        relation = "meme_metier"
    elif _neighbours(taxonomy, best.rome_code, listed):
        relation = "metier_voisin"
    else:
        relation = "autre_metier"
    return TitleCheck(offer.title, best.rome_code if best else None,
                      best.label if best else None,
                      round(best.confidence, 3) if best else 0.0, listed, listed_label,
                      relation, alternatives)


def _neighbours(taxonomy: Taxonomy, a: str, b: str) -> bool:
    if a not in taxonomy.occupations or b not in taxonomy.occupations:
        return False
    return (taxonomy.parent_of(a) == taxonomy.parent_of(b)
            or any(code == b for code, _ in taxonomy.mobility_targets(a))
            or any(code == a for code, _ in taxonomy.mobility_targets(b)))


def check_skills(taxonomy: Taxonomy, offer: Offer, code: str) -> SkillCheck:
    """Listed skills against the ROME items of ``code`` (same code or same folded label)."""
    items = taxonomy.items_of(code)
    codes = {link.item.code for link in items}
    labels = {fold(link.item.label) for link in items}
    listed_codes = {tag.code for tag in offer.skills if tag.code}
    listed_labels = {fold(tag.label) for tag in offer.skills}
    core = [link.item for link in items if link.core]
    core_listed = [SkillRef(i.code, i.label) for i in core
                   if i.code in listed_codes or fold(i.label) in listed_labels]
    core_missing = [SkillRef(i.code, i.label) for i in core
                    if not (i.code in listed_codes or fold(i.label) in listed_labels)]
    unusual = [SkillRef(tag.code, tag.label) for tag in offer.skills
               if tag.code not in codes and fold(tag.label) not in labels]
    return SkillCheck(len(offer.skills), len(core), tuple(core_listed), tuple(core_missing),
                      tuple(unusual), sum(1 for tag in offer.skills if not tag.code))


def licence_code(text: str) -> str:
    """"B - Véhicule léger" → "B"; "Permis C" → "C"."""
    head = text.split(" - ")[0].strip()
    return head.removeprefix("Permis ").removeprefix("permis ").strip().upper()


def _requirements(engine: Engine, offer: Offer, seekers: Sequence[PlacedSeeker]
                  ) -> tuple[list[Requirement], int]:
    checks: list[tuple[str, str, Any]] = []
    years = engine.settings.matching.experience_required_years
    if offer.experience is ExperienceLevel.REQUIRED:
        checks.append(("experience", offer.experience_label or f"{years:g} an(s) d'expérience",
                       lambda p: None if p.experience_years is None
                       else p.experience_years >= years))
    wanted = {licence_code(text) for text in offer.licences}
    if wanted:
        checks.append(("permis", ", ".join(offer.licences),
                       lambda p: None if not p.licences
                       else wanted <= {licence_code(t) for t in p.licences}))
    results = []
    meet_all = 0
    verdicts: list[list[bool | None]] = [[] for _ in seekers]
    for name, asked, test in checks:
        counts = {True: 0, False: 0, None: 0}
        for position, seeker in enumerate(seekers):
            verdict = test(seeker.profile)
            counts[verdict] += 1
            verdicts[position].append(verdict)
        results.append(Requirement(name, asked, counts[True], counts[False], counts[None]))
    meet_all = sum(1 for row in verdicts if all(v is True for v in row))
    return results, meet_all


def check_pool(engine: Engine, snap: Snapshot, offer: Offer, code: str,
               area: Territory) -> PoolCheck:
    """Seekers of ``code`` within ``area`` against the offer's requirements."""
    seekers = snap.seekers_in(area, code)
    requirements, meet_all = _requirements(engine, offer, seekers)
    not_estimable = []
    if offer.languages:
        not_estimable.append("langues : les profils ne renseignent pas les langues parlées")
    if offer.education:
        not_estimable.append("formation : les profils ne renseignent pas les diplômes")
    strong = candidate_pool(engine, offer).strong
    return PoolCheck(area.radius_km or 0.0, len(seekers), strong, tuple(requirements),
                     meet_all, tuple(not_estimable))


def open_duration(snap: Snapshot, offer: Offer, code: str | None) -> OpenDuration:
    """What can be said of how long offers stay open (see the module docstring)."""
    reference = snap.reference_date
    age = (reference - offer.created_at.date()).days if reference and offer.created_at \
        else None
    ages = [(reference - o.created).days for o in snap.offers
            if code and o.offer.rome_code == code and o.created and reference
            and o.offer.id != offer.id]
    explanation = ("Durée avant pourvoi non estimable : les offres n'ont qu'une date de "
                   "création, ni date de clôture ni date de pourvoi. Seul l'âge des offres "
                   "comparables encore indexées est connu, compté depuis l'offre la plus "
                   "récente de l'index.")
    return OpenDuration(False, age, len(ages),
                        float(statistics.median(ages)) if ages else None,
                        max(ages) if ages else None,
                        reference.isoformat() if reference else None, explanation)


def _widenings(engine: Engine, snap: Snapshot, offer: Offer, code: str,
               area: Territory) -> list[Widening]:
    taxonomy = engine.taxonomy
    here = len(snap.seekers_in(area, code))
    found: list[Widening] = []
    for radius in wider_radii(area.radius_km or 0.0):
        wider = Territory(area.kind, area.code, area.name, radius, area.point)
        found.append(Widening("rayon", f"{radius:g}", f"{radius:g} km",
                              len(snap.seekers_in(wider, code)) - here))
    related = dict.fromkeys([*taxonomy.related_occupations(code),
                             *(c for c, _ in taxonomy.mobility_targets(code)),
                             *(c for c in taxonomy.occupations
                               if any(t == code for t, _ in taxonomy.mobility_targets(c)))])
    counted = sorted(((len(snap.seekers_in(area, other)), other) for other in related
                      if other != code and other in taxonomy.occupations),
                     key=lambda pair: (-pair[0], pair[1]))
    for count, other in counted[:RELATED_OCCUPATIONS]:
        if count > 0:
            found.append(Widening("metier", other, taxonomy.occupations[other].label, count))
    seekers = snap.seekers_in(area, code)
    requirements, meet_all = _requirements(engine, offer, seekers)
    for requirement in requirements:
        without = _meet_without(engine, offer, seekers, requirement.name)
        found.append(Widening(f"sans_{requirement.name}", requirement.name,
                              requirement.asked, without - meet_all))
    return [w for w in found if w.added > 0]


def _meet_without(engine: Engine, offer: Offer, seekers: Sequence[PlacedSeeker],
                  dropped: str) -> int:
    relaxed = offer.model_copy(update=(
        {"experience": None} if dropped == "experience" else {"licences": []}))
    return _requirements(engine, relaxed, seekers)[1]

