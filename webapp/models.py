"""The web app's database: accounts, ownership, contact requests, consents and the tag audit log.

SQLAlchemy 2 typed ORM. The schema is created and upgraded by Alembic (``webapp/migrations``);
:data:`Base.metadata` is what the migrations describe. Times are stored in UTC.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    DateTime,
    Dialect,
    Enum,
    ForeignKey,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator


def utc_now() -> datetime:
    """The current time, timezone-aware (UTC)."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC time on every backend (SQLite stores naive times)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None,
                             dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """The declarative base of every table; JSON columns map ``dict[str, Any]``."""

    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, datetime: UTCDateTime}


class Role(enum.StrEnum):
    """What an account may do."""

    SEEKER = "seeker"
    EMPLOYER = "employer"
    COUNSELLOR = "counsellor"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        """The role in French."""
        return ROLE_LABELS[self]


ROLE_LABELS = {Role.SEEKER: "Demandeur d'emploi", Role.EMPLOYER: "Employeur",
               Role.COUNSELLOR: "Conseiller", Role.ADMIN: "Administrateur"}


class ContactStatus(enum.StrEnum):
    """The life of an employer's contact request."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"

    @property
    def label(self) -> str:
        """The status in French."""
        return {"pending": "en attente", "accepted": "acceptée", "declined": "refusée"}[self]


class TimestampMixin:
    """A creation time."""

    created_at: Mapped[datetime] = mapped_column(default=utc_now)


class User(TimestampMixin, Base):
    """An account. The password is an argon2id hash; tokens live in :class:`ApiToken`."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[Role] = mapped_column(Enum(Role, native_enum=False, length=20,
                                            values_callable=lambda e: [m.value for m in e]))
    password_hash: Mapped[str] = mapped_column(String(255))
    password_temporary: Mapped[bool] = mapped_column(default=False, server_default=false())
    active: Mapped[bool] = mapped_column(default=True)
    last_login_at: Mapped[datetime | None] = mapped_column()

    tokens: Mapped[list[ApiToken]] = relationship(back_populates="user",
                                                  cascade="all, delete-orphan")
    sessions: Mapped[list[UserSession]] = relationship(back_populates="user",
                                                       cascade="all, delete-orphan")
    seeker_link: Mapped[SeekerLink | None] = relationship(back_populates="user",
                                                         cascade="all, delete-orphan")
    offers: Mapped[list[OfferOwnership]] = relationship(back_populates="employer",
                                                        cascade="all, delete-orphan")
    saved_offers: Mapped[list[SavedOffer]] = relationship(cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role.value}>"


class ApiToken(TimestampMixin, Base):
    """A bearer token for the JSON API; only its SHA-256 is stored (tokens are 256-bit random)."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    last_used_at: Mapped[datetime | None] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()

    user: Mapped[User] = relationship(back_populates="tokens")


class UserSession(TimestampMixin, Base):
    """A signed-in browser session. The cookie carries a random id; only its SHA-256 is
    stored. Deleting the row ends the session, whatever copy of the cookie exists."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    id_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column()

    user: Mapped[User] = relationship(back_populates="sessions")


class ClaimCode(TimestampMixin, Base):
    """A one-time code a counsellor gives a seeker in person, with which the seeker links
    their account to their profile (administrators never link seekers). Only its SHA-256 is
    stored."""

    __tablename__ = "claim_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[str] = mapped_column(String(120), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    expires_at: Mapped[datetime] = mapped_column()


class SeekerLink(TimestampMixin, Base):
    """A seeker account and its profile in the index (one each)."""

    __tablename__ = "seeker_links"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    profile_id: Mapped[str] = mapped_column(String(120), unique=True)

    user: Mapped[User] = relationship(back_populates="seeker_link")


class OfferOwnership(TimestampMixin, Base):
    """An offer of the index that an employer account publishes."""

    __tablename__ = "offer_ownerships"

    offer_id: Mapped[str] = mapped_column(String(120), primary_key=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                             index=True)

    employer: Mapped[User] = relationship(back_populates="offers")


class CounsellorAssignment(TimestampMixin, Base):
    """A seeker profile followed by a counsellor."""

    __tablename__ = "counsellor_assignments"
    __table_args__ = (UniqueConstraint("counsellor_id", "profile_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    counsellor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                               index=True)
    profile_id: Mapped[str] = mapped_column(String(120), index=True)

    counsellor: Mapped[User] = relationship()


class ContactRequest(TimestampMixin, Base):
    """An employer asks to contact a candidate about an offer; the seeker accepts or declines."""

    __tablename__ = "contact_requests"
    __table_args__ = (UniqueConstraint("employer_id", "offer_id", "profile_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                             index=True)
    offer_id: Mapped[str] = mapped_column(String(120))
    profile_id: Mapped[str] = mapped_column(String(120), index=True)
    message: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[ContactStatus] = mapped_column(
        Enum(ContactStatus, native_enum=False, length=20,
             values_callable=lambda e: [m.value for m in e]),
        default=ContactStatus.PENDING)
    answered_at: Mapped[datetime | None] = mapped_column()
    initiated_by: Mapped[str] = mapped_column(String(20), default="employer",
                                              server_default="employer")
    """``employer`` (a contact request the seeker answers) or ``seeker`` (an application the
    seeker sent from the offer page, their details shared by their own choice)."""

    employer: Mapped[User] = relationship()


class SavedOffer(TimestampMixin, Base):
    """An offer a seeker keeps to read again (their own list; erased with the account)."""

    __tablename__ = "saved_offers"
    __table_args__ = (UniqueConstraint("user_id", "offer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    offer_id: Mapped[str] = mapped_column(String(120))


class Consent(TimestampMixin, Base):
    """A consent given or withdrawn by a seeker (e.g. sharing contact details with an employer)."""

    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(80))
    scope: Mapped[str] = mapped_column(String(200), default="")
    granted: Mapped[bool] = mapped_column()


class TagEdit(TimestampMixin, Base):
    """The audit log of a counsellor's tag edit: who, when, the tags before and after, why.

    ``undone_by_id`` points at the later entry that undid this one; ``undo_of_id`` at the entry
    an undo reverts.
    """

    __tablename__ = "tag_edits"

    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[str] = mapped_column(String(120), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    author_name: Mapped[str] = mapped_column(String(120))
    before: Mapped[dict[str, Any]] = mapped_column()
    after: Mapped[dict[str, Any]] = mapped_column()
    reason: Mapped[str] = mapped_column(Text)
    undone_by_id: Mapped[int | None] = mapped_column(ForeignKey("tag_edits.id"))
    undo_of_id: Mapped[int | None] = mapped_column(ForeignKey("tag_edits.id"))


class ProfileOverride(Base):
    """A seeker's current tags after counsellor edits, applied on top of the indexed profile."""

    __tablename__ = "profile_overrides"

    profile_id: Mapped[str] = mapped_column(String(120), primary_key=True)
    tags: Mapped[dict[str, Any]] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column(default=utc_now)


class ErasedProfile(Base):
    """A profile whose seeker erased their account: the SHA-256 of its id, never the id."""

    __tablename__ = "erased_profiles"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    erased_at: Mapped[datetime] = mapped_column(default=utc_now)


class LoginAttempt(Base):
    """A login throttling counter: attempts by one client address on one account, or by one
    address on any account, and when the last one was made (see :mod:`webapp.throttling`)."""

    __tablename__ = "login_attempts"

    key: Mapped[str] = mapped_column(String(400), primary_key=True)
    count: Mapped[int] = mapped_column(default=0)
    last_at: Mapped[datetime] = mapped_column(default=utc_now)


# The inbox's tables live in their own module; importing it here registers them on
# Base.metadata (which the migrations and the schema test compare against).
from webapp.inbox import models as _inbox_models  # noqa: E402, F401
