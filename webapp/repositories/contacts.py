"""Employers' contact requests and the seekers' answers (with the consent they record)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.models import Consent, ContactRequest, ContactStatus, User, utc_now

CONSENT_PURPOSE = "partage_coordonnees"


def request_contact(session: Session, employer: User, offer_id: str, profile_id: str,
                    message: str = "") -> ContactRequest:
    """A pending request (or the existing one for the same employer, offer and seeker)."""
    existing = session.scalar(select(ContactRequest).where(
        ContactRequest.employer_id == employer.id, ContactRequest.offer_id == offer_id,
        ContactRequest.profile_id == profile_id))
    if existing is not None:
        return existing
    row = ContactRequest(employer_id=employer.id, offer_id=offer_id, profile_id=profile_id,
                         message=message.strip()[:1000], status=ContactStatus.PENDING)
    session.add(row)
    session.flush()
    return row


def sent_by(session: Session, employer: User, offer_id: str | None = None
            ) -> Sequence[ContactRequest]:
    """An employer's requests, newest first (for one offer when given)."""
    query = select(ContactRequest).where(ContactRequest.employer_id == employer.id)
    if offer_id is not None:
        query = query.where(ContactRequest.offer_id == offer_id)
    return session.scalars(query.order_by(ContactRequest.id.desc())).all()


def received_by(session: Session, profile_id: str) -> Sequence[ContactRequest]:
    """The requests about a seeker's profile, newest first."""
    return session.scalars(select(ContactRequest).where(ContactRequest.profile_id == profile_id)
                           .order_by(ContactRequest.id.desc())).all()


def for_seeker(session: Session, request_id: int, profile_id: str) -> ContactRequest | None:
    """A request addressed to ``profile_id``, else None (someone else's: not found)."""
    row = session.get(ContactRequest, request_id)
    return row if row is not None and row.profile_id == profile_id else None


def answer(session: Session, row: ContactRequest, seeker: User, accept: bool) -> None:
    """Accept or decline; the choice is recorded as a consent given or withdrawn."""
    row.status = ContactStatus.ACCEPTED if accept else ContactStatus.DECLINED
    row.answered_at = utc_now()
    session.add(Consent(user_id=seeker.id, purpose=CONSENT_PURPOSE, granted=accept,
                        scope=f"employeur:{row.employer_id} offre:{row.offer_id}"))


def forget_profile(session: Session, profile_id: str) -> None:
    """Delete every request about a profile (account erasure)."""
    for row in received_by(session, profile_id):
        session.delete(row)
