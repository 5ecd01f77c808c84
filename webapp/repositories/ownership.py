"""Who owns what: a seeker's profile, an employer's offers, a counsellor's seekers."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from webapp.models import CounsellorAssignment, OfferOwnership, Role, SeekerLink, User


def profile_of(session: Session, user: User) -> str | None:
    """The profile id a seeker account is linked to."""
    return session.scalar(select(SeekerLink.profile_id).where(SeekerLink.user_id == user.id))


def seeker_of(session: Session, profile_id: str) -> User | None:
    """The seeker account linked to a profile, if any."""
    return session.scalar(select(User).join(SeekerLink, SeekerLink.user_id == User.id)
                          .where(SeekerLink.profile_id == profile_id))


def link_seeker(session: Session, user: User, profile_id: str) -> None:
    """Link a seeker account to a profile of the index."""
    if user.role is not Role.SEEKER:
        raise ValueError("only seeker accounts have a profile")
    current = seeker_of(session, profile_id)
    if current is not None and current.id != user.id:
        raise ValueError(f"le profil {profile_id} est déjà lié à un autre compte")
    session.merge(SeekerLink(user_id=user.id, profile_id=profile_id))


def offers_of(session: Session, user: User) -> list[str]:
    """The offer ids an employer owns, sorted."""
    return list(session.scalars(select(OfferOwnership.offer_id)
                                .where(OfferOwnership.employer_id == user.id)
                                .order_by(OfferOwnership.offer_id)))


def owns_offer(session: Session, user: User, offer_id: str) -> bool:
    """True when ``user`` is the employer who owns ``offer_id``."""
    return session.scalar(select(OfferOwnership.offer_id).where(
        OfferOwnership.offer_id == offer_id, OfferOwnership.employer_id == user.id)) is not None


def owner_of(session: Session, offer_id: str) -> User | None:
    """The employer account that owns ``offer_id`` on the platform, if any."""
    return session.scalar(select(User).join(OfferOwnership, OfferOwnership.employer_id == User.id)
                          .where(OfferOwnership.offer_id == offer_id, User.active.is_(True)))


def give_offer(session: Session, user: User, offer_id: str) -> None:
    """Make ``user`` (an employer) the owner of ``offer_id``."""
    if user.role is not Role.EMPLOYER:
        raise ValueError("only employer accounts own offers")
    session.merge(OfferOwnership(offer_id=offer_id, employer_id=user.id))


def assigned_profiles(session: Session, user: User) -> list[str]:
    """The profile ids a counsellor follows, sorted."""
    return list(session.scalars(select(CounsellorAssignment.profile_id)
                                .where(CounsellorAssignment.counsellor_id == user.id)
                                .order_by(CounsellorAssignment.profile_id)))


def is_assigned(session: Session, user: User, profile_id: str) -> bool:
    """True when the counsellor ``user`` follows ``profile_id``."""
    return session.scalar(select(CounsellorAssignment.id).where(
        CounsellorAssignment.counsellor_id == user.id,
        CounsellorAssignment.profile_id == profile_id)) is not None


def assign(session: Session, counsellor: User, profile_id: str) -> None:
    """Have a counsellor follow a seeker profile (idempotent)."""
    if counsellor.role is not Role.COUNSELLOR:
        raise ValueError("only counsellor accounts follow seekers")
    if not is_assigned(session, counsellor, profile_id):
        session.add(CounsellorAssignment(counsellor_id=counsellor.id, profile_id=profile_id))


def counsellors_of(session: Session, profile_id: str) -> Sequence[User]:
    """The counsellors following a profile."""
    return session.scalars(select(User).join(CounsellorAssignment,
                                             CounsellorAssignment.counsellor_id == User.id)
                           .where(CounsellorAssignment.profile_id == profile_id)).all()


def forget_profile(session: Session, profile_id: str) -> None:
    """Remove every assignment and link to a profile (account erasure)."""
    session.execute(delete(CounsellorAssignment)
                    .where(CounsellorAssignment.profile_id == profile_id))
    session.execute(delete(SeekerLink).where(SeekerLink.profile_id == profile_id))
