"""Explainable scoring features: skill coverage, occupation proximity, distance decay,
contract fit, experience fit and freshness.

Each feature returns a value in [0, 1] and what it saw, so the explanation can say why.
Protected attributes (name, age, sex, nationality) never reach this module: features read only
skills, occupations and places.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

from indexer.distance import haversine_km
from indexer.models import (
    ExperienceLevel,
    GeoPoint,
    OccupationTag,
    Offer,
    Profile,
    SkillTag,
)
from indexer.skill_identity import held_weight, identities, skill_importance
from indexer.utc import as_utc
from matcher.results import SkillRef
from skills_taxonomy import Taxonomy
from skills_taxonomy.text import fold

WISHED_EXPERIENCE_FLOOR = 0.5
"""Experience fit of a beginner for an offer that only wishes experience ("S"): a wished
experience is a soft requirement, so lacking it costs half of what lacking a required one does
(as a wished skill weighs half of a required one)."""
SAME_PARENT_VALUE = 0.7
MOBILITY_VALUE = 0.5


@dataclass(frozen=True, slots=True)
class SkillCoverage:
    """How much of what is asked is covered: ``value`` in [0, 1], or None if nothing is asked."""

    value: float | None
    matched: tuple[SkillRef, ...]
    missing: tuple[SkillRef, ...]
    related: tuple[SkillRef, ...] = ()


@dataclass(frozen=True, slots=True)
class OccupationProximity:
    """How close two sets of occupations are, and in words why."""

    value: float
    relation: str | None


def skill_key(tag: SkillTag) -> str:
    """The identity of a skill: its taxonomy code, else its folded label."""
    return f"code:{tag.code}" if tag.code else f"label:{fold(tag.label)}"


@dataclass(frozen=True, slots=True)
class HeldSkills:
    """A side's skills, indexed by identity (code and folded label) with the best weight
    (capped at 1) held for each: built once, then compared with many asked sets."""

    tags: tuple[SkillTag, ...]
    weight: Mapping[str, float]
    _answers: dict[tuple[str, ...], float] = field(default_factory=dict, compare=False,
                                                   repr=False)
    """:meth:`weight_of` by identities already asked (a request asks the same skills of
    hundreds of candidates)."""

    @classmethod
    def of(cls, held: Iterable[SkillTag]) -> HeldSkills:
        """Index ``held``."""
        tags = tuple(held)
        weight: dict[str, float] = {}
        for tag in tags:
            for key in identities(tag):
                weight[key] = max(weight.get(key, 0.0), held_weight(tag))
        return cls(tags, weight)

    def weight_of(self, keys: tuple[str, ...]) -> float:
        """The weight a skill known under ``keys`` (its identities) is held with; 0 if not."""
        answer = self._answers.get(keys)
        if answer is None:
            answer = self._answers[keys] = max((self.weight.get(key, 0.0) for key in keys),
                                               default=0.0)
        return answer


def skill_ref(tag: SkillTag, label: str | None = None) -> SkillRef:
    """A tag as an explanation names it (read from the text or listed)."""
    return SkillRef(tag.code, label or tag.label, tag.requirement.value, tag.inferred,
                    tag.excerpt, tag.requirement_stated)


RelatedFinder = Callable[[SkillTag], SkillTag | None]
"""For an asked skill, the closest skill of a held set (the finder is built for it), if any."""
_Credit = tuple[SkillTag, float, float, SkillTag | None]


def _credits(asked: Sequence[SkillTag], held: HeldSkills, related: RelatedFinder | None
             ) -> Iterator[_Credit]:
    """Per asked skill: (tag, importance, weight held, close held skill when not held)."""
    for tag in asked:
        importance = skill_importance(tag)
        got = held.weight_of(identities(tag))
        yield tag, importance, got, (related(tag) if got <= 0 and related is not None
                                     else None)


def _credit_of(importance: float, got: float, neighbour: SkillTag | None,
               related_credit: float) -> float:
    if got > 0:
        return importance * got
    if neighbour is not None and related_credit > 0:
        return importance * related_credit * min(neighbour.weight, 1.0)
    return 0.0


def skill_credit(asked: Sequence[SkillTag], held: HeldSkills,
                 related: RelatedFinder | None = None,
                 related_credit: float = 0.5) -> float | None:
    """The value of :func:`skill_coverage` alone, without the lists an explanation needs."""
    total = credit = 0.0
    for _, importance, got, neighbour in _credits(asked, held, related):
        total += importance
        credit += _credit_of(importance, got, neighbour, related_credit)
    return credit / total if total > 0 else None


def skill_coverage(asked: Sequence[SkillTag], held: Iterable[SkillTag] | HeldSkills,
                   related: RelatedFinder | None = None,
                   related_credit: float = 0.5) -> SkillCoverage:
    """Share of the ``asked`` skills (required count 1, wished 0.5) found among ``held``.

    A held tag's counsellor weight scales its credit (capped at 1), so a tag softened to 0.5
    counts half. Same code or same folded label is the same skill. An asked skill that is
    not held but has a *close* held skill (``related``, a finder over ``held``, names it) earns
    ``related_credit`` of its importance and is listed in ``related`` as "compétence proche".
    """
    held = held if isinstance(held, HeldSkills) else HeldSkills.of(held)
    total = credit = 0.0
    matched: list[SkillRef] = []
    missing: list[SkillRef] = []
    close: list[SkillRef] = []
    for tag, importance, got, neighbour in _credits(asked, held, related):
        total += importance
        credit += _credit_of(importance, got, neighbour, related_credit)
        if got > 0:
            matched.append(skill_ref(tag))
        elif neighbour is not None and related_credit > 0:
            close.append(skill_ref(tag, f"{tag.label} (compétence proche : {neighbour.label})"))
        else:
            missing.append(skill_ref(tag))
    value = credit / total if total > 0 else None
    return SkillCoverage(value, tuple(matched), tuple(missing), tuple(close))


def occupation_proximity(mine: Mapping[str, float], theirs: Mapping[str, float],
                         taxonomy: Taxonomy, inferred: Collection[str] = ()
                         ) -> OccupationProximity:
    """1 for a shared ROME code, 0.7 for a shared parent sheet, 0.5 for a ROME mobility link
    (either way), else 0, times the confidence of each side's code (1 for a code a record
    carries; the reader's for one read from a title or a text). The best pair wins.
    ``inferred`` names the codes of ``theirs`` that were read from their text, for the
    explanation."""
    best = OccupationProximity(0.0, None)
    for a, mine_trust in mine.items():
        for b, their_trust in theirs.items():
            candidate = code_proximity(a, b, taxonomy)
            trust = min(mine_trust, 1.0) * min(their_trust, 1.0)
            if candidate.relation is not None and candidate.value * trust > best.value:
                best = OccupationProximity(candidate.value * trust, _relation(
                    candidate.relation, mine_trust, their_trust if b in inferred else None))
    return best


def _relation(relation: str, mine: float, theirs: float | None) -> str:
    """The relation in words, saying how sure each reading is when it is not a given code."""
    notes = []
    if mine < 1.0:
        notes.append(f"titre reconnu à {round(100 * mine)} %")
    if theirs is not None:
        notes.append(f"métier déduit de l'annonce à {round(100 * min(theirs, 1.0))} %")
    return f"{relation}, {', '.join(notes)}" if notes else relation


def occupation_weights(tags: Iterable[OccupationTag]) -> dict[str, float]:
    """A record's occupations as ROME code → confidence (the best one per code)."""
    weights: dict[str, float] = {}
    for tag in tags:
        weights[tag.rome_code] = max(weights.get(tag.rome_code, 0.0), tag.confidence)
    return weights


@lru_cache(maxsize=1 << 16)
def code_proximity(a: str, b: str, taxonomy: Taxonomy) -> OccupationProximity:
    """The relation of two ROME codes, its value the same either way (memoised: a request
    compares the same few codes with every candidate; the taxonomy is immutable and hashed
    by identity)."""
    if a == b:
        return OccupationProximity(1.0, f"même métier : {_label(a, taxonomy)}")
    if a in taxonomy.occupations and b in taxonomy.occupations:
        mine, theirs = _label(a, taxonomy), _label(b, taxonomy)
        if taxonomy.parent_of(a) == taxonomy.parent_of(b):
            return OccupationProximity(SAME_PARENT_VALUE,
                                       f"métier voisin : {theirs} (même famille que {mine})")
        if _mobility_linked(a, b, taxonomy):
            return OccupationProximity(MOBILITY_VALUE,
                                       f"mobilité professionnelle : {mine} → {theirs}")
    return OccupationProximity(0.0, None)


def _label(code: str, taxonomy: Taxonomy) -> str:
    occupation = taxonomy.occupations.get(code)
    return f"{occupation.label} ({code})" if occupation is not None else code


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


def contract_fit(offer: Offer, profile: Profile) -> float | None:
    """1 when the offer's contract type is one the seeker wishes, 0 when not; None when
    either side says nothing (used when contracts are not a hard filter)."""
    return contract_match(offer.contract_type, profile.contract_types)


def contract_match(contract_type: str | None, wished: Sequence[str]) -> float | None:
    """:func:`contract_fit` on the bare values: an offer's contract type, a seeker's wishes."""
    if not contract_type or not wished:
        return None
    return 1.0 if contract_type in wished else 0.0


def experience_fit(offer: Offer, profile: Profile, required_years: float) -> float | None:
    """1 when the offer accepts beginners ("D") or the seeker has ``required_years``; below,
    the share of it held when experience is required ("E"), and half of the shortfall only
    when it is wished ("S", a soft requirement: :data:`WISHED_EXPERIENCE_FLOOR`); None when
    the offer or the seeker says nothing (an unknown experience must not favour beginner
    offers over the others)."""
    if offer.experience is None or profile.experience_years is None:
        return None
    if offer.experience is ExperienceLevel.BEGINNER_ACCEPTED:
        return 1.0
    if required_years <= 0:
        return 1.0
    held = min(profile.experience_years / required_years, 1.0)
    if offer.experience is ExperienceLevel.WISHED:
        return WISHED_EXPERIENCE_FLOOR + (1.0 - WISHED_EXPERIENCE_FLOOR) * held
    return held


def freshness(created_at: datetime | None, newest: datetime | None,
              half_life_days: float) -> float | None:
    """1 for the newest offer of the index, 0.5 ``half_life_days`` older; None when unknown.
    Relative to the newest offer, not to today, so a frozen index ranks the same any day."""
    if created_at is None or newest is None:
        return None
    age_days = max((as_utc(newest) - as_utc(created_at)).total_seconds() / 86400.0, 0.0)
    return math.pow(0.5, age_days / half_life_days)

