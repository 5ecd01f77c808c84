"""Who or what a message is about: proposals to link it to a seeker or an offer.

Evidence, strongest first:

- the sender's e-mail address is a seeker's (confidence 0.95) or an employer contact's, which
  proposes that employer's offers (0.6 each);
- an offer id cited in the text is an indexed offer (0.9);
- a full name written in the message (signature, "je suis …") or in the sender's display name
  is a seeker's first and last name (0.7 when one seeker has it, 0.4 each when several do).

Proposals are only proposals: the counsellor confirms or corrects them. The directory holds
the contact data it needs and nothing else; the web half builds it from its own tables
(:meth:`ContactDirectory.add_seeker`, :meth:`add_employer`, :meth:`add_offer`) or from the
index (:meth:`ContactDirectory.from_records`).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

from indexer.models import Offer, Profile
from matcher.inbox.entities import Entity, EntityKind
from matcher.inbox.message import Message
from skills_taxonomy.text import strip_accents

EMAIL_CONFIDENCE = 0.95
OFFER_CONFIDENCE = 0.9
NAME_CONFIDENCE = 0.7
HOMONYM_CONFIDENCE = 0.4
EMPLOYER_OFFER_CONFIDENCE = 0.6
_NAME = re.compile(r"\b([A-ZÀ-Ý][a-zà-ÿ]+(?:-[A-ZÀ-Ý][a-zà-ÿ]+)?)\s+"
                   r"((?:[A-ZÀ-Ý][a-zà-ÿ]+|[A-ZÀ-Ý]{2,})(?:-[A-ZÀ-Ý][a-zà-ÿ]+)?)\b")


class LinkKind(StrEnum):
    """What a message can be linked to."""

    SEEKER = "demandeur"
    OFFER = "offre"


@dataclass(frozen=True, slots=True)
class LinkProposal:
    """A seeker or offer the message probably concerns, and why (in French)."""

    kind: LinkKind
    id: str
    label: str
    reason: str
    confidence: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        data = asdict(self)
        data["kind"] = self.kind.value
        return data


def name_key(name: str) -> str:
    """A person's name folded for comparison ("Chabert-Rousset" = "chabert rousset")."""
    folded = strip_accents(name.lower())
    return " ".join(re.sub(r"[^a-z]+", " ", folded).split())


class ContactDirectory:
    """Seekers by e-mail and name, employers' offers by e-mail, offer titles by id."""

    def __init__(self) -> None:
        self._seeker_by_email: dict[str, str] = {}
        self._seekers_by_name: dict[str, list[str]] = defaultdict(list)
        self._seeker_label: dict[str, str] = {}
        self._seeker_name: dict[str, str] = {}
        self._offers_by_employer: dict[str, list[str]] = defaultdict(list)
        self._offer_title: dict[str, str] = {}

    def add_seeker(self, seeker_id: str, name: str | None = None, email: str | None = None,
                   label: str | None = None) -> None:
        """Register a seeker (``label`` is what the proposal shows; the profile id by
        default: the web half displays a name or a pseudonym according to the viewer)."""
        self._seeker_label[seeker_id] = label or seeker_id
        if name:
            self._seeker_name[seeker_id] = name
        if email:
            self._seeker_by_email[email.strip().lower()] = seeker_id
        if name:
            key = name_key(name)
            if key and seeker_id not in self._seekers_by_name[key]:
                self._seekers_by_name[key].append(seeker_id)

    def add_offer(self, offer_id: str, title: str) -> None:
        """Register an offer."""
        self._offer_title[offer_id] = title

    def add_employer(self, email: str, offer_ids: Iterable[str]) -> None:
        """Register an employer contact and the offers they published (registering the
        same contact again adds only the offers not yet known)."""
        known = self._offers_by_employer[email.strip().lower()]
        known.extend(offer_id for offer_id in dict.fromkeys(offer_ids) if offer_id not in known)

    def seeker_name(self, seeker_id: str) -> str | None:
        """The registered name of a seeker (to greet them in a reply)."""
        return self._seeker_name.get(seeker_id)

    def offer_exists(self, offer_id: str) -> bool:
        """True for a registered offer (the extractor's ``offer_exists``)."""
        return offer_id in self._offer_title

    @classmethod
    def from_records(cls, profiles: Iterable[Profile], offers: Iterable[Offer]
                     ) -> ContactDirectory:
        """A directory of indexed seekers (their personal data) and offers."""
        directory = cls()
        for profile in profiles:
            personal = profile.personal
            directory.add_seeker(profile.id, personal.name if personal else None,
                                 personal.email if personal else None)
        for offer in offers:
            directory.add_offer(offer.id, offer.title)
        return directory

    def propose(self, message: Message, entities: Sequence[Entity]) -> list[LinkProposal]:
        """Link proposals for a message, most confident first, one per target."""
        proposals: dict[tuple[LinkKind, str], LinkProposal] = {}

        def keep(proposal: LinkProposal) -> None:
            key = (proposal.kind, proposal.id)
            if key not in proposals or proposals[key].confidence < proposal.confidence:
                proposals[key] = proposal

        sender = message.sender.strip().lower()
        if sender in self._seeker_by_email:
            seeker = self._seeker_by_email[sender]
            keep(LinkProposal(LinkKind.SEEKER, seeker, self._seeker_label[seeker],
                              "adresse e-mail de l'expéditeur", EMAIL_CONFIDENCE))
        for offer_id in self._offers_by_employer.get(sender, []):
            keep(LinkProposal(LinkKind.OFFER, offer_id, self._offer_title.get(offer_id, ""),
                              "offre publiée par l'expéditeur", EMPLOYER_OFFER_CONFIDENCE))
        for entity in entities:
            if entity.kind is EntityKind.OFFER and entity.value in self._offer_title:
                keep(LinkProposal(LinkKind.OFFER, entity.value, self._offer_title[entity.value],
                                  f"offre n° {entity.value} citée", OFFER_CONFIDENCE))
        for name in self.names_in(message):
            seekers = self._seekers_by_name.get(name_key(name), [])
            confidence = NAME_CONFIDENCE if len(seekers) == 1 else HOMONYM_CONFIDENCE
            for seeker in seekers:
                keep(LinkProposal(LinkKind.SEEKER, seeker, self._seeker_label[seeker],
                                  f"nom « {name} » dans le message", confidence))
        return sorted(proposals.values(), key=lambda p: (-p.confidence, p.kind.value, p.id))

    @staticmethod
    def names_in(message: Message) -> list[str]:
        """Candidate full names: the sender's display name and capitalised word pairs."""
        names = [message.sender_name] if message.sender_name else []
        names += [f"{m.group(1)} {m.group(2)}" for m in _NAME.finditer(message.body)]
        return list(dict.fromkeys(n for n in names if n.strip()))
