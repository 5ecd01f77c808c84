"""A message of the counsellors' inbox: who sent it, what it says, when."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any


class SenderRole(StrEnum):
    """Who wrote the message, as far as the app knows."""

    SEEKER = "demandeur"
    EMPLOYER = "employeur"
    COUNSELLOR = "conseiller"
    UNKNOWN = "inconnu"


@dataclass(frozen=True, slots=True)
class Message:
    """One message: written in the app or imported from an e-mail file.

    ``sender`` is the e-mail address (lower-cased) when known, ``sender_name`` the display
    name; ``source`` says where an imported message came from ("inbox.mbox, message 3").
    Attachments are not kept: ``attachments`` only counts those that were ignored.
    """

    subject: str
    body: str
    role: SenderRole = SenderRole.UNKNOWN
    sender: str = ""
    sender_name: str = ""
    sent_at: datetime | None = None
    message_id: str | None = None
    source: str | None = None
    attachments: int = 0

    @property
    def text(self) -> str:
        """Subject and body, as the classifier and the extractor read them."""
        return f"{self.subject}\n{self.body}" if self.subject else self.body

    def with_role(self, role: SenderRole) -> Message:
        """The same message with its sender's role set."""
        return replace(self, role=role)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (the date as ISO 8601)."""
        return {"subject": self.subject, "body": self.body, "role": self.role.value,
                "sender": self.sender, "sender_name": self.sender_name,
                "sent_at": self.sent_at.isoformat() if self.sent_at else None,
                "message_id": self.message_id, "source": self.source,
                "attachments": self.attachments}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Message:
        """The inverse of :meth:`to_dict`; a missing subject or body is empty."""
        sent = data.get("sent_at")
        return cls(subject=str(data.get("subject") or ""), body=str(data.get("body") or ""),
                   role=SenderRole(data.get("role") or SenderRole.UNKNOWN.value),
                   sender=str(data.get("sender") or ""),
                   sender_name=str(data.get("sender_name") or ""),
                   sent_at=datetime.fromisoformat(sent) if sent else None,
                   message_id=data.get("message_id"), source=data.get("source"),
                   attachments=int(data.get("attachments") or 0))
