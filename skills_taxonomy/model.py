"""Immutable value types of the taxonomy."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from skills_taxonomy.pickling import pickled_by_fields

ItemKind = Literal["skill", "knowledge"]
MatchKind = Literal["occupation", "appellation", "item", "esco_occupation", "esco_skill"]


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Occupation:
    """A ROME occupation sheet ("fiche métier"), e.g. D1214."""

    code: str
    label: str
    parent_code: str
    ogr_code: str


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Appellation:
    """A job title of an occupation; ``forms`` holds the masculine and feminine forms."""

    code: str
    label: str
    short_label: str
    forms: tuple[str, ...]
    rome_code: str


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Item:
    """A skill (savoir-faire, savoir-être) or a knowledge item (savoir)."""

    code: str
    label: str
    kind: ItemKind
    category: str
    subcategory: str


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class OccupationItem:
    """An item linked to an occupation; ``core`` marks a "cœur de métier" item."""

    item: Item
    core: bool


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class LabelMatch:
    """One search result: a concept, its canonical label, its ROME code and a score in [0, 1]."""

    kind: str
    code: str
    label: str
    rome_code: str | None
    score: float


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class EscoConcept:
    """An ESCO occupation or skill with its French labels."""

    uri: str
    preferred_label: str
    alt_labels: tuple[str, ...]


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class CrosswalkRow:
    """One row of the ESCO ↔ ROME mapping (ESCO occupation ↔ ROME appellation)."""

    esco_uri: str
    esco_label: str
    appellation_code: str
    appellation_label: str
    relation: str
