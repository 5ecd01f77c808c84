"""Domain models: job offers, seeker profiles and the skill tags they carry.

An offer needs only ``id`` and ``title``; everything else is optional. A profile needs only an
``id``. Validation errors name the field (pydantic's ``loc``), and readers add the file and line.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator


class Requirement(StrEnum):
    """How much an offer insists on a skill (France Travail's ``exigence``)."""

    REQUIRED = "required"
    WISHED = "wished"


class ExperienceLevel(StrEnum):
    """France Travail's ``experienceExige``: D = beginners accepted, E = experience required."""

    BEGINNER_ACCEPTED = "D"
    REQUIRED = "E"


class GeoPoint(BaseModel):
    """A WGS84 point in decimal degrees."""

    model_config = ConfigDict(frozen=True)

    lat: float = Field(ge=-90.0, le=90.0)
    lon: float = Field(ge=-180.0, le=180.0)


class Place(BaseModel):
    """Where a job is, or where a seeker lives: a commune, and its point when known."""

    model_config = ConfigDict(frozen=True)

    label: str | None = None
    commune: str | None = Field(default=None, description="INSEE code of the commune")
    postcode: str | None = None
    point: GeoPoint | None = None


class SkillTag(BaseModel):
    """A skill or knowledge item, ideally a ROME ``code_ogr``, with its label.

    ``weight`` lets a counsellor emphasise (>1) or soften (<1) a tag; ``source`` says who set it.
    """

    model_config = ConfigDict(frozen=True)

    code: str | None = None
    label: str = Field(min_length=1)
    requirement: Requirement = Requirement.REQUIRED
    weight: float = Field(default=1.0, ge=0.0, le=5.0)
    source: str | None = None


class Offer(BaseModel):
    """A job offer, normalised from the France Travail API schema or a flat file."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1)
    title: str = Field(min_length=1)
    description: str = ""
    rome_code: str | None = Field(default=None, pattern=r"^[A-N]\d{4}$")
    rome_label: str | None = None
    appellation: str | None = None
    skills: list[SkillTag] = Field(default_factory=list)
    qualities: list[str] = Field(default_factory=list)
    place: Place | None = None
    contract_type: str | None = None
    experience: ExperienceLevel | None = None
    experience_label: str | None = None
    working_time: str | None = None
    salary: str | None = None
    licences: list[str] = Field(default_factory=list)
    languages: list[str] = Field(default_factory=list)
    education: list[str] = Field(default_factory=list)
    qualification: str | None = None
    sector: str | None = None
    naf_code: str | None = None
    created_at: datetime | None = None

    @field_validator("id", "title")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value.strip()

    def content_hash(self) -> str:
        """A stable hash of the offer's content, used to cache its embedding."""
        return hashlib.sha256(self.model_dump_json().encode("utf-8")).hexdigest()


class PersonalData(BaseModel):
    """Protected and contact attributes. Never used as matching features, never shown to
    employers before the seeker accepts a contact request."""

    model_config = ConfigDict(frozen=True)

    name: str | None = None
    email: str | None = None
    phone: str | None = None
    birth_year: int | None = Field(default=None, ge=1900, le=2100)
    sex: str | None = None
    nationality: str | None = None


class Profile(BaseModel):
    """A job seeker: the occupations they target, their skills, place and wishes."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1)
    titles: list[str] = Field(default_factory=list, description="wanted job titles, free text")
    rome_codes: list[str] = Field(default_factory=list, description="target ROME occupations")
    skills: list[SkillTag] = Field(default_factory=list)
    summary: str = ""
    place: Place | None = None
    radius_km: float | None = Field(default=None, gt=0.0, le=1000.0)
    contract_types: list[str] = Field(default_factory=list)
    experience_years: float | None = Field(default=None, ge=0.0, le=60.0)
    licences: list[str] = Field(default_factory=list)
    personal: PersonalData | None = None

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
