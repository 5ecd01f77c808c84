"""What the matcher returns: ranked matches, each with the explanation of its score."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, is_dataclass
from functools import cache
from typing import Any


@dataclass(frozen=True, slots=True)
class ScoreComponent:
    """One part of a match's score: its raw ``value`` in [0, 1], its configured ``weight``,
    its ``contribution`` (value × weight / sum of weights) and its ``share`` of the total."""

    name: str
    label: str
    value: float
    weight: float
    contribution: float
    share: float


@dataclass(frozen=True, slots=True)
class SkillRef:
    """A skill named in an explanation, with its taxonomy label; ``inferred`` when it was read
    from the record's text ("lue dans l'annonce"), with the passage it was read from and
    whether that passage stated the requirement."""

    code: str | None
    label: str
    requirement: str
    inferred: bool = False
    excerpt: str | None = None
    requirement_stated: bool = True


@dataclass(frozen=True, slots=True)
class OccupationRef:
    """An occupation of the matched record: given by the record, or read from its title and
    text (``inferred``) with the reading's confidence."""

    code: str
    label: str
    confidence: float
    inferred: bool


@dataclass(frozen=True, slots=True)
class RetrievalTrace:
    """How a result was found: its rank in each retriever (1-based, None when absent), and
    the taxonomy expansion that brought it in when widening was on."""

    keyword_rank: int | None = None
    vector_rank: int | None = None
    expansions: tuple[str, ...] = ()
    concept_rank: int | None = None


@dataclass(frozen=True, slots=True)
class Explanation:
    """Why a result is where it is."""

    components: tuple[ScoreComponent, ...]
    matched_skills: tuple[SkillRef, ...] = ()
    missing_skills: tuple[SkillRef, ...] = ()
    related_skills: tuple[SkillRef, ...] = ()
    distance_km: float | None = None
    filters: tuple[str, ...] = ()
    retrieval: RetrievalTrace = field(default_factory=RetrievalTrace)
    occupation_relation: str | None = None
    occupations: tuple[OccupationRef, ...] = ()
    """The matched record's occupations (given first, then those read from its text)."""


@dataclass(frozen=True, slots=True)
class Match:
    """One ranked result: an offer id (for a seeker) or a profile id (for an offer)."""

    id: str
    score: float
    explanation: Explanation
    level: str | None = None
    """"très proche", "proche" or "piste à explorer" (calibrated on the dev sets); None below
    the floor of a match (the engine does not show those)."""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: ``id``, ``score``, ``level``, ``explanation``."""
        return {"id": self.id, "score": round(self.score, 6), "level": self.level,
                "explanation": plain(self.explanation)}


def plain(value: Any) -> Any:
    """What ``dataclasses.asdict`` gives for these frozen records (dataclasses as dicts,
    tuples and lists kept), without its deep copy of every leaf. Leaves are tested by exact
    type and each class's fields looked up once: a cached ranked list is turned into JSON on
    every request that shows it, ≈ 100 nodes per match."""
    kind: type = type(value)
    if kind in _LEAVES:
        return value
    names = _field_names(kind)
    if names is not None:
        return {name: _plain_item(getattr(value, name)) for name in names}
    if kind is tuple:
        return tuple([_plain_item(item) for item in value])
    if kind is list:
        return [_plain_item(item) for item in value]
    if isinstance(value, tuple | list):
        return kind(plain(item) for item in value)
    if isinstance(value, dict):
        return {key: _plain_item(item) for key, item in value.items()}
    return value


def _plain_item(value: Any) -> Any:
    """:func:`plain` of a field or an item, without a call for a leaf."""
    return value if type(value) in _LEAVES else plain(value)


_LEAVES = frozenset({str, int, float, bool, type(None)})


@cache
def _field_names(kind: type) -> tuple[str, ...] | None:
    """A dataclass's field names, or None for any other type."""
    return tuple(f.name for f in fields(kind)) if is_dataclass(kind) else None
