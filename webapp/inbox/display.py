"""What the inbox pages and the API show of a stored message: who sent it, what it is linked
to (by name for the counsellor, who may see their seekers), its entities in French, and the
suggested reply — the template of its current intent filled from the stored entities, the
linked person's name and the counsellor's own name, the rest left as marked blanks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from matcher.engine import Engine
from matcher.inbox.entities import Entity, EntityExtractor, EntityKind
from matcher.inbox.intents import INTENT_LABELS, URGENCY_LABELS, Intent, Urgency
from matcher.inbox.message import SenderRole
from matcher.inbox.replies import BLANK, SuggestedReply, french_date, suggest_reply, values_from
from webapp.inbox.access import OFFER_LINK, SEEKER_LINK
from webapp.inbox.models import InboxMessage, MessageTriage
from webapp.models import User

ENTITY_LABELS = {EntityKind.DATE: "Date", EntityKind.OFFER: "Offre",
                 EntityKind.ROME: "Code ROME", EntityKind.OCCUPATION: "Métier",
                 EntityKind.COMMUNE: "Commune", EntityKind.AMOUNT: "Montant",
                 EntityKind.EMAIL: "Adresse e-mail", EntityKind.PHONE: "Téléphone"}
ROLE_LABELS = {SenderRole.SEEKER.value: "demandeur", SenderRole.EMPLOYER.value: "employeur",
               SenderRole.COUNSELLOR.value: "conseiller", SenderRole.UNKNOWN.value: "inconnu"}
BLANK_START = BLANK.split("{", 1)[0]


def intent_label(value: str) -> str:
    """An intent in French."""
    try:
        return INTENT_LABELS[Intent(value)]
    except ValueError:
        return value


def urgency_label(value: str) -> str:
    """An urgency in French."""
    try:
        return URGENCY_LABELS[Urgency(value)]
    except ValueError:
        return value


def sender_label(message: InboxMessage) -> str:
    """Who wrote the message: the account's name, else the e-mail's display name or
    address."""
    if message.sender is not None:
        return message.sender.display_name
    return message.sender_name or message.sender_address or "expéditeur inconnu"


def seeker_name(engine: Engine, profile_id: str) -> str:
    """A seeker's name (counsellors see the names of their seekers), else the profile id."""
    profile = engine.profiles.get(profile_id)
    if profile is not None and profile.personal is not None and profile.personal.name:
        return profile.personal.name
    return f"Profil {profile_id}"


def offer_title(engine: Engine, offer_id: str) -> str | None:
    """An indexed offer's title."""
    offer = engine.offers.get(offer_id)
    return offer.title if offer is not None else None


@dataclass(frozen=True, slots=True)
class LinkView:
    """A link or a proposal as shown: kind, id, label, why, how sure."""

    kind: str
    id: str
    label: str
    reason: str
    confidence: float | None

    @property
    def value(self) -> str:
        """The form value: ``kind:id``."""
        return f"{self.kind}:{self.id}"


def link_view(engine: Engine, kind: str | None, target: str | None, reason: str = "",
              confidence: float | None = None) -> LinkView | None:
    """A link named for the counsellor."""
    if kind is None or target is None:
        return None
    if kind == SEEKER_LINK:
        label = seeker_name(engine, target)
    else:
        title = offer_title(engine, target)
        label = f"{title} ({target})" if title else f"Offre {target} (absente de l'index)"
    return LinkView(kind, target, label, reason, confidence)


def current_link(engine: Engine, triage: MessageTriage) -> LinkView | None:
    """The message's link as it stands."""
    return link_view(engine, triage.link_kind, triage.link_id, triage.link_reason,
                     triage.link_confidence)


def proposals(engine: Engine, triage: MessageTriage) -> list[LinkView]:
    """The stored link proposals, named."""
    found = []
    for data in triage.proposals:
        view = link_view(engine, str(data.get("kind")), str(data.get("id")),
                         str(data.get("reason") or ""), float(data.get("confidence") or 0))
        if view is not None:
            found.append(view)
    return found


def entities(triage: MessageTriage) -> list[Entity]:
    """The stored entities."""
    found = []
    for data in triage.entities:
        try:
            found.append(Entity(EntityKind(data["kind"]), str(data["text"]), int(data["start"]),
                                int(data["end"]), data.get("value"), data.get("label")))
        except (KeyError, TypeError, ValueError):
            continue
    return found


@dataclass(frozen=True, slots=True)
class EntityView:
    """An entity as shown: what it is and its value in French."""

    kind: str
    label: str
    text: str


def entity_views(triage: MessageTriage) -> list[EntityView]:
    """The entities, in French, without repeats (contacts only as "masqué")."""
    seen: set[tuple[str, str]] = set()
    views = []
    for entity in entities(triage):
        views.append(EntityView(entity.kind.value, ENTITY_LABELS[entity.kind],
                                _entity_text(entity)))
    unique = []
    for view in views:
        covered = any(other.kind == view.kind and other.text != view.text
                      and other.text.startswith(view.text) for other in views)
        if (view.kind, view.text) not in seen and not covered:  # "2 mai" under "2 mai à 10 h"
            seen.add((view.kind, view.text))
            unique.append(view)
    return unique


def _entity_text(entity: Entity) -> str:
    if entity.kind is EntityKind.DATE and entity.value:
        try:
            return french_date(entity.value)
        except ValueError:
            return entity.text
    if entity.kind in (EntityKind.COMMUNE, EntityKind.OCCUPATION) and entity.label:
        return entity.label
    if entity.kind is EntityKind.AMOUNT and entity.value:
        return f"{float(entity.value):,.2f} €".replace(",", "\u202f").replace(".", ",")
    if entity.kind is EntityKind.ROME and entity.label:
        return f"{entity.value} – {entity.label}"
    return entity.text


def masked_excerpt(message: InboxMessage, length: int = 160) -> str:
    """The start of the body, e-mail addresses and phone numbers masked (lists)."""
    text = " ".join(EntityExtractor.mask(message.body).split())
    return text if len(text) <= length else text[:length - 1].rstrip() + "…"


def suggested_reply(engine: Engine, message: InboxMessage, counsellor: User) -> SuggestedReply:
    """The reply template of the message's current intent, filled (see the module
    docstring)."""
    triage = message.triage
    assert triage is not None
    name = None
    if triage.link_kind == SEEKER_LINK and triage.link_id:
        profile = engine.profiles.get(triage.link_id)
        if profile is not None and profile.personal is not None:
            name = profile.personal.name
    name = name or (message.sender.display_name if message.sender is not None
                    else message.sender_name) or None
    found = entities(triage)
    titles = {e.value: title for e in found if e.kind is EntityKind.OFFER and e.value
              for title in [offer_title(engine, e.value)] if title}
    values = values_from(found, name, titles)
    if "offre" not in values and triage.link_kind == OFFER_LINK and triage.link_id:
        title = offer_title(engine, triage.link_id)
        values["offre"] = f"n° {triage.link_id}" + (f" ({title})" if title else "")
    values["conseiller"] = counsellor.display_name
    return suggest_reply(Intent(triage.intent), values)


def has_blanks(text: str) -> bool:
    """True while a reply still holds a "[à compléter : …]" blank."""
    return BLANK_START in text


def message_json(engine: Engine, message: InboxMessage, *, full: bool = False,
                 counsellor: User | None = None) -> dict[str, Any]:
    """A message for the API: the list form (body masked, cut) or the full form (body,
    proposals, suggested reply, replies, corrections)."""
    triage = message.triage
    assert triage is not None
    link = current_link(engine, triage)
    data: dict[str, Any] = {
        "id": message.id, "received_at": _iso(message.received_at),
        "sender": sender_label(message), "sender_role": message.sender_role,
        "subject": EntityExtractor.mask(message.subject),
        "excerpt": masked_excerpt(message), "status": message.status,
        "intent": triage.intent, "intent_label": intent_label(triage.intent),
        "urgency": triage.urgency, "urgency_label": urgency_label(triage.urgency),
        "intent_confidence": triage.intent_confidence,
        "urgency_confidence": triage.urgency_confidence,
        "predicted_intent": triage.predicted_intent,
        "predicted_urgency": triage.predicted_urgency,
        "confirmed": triage.confirmed_at is not None,
        "link": _link_json(link),
        "entities": [{"kind": e.kind, "label": e.label, "text": e.text}
                     for e in entity_views(triage)],
        "source": _source(message),
    }
    if full:
        reply = suggested_reply(engine, message, counsellor) if counsellor else None
        data.update({
            "body": message.body, "urgency_reasons": list(triage.urgency_reasons),
            "proposals": [_link_json(p) for p in proposals(engine, triage)],
            "warning": message.warning,
            "suggested_reply": reply.to_dict() if reply else None,
            "replies": [{"id": r.id, "author": r.author_name, "subject": r.subject,
                         "body": r.body, "sent_at": _iso(r.created_at)}
                        for r in message.replies],
            "corrections": [{"at": _iso(c.created_at), "intent": c.intent,
                             "urgency": c.urgency, "link_kind": c.link_kind,
                             "link_id": c.link_id, "changed": c.changed}
                            for c in message.corrections]})
    return data


def _link_json(link: LinkView | None) -> dict[str, Any] | None:
    if link is None:
        return None
    return {"kind": link.kind, "id": link.id, "label": link.label, "reason": link.reason,
            "confidence": link.confidence}


def _source(message: InboxMessage) -> str | None:
    if message.source_file is None:
        return None
    position = f", message {message.source_position}" if message.source_position else ""
    return f"{message.source_file}{position}"


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None
