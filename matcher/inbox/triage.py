"""Triage of inbox messages: intent, urgency, entities, links and a suggested reply.

This is what the web half calls::

    triager = Triager.for_engine(engine, model_path=cache_dir / "inbox-model.json")
    result = triager.triage(message)            # one message
    ordered = triager.triage_all(messages)      # sorted: most urgent first, then newest

``Triager.for_engine`` uses the engine's taxonomy, gazetteer and indexed records (seekers'
contact data, offer ids); the classifier is loaded from ``model_path`` when it exists, else
trained on the dev set and saved there (a few seconds). After counsellors' corrections, the
web half calls :func:`retrain` with the corrected messages and swaps the classifier in.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from indexer.encoders import Encoder
from matcher.engine import Engine
from matcher.inbox.classifier import ClassifierConfig, InboxClassifier, ModelFileError, Prediction
from matcher.inbox.devset import load_dev_set
from matcher.inbox.entities import Entity, EntityExtractor, EntityKind
from matcher.inbox.intents import URGENCY_RANK, Intent, Urgency
from matcher.inbox.linking import ContactDirectory, LinkKind, LinkProposal
from matcher.inbox.message import Message, SenderRole
from matcher.inbox.replies import SuggestedReply, suggest_reply, values_from

log = logging.getLogger(__name__)

ENCODER_WEIGHT = 0.5
"""Scale of the sentence-encoder block when the triager has an encoder (measured with USE-m3:
0.5 keeps the urgency score, 1.0 gains 1.4 more points of intent macro-F1 but loses 3 of
urgency)."""
STATIC_ENCODER_WEIGHT = 1.0
"""The scale for the static encoder (the engine's default; names ``static-…``), whose vectors
are weaker alone: at 0.5 they add 0.3 point of intent macro-F1, at 1.0 they add 3.9 and keep
the urgency score (docs/evaluation.md)."""
CONTACT_KINDS = frozenset({EntityKind.EMAIL, EntityKind.PHONE})
"""Entities kept only as masked spans: their text never leaves the triage."""
NAME_FOR_GREETING = 0.7
"""A linked seeker's name is used in the reply's greeting from this confidence on."""


@dataclass(frozen=True, slots=True)
class TriageResult:
    """Everything the inbox shows for one message. ``masked_body`` is the body with e-mail
    addresses and phone numbers masked (what is shown in lists and sent to templates)."""

    message: Message
    prediction: Prediction
    entities: tuple[Entity, ...]
    links: tuple[LinkProposal, ...]
    reply: SuggestedReply
    masked_body: str
    problems: tuple[str, ...] = field(default_factory=tuple)

    @property
    def sort_key(self) -> tuple[int, float]:
        """Most urgent first, then the newest."""
        sent = self.message.sent_at
        stamp = sent.timestamp() if sent else 0.0
        return URGENCY_RANK[self.prediction.urgency], -stamp

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (the raw body is left out: ``masked_body`` is shown instead)."""
        message = self.message.to_dict()
        message["body"] = self.masked_body
        message["subject"] = EntityExtractor.mask(self.message.subject)
        return {"message": message, "prediction": self.prediction.to_dict(),
                "entities": [e.to_dict() for e in self.entities],
                "links": [link.to_dict() for link in self.links],
                "reply": self.reply.to_dict(), "problems": list(self.problems)}


class Triager:
    """Classifies, extracts, links and drafts a reply, message by message."""

    def __init__(self, classifier: InboxClassifier, extractor: EntityExtractor,
                 directory: ContactDirectory | None = None) -> None:
        self.classifier = classifier
        self.extractor = extractor
        self.directory = directory or ContactDirectory()

    @classmethod
    def for_engine(cls, engine: Engine, model_path: Path | None = None,
                   preferred_departments: Sequence[str] = ()) -> Triager:
        """A triager over the engine's taxonomy, communes and indexed records."""
        directory = ContactDirectory.from_records(engine.profiles, engine.offers)
        extractor = EntityExtractor(engine.taxonomy, engine.gazetteer, directory.offer_exists,
                                    preferred_departments)
        return cls(default_classifier(model_path, engine.encoder), extractor, directory)

    def triage(self, message: Message) -> TriageResult:
        """The triage of one message."""
        return self.triage_all([message])[0]

    def triage_all(self, messages: Sequence[Message]) -> list[TriageResult]:
        """The triage of each message, sorted most urgent first, then newest first."""
        return sorted(self.triage_each(messages), key=lambda r: r.sort_key)

    def triage_each(self, messages: Sequence[Message]) -> list[TriageResult]:
        """The triage of each message, in the order given (one classifier pass for all:
        what an import or an inbox that stores the results at arrival calls)."""
        if not messages:
            return []
        predictions = self.classifier.predict(messages)
        return [self._result(m, p) for m, p in zip(messages, predictions, strict=True)]

    def _result(self, message: Message, prediction: Prediction) -> TriageResult:
        entities = [replace(e, text="[masqué]") if e.kind in CONTACT_KINDS else e
                    for e in self.extractor.extract(message.text, message.sent_at)]
        links = self.directory.propose(message, entities)
        if message.role is SenderRole.UNKNOWN and any(
                link.kind is LinkKind.SEEKER and link.confidence >= 0.9 for link in links):
            message = message.with_role(SenderRole.SEEKER)
        name = message.sender_name or next(
            (self.directory.seeker_name(link.id) for link in links
             if link.kind is LinkKind.SEEKER and link.confidence >= NAME_FOR_GREETING), None)
        values = values_from(entities, name, self.directory_titles(entities))
        masked = self.extractor.mask(message.body)
        return TriageResult(message, prediction, tuple(entities), tuple(links),
                            suggest_reply(prediction.intent, values), masked)

    def directory_titles(self, entities: Sequence[Entity]) -> dict[str, str]:
        """Titles of the offers cited, from the directory's proposals."""
        titles: dict[str, str] = {}
        for link in self.directory.propose(Message("", ""), entities):
            if link.kind is LinkKind.OFFER:
                titles[link.id] = link.label
        return titles


def default_config(encoder: Encoder | None = None) -> ClassifierConfig:
    """The measured best configuration: with a sentence encoder, its vectors are appended at
    :func:`encoder_weight` (intent macro-F1 +3 to +4 points, urgency unchanged;
    docs/evaluation.md)."""
    return ClassifierConfig(encoder_weight=encoder_weight(encoder))


def encoder_weight(encoder: Encoder | None) -> float:
    """The scale of the encoder's block: ``STATIC_ENCODER_WEIGHT`` for a static encoder,
    ``ENCODER_WEIGHT`` for another, 0 without one."""
    if encoder is None:
        return 0.0
    return STATIC_ENCODER_WEIGHT if encoder.name.startswith("static-") else ENCODER_WEIGHT


def train_default_classifier(encoder: Encoder | None = None) -> InboxClassifier:
    """A classifier trained on the whole dev set."""
    items = load_dev_set()
    return InboxClassifier(default_config(encoder), encoder).fit(
        [i.message for i in items], [i.intent for i in items], [i.urgency for i in items])


def default_classifier(model_path: Path | None = None,
                       encoder: Encoder | None = None) -> InboxClassifier:
    """The classifier saved at ``model_path`` (used as it is, with or without encoder
    features); when absent or unusable (another format version, another encoder), one trained
    on the dev set, saved there."""
    if model_path is not None and Path(model_path).exists():
        try:
            return InboxClassifier.load(model_path, encoder)
        except ModelFileError as error:
            log.warning("%s: retraining the inbox classifier", error)
    classifier = train_default_classifier(encoder)
    if model_path is not None:
        classifier.save(model_path)
    return classifier


@dataclass(frozen=True, slots=True)
class Correction:
    """A counsellor's confirmed or corrected labels of one message."""

    message: Message
    intent: Intent
    urgency: Urgency
    corrected_at: datetime = field(default_factory=lambda: datetime.now(UTC))


def retrain(corrections: Sequence[Correction], model_path: Path | None = None,
            include_dev_set: bool = True, encoder: Encoder | None = None,
            config: ClassifierConfig | None = None) -> InboxClassifier:
    """A classifier trained on the dev set plus the counsellors' corrections (a message
    corrected twice counts with its latest labels), saved to ``model_path`` if given.
    ``config`` replaces the measured default (:func:`default_config`), e.g. fewer epochs in
    tests."""
    latest: dict[tuple[str, str, str], Correction] = {}
    for correction in sorted(corrections, key=lambda c: c.corrected_at):
        m = correction.message
        latest[(m.subject, m.body, m.sender)] = correction
    messages = [c.message for c in latest.values()]
    intents: list[Intent] = [c.intent for c in latest.values()]
    urgencies: list[Urgency] = [c.urgency for c in latest.values()]
    if include_dev_set:
        items = load_dev_set()
        messages += [i.message for i in items]
        intents += [i.intent for i in items]
        urgencies += [i.urgency for i in items]
    classifier = InboxClassifier(config or default_config(encoder), encoder).fit(
        messages, intents, urgencies)
    if model_path is not None:
        classifier.save(model_path)
    return classifier
