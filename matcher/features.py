"""Explainable scoring features: skill coverage, occupation proximity, distance decay.

Each feature returns a value in [0, 1] and what it saw, so the explanation can say why.
Protected attributes (name, age, sex, nationality) never reach this module: features read only
skills, occupations and places.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from indexer.models import GeoPoint, Requirement, SkillTag
from indexer.stores.protocols import haversine_km
from matcher.results import SkillRef
from skills_taxonomy import Taxonomy
from skills_taxonomy.text import fold

WISHED_SKILL_WEIGHT = 0.5
SAME_PARENT_VALUE = 0.7
MOBILITY_VALUE = 0.5


@dataclass(frozen=True, slots=True)
class SkillCoverage:
    """How much of what is asked is covered: ``value`` in [0, 1], or None if nothing is asked."""

    value: float | None
    matched: tuple[SkillRef, ...]
    missing: tuple[SkillRef, ...]


@dataclass(frozen=True, slots=True)
class OccupationProximity:
    """How close two sets of occupations are, and in words why."""

    value: float
    relation: str | None


def skill_key(tag: SkillTag) -> str:
    """The identity of a skill: its taxonomy code, else its folded label."""
    return f"code:{tag.code}" if tag.code else f"label:{fold(tag.label)}"


def skill_coverage(asked: Sequence[SkillTag], held: Iterable[SkillTag]) -> SkillCoverage:
    """Share of the ``asked`` skills (required count 1, wished 0.5) found among ``held``.

    A held tag's counsellor weight scales its credit (capped at 1), so a tag softened to 0.5
    counts half.
    """
    held_weight: dict[str, float] = {}
    for tag in held:
        key = skill_key(tag)
        held_weight[key] = max(held_weight.get(key, 0.0), min(tag.weight, 1.0))
    total = credit = 0.0
    matched: list[SkillRef] = []
    missing: list[SkillRef] = []
    for tag in asked:
        importance = 1.0 if tag.requirement is Requirement.REQUIRED else WISHED_SKILL_WEIGHT
        total += importance
        ref = SkillRef(tag.code, tag.label, tag.requirement.value)
        got = held_weight.get(skill_key(tag), 0.0)
        if got > 0:
            credit += importance * got
            matched.append(ref)
        else:
            missing.append(ref)
    value = credit / total if total > 0 else None
    return SkillCoverage(value, tuple(matched), tuple(missing))


def occupation_proximity(mine: Sequence[str], theirs: Sequence[str],
                         taxonomy: Taxonomy) -> OccupationProximity:
    """1 for a shared ROME code, 0.7 for a shared parent sheet, 0.5 for a ROME mobility link
    (either way), else 0. The best pair wins."""
    if not mine or not theirs:
        return OccupationProximity(0.0, None)
    best = OccupationProximity(0.0, None)
    for a in mine:
        for b in theirs:
            candidate = _pair_proximity(a, b, taxonomy)
            if candidate.value > best.value:
                best = candidate
    return best


def _pair_proximity(a: str, b: str, taxonomy: Taxonomy) -> OccupationProximity:
    if a == b:
        return OccupationProximity(1.0, f"même métier ({a})")
    if a in taxonomy.occupations and b in taxonomy.occupations:
        if taxonomy.parent_of(a) == taxonomy.parent_of(b):
            return OccupationProximity(SAME_PARENT_VALUE,
                                       f"métier voisin : même fiche parente ({a} ~ {b})")
        if _mobility_linked(a, b, taxonomy):
            return OccupationProximity(MOBILITY_VALUE, f"mobilité ROME {a} → {b}")
    return OccupationProximity(0.0, None)


def _mobility_linked(a: str, b: str, taxonomy: Taxonomy) -> bool:
    return any(code == b for code, _ in taxonomy.mobility_targets(a)) or any(
        code == a for code, _ in taxonomy.mobility_targets(b))


def distance_decay(origin: GeoPoint | None, target: GeoPoint | None,
                   half_life_km: float) -> tuple[float | None, float | None]:
    """(value, distance in km): 1 on the spot, 0.5 at ``half_life_km``; None when unknown."""
    if origin is None or target is None:
        return None, None
    distance = haversine_km(origin, target)
    return math.pow(0.5, distance / half_life_km), distance
