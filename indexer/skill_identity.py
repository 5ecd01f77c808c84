"""What an asked skill is and how much it counts, shared by indexing and matching.

A skill is the same as another when their codes or their folded labels agree (the ROME gives
one label several codes, e.g. a competence and a core item). How much an asked skill counts
is its requirement's importance times the trust in the tag. The matcher scores with these
(:mod:`matcher.features`); the filter table stores them per offer (:func:`asked_skills`) and
per profile (:func:`held_skills`), so the matcher can bound a candidate's skill coverage
before reading its record.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from indexer.models import Requirement, SkillTag
from skills_taxonomy.text import fold

WISHED_SKILL_WEIGHT = 0.5
TRAINABLE_SKILL_WEIGHT = 0.25
_IMPORTANCE = {Requirement.REQUIRED: 1.0, Requirement.WISHED: WISHED_SKILL_WEIGHT,
               Requirement.TRAINABLE: TRAINABLE_SKILL_WEIGHT}
IDENTITY_SEPARATOR = "\x1f"
"""Joins the identities of one asked skill into one table value (never in a code or label)."""


def trust(tag: SkillTag) -> float:
    """How much a tag counts for what it is: 1 for a tag a record lists, the confidence of
    the reading for one read from the record's text."""
    return tag.confidence if tag.inferred and tag.confidence is not None else 1.0


def skill_importance(tag: SkillTag) -> float:
    """How much an asked skill counts: required 1, wished 0.5, learnt on the job 0.25, times
    the confidence of the reading for a skill read from the text."""
    return _IMPORTANCE[tag.requirement] * trust(tag)


def identities(tag: SkillTag) -> tuple[str, ...]:
    """The keys under which ``tag`` is the same skill as another: ``code:…`` when it has a
    code, and ``label:`` + its folded label."""
    return identities_of(tag.code, tag.label)


@lru_cache(maxsize=65536)
def identities_of(code: str | None, label: str) -> tuple[str, ...]:
    """:func:`identities` of a (code, label) pair."""
    folded = f"label:{fold(label)}"
    return (f"code:{code}", folded) if code else (folded,)


def held_weight(tag: SkillTag) -> float:
    """How much holding ``tag`` counts: its counsellor weight capped at 1, times the trust."""
    return min(tag.weight, 1.0) * trust(tag)


def joined_identities(tag: SkillTag) -> str:
    """:func:`identities` joined by :data:`IDENTITY_SEPARATOR` (one filter-table value)."""
    return IDENTITY_SEPARATOR.join(identities(tag))


def asked_skills(tags: Iterable[SkillTag]) -> tuple[tuple[str, ...], tuple[float, ...]]:
    """Per asked skill (duplicates kept, as scoring counts them): its joined identities and
    its importance."""
    tags = tuple(tags)
    return (tuple(joined_identities(tag) for tag in tags),
            tuple(skill_importance(tag) for tag in tags))


def held_skills(tags: Iterable[SkillTag]) -> tuple[tuple[str, ...], tuple[float, ...]]:
    """Per held skill: its joined identities and :func:`held_weight`."""
    tags = tuple(tags)
    return (tuple(joined_identities(tag) for tag in tags),
            tuple(held_weight(tag) for tag in tags))
