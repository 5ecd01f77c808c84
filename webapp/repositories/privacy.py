"""A seeker's data: export everything held about them (erasure: :mod:`webapp.erasure`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from matcher.engine import Engine
from webapp.inbox import repository as messages
from webapp.models import Consent, User, utc_now
from webapp.repositories import contacts, ownership, saved, tags


def export(session: Session, engine: Engine, user: User) -> dict[str, Any]:
    """Everything held about an account: account, profile (identity included), contact
    requests and applications, saved offers, consents, the tag edits of their profile, and
    the messages they wrote to their counsellors with the answers."""
    profile_id = ownership.profile_of(session, user)
    profile = engine.profiles.get(profile_id) if profile_id else None
    consents = session.scalars(select(Consent).where(Consent.user_id == user.id)
                               .order_by(Consent.id)).all()
    return {
        "exported_at": utc_now().isoformat(),
        "account": {"email": user.email, "display_name": user.display_name,
                    "role": user.role.value, "created_at": user.created_at.isoformat(),
                    "last_login_at": (user.last_login_at.isoformat()
                                      if user.last_login_at else None)},
        "profile": profile.model_dump(mode="json") if profile else None,
        "counsellors": [c.display_name for c in ownership.counsellors_of(session, profile_id)]
        if profile_id else [],
        "contact_requests": [
            {"id": r.id, "employer": r.employer.display_name, "offer_id": r.offer_id,
             "status": r.status.value, "message": r.message, "initiated_by": r.initiated_by,
             "created_at": r.created_at.isoformat(),
             "answered_at": r.answered_at.isoformat() if r.answered_at else None}
            for r in (contacts.received_by(session, profile_id) if profile_id else [])],
        "saved_offers": [{"offer_id": row.offer_id, "at": row.created_at.isoformat()}
                         for row in saved.saved(session, user)],
        "consents": [{"purpose": c.purpose, "scope": c.scope, "granted": c.granted,
                      "at": c.created_at.isoformat()} for c in consents],
        "tag_edits": [
            {"id": e.id, "by": e.author_name, "at": e.created_at.isoformat(),
             "before": e.before, "after": e.after, "reason": e.reason,
             "undone_by": e.undone_by_id}
            for e in (tags.history(session, profile_id) if profile_id else [])],
        "messages": [
            {"id": m.id, "to": m.counsellor.display_name if m.counsellor else None,
             "subject": m.subject, "body": m.body, "sent_at": m.received_at.isoformat(),
             "replies": [{"by": r.author_name, "subject": r.subject, "body": r.body,
                          "at": r.created_at.isoformat()} for r in m.replies]}
            for m in messages.sent_by(session, user)],
    }
