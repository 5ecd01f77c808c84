"""A seeker's saved offers: kept, listed newest first, removed (erased with the account)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from webapp.models import SavedOffer, User


def saved_ids(session: Session, user: User) -> list[str]:
    """The ids of the offers ``user`` saved, most recently saved first."""
    return list(session.scalars(select(SavedOffer.offer_id).where(SavedOffer.user_id == user.id)
                                .order_by(SavedOffer.id.desc())))


def saved(session: Session, user: User) -> Sequence[SavedOffer]:
    """The saved-offer rows of ``user``, most recently saved first."""
    return session.scalars(select(SavedOffer).where(SavedOffer.user_id == user.id)
                           .order_by(SavedOffer.id.desc())).all()


def save(session: Session, user: User, offer_id: str) -> bool:
    """Keep an offer; False when it was already kept."""
    exists = session.scalar(select(SavedOffer.id).where(SavedOffer.user_id == user.id,
                                                        SavedOffer.offer_id == offer_id))
    if exists is not None:
        return False
    session.add(SavedOffer(user_id=user.id, offer_id=offer_id))
    session.flush()
    return True


def forget(session: Session, user: User, offer_id: str) -> bool:
    """Remove an offer from the list; False when it was not in it."""
    result = session.execute(delete(SavedOffer).where(SavedOffer.user_id == user.id,
                                                      SavedOffer.offer_id == offer_id))
    return bool(getattr(result, "rowcount", 0))
