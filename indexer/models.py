"""Domain models: job offers, seeker profiles and the skill tags they carry.

An offer needs only ``id`` and ``title``; everything else is optional. A profile needs only an
``id``. Validation errors name the field (pydantic's ``loc``), and readers add the file and line.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from indexer.limits import (
    SKILLS_MAX_ITEMS,
    TRUNCATED,
    Code,
    Codes,
    Contact,
    Identifier,
    Label,
    Labels,
    Text,
)


class Requirement(StrEnum):
    """How much an offer insists on a skill (France Travail's ``exigence``; ``trainable``
    when the text says the skill is learnt on the job: "débutant accepté", "formation
    assurée")."""

    REQUIRED = "required"
    WISHED = "wished"
    TRAINABLE = "trainable"


class ExperienceLevel(StrEnum):
    """France Travail's ``experienceExige``: D = beginners accepted, S = experience wished
    ("expérience souhaitée", a soft requirement), E = experience required."""

    BEGINNER_ACCEPTED = "D"
    WISHED = "S"
    REQUIRED = "E"


class GeoPoint(BaseModel):
    """A WGS84 point in decimal degrees."""

    model_config = ConfigDict(frozen=True)

    lat: float = Field(ge=-90.0, le=90.0)
    lon: float = Field(ge=-180.0, le=180.0)


class Place(BaseModel):
    """Where a job is, or where a seeker lives: a commune, and its point when known."""

    model_config = ConfigDict(frozen=True)

    label: Label | None = None
    commune: Code | None = Field(default=None, description="INSEE code of the commune")
    postcode: Code | None = None
    point: GeoPoint | None = None


class SkillTag(BaseModel):
    """A skill or knowledge item, ideally a ROME ``code_ogr`` (or an ESCO URI), with its label.

    ``weight`` lets a counsellor emphasise (>1) or soften (<1) a tag; ``source`` says who set it.
    A tag read from the record's own text (``inferred``) carries the confidence of the reading,
    the passage it was read from and whether that passage stated the requirement (when it did
    not, the requirement is "wished": a skill the text mentions, not one it demands).
    """

    model_config = ConfigDict(frozen=True)

    code: Code | None = None
    label: Label = Field(min_length=1)
    requirement: Requirement = Requirement.REQUIRED
    weight: float = Field(default=1.0, ge=0.0, le=5.0)
    source: Label | None = None
    inferred: bool = False
    confidence: float | None = Field(default=None, ge=0.0, le=1.0)
    excerpt: Label | None = Field(default=None,
                                  description="the passage the skill was read from")
    requirement_stated: bool = True


Skills = Annotated[list[SkillTag], Field(max_length=SKILLS_MAX_ITEMS), TRUNCATED]


class OccupationTag(BaseModel):
    """A ROME occupation of an offer or a profile: the one it carries (``inferred`` False,
    confidence 1) or one read from its title and text, with the confidence of the reading,
    its job title (appellation) and ESCO occupation when known."""

    model_config = ConfigDict(frozen=True)

    rome_code: str = Field(pattern=r"^[A-N]\d{4}$")
    label: Label
    confidence: float = Field(default=1.0, ge=0.0, le=1.0)
    inferred: bool = False
    appellation_code: Code | None = None
    appellation_label: Label | None = None
    esco_uri: Code | None = None
    esco_label: Label | None = None


class Concepts(BaseModel):
    """What indexing read from a record into the ROME / ESCO concept space: its occupations
    (given first, then inferred, best first), the skills read from its text, and a note when
    the text disagrees with the occupation the record carries."""

    model_config = ConfigDict(frozen=True)

    occupations: tuple[OccupationTag, ...] = ()
    skills: tuple[SkillTag, ...] = ()
    disagreement: str | None = None
    reader: Label | None = Field(default=None, description="version of the reader that read it")


class Offer(BaseModel):
    """A job offer, normalised from the France Travail API schema or a flat file."""

    model_config = ConfigDict(extra="forbid")

    id: Identifier = Field(min_length=1)
    title: Label = Field(min_length=1)
    description: Text = ""
    rome_code: str | None = Field(default=None, pattern=r"^[A-N]\d{4}$")
    rome_label: Label | None = None
    appellation: Label | None = None
    skills: Skills = Field(default_factory=list)
    qualities: Labels = Field(default_factory=list)
    place: Place | None = None
    contract_type: Code | None = None
    experience: ExperienceLevel | None = None
    experience_label: Label | None = None
    working_time: Label | None = None
    salary: Label | None = None
    licences: Labels = Field(default_factory=list)
    languages: Labels = Field(default_factory=list)
    education: Labels = Field(default_factory=list)
    qualification: Label | None = None
    sector: Label | None = None
    naf_code: Code | None = None
    created_at: datetime | None = None
    concepts: Concepts | None = None
    """Read at indexing; kept last, so a stored record is its input followed by its concepts."""

    @field_validator("id", "title")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value.strip()

    def content_hash(self) -> str:
        """A stable hash of the offer's content, used to cache its embedding."""
        return hashlib.sha256(self.model_dump_json().encode("utf-8")).hexdigest()

    @property
    def occupation_tags(self) -> tuple[OccupationTag, ...]:
        """Its occupations: the ones read at indexing, else the ROME code it carries."""
        if self.concepts is not None and self.concepts.occupations:
            return self.concepts.occupations
        if self.rome_code:
            return (OccupationTag(rome_code=self.rome_code,
                                  label=self.rome_label or self.rome_code),)
        return ()

    @property
    def matching_skills(self) -> list[SkillTag]:
        """The skills it asks for: those it lists, then those read from its text."""
        return merged_skills(self.skills, self.concepts)


class PersonalData(BaseModel):
    """Protected and contact attributes. Never used as matching features, never shown to
    employers before the seeker accepts a contact request."""

    model_config = ConfigDict(frozen=True)

    name: Contact | None = None
    email: Contact | None = None
    phone: Contact | None = None
    birth_year: int | None = Field(default=None, ge=1900, le=2100)
    sex: Code | None = None
    nationality: Code | None = None


class Profile(BaseModel):
    """A job seeker: the occupations they target, their skills, place and wishes."""

    model_config = ConfigDict(extra="forbid")

    id: Identifier = Field(min_length=1)
    titles: Labels = Field(default_factory=list, description="wanted job titles, free text")
    rome_codes: Codes = Field(default_factory=list, description="target ROME occupations")
    skills: Skills = Field(default_factory=list)
    summary: Text = ""
    place: Place | None = None
    radius_km: float | None = Field(default=None, gt=0.0, le=1000.0)
    contract_types: Codes = Field(default_factory=list)
    experience_years: float | None = Field(default=None, ge=0.0, le=60.0)
    licences: Labels = Field(default_factory=list)
    personal: PersonalData | None = None
    rejected_skills: list[str] = Field(
        default_factory=list,
        description="codes (or labels) of skills read from the text that a counsellor rejected")
    concepts: Concepts | None = None
    """Read at indexing; kept last, so a stored record is its input followed by its concepts."""

    @field_validator("id")
    @classmethod
    def _id_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value.strip()

    @field_validator("rome_codes")
    @classmethod
    def _rome_codes_well_formed(cls, codes: list[str]) -> list[str]:
        for code in codes:
            if len(code) != 5 or not code[0].isalpha() or not code[1:].isdigit():
                raise ValueError(f"{code!r} is not a ROME code such as K2111")
        return codes

    def content_hash(self) -> str:
        """A stable hash of the matching-relevant content (personal data excluded)."""
        return hashlib.sha256(
            self.model_dump_json(exclude={"personal"}).encode("utf-8")
        ).hexdigest()

    @property
    def occupation_tags(self) -> tuple[OccupationTag, ...]:
        """Its target occupations: the ones read at indexing, else the codes it carries."""
        if self.concepts is not None and self.concepts.occupations:
            return self.concepts.occupations
        return tuple(OccupationTag(rome_code=code, label=code) for code in self.rome_codes)

    @property
    def matching_skills(self) -> list[SkillTag]:
        """The skills it holds: its tags, then those read from its summary (minus the ones a
        counsellor rejected)."""
        rejected = set(self.rejected_skills)
        return [tag for tag in merged_skills(self.skills, self.concepts)
                if not (tag.inferred and (tag.code or tag.label) in rejected)]


def merged_skills(given: list[SkillTag], concepts: Concepts | None) -> list[SkillTag]:
    """``given`` tags, then the inferred ones of ``concepts`` that no given tag already names
    (same code or same label)."""
    if concepts is None or not concepts.skills:
        return list(given)
    known = {tag.code for tag in given if tag.code} | {tag.label.casefold() for tag in given}
    return [*given, *(tag for tag in concepts.skills
                      if tag.code not in known and tag.label.casefold() not in known)]
