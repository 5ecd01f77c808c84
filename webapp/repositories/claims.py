"""One-time claim codes: how a seeker account gets linked to its profile.

A counsellor who follows a profile creates a code and hands it to the seeker in person; the
seeker, signed in with a password of their own, types it on their page and their account is
linked to the profile. The administrator neither sees the code nor links seekers, so an
account the administrator controls cannot be given someone's profile. A code is 12 characters
of an unambiguous 32-letter alphabet (60 bits), valid 7 days, used once; a new code replaces
the profile's previous ones; only its SHA-256 is stored.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from webapp.models import ClaimCode, User, utc_now
from webapp.repositories import ownership

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no I, O, 0 or 1
LENGTH = 12
VALIDITY = timedelta(days=7)


class ClaimError(ValueError):
    """A code that cannot link the account (the message is for the user)."""


def normalise(code: str) -> str:
    """A typed code without spaces or dashes, upper-cased."""
    return "".join(c for c in code.upper() if c.isalnum())[:2 * LENGTH]


def _hash(code: str) -> str:
    return hashlib.sha256(f"emploi-claim:{normalise(code)}".encode()).hexdigest()


def issue(session: Session, counsellor: User, profile_id: str) -> str:
    """A new code for ``profile_id`` (the previous ones are withdrawn); flushed, not
    committed. Return it formatted for reading aloud: ``ABCD-EFGH-JKLM``."""
    session.execute(delete(ClaimCode).where(ClaimCode.profile_id == profile_id))
    code = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    session.add(ClaimCode(profile_id=profile_id, code_hash=_hash(code),
                          created_by_id=counsellor.id, expires_at=utc_now() + VALIDITY))
    session.flush()
    return "-".join(code[i:i + 4] for i in range(0, LENGTH, 4))


def redeem(session: Session, seeker: User, code: str) -> str:
    """Link ``seeker`` to the profile of ``code`` and use the code up (flushed, not
    committed); return the profile id. :class:`ClaimError` when the code is unknown,
    expired or its profile already has an account."""
    if ownership.profile_of(session, seeker) is not None:
        raise ClaimError("Votre compte est déjà relié à un profil.")
    row = session.scalar(select(ClaimCode).where(ClaimCode.code_hash == _hash(code)))
    if row is None or row.expires_at <= utc_now():
        raise ClaimError("Code inconnu ou expiré. Demandez un nouveau code à votre conseiller.")
    if ownership.seeker_of(session, row.profile_id) is not None:
        raise ClaimError("Ce profil est déjà relié à un compte. Parlez-en à votre conseiller.")
    ownership.link_seeker(session, seeker, row.profile_id)
    session.delete(row)
    session.flush()
    return row.profile_id


def forget_profile(session: Session, profile_id: str) -> None:
    """Delete a profile's codes (account erasure)."""
    session.execute(delete(ClaimCode).where(ClaimCode.profile_id == profile_id))
