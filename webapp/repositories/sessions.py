"""Server-side sessions: a signed-in browser holds a random session id; the database holds its
SHA-256. Logging out deletes the row, so a copy of the cookie made before is worth nothing;
changing the password deletes every row of the account."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from webapp.models import User, UserSession, utc_now


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


def start(session: Session, user: User, lifetime: timedelta) -> str:
    """A new session for ``user`` (flushed, not committed); return its id for the cookie.
    The account's expired sessions are deleted on the way."""
    now = utc_now()
    session.execute(delete(UserSession).where(UserSession.user_id == user.id,
                                              UserSession.expires_at < now))
    session_id = secrets.token_urlsafe(32)
    session.add(UserSession(user_id=user.id, id_hash=_hash(session_id),
                            expires_at=now + lifetime))
    session.flush()
    return session_id


def user_of(session: Session, user_id: int, session_id: str) -> User | None:
    """The active account of a live session (id and account must match), else None."""
    row = session.scalar(select(UserSession).where(UserSession.id_hash == _hash(session_id)))
    if row is None or row.user_id != user_id or row.expires_at <= utc_now():
        return None
    return row.user if row.user.active else None


def end(session: Session, session_id: str) -> None:
    """End one session (flushed, not committed)."""
    session.execute(delete(UserSession).where(UserSession.id_hash == _hash(session_id)))


def end_all(session: Session, user: User) -> int:
    """End every session of ``user``; return how many there were."""
    result = session.execute(delete(UserSession).where(UserSession.user_id == user.id))
    return int(getattr(result, "rowcount", 0) or 0)
