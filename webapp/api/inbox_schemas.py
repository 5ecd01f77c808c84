"""Request bodies of the inbox and message endpoints (validated by pydantic, described in the
OpenAPI document)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from matcher.inbox.intents import Intent, Urgency


class LinkInput(BaseModel):
    """What a message is about: a seeker the counsellor follows, or an indexed offer."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["demandeur", "offre"]
    id: str = Field(min_length=1, max_length=120)


class TriageInput(BaseModel):
    """A counsellor's confirmation or correction of a message's triage; ``link`` null
    removes the link."""

    model_config = ConfigDict(extra="forbid")

    intent: Intent
    urgency: Urgency
    link: LinkInput | None = None


class ReplyInput(BaseModel):
    """A reply to store (no e-mail is sent); refused while a "[à compléter : …]" blank
    remains."""

    model_config = ConfigDict(extra="forbid")

    subject: str = Field(min_length=1, max_length=200)
    body: str = Field(min_length=1, max_length=10_000)


class MessageInput(BaseModel):
    """A message from a seeker or an employer to a counsellor who follows them
    (``counsellor_id`` may be left out when only one does); ``offer_id``: one of the
    employer's offers."""

    model_config = ConfigDict(extra="forbid")

    subject: str = Field(default="", max_length=200)
    body: str = Field(min_length=1, max_length=5000)
    counsellor_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    offer_id: str | None = Field(default=None, min_length=1, max_length=120)
