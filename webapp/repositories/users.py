"""Accounts and API tokens."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from webapp.models import ApiToken, Role, User, utc_now
from webapp.passwords import hash_password, new_token, token_hash


class AccountError(ValueError):
    """An account cannot be created or changed as asked (the message is for the user)."""


#: An e-mail address as accounts use it: a dot-atom local part (RFC 5322, no quoted forms)
#: and a domain of dot-separated LDH labels with at least one dot. Nothing that HTML, a header
#: or a shell would read specially (no quote, angle bracket, space or backslash).
EMAIL = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+"
    r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")


def email_problem(email: str) -> str | None:
    """Why ``email`` (normalised) is not an acceptable account address, or None."""
    if len(email) > 254 or not EMAIL.fullmatch(email):
        return f"adresse électronique invalide : {email[:80]!r}"
    if len(email.split("@", 1)[0]) > 64:
        return "adresse électronique invalide : partie avant « @ » trop longue"
    return None


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
                display_name: str | None = None, *, temporary: bool = False) -> User:
    """A new account (flushed, not committed); a duplicate or malformed email is refused.
    A ``temporary`` password (chosen by an administrator) must be replaced at first login."""
    email = normalise_email(email)
    problem = email_problem(email)
    if problem:
        raise AccountError(problem)
    if by_email(session, email) is not None:
        raise AccountError(f"un compte existe déjà pour {email}")
    user = User(email=email, role=role, password_hash=hash_password(password),
                password_temporary=temporary,
                display_name=(display_name or email.split("@")[0])[:120])
    session.add(user)
    session.flush()
    return user


def set_password(user: User, password: str, *, temporary: bool = False) -> None:
    """Replace the password (the caller ends the sessions and revokes the tokens)."""
    user.password_hash = hash_password(password)
    user.password_temporary = temporary


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
    row = session.scalar(select(ApiToken).options(joinedload(ApiToken.user))
                         .where(ApiToken.token_hash == token_hash(token),
                                ApiToken.revoked_at.is_(None)))  # one query for both
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


def revoke_all_tokens(session: Session, user: User) -> int:
    """Revoke every token of ``user`` (after a password change); return how many."""
    now = utc_now()
    rows = active_tokens(session, user)
    for row in rows:
        row.revoked_at = now
    return len(rows)


def active_tokens(session: Session, user: User) -> Sequence[ApiToken]:
    """A user's tokens that are not revoked, newest first."""
    return session.scalars(select(ApiToken).where(ApiToken.user_id == user.id,
                                                  ApiToken.revoked_at.is_(None))
                           .order_by(ApiToken.id.desc())).all()
