"""Reading and changing stored messages: a counsellor's inbox (sorted and filtered in the
database), one message, a sender's own messages, confirmations, corrections and replies."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, overload

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, contains_eager, selectinload

from matcher.inbox.intents import URGENCY_RANK, Intent, Urgency
from webapp.inbox import access
from webapp.inbox.access import OFFER_LINK, SEEKER_LINK
from webapp.inbox.models import (
    STATUS_ANSWERED,
    InboxMessage,
    InboxReply,
    MessageTriage,
    TriageCorrection,
)
from webapp.models import User, utc_now


@dataclass(frozen=True, slots=True)
class InboxFilter:
    """What the inbox shows: a status (None: all), an intent, an urgency."""

    status: str | None = None
    intent: str | None = None
    urgency: str | None = None


def _conditions(counsellor: User, wanted: InboxFilter) -> list[Any]:
    conditions: list[Any] = [access.visible_to(counsellor)]
    if wanted.status:
        conditions.append(InboxMessage.status == wanted.status)
    if wanted.intent:
        conditions.append(MessageTriage.intent == wanted.intent)
    if wanted.urgency:
        conditions.append(MessageTriage.urgency == wanted.urgency)
    return conditions


def inbox_query(counsellor: User, wanted: InboxFilter = InboxFilter()
                ) -> Select[InboxMessage]:
    """The counsellor's visible messages, most urgent first, then newest first."""
    return (select(InboxMessage)
            .join(MessageTriage, MessageTriage.message_id == InboxMessage.id)
            .options(contains_eager(InboxMessage.triage), selectinload(InboxMessage.sender))
            .where(*_conditions(counsellor, wanted))
            .order_by(MessageTriage.urgency_rank, InboxMessage.received_at.desc(),
                      InboxMessage.id.desc()))


def inbox_rows(session: Session, counsellor: User, wanted: InboxFilter = InboxFilter()
               ) -> QueryRows:
    """The inbox as a lazily counted and sliced sequence."""
    counted = (select(func.count(InboxMessage.id))
               .join(MessageTriage, MessageTriage.message_id == InboxMessage.id)
               .where(*_conditions(counsellor, wanted)))
    return QueryRows(session, inbox_query(counsellor, wanted), counted)


class QueryRows(Sequence[InboxMessage]):
    """A query as a sequence whose length and slices are computed by the database (what
    :func:`webapp.pagination.paginate` needs, without loading every row)."""

    def __init__(self, session: Session, query: Select[InboxMessage],
                 counted: Select[int]) -> None:
        self._session = session
        self._query = query
        self._counted = counted
        self._length: int | None = None

    def __len__(self) -> int:
        if self._length is None:
            self._length = int(self._session.scalar(self._counted) or 0)
        return self._length

    @overload
    def __getitem__(self, index: int) -> InboxMessage: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[InboxMessage]: ...

    def __getitem__(self, index: int | slice) -> InboxMessage | Sequence[InboxMessage]:
        if isinstance(index, slice):
            start = index.start or 0
            stop = index.stop if index.stop is not None else len(self)
            if stop <= start:
                return []
            return list(self._session.scalars(self._query.offset(start)
                                              .limit(stop - start)).unique())
        found = self[index:index + 1]
        if not found:
            raise IndexError(index)
        return found[0]

    def __iter__(self) -> Iterator[InboxMessage]:
        return iter(self[0:len(self)])


def status_counts(session: Session, counsellor: User) -> dict[str, int]:
    """How many visible messages have each status."""
    rows = session.execute(
        select(InboxMessage.status, func.count())
        .join(MessageTriage, MessageTriage.message_id == InboxMessage.id)
        .where(access.visible_to(counsellor)).group_by(InboxMessage.status)).all()
    return {status: int(count) for status, count in rows}


def message_for(session: Session, counsellor: User, message_id: int) -> InboxMessage | None:
    """One message the counsellor may see, else None."""
    return session.scalars(inbox_query(counsellor).where(InboxMessage.id == message_id)
                           ).unique().first()


def sent_by(session: Session, user: User) -> list[InboxMessage]:
    """The messages an account wrote, newest first, with their replies."""
    return list(session.scalars(select(InboxMessage).where(InboxMessage.sender_id == user.id)
                                .options(selectinload(InboxMessage.replies),
                                         selectinload(InboxMessage.counsellor))
                                .order_by(InboxMessage.received_at.desc(),
                                          InboxMessage.id.desc())))


class TriageError(ValueError):
    """A confirmation or correction that cannot be recorded (the message is for the user)."""


def record_triage(session: Session, message: InboxMessage, author: User, intent: str,
                  urgency: str, link: tuple[str, str] | None,
                  offer_exists: Any) -> TriageCorrection:
    """The counsellor confirms or corrects the intent, urgency and link of a message; the
    labels become the message's own and the correction is kept (retraining uses it).

    ``link`` is ``("demandeur", profile id)`` (a seeker the counsellor follows),
    ``("offre", offer id)`` (an indexed offer: ``offer_exists``) or None."""
    triage = message.triage
    if triage is None:
        raise TriageError("message sans tri")
    if intent not in {i.value for i in Intent}:
        raise TriageError(f"intention inconnue : {intent[:40]}")
    if urgency not in {u.value for u in Urgency}:
        raise TriageError(f"urgence inconnue : {urgency[:20]}")
    if link is not None:
        kind, target = link
        if kind == SEEKER_LINK and target not in access.assigned_seekers(session, author):
            raise TriageError("ce demandeur n'est pas suivi par vous")
        if kind == OFFER_LINK and not offer_exists(target):
            raise TriageError(f"offre inconnue : {target[:40]}")
        if kind not in (SEEKER_LINK, OFFER_LINK):
            raise TriageError(f"lien inconnu : {kind[:20]}")
    changed = (intent != triage.predicted_intent or urgency != triage.predicted_urgency
               or (link or (None, None)) != (triage.link_kind, triage.link_id))
    correction = TriageCorrection(message_id=message.id, author_id=author.id, intent=intent,
                                  urgency=urgency, link_kind=link[0] if link else None,
                                  link_id=link[1] if link else None, changed=changed)
    session.add(correction)
    triage.intent, triage.urgency = intent, urgency
    triage.urgency_rank = URGENCY_RANK[Urgency(urgency)]
    if (link or (None, None)) != (triage.link_kind, triage.link_id):
        triage.link_kind, triage.link_id = (link if link else (None, None))
        triage.link_confidence = 1.0 if link else None
        triage.link_reason = "choisi par le conseiller" if link else ""
    triage.confirmed_at, triage.confirmed_by_id = utc_now(), author.id
    return correction


def record_reply(session: Session, message: InboxMessage, author: User, subject: str,
                 body: str) -> InboxReply:
    """Store a reply (no e-mail is sent) and mark the message answered."""
    reply = InboxReply(message_id=message.id, author_id=author.id,
                       author_name=author.display_name, subject=subject, body=body,
                       template_intent=message.triage.intent if message.triage else None)
    session.add(reply)
    message.status = STATUS_ANSWERED
    return reply
