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


def apply(session: Session, seeker: User, employer: User, offer_id: str, profile_id: str,
          message: str = "") -> tuple[ContactRequest, bool]:
    """A seeker applies to an employer's offer through the platform: their contact details
    go to the employer by their own choice (recorded as a consent). An employer's pending
    request for the same offer is accepted instead of creating a second one. Returns the
    request and whether it changed (False when the details were already shared)."""
    row = session.scalar(select(ContactRequest).where(
        ContactRequest.employer_id == employer.id, ContactRequest.offer_id == offer_id,
        ContactRequest.profile_id == profile_id))
    if row is not None and row.status is ContactStatus.ACCEPTED:
        return row, False
    if row is None:
        row = ContactRequest(employer_id=employer.id, offer_id=offer_id, profile_id=profile_id,
                             message=message.strip()[:1000], initiated_by="seeker")
        session.add(row)
    elif message.strip() and not row.message:
        row.message = message.strip()[:1000]
    answer(session, row, seeker, accept=True)
    session.flush()
    return row, True


def counts_by_offer(session: Session, employer: User
                    ) -> dict[str, dict[str, int]]:
    """For each of an employer's offers: requests by status (``pending``, ``accepted``,
    ``declined``) and ``applications`` (sent by seekers)."""
    counts: dict[str, dict[str, int]] = {}
    for row in sent_by(session, employer):
        offer = counts.setdefault(row.offer_id, {"pending": 0, "accepted": 0, "declined": 0,
                                                 "applications": 0})
        offer[row.status.value] += 1
        if row.initiated_by == "seeker":
            offer["applications"] += 1
    return counts


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
