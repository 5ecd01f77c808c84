"""Erasing a seeker's messages and everything derived from them (called by
:func:`webapp.erasure.erase_account`, inside its database transaction).

- **deleted**: the messages the seeker wrote from their account, the messages sent from
  their address (the account's or the profile's), and the messages linked to their profile,
  with their triage, corrections and replies;
- **redacted**: any other message (another person's) that names them, gives their address or
  phone number, or proposed a link to them: the name, address and phone number are replaced by
  "[donnée effacée]" in its subject, body, sender name and replies, the proposal is dropped,
  and its entities are re-anchored on the redacted text;
- **model versions** trained on any deleted or redacted message are deleted (their files
  once the transaction is committed: :func:`delete_files`); the inbox then uses the newest
  remaining version, at worst the one trained on the dev set alone, and the other
  counsellors' corrections are learnt again at the next retraining.

Finding the messages that merely mention the person reads every stored message once (a phone
number can be written with spaces, dots or dashes, which SQL cannot match): erasures are rare,
and the scan goes through the table in batches.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from indexer.models import PersonalData
from webapp.inbox import versions
from webapp.inbox.access import SEEKER_LINK
from webapp.inbox.models import InboxMessage, MessageTriage, TriageCorrection
from webapp.models import User

log = logging.getLogger(__name__)

REDACTED = "[donnée effacée]"
BATCH = 500


@dataclass(slots=True)
class InboxErasure:
    """What an erasure did in the inbox: messages deleted and redacted, model files to
    delete after the commit."""

    deleted: int = 0
    redacted: int = 0
    model_files: list[Path] = field(default_factory=list)


def _phone_pattern(phone: str) -> str | None:
    digits = re.sub(r"\D", "", phone)
    if len(digits) < 6:
        return None
    if digits.startswith("0"):
        digits = digits[1:]
        prefix = r"(?:0|\+33\s?|0033\s?)"
    else:
        prefix = ""
    return prefix + r"[\s.\-]?".join(re.escape(d) for d in digits)


def personal_pattern(names: Iterable[str], emails: Iterable[str],
                     phones: Iterable[str]) -> re.Pattern[str] | None:
    """One case-insensitive pattern for the person's name(s), addresses and phone numbers
    (a phone in any spacing)."""
    parts = [re.escape(v.strip()) for v in (*names, *emails) if v and len(v.strip()) >= 3]
    parts += [p for p in (_phone_pattern(v) for v in phones if v) if p]
    if not parts:
        return None
    parts.sort(key=len, reverse=True)
    return re.compile("|".join(parts), re.IGNORECASE)


def forget_seeker(session: Session, user: User, profile_id: str | None,
                  personal: PersonalData | None, model_dir: Callable[[], Path]) -> InboxErasure:
    """Delete and redact (see the module docstring); the caller commits, then calls
    :func:`delete_files` with ``model_files``."""
    outcome = InboxErasure()
    emails = {e.strip().lower() for e in (user.email, personal.email if personal else None)
              if e}
    names = [n for n in (personal.name if personal else None, user.display_name)
             if n and len(n.split()) >= 2]  # a full name, never a lone first name
    phones = [personal.phone] if personal and personal.phone else []
    conditions = [InboxMessage.sender_id == user.id,
                  func.lower(InboxMessage.sender_address).in_(emails)]
    if profile_id is not None:
        conditions.append(InboxMessage.id.in_(
            select(MessageTriage.message_id).where(MessageTriage.link_kind == SEEKER_LINK,
                                                   MessageTriage.link_id == profile_id)))
    doomed = list(session.scalars(select(InboxMessage).where(or_(*conditions))))
    touched = [m.id for m in doomed]
    for message in doomed:
        session.delete(message)
    outcome.deleted = len(doomed)
    session.flush()
    pattern = personal_pattern(names, emails, phones)
    if pattern is not None or profile_id is not None:
        for message in _all_messages(session):
            if _redact(message, pattern, profile_id):
                touched.append(message.id)
                outcome.redacted += 1
    if profile_id is not None:
        for correction in session.scalars(select(TriageCorrection).where(
                TriageCorrection.link_kind == SEEKER_LINK,
                TriageCorrection.link_id == profile_id)):
            correction.link_kind = correction.link_id = None
    if touched and versions.latest(session) is not None:
        outcome.model_files = versions.forget_messages(session, model_dir(), touched)
    log.info("inbox erasure: %d message(s) deleted, %d redacted, %d model version(s) dropped",
             outcome.deleted, outcome.redacted, len(outcome.model_files))
    return outcome


def _all_messages(session: Session) -> Iterable[InboxMessage]:
    last = 0
    while True:
        batch = list(session.scalars(select(InboxMessage).where(InboxMessage.id > last)
                                     .order_by(InboxMessage.id).limit(BATCH)))
        if not batch:
            return
        yield from batch
        last = batch[-1].id


def _redact(message: InboxMessage, pattern: re.Pattern[str] | None,
            profile_id: str | None) -> bool:
    """Redact one message in place; True when anything changed."""
    changed = False

    def clean(text: str) -> str:
        nonlocal changed
        if pattern is None or not text:
            return text
        new = pattern.sub(REDACTED, text)
        changed = changed or new != text
        return new

    message.subject = clean(message.subject)
    message.body = clean(message.body)
    message.sender_name = clean(message.sender_name)
    for reply in message.replies:
        reply.subject, reply.body = clean(reply.subject), clean(reply.body)
    triage = message.triage
    if triage is not None:
        kept = [p for p in triage.proposals
                if not (p.get("kind") == SEEKER_LINK and p.get("id") == profile_id)]
        if len(kept) != len(triage.proposals):
            triage.proposals = kept
            changed = True
        if changed:
            triage.entities = _reanchored(triage.entities, message, pattern)
    return changed


def _reanchored(entities: list[Any], message: InboxMessage,
                pattern: re.Pattern[str] | None) -> list[Any]:
    """The entities found again in the redacted text (those that were the person's are
    dropped)."""
    text = f"{message.subject}\n{message.body}" if message.subject else message.body
    kept = []
    cursor = 0
    for entity in entities:
        value = str(entity.get("text") or "")
        if not value or (pattern is not None and pattern.search(value)):
            continue
        position = text.find(value, cursor)
        if position < 0:
            position = text.find(value)
        if position < 0:
            continue
        kept.append({**entity, "start": position, "end": position + len(value)})
        cursor = position + len(value)
    return kept


def delete_files(erasure: InboxErasure) -> None:
    """Delete the model files of the dropped versions (after the commit)."""
    versions.delete_files(erasure.model_files)
