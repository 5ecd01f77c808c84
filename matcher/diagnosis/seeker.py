"""Seeker diagnosis: for each target occupation, the core skills held, close and missing,
the local demand and competition, and the three actions that would open the most offers.

**What "opens an offer" means.** An offer is *open* to a seeker when the engine ranks it
among the seeker's matches (``Engine.offers_for_profile``, depth ``OPEN_DEPTH`` = 100) with a
match score of at least ``OPEN_SCORE`` = 0.5 — the threshold the candidate pool uses for a
"strong" match (:mod:`matcher.analytics.pool`) — which also means it passes the seeker's hard
filters (within the radius, an accepted contract type). An action *opens* the offers that are
open after it and were not before; its count is that number. Actions tried:

- **add a skill**: the skills most asked by the offers of the target (and neighbouring)
  occupations within the radius that the seeker does not hold — the target's missing core
  skills first — at most ``SKILL_CANDIDATES`` of them, each tried with the engine;
- **widen the radius** to the next steps of 10, 20, 30, 50, 80, 120 km;
- **add a neighbouring occupation** (same parent sheet or ROME mobility), the
  ``OCCUPATION_CANDIDATES`` with the most offers within the radius, each tried.

Each try is one matcher run (0.1–0.3 s on the demo index), about ten per diagnosis. Without a
place, a radius cannot be widened and local demand is not computed; without target
occupations nothing occupation-specific is computed: the diagnosis says so in
``missing_data`` instead of guessing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from indexer.models import Profile, SkillTag
from matcher.analytics.snapshot import Snapshot, snapshot
from matcher.analytics.territory import DEFAULT_RADIUS_KM, Territory
from matcher.diagnosis.market import LocalMarket, disc, local_market, wider_radii
from matcher.engine import Engine
from matcher.features import HeldSkills, skill_coverage
from matcher.matcher import skills_with
from matcher.queries import seeker_targets
from matcher.widening import expansions_for

OPEN_SCORE = 0.5
OPEN_DEPTH = 100
SKILL_CANDIDATES = 5
OCCUPATION_CANDIDATES = 3
TOP_ACTIONS = 3
NO_ACTION_OPENS = "Aucune des actions essayées n'ouvre d'offre supplémentaire."


@dataclass(frozen=True, slots=True)
class CoreSkill:
    """A core skill of an occupation and where the seeker stands: ``held``, ``close`` (a
    held skill close in meaning, ``close_to``) or ``missing``."""

    code: str
    label: str
    status: str
    close_to: str | None = None


@dataclass(frozen=True, slots=True)
class OccupationDiagnosis:
    """One target occupation of the seeker."""

    code: str
    label: str
    confidence: float
    core_skills: tuple[CoreSkill, ...]
    market: LocalMarket | None
    notes: tuple[str, ...] = ()

    def count(self, status: str) -> int:
        """How many core skills have ``status``."""
        return sum(1 for skill in self.core_skills if skill.status == status)


@dataclass(frozen=True, slots=True)
class Action:
    """Something the seeker could do, and how many offers it would open.

    ``kind``: ``competence``, ``rayon`` or ``metier``; ``target``: the skill code, the new
    radius in km or the ROME code; ``opened_ids``: the first opened offers (best first)."""

    kind: str
    target: str
    label: str
    opened: int
    radius_km: float
    opened_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SeekerDiagnosis:
    """The whole diagnosis (numbers only: :mod:`matcher.diagnosis.sentences` words it)."""

    profile_id: str
    place: str | None
    radius_km: float | None
    open_offers: int
    open_score: float
    occupations: tuple[OccupationDiagnosis, ...]
    actions: tuple[Action, ...]
    tried_actions: int
    missing_data: tuple[str, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)


def open_offers(engine: Engine, profile: Profile) -> dict[str, float]:
    """The offers open to ``profile`` (see the module docstring), id → score, best first."""
    return {m.id: m.score for m in engine.offers_for_profile(profile, top_k=OPEN_DEPTH)
            if m.score >= OPEN_SCORE}


def diagnose_seeker(engine: Engine, profile: Profile, radius_km: float | None = None
                    ) -> SeekerDiagnosis:
    """The diagnosis of ``profile``; ``radius_km`` overrides the seeker's own radius (else
    theirs, else ``DEFAULT_RADIUS_KM`` = 30 km when they have a place)."""
    snap = snapshot(engine)
    missing: list[str] = []
    has_point = snap.geo.locate(profile.place).point is not None
    radius = radius_km or profile.radius_km or (DEFAULT_RADIUS_KM if has_point else None)
    if not has_point:
        missing.append("Lieu de résidence inconnu : la demande locale, la concurrence et "
                       "l'élargissement du rayon ne peuvent pas être calculés.")
    elif not profile.radius_km and radius_km is None:
        missing.append(f"Rayon de recherche non renseigné : {radius:g} km par défaut.")
    searched = profile.model_copy(update={"radius_km": radius}) if radius else profile
    targets = seeker_targets(profile, engine.taxonomy, engine.normaliser,
                             engine.settings.matching)
    if not targets:
        missing.append("Aucun métier visé reconnu : ajoutez un métier (code ROME) au profil "
                       "pour obtenir le diagnostic par métier.")
    if not profile.skills:
        missing.append("Aucune compétence renseignée : toutes les compétences clés "
                       "apparaissent comme manquantes.")
    area = disc(snap, profile.place, radius) if radius and has_point else None
    occupations = tuple(_occupation(engine, snap, profile, code, confidence, area)
                        for code, confidence in targets.items()
                        if code in engine.taxonomy.occupations)
    before = open_offers(engine, searched)
    tried = _try_actions(engine, snap, searched, tuple(targets), area, before)
    actions = tuple(sorted((a for a in tried if a.opened > 0),
                           key=lambda a: (-a.opened, a.kind, a.target))[:TOP_ACTIONS])
    if tried and not actions:
        missing.append(NO_ACTION_OPENS)
    return SeekerDiagnosis(profile.id, profile.place.label if profile.place else None, radius,
                           len(before), OPEN_SCORE, occupations, actions, len(tried),
                           tuple(missing))


def _occupation(engine: Engine, snap: Snapshot, profile: Profile, code: str,
                confidence: float, area: Territory | None) -> OccupationDiagnosis:
    taxonomy = engine.taxonomy
    core = [link.item for link in taxonomy.items_of(code, core_only=True)]
    notes: list[str] = []
    if not core:
        notes.append("Le ROME ne liste aucune compétence clé pour ce métier.")
    held = HeldSkills.of(profile.skills)
    asked = [SkillTag(code=item.code, label=item.label) for item in core]
    coverage = skill_coverage(asked, held)
    matched = {ref.code for ref in coverage.matched}
    finder = engine.matcher.skill_neighbours.finder(held) if profile.skills else None
    skills = []
    for item in core:
        if item.code in matched:
            skills.append(CoreSkill(item.code, item.label, "held"))
            continue
        neighbour = finder(SkillTag(code=item.code, label=item.label)) if finder else None
        skills.append(CoreSkill(item.code, item.label, "close", neighbour.label)
                      if neighbour else CoreSkill(item.code, item.label, "missing"))
    market = local_market(snap, taxonomy, code, area, profile.id) if area else None
    if area is not None and market is None:
        notes.append("Aucune offre dans l'index : demande locale non calculable.")
    if confidence < 1.0:
        notes.append(f"Métier déduit de l'intitulé saisi (confiance {round(100 * confidence)} "
                     "%) : à confirmer avec un code ROME.")
    return OccupationDiagnosis(code, taxonomy.occupations[code].label, confidence,
                               tuple(skills), market, tuple(notes))


def _try_actions(engine: Engine, snap: Snapshot, profile: Profile, targets: Sequence[str],
                 area: Territory | None, before: dict[str, float]) -> list[Action]:
    radius = profile.radius_km or 0.0
    actions = []
    for tag in _skill_candidates(engine, snap, profile, targets, area):
        after = skills_with(profile, [tag], [])
        actions.append(_action(engine, after, before, "competence", tag.code or tag.label,
                               tag.label, radius))
    if area is not None:
        for wider in wider_radii(radius):
            after = profile.model_copy(update={"radius_km": wider})
            actions.append(_action(engine, after, before, "rayon", f"{wider:g}",
                                   f"{wider:g} km", wider))
    for code in _occupation_candidates(engine, snap, targets, area):
        label = engine.taxonomy.occupations[code].label
        after = profile.model_copy(update={
            "rome_codes": [*dict.fromkeys([*targets, code])],
            "titles": [*profile.titles, label]})
        actions.append(_action(engine, after, before, "metier", code, label, radius))
    return actions


def _action(engine: Engine, after: Profile, before: dict[str, float], kind: str,
            target: str, label: str, radius: float) -> Action:
    opened = [offer_id for offer_id in open_offers(engine, after) if offer_id not in before]
    return Action(kind, target, label, len(opened), radius, tuple(opened[:5]))


def _nearby_offers(snap: Snapshot, area: Territory | None, codes: Sequence[str]
                   ) -> list[Any]:
    wanted = set(codes)
    return [o.offer for o in snap.offers
            if o.offer.rome_code in wanted and (area is None or snap.geo.contains(area,
                                                                                 o.location))]


def _skill_candidates(engine: Engine, snap: Snapshot, profile: Profile,
                      targets: Sequence[str], area: Territory | None) -> list[SkillTag]:
    """Skills not held, most asked by nearby offers of the targets (and their neighbours);
    the targets' missing core skills rank first among equals."""
    if not targets:
        return []
    neighbours = [e.code for e in expansions_for(tuple(targets), engine.taxonomy)]
    held = HeldSkills.of(profile.skills)
    asked: Counter[tuple[str | None, str]] = Counter()
    for offer in _nearby_offers(snap, area, [*targets, *neighbours]):
        for tag in offer.skills:
            asked[(tag.code, tag.label)] += 1
    core = {link.item.code: link.item.label for target in targets
            for link in engine.taxonomy.items_of(target, core_only=True)}
    for core_code, core_label in core.items():
        asked.setdefault((core_code, core_label), 0)
    ranked = sorted(asked.items(), key=lambda kv: (-kv[1], kv[0][0] not in core, kv[0][1]))
    candidates = []
    for (code, label), _count in ranked:
        tag = SkillTag(code=code, label=label, source="diagnostic")
        if skill_coverage([tag], held).matched:
            continue
        candidates.append(tag)
        if len(candidates) == SKILL_CANDIDATES:
            break
    return candidates


def _occupation_candidates(engine: Engine, snap: Snapshot, targets: Sequence[str],
                           area: Territory | None) -> list[str]:
    """Neighbouring occupations with the most offers within the radius (at least one)."""
    if not targets:
        return []
    neighbours = [e.code for e in expansions_for(tuple(targets), engine.taxonomy)]
    counts = Counter(o.rome_code for o in _nearby_offers(snap, area, neighbours))
    return [code for code, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
            if code and count > 0][:OCCUPATION_CANDIDATES]
