"""A message arrives: it is routed to a counsellor's inbox, triaged once and stored.

The triage (:class:`matcher.inbox.triage.Triager`: intent, urgency, entities, link proposals)
runs here, at arrival, never when a page is shown: the inbox reads stored labels and sorts in
the database, so it opens as fast with hundreds of messages as with ten.

Routing (who receives a message):

- written in the app by a seeker or an employer: the counsellor chosen in the form, who must
  follow them (:func:`webapp.inbox.access.recipients_for`);
- imported with ``--conseiller``: that counsellor;
- imported without: the counsellor following the seeker the message is linked to with
  confidence ≥ :data:`ROUTE_CONFIDENCE` (the sender's address or signed name), else the
  counsellor following the employer who owns the offer it cites; with neither, the message
  is not stored and the import reports it ("aucun conseiller destinataire").

Links: a seeker writing from their account is linked to their profile; an employer choosing
one of their offers in the form, to that offer; otherwise the best proposal of confidence ≥
:data:`LINK_CONFIDENCE`, unless another proposal of the same kind is as confident (the
counsellor then chooses). Proposals naming a seeker the receiving counsellor does not follow
are dropped (no name crosses from one counsellor to another).
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from indexer.catalog import SearchIndex
from matcher.engine import Engine
from matcher.inbox.classifier import InboxClassifier, ModelFileError
from matcher.inbox.entities import EntityExtractor
from matcher.inbox.intents import URGENCY_RANK
from matcher.inbox.linking import ContactDirectory, LinkKind, LinkProposal
from matcher.inbox.message import Message, SenderRole
from matcher.inbox.triage import Triager, TriageResult
from webapp.inbox import access, versions
from webapp.inbox.access import OFFER_LINK, SEEKER_LINK
from webapp.inbox.models import InboxMessage, MessageTriage
from webapp.models import OfferOwnership, Role, SeekerLink, User, utc_now
from webapp.repositories import ownership

log = logging.getLogger(__name__)

EXTENSION_KEY = "emploi_inbox_triager"
ROUTE_CONFIDENCE = 0.7
LINK_CONFIDENCE = 0.6
ACCOUNT_CONFIDENCE = 1.0
MAX_SUBJECT = 300
MAX_SENDER_NAME = 200


@dataclass(frozen=True, slots=True)
class Incoming:
    """A message to store: from an account (``sender``) or imported (``source_file``).

    ``counsellor`` is the inbox when known; ``offer_id`` an offer the employer chose;
    ``fingerprint`` a fixed identity (demo messages), else one is derived from an imported
    message and drawn at random for an account's."""

    message: Message
    sender: User | None = None
    counsellor: User | None = None
    offer_id: str | None = None
    source_file: str | None = None
    source_position: int | None = None
    warning: str | None = None
    fingerprint: str | None = None


@dataclass(frozen=True, slots=True)
class Arrival:
    """What became of one incoming message: stored, or why not."""

    incoming: Incoming
    stored: InboxMessage | None = None
    problem: str | None = None
    duplicate: bool = False


class InboxTriager:
    """The app's triager: the engine's taxonomy, communes and records, the accounts'
    addresses, and the classifier version in use, rebuilt when one of them changed."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._index: SearchIndex | None = None
        self._version: int | None = None
        self._triager: Triager | None = None

    def get(self, app: Flask, session: Session, engine: Engine) -> tuple[Triager, int]:
        """The triager and the classifier version it uses."""
        folder = versions.model_dir(app)
        with self._lock:
            row = versions.ensure_first(session, folder, engine.encoder, versions.base_model(app))
            triager = self._triager
            if triager is not None and self._version != row.version:
                self._version = row.version
                triager.classifier = self._classifier(folder, row, engine, session, app)
            if triager is None or self._index is not engine.index:
                if triager is None:
                    self._version = row.version
                    classifier = self._classifier(folder, row, engine, session, app)
                else:
                    classifier = triager.classifier
                triager = Triager(classifier, *_extractor_and_directory(engine, app))
                self._index = engine.index
            self._triager = triager
            _add_accounts(session, triager.directory)
            assert self._version is not None
            return triager, self._version

    def _classifier(self, folder: Path, row: Any, engine: Engine, session: Session,
                    app: Flask) -> InboxClassifier:
        """The classifier of ``row``; when its file is unusable (made with another encoder
        or format version, damaged), a new version is trained from the dev set and the
        counsellors' corrections, and used."""
        try:
            return versions.load(folder, row, engine.encoder)
        except ModelFileError as error:
            log.warning("%s: training a new inbox classifier version", error)
        fresh = versions.retrain_now(session, folder, engine.encoder,
                                     config=versions.classifier_config(app))
        self._version = fresh.version
        return versions.load(folder, fresh, engine.encoder)


def _extractor_and_directory(engine: Engine, app: Flask
                             ) -> tuple[EntityExtractor, ContactDirectory]:
    directory = ContactDirectory.from_records(engine.profiles, engine.offers)
    departments = app.config.get("INBOX_PREFERRED_DEPARTMENTS") or main_departments(engine)
    extractor = EntityExtractor(engine.taxonomy, engine.gazetteer, directory.offer_exists,
                                tuple(departments))
    return extractor, directory


def main_departments(engine: Engine, share: float = 0.2) -> tuple[str, ...]:
    """The departments holding at least ``share`` of the indexed offers: among homonymous
    communes, the entity extractor prefers them ("Tournon" in Ardèche data)."""
    counts: Counter[str] = Counter()
    for offer in engine.offers:
        commune = offer.place.commune if offer.place else None
        if commune:
            counts[commune[:3] if commune.startswith("97") else commune[:2]] += 1
    total = sum(counts.values())
    return tuple(d for d, n in counts.most_common() if total and n / total >= share)


def _add_accounts(session: Session, directory: ContactDirectory) -> None:
    """Seekers' account addresses (they may differ from the profile's) and employers'
    addresses with their offers."""
    for email, profile_id in session.execute(
            select(User.email, SeekerLink.profile_id)
            .join(SeekerLink, SeekerLink.user_id == User.id)).all():
        directory.add_seeker(profile_id, email=email, label=profile_id)
    offers: dict[str, list[str]] = {}
    for email, offer_id in session.execute(
            select(User.email, OfferOwnership.offer_id)
            .join(OfferOwnership, OfferOwnership.employer_id == User.id)).all():
        offers.setdefault(email, []).append(offer_id)
    for email, offer_ids in offers.items():
        directory.add_employer(email, offer_ids)


def triager_for(app: Flask | None = None) -> InboxTriager:
    """The app's :class:`InboxTriager` (created on first use)."""
    app = app or current_app
    found: InboxTriager | None = app.extensions.get(EXTENSION_KEY)
    if found is None:
        found = app.extensions.setdefault(EXTENSION_KEY, InboxTriager())
    return found


def fingerprint(message: Message) -> str:
    """What identifies an imported message: its Message-ID, else its content and date."""
    key = message.message_id or "\x00".join(
        (message.sender, message.subject, message.body,
         message.sent_at.isoformat() if message.sent_at else ""))
    return hashlib.sha256(f"emploi-inbox:{key}".encode()).hexdigest()


def receive(session: Session, engine: Engine, incoming: Sequence[Incoming],
            app: Flask | None = None) -> list[Arrival]:
    """Route, triage and store ``incoming`` (one classifier pass); the caller commits.

    A message already stored (same fingerprint) is skipped as a duplicate; one no counsellor
    can receive is reported. The others are added to the session."""
    app = app or current_app
    arrivals: dict[int, Arrival] = {}
    fresh: list[tuple[int, Incoming, str]] = []
    seen: set[str] = set()
    for position, item in enumerate(incoming):
        key = item.fingerprint or (secrets.token_hex(32) if item.sender is not None
                                   else fingerprint(item.message))
        if key in seen or session.scalar(select(InboxMessage.id).where(
                InboxMessage.fingerprint == key)) is not None:
            arrivals[position] = Arrival(item, problem="message déjà importé", duplicate=True)
            continue
        seen.add(key)
        fresh.append((position, item, key))
    if fresh:
        triager, version = triager_for(app).get(app, session, engine)
        results = triager.triage_each([_as_sent(item) for _p, item, _k in fresh])
        for (position, item, key), result in zip(fresh, results, strict=True):
            arrivals[position] = _store(session, item, key, result, version)
    return [arrivals[position] for position in range(len(incoming))]


def _as_sent(item: Incoming) -> Message:
    """The message with its sender's role and address when an account wrote it."""
    message = item.message
    if item.sender is not None:
        role = SenderRole.SEEKER if item.sender.role is Role.SEEKER else SenderRole.EMPLOYER
        return Message(subject=message.subject, body=message.body, role=role,
                       sender=item.sender.email.lower(), sender_name=item.sender.display_name,
                       sent_at=message.sent_at or utc_now())
    return message


def _store(session: Session, item: Incoming, key: str, result: TriageResult,
           version: int) -> Arrival:
    proposals = _account_proposals(session, item) + list(result.links)
    counsellor = item.counsellor or _route(session, proposals)
    if counsellor is None:
        return Arrival(item, problem="aucun conseiller destinataire : ni le demandeur ni "
                                     "l'employeur ne sont reconnus (indiquez --conseiller)")
    visible = _visible_proposals(session, counsellor, proposals)
    link = chosen_link(visible)
    message = result.message
    row = InboxMessage(
        counsellor_id=counsellor.id, sender_id=item.sender.id if item.sender else None,
        sender_role=message.role.value, sender_address=message.sender[:254],
        sender_name=message.sender_name[:MAX_SENDER_NAME],
        subject=message.subject[:MAX_SUBJECT], body=message.body,
        received_at=message.sent_at or utc_now(), external_id=(message.message_id or "")[:300]
        or None, source_file=item.source_file, source_position=item.source_position,
        attachments=message.attachments, warning=item.warning, fingerprint=key)
    prediction = result.prediction
    row.triage = MessageTriage(
        model_version=version, triaged_at=utc_now(),
        predicted_intent=prediction.intent.value,
        intent_confidence=prediction.intent_confidence,
        predicted_urgency=prediction.urgency.value,
        urgency_confidence=prediction.urgency_confidence,
        urgency_reasons=list(prediction.urgency_reasons),
        entities=[entity.to_dict() for entity in result.entities],
        proposals=[proposal.to_dict() for proposal in visible],
        intent=prediction.intent.value, urgency=prediction.urgency.value,
        urgency_rank=URGENCY_RANK[prediction.urgency],
        link_kind=link.kind.value if link else None, link_id=link.id if link else None,
        link_confidence=link.confidence if link else None,
        link_reason=link.reason[:300] if link else "")
    session.add(row)
    return Arrival(item, stored=row)


def _account_proposals(session: Session, item: Incoming) -> list[LinkProposal]:
    """What an account's own message is certainly about: the seeker's profile, the offer an
    employer chose."""
    sender = item.sender
    if sender is None:
        return []
    if sender.role is Role.SEEKER:
        profile_id = ownership.profile_of(session, sender)
        return [LinkProposal(LinkKind.SEEKER, profile_id, profile_id,
                             "écrit depuis son compte", ACCOUNT_CONFIDENCE)] if profile_id else []
    if item.offer_id and ownership.owns_offer(session, sender, item.offer_id):
        return [LinkProposal(LinkKind.OFFER, item.offer_id, item.offer_id,
                             "offre choisie par l'employeur", ACCOUNT_CONFIDENCE)]
    return []


def _route(session: Session, proposals: Iterable[LinkProposal]) -> User | None:
    """The counsellor of the best-linked seeker, else of the employer of a cited offer."""
    ranked = sorted(proposals, key=lambda p: -p.confidence)
    for proposal in ranked:
        if proposal.kind is LinkKind.SEEKER and proposal.confidence >= ROUTE_CONFIDENCE:
            counsellors = access.counsellors_of_seeker(session, proposal.id)
            if counsellors:
                return counsellors[0]
    for proposal in ranked:
        if proposal.kind is LinkKind.OFFER:
            owner = access.offer_owner(session, proposal.id)
            counsellors = access.counsellors_of_employer(session, owner) if owner else []
            if counsellors:
                return counsellors[0]
    return None


def _visible_proposals(session: Session, counsellor: User,
                       proposals: Iterable[LinkProposal]) -> list[LinkProposal]:
    """One proposal per target, best first, without the seekers ``counsellor`` does not
    follow."""
    assigned = set(access.assigned_seekers(session, counsellor))
    kept: dict[tuple[LinkKind, str], LinkProposal] = {}
    for proposal in proposals:
        if proposal.kind is LinkKind.SEEKER and proposal.id not in assigned:
            continue
        key = (proposal.kind, proposal.id)
        if key not in kept or kept[key].confidence < proposal.confidence:
            kept[key] = proposal
    return sorted(kept.values(), key=lambda p: (-p.confidence, p.kind.value, p.id))


def chosen_link(proposals: Sequence[LinkProposal]) -> LinkProposal | None:
    """The best proposal when it is confident enough and no other proposal of its kind is as
    confident."""
    if not proposals or proposals[0].confidence < LINK_CONFIDENCE:
        return None
    best = proposals[0]
    tied = [p for p in proposals[1:] if p.kind is best.kind and p.confidence >= best.confidence]
    return None if tied else best


LINK_KINDS = (SEEKER_LINK, OFFER_LINK)
