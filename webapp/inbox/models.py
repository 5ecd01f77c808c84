"""The inbox's tables: messages, their triage, the counsellors' confirmations and
corrections, the replies sent, the saved versions of the classifier, and which employers a
counsellor follows.

Registered on :data:`webapp.models.Base` (``webapp/models.py`` imports this module), created by
the Alembic migration ``0004_inbox``. Messages hold personal data like profiles do: erasing a
seeker deletes or redacts them (:mod:`webapp.inbox.erasure`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.models import Base, TimestampMixin, User, utc_now

STATUS_OPEN = "a_traiter"
STATUS_ANSWERED = "repondu"
STATUSES = (STATUS_OPEN, STATUS_ANSWERED)
STATUS_LABELS = {STATUS_OPEN: "à traiter", STATUS_ANSWERED: "répondu"}


class EmployerFollow(TimestampMixin, Base):
    """An employer account followed by a counsellor: the counsellor receives the employer's
    messages and may open the diagnoses of the employer's offers."""

    __tablename__ = "counsellor_employers"
    __table_args__ = (UniqueConstraint("counsellor_id", "employer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    counsellor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                               index=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                             index=True)


class InboxMessage(TimestampMixin, Base):
    """A message in a counsellor's inbox: written in the app by a seeker or an employer
    (``sender_id``), or imported from an e-mail file (``source_file``, ``source_position``).

    ``fingerprint`` makes imports idempotent (a message imported twice is skipped);
    ``warning`` keeps what the reader said of a message it still kept (an unknown charset).
    """

    __tablename__ = "inbox_messages"
    __table_args__ = (Index("ix_inbox_messages_counsellor_status", "counsellor_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    counsellor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True)
    sender_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                                  index=True)
    sender_role: Mapped[str] = mapped_column(String(20))
    sender_address: Mapped[str] = mapped_column(String(254), default="")
    sender_name: Mapped[str] = mapped_column(String(200), default="")
    subject: Mapped[str] = mapped_column(String(300), default="")
    body: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(default=utc_now)
    external_id: Mapped[str | None] = mapped_column(String(300))
    source_file: Mapped[str | None] = mapped_column(String(500))
    source_position: Mapped[int | None] = mapped_column()
    attachments: Mapped[int] = mapped_column(default=0)
    warning: Mapped[str | None] = mapped_column(Text)
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(20), default=STATUS_OPEN)

    sender: Mapped[User | None] = relationship(foreign_keys=[sender_id])
    counsellor: Mapped[User | None] = relationship(foreign_keys=[counsellor_id])
    triage: Mapped[MessageTriage | None] = relationship(
        back_populates="message", cascade="all, delete-orphan", uselist=False)
    corrections: Mapped[list[TriageCorrection]] = relationship(
        back_populates="message", cascade="all, delete-orphan",
        order_by="TriageCorrection.id")
    replies: Mapped[list[InboxReply]] = relationship(
        back_populates="message", cascade="all, delete-orphan", order_by="InboxReply.id")

    @property
    def status_label(self) -> str:
        """The status in French."""
        return STATUS_LABELS.get(self.status, self.status)


class MessageTriage(Base):
    """The triage computed when the message arrived (``predicted_*``, ``entities``,
    ``proposals``: what the model said) and the current labels (``intent``, ``urgency``,
    ``link_*``), which a counsellor's confirmation or correction replaces. ``urgency_rank``
    (0 = haute) is what the inbox sorts on."""

    __tablename__ = "inbox_triages"
    __table_args__ = (Index("ix_inbox_triages_order", "urgency_rank"),)

    message_id: Mapped[int] = mapped_column(
        ForeignKey("inbox_messages.id", ondelete="CASCADE"), primary_key=True)
    model_version: Mapped[int] = mapped_column()
    triaged_at: Mapped[datetime] = mapped_column(default=utc_now)
    predicted_intent: Mapped[str] = mapped_column(String(40))
    intent_confidence: Mapped[float] = mapped_column()
    predicted_urgency: Mapped[str] = mapped_column(String(10))
    urgency_confidence: Mapped[float] = mapped_column()
    urgency_reasons: Mapped[list[Any]] = mapped_column(JSON, default=list)
    entities: Mapped[list[Any]] = mapped_column(JSON, default=list)
    proposals: Mapped[list[Any]] = mapped_column(JSON, default=list)
    intent: Mapped[str] = mapped_column(String(40))
    urgency: Mapped[str] = mapped_column(String(10))
    urgency_rank: Mapped[int] = mapped_column()
    link_kind: Mapped[str | None] = mapped_column(String(20))
    link_id: Mapped[str | None] = mapped_column(String(120), index=True)
    link_confidence: Mapped[float | None] = mapped_column()
    link_reason: Mapped[str] = mapped_column(String(300), default="")
    confirmed_at: Mapped[datetime | None] = mapped_column()
    confirmed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))

    message: Mapped[InboxMessage] = relationship(back_populates="triage")


class TriageCorrection(TimestampMixin, Base):
    """A counsellor's confirmation (``changed`` false) or correction of a message's intent,
    urgency and link. Every one is kept; retraining uses the latest of each message."""

    __tablename__ = "inbox_corrections"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(
        ForeignKey("inbox_messages.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    intent: Mapped[str] = mapped_column(String(40))
    urgency: Mapped[str] = mapped_column(String(10))
    link_kind: Mapped[str | None] = mapped_column(String(20))
    link_id: Mapped[str | None] = mapped_column(String(120))
    changed: Mapped[bool] = mapped_column(default=False)

    message: Mapped[InboxMessage] = relationship(back_populates="corrections")


class InboxReply(TimestampMixin, Base):
    """A reply a counsellor sent from the inbox. No e-mail leaves the app: the reply is
    stored, and a sender with an account reads it on their messages page."""

    __tablename__ = "inbox_replies"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(
        ForeignKey("inbox_messages.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    author_name: Mapped[str] = mapped_column(String(120))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    template_intent: Mapped[str | None] = mapped_column(String(40))

    message: Mapped[InboxMessage] = relationship(back_populates="replies")


class ClassifierVersion(TimestampMixin, Base):
    """A saved version of the inbox classifier (``file_name`` in the model folder).

    ``message_ids``: the messages whose confirmed or corrected labels trained it (empty for
    the version trained on the dev set alone); erasing one of them deletes the version."""

    __tablename__ = "inbox_classifier_versions"

    version: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    file_name: Mapped[str] = mapped_column(String(200))
    trained_on: Mapped[int] = mapped_column(default=0)
    corrections: Mapped[int] = mapped_column(default=0)
    message_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
