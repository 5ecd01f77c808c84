"""Who writes to whom, and who may see what, in the inbox and the diagnoses.

The rules (also in ``docs/counsellor-tools.md``):

- a **seeker** writes to a counsellor who follows them (``counsellor_assignments``); an
  **employer** to a counsellor who follows them (``counsellor_employers``, created by
  ``emploi admin link`` or the demo); someone followed by nobody cannot write yet, and the
  page says so;
- a message lives in one counsellor's inbox; that counsellor sees it only while the person it
  concerns is still theirs: a message linked to a seeker needs the seeker assigned to them, a
  message written from a seeker's or an employer's account needs its author followed by them
  (whatever its link). Any other message (another counsellor's, or one whose seeker was
  reassigned) answers 404;
- a link may only name a seeker the counsellor follows (a proposal naming another seeker is
  dropped at arrival, so that no name leaks between counsellors) or an offer (offers are
  public postings);
- the **seeker diagnosis** is for the seeker and the counsellors following them; the **offer
  diagnosis** for the employer who owns the offer and the counsellors following that
  employer.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, and_, exists, or_, select
from sqlalchemy.orm import Session

from webapp.inbox.models import EmployerFollow, InboxMessage, MessageTriage
from webapp.models import CounsellorAssignment, OfferOwnership, Role, SeekerLink, User
from webapp.repositories import ownership

SEEKER_LINK = "demandeur"
OFFER_LINK = "offre"


def follow_employer(session: Session, counsellor: User, employer: User) -> None:
    """Have a counsellor follow an employer (idempotent)."""
    if counsellor.role is not Role.COUNSELLOR or employer.role is not Role.EMPLOYER:
        raise ValueError("a counsellor follows an employer account")
    if not follows_employer(session, counsellor, employer.id):
        session.add(EmployerFollow(counsellor_id=counsellor.id, employer_id=employer.id))


def follows_employer(session: Session, counsellor: User, employer_id: int) -> bool:
    """True when ``counsellor`` follows the employer account ``employer_id``."""
    return session.scalar(select(EmployerFollow.id).where(
        EmployerFollow.counsellor_id == counsellor.id,
        EmployerFollow.employer_id == employer_id)) is not None


def followed_employers(session: Session, counsellor: User) -> list[User]:
    """The employer accounts a counsellor follows, by name."""
    return list(session.scalars(
        select(User).join(EmployerFollow, EmployerFollow.employer_id == User.id)
        .where(EmployerFollow.counsellor_id == counsellor.id)
        .order_by(User.display_name, User.id)))


def counsellors_of_employer(session: Session, employer_id: int) -> list[User]:
    """The counsellors following an employer account, oldest follow first."""
    return list(session.scalars(
        select(User).join(EmployerFollow, EmployerFollow.counsellor_id == User.id)
        .where(EmployerFollow.employer_id == employer_id, User.active.is_(True))
        .order_by(EmployerFollow.id)))


def counsellors_of_seeker(session: Session, profile_id: str) -> list[User]:
    """The active counsellors following a profile, oldest assignment first."""
    return list(session.scalars(
        select(User).join(CounsellorAssignment, CounsellorAssignment.counsellor_id == User.id)
        .where(CounsellorAssignment.profile_id == profile_id, User.active.is_(True))
        .order_by(CounsellorAssignment.id)))


def recipients_for(session: Session, user: User) -> list[User]:
    """The counsellors ``user`` (a seeker or an employer) may write to."""
    if user.role is Role.SEEKER:
        profile_id = ownership.profile_of(session, user)
        return counsellors_of_seeker(session, profile_id) if profile_id else []
    if user.role is Role.EMPLOYER:
        return counsellors_of_employer(session, user.id)
    return []


def offer_owner(session: Session, offer_id: str) -> int | None:
    """The employer account owning an offer, if any."""
    return session.scalar(select(OfferOwnership.employer_id)
                          .where(OfferOwnership.offer_id == offer_id))


def may_see_offer_diagnosis(session: Session, user: User, offer_id: str) -> bool:
    """The employer owning the offer, or a counsellor following that employer."""
    if user.role is Role.EMPLOYER:
        return ownership.owns_offer(session, user, offer_id)
    if user.role is Role.COUNSELLOR:
        owner = offer_owner(session, offer_id)
        return owner is not None and follows_employer(session, user, owner)
    return False


def may_see_seeker_diagnosis(session: Session, user: User, profile_id: str) -> bool:
    """The seeker themselves, or a counsellor following them."""
    if user.role is Role.SEEKER:
        return ownership.profile_of(session, user) == profile_id
    if user.role is Role.COUNSELLOR:
        return ownership.is_assigned(session, user, profile_id)
    return False


def visible_to(counsellor: User) -> ColumnElement[bool]:
    """The SQL condition of the messages ``counsellor`` may see (see the module docstring);
    the query must join :class:`MessageTriage`."""
    assigned = exists().where(CounsellorAssignment.counsellor_id == counsellor.id,
                              CounsellorAssignment.profile_id == MessageTriage.link_id)
    followed_employer = exists().where(EmployerFollow.counsellor_id == counsellor.id,
                                       EmployerFollow.employer_id == InboxMessage.sender_id)
    own_seeker = exists().where(SeekerLink.user_id == InboxMessage.sender_id,
                                CounsellorAssignment.counsellor_id == counsellor.id,
                                CounsellorAssignment.profile_id == SeekerLink.profile_id)
    return and_(InboxMessage.counsellor_id == counsellor.id,
                or_(MessageTriage.link_kind.is_(None), MessageTriage.link_kind != SEEKER_LINK,
                    assigned),
                or_(InboxMessage.sender_id.is_(None), followed_employer, own_seeker))


def assigned_seekers(session: Session, counsellor: User) -> Sequence[str]:
    """The profile ids a counsellor follows (the seekers a link may name)."""
    return ownership.assigned_profiles(session, counsellor)
