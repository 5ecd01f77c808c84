"""Accounts and API tokens."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.models import ApiToken, Role, User, utc_now
from webapp.passwords import hash_password, new_token, token_hash


class AccountError(ValueError):
    """An account cannot be created or changed as asked (the message is for the user)."""


def normalise_email(email: str) -> str:
    """Emails are compared trimmed and lower-cased."""
    return email.strip().lower()


def by_email(session: Session, email: str) -> User | None:
    """The account with this email, active or not."""
    return session.scalar(select(User).where(User.email == normalise_email(email)))


def by_id(session: Session, user_id: int) -> User | None:
    """The account with this id."""
    return session.get(User, user_id)


def create_user(session: Session, email: str, role: Role, password: str,
                display_name: str | None = None) -> User:
    """A new account (flushed, not committed); a duplicate or malformed email is refused."""
    email = normalise_email(email)
    if "@" not in email or len(email) > 254 or email.startswith("@") or email.endswith("@"):
        raise AccountError(f"adresse électronique invalide : {email!r}")
    if by_email(session, email) is not None:
        raise AccountError(f"un compte existe déjà pour {email}")
    user = User(email=email, role=role, password_hash=hash_password(password),
                display_name=(display_name or email.split("@")[0])[:120])
    session.add(user)
    session.flush()
    return user


def set_password(user: User, password: str) -> None:
    """Replace the password (which also ends the account's other sessions)."""
    user.password_hash = hash_password(password)


def all_users(session: Session) -> Sequence[User]:
    """Every account, by role then email."""
    return session.scalars(select(User).order_by(User.role, User.email)).all()



def create_token(session: Session, user: User, name: str) -> tuple[ApiToken, str]:
    """A new API token for ``user``: the stored row and the token itself (shown once)."""
    token = new_token()
    row = ApiToken(user=user, name=(name.strip() or "jeton")[:80], token_hash=token_hash(token))
    session.add(row)
    session.flush()
    return row, token


TOKEN_USE_RESOLUTION = timedelta(minutes=1)
"""How stale a token's "last used" time may be: it is written at most once a minute, not on
every request (a write per API call serialised a busy server on the database)."""


def user_for_token(session: Session, token: str) -> User | None:
    """The active account owning an unrevoked token, and mark the token used (to the
    minute)."""
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash(token),
                                                ApiToken.revoked_at.is_(None)))
    if row is None or not row.user.active:
        return None
    now = utc_now()
    last = row.last_used_at
    if last is None or now - (last if last.tzinfo else last.replace(tzinfo=UTC)) >= \
            TOKEN_USE_RESOLUTION:
        row.last_used_at = now
        session.commit()
    return row.user


def revoke_token(session: Session, user: User, token_id: int) -> bool:
    """Revoke one of ``user``'s tokens; False when it is not theirs."""
    row = session.get(ApiToken, token_id)
    if row is None or row.user_id != user.id or row.revoked_at is not None:
        return False
    row.revoked_at = utc_now()
    return True


def active_tokens(session: Session, user: User) -> Sequence[ApiToken]:
    """A user's tokens that are not revoked, newest first."""
    return session.scalars(select(ApiToken).where(ApiToken.user_id == user.id,
                                                  ApiToken.revoked_at.is_(None))
                           .order_by(ApiToken.id.desc())).all()
