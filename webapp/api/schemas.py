"""Request bodies of the JSON API, validated by pydantic (and described in the OpenAPI file)."""

from __future__ import annotations

import json
from typing import Any, TypeVar

from flask import request
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from webapp.params import BadParameter

M = TypeVar("M", bound=BaseModel)

MAX_DEPTH = 32
"""How deeply arrays and objects may nest in a request body (the bodies need 3 levels)."""


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


def nesting_depth(raw: bytes) -> int:
    """How deeply ``[`` and ``{`` nest in a JSON text (outside strings), without parsing it:
    checked before parsing, so a 100,000-deep body costs one pass, not a recursion error."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            deepest = max(deepest, depth)
        elif byte in (0x5D, 0x7D):  # ] }
            depth -= 1
    return deepest


def json_body() -> Any:
    """The request body parsed as JSON; 400 when it is not JSON or nests deeper than
    :data:`MAX_DEPTH` (its size is bounded by ``MAX_CONTENT_LENGTH``: 413 above)."""
    raw = request.get_data(cache=True)
    if nesting_depth(raw) > MAX_DEPTH:
        raise BadParameter("body", f"JSON trop imbriqué (au plus {MAX_DEPTH} niveaux)")
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        raise BadParameter("body", "JSON invalide") from None


def body(model: type[M]) -> M:
    """The request's JSON body as ``model``; a 400 naming the faulty field otherwise."""
    data = json_body()
    if not isinstance(data, dict):
        raise BadParameter("body", "objet JSON attendu")
    try:
        return model.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        name = ".".join(str(part) for part in first["loc"]) or "body"
        raise BadParameter(name, first["msg"]) from None
