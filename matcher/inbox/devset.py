"""The labelled French dev set of inbox messages (``data/dev_messages.jsonl``).

315 messages written for this project (none copied from real people; names, places and offer
ids are those of the demo data): 12 intents of 26–27 messages each, from seekers (255) and
employers (60), in five registers — ``formel``, ``courant``, ``familier``, ``sms`` (abbreviations,
no punctuation) and ``sans_accents`` — with spelling mistakes where people make them. Each
line holds the message (``subject``, ``body``, ``role``, ``sent_at``), its labels (``intent``,
``urgency``, following the criteria of :mod:`matcher.inbox.intents`) and the entities a reader
would mark (``entities``: dates, offer ids, ROME codes, occupations, communes, amounts, e-mail
addresses and phone numbers as written).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from matcher.inbox.intents import Intent, Urgency
from matcher.inbox.message import Message, SenderRole

DEV_SET = Path(__file__).parent / "data" / "dev_messages.jsonl"


@dataclass(frozen=True, slots=True)
class LabelledMessage:
    """A dev-set message with its labels."""

    id: str
    message: Message
    intent: Intent
    urgency: Urgency
    register: str
    entities: dict[str, list[str | float]] = field(default_factory=dict)


def load_dev_set(path: Path = DEV_SET) -> list[LabelledMessage]:
    """Every labelled message of ``path``; a bad line is a ValueError naming it."""
    items: list[LabelledMessage] = []
    with Path(path).open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                message = Message(subject=row["subject"], body=row["body"],
                                  role=SenderRole(row["role"]),
                                  sent_at=datetime.fromisoformat(row["sent_at"]),
                                  source=f"{Path(path).name}:{number}")
                items.append(LabelledMessage(row["id"], message, Intent(row["intent"]),
                                             Urgency(row["urgency"]), row["register"],
                                             dict(row.get("entities") or {})))
            except (KeyError, TypeError, ValueError) as error:
                raise ValueError(f"{path}, line {number}: {error}") from error
    return items
