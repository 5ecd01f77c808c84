"""Request bodies of the JSON API, validated by pydantic (and described in the OpenAPI file)."""

from __future__ import annotations

from typing import TypeVar

from flask import request
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from webapp.params import BadParameter

M = TypeVar("M", bound=BaseModel)


class SkillInput(BaseModel):
    """A skill to add: a taxonomy code (ROME item or ESCO URI, optional) and a label."""

    model_config = ConfigDict(extra="forbid")

    code: str | None = Field(default=None, max_length=300)
    label: str = Field(min_length=1, max_length=200)


class TagEditInput(BaseModel):
    """A tag edit: skills to add, remove (by code, else label) or re-weight; occupations
    (ROME codes) to add or remove."""

    model_config = ConfigDict(extra="forbid")

    add_skills: list[SkillInput] = Field(default_factory=list, max_length=100)
    remove_skills: list[str] = Field(default_factory=list, max_length=100)
    weights: dict[str, float] = Field(default_factory=dict, max_length=100)
    add_occupations: list[str] = Field(default_factory=list, max_length=20)
    remove_occupations: list[str] = Field(default_factory=list, max_length=20)


class TagSaveInput(TagEditInput):
    """A tag edit to save, with its reason (kept in the audit log)."""

    reason: str = Field(min_length=1, max_length=2000)


class ContactRequestInput(BaseModel):
    """An employer's contact request: the offer and the candidate's pseudonym."""

    model_config = ConfigDict(extra="forbid")

    offer_id: str = Field(min_length=1, max_length=120)
    pseudonym: str = Field(min_length=1, max_length=40)
    message: str = Field(default="", max_length=1000)


class ContactAnswerInput(BaseModel):
    """A seeker's answer to a contact request."""

    model_config = ConfigDict(extra="forbid")

    accept: bool


def body(model: type[M]) -> M:
    """The request's JSON body as ``model``; a 400 naming the faulty field otherwise."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise BadParameter("body", "objet JSON attendu")
    try:
        return model.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        name = ".".join(str(part) for part in first["loc"]) or "body"
        raise BadParameter(name, first["msg"]) from None
