"""Links, replies and the triage of messages over the tiny engine."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from matcher.engine import Engine
from matcher.inbox.classifier import ClassifierConfig, InboxClassifier
from matcher.inbox.devset import load_dev_set
from matcher.inbox.entities import Entity, EntityKind
from matcher.inbox.intents import Intent, Urgency
from matcher.inbox.linking import ContactDirectory, LinkKind
from matcher.inbox.message import Message, SenderRole
from matcher.inbox.replies import BLANK, TEMPLATES, suggest_reply, values_from
from matcher.inbox.triage import (
    ENCODER_WEIGHT,
    STATIC_ENCODER_WEIGHT,
    Correction,
    Triager,
    default_config,
    retrain,
)


@pytest.fixture(scope="module")
def classifier() -> InboxClassifier:
    items = load_dev_set()
    return InboxClassifier(ClassifierConfig(epochs=60, learning_rate=0.1)).fit(
        [i.message for i in items], [i.intent for i in items], [i.urgency for i in items])


@pytest.fixture(scope="module")
def triager(tiny_engine: Engine, classifier: InboxClassifier, tmp_path_factory:
            pytest.TempPathFactory) -> Triager:
    model = tmp_path_factory.mktemp("inbox") / "model.json"
    classifier.save(model)
    return Triager.for_engine(tiny_engine, model_path=model, preferred_departments=("07",))


def test_links_by_sender_offer_id_and_signed_name(tiny_engine: Engine) -> None:
    directory = ContactDirectory.from_records(tiny_engine.profiles, tiny_engine.offers)
    by_email = directory.propose(Message("x", "bonjour", sender="Camille.Durand@example.org"),
                                 [])
    assert [(p.kind, p.id) for p in by_email] == [(LinkKind.SEEKER, "P-VENDEUSE")]
    assert by_email[0].label == "P-VENDEUSE"  # the profile id, never the name
    offer = Entity(EntityKind.OFFER, "OF-AGRI-1", 0, 9, "OF-AGRI-1")
    unknown = Entity(EntityKind.OFFER, "999ZZZZ", 0, 7, "999ZZZZ")
    by_offer = directory.propose(Message("x", "y"), [offer, unknown])
    assert [(p.kind, p.id) for p in by_offer] == [(LinkKind.OFFER, "OF-AGRI-1")]
    by_name = directory.propose(Message("x", "Merci.\nCordialement, Sophie Leroy"), [])
    assert [(p.id, p.confidence) for p in by_name] == [("P-COMPTA", 0.7)]


def test_homonyms_get_a_lower_confidence_each() -> None:
    directory = ContactDirectory()
    directory.add_seeker("A", "Jean Martin")
    directory.add_seeker("B", "Jean Martin")
    proposals = directory.propose(Message("", "Bonjour, Jean Martin"), [])
    assert {(p.id, p.confidence) for p in proposals} == {("A", 0.4), ("B", 0.4)}


def test_every_intent_has_a_template_and_missing_fields_are_marked() -> None:
    assert set(TEMPLATES) == set(Intent)
    for intent in Intent:
        reply = suggest_reply(intent, {})
        assert reply.body.startswith("Bonjour,")
        assert "{" not in reply.body and "}" not in reply.body
        for label in reply.blanks:
            assert BLANK.format(label=label) in reply.body
        assert "votre nom et votre agence" in reply.blanks


def test_reply_fields_come_from_the_entities() -> None:
    entities = [Entity(EntityKind.DATE, "demain 10h", 0, 10, "2025-05-21T10:00"),
                Entity(EntityKind.COMMUNE, "privas", 20, 26, "07186", "Privas"),
                Entity(EntityKind.OFFER, "193BBFX", 30, 37, "193BBFX")]
    values = values_from(entities, "Camille Durand", {"193BBFX": "Cuisinier (H/F)"})
    missed = suggest_reply(Intent.MISSED_APPOINTMENT, values)
    assert missed.body.startswith("Bonjour Camille Durand,")
    assert "rendez-vous du mercredi 21 mai 2025 à 10 h" in missed.body
    assert missed.blanks == ("nouvelle date proposée", "votre nom et votre agence")
    question = suggest_reply(Intent.OFFER_QUESTION, values)
    assert "l'offre n° 193BBFX (Cuisinier (H/F))" in question.body


def test_triage_sorts_by_urgency_and_fills_links_and_reply(triager: Triager) -> None:
    messages = [
        Message("Merci", "Merci pour tout, bonne journée.", sent_at=datetime(2025, 5, 20, 8)),
        Message("Absence", "Je ne pourrai pas venir au rendez-vous de demain 9 h à Aubenas, "
                "mon fils est malade. Appelez-moi au 06 12 34 56 78.",
                sender="camille.durand@example.org", sent_at=datetime(2025, 5, 19, 8)),
    ]
    first, second = triager.triage_all(messages)
    assert first.prediction.urgency is Urgency.HIGH
    assert first.prediction.intent is Intent.MISSED_APPOINTMENT
    assert first.message.role is SenderRole.SEEKER
    assert (first.links[0].kind, first.links[0].id) == (LinkKind.SEEKER, "P-VENDEUSE")
    assert "06 12" not in first.masked_body and "[numéro masqué]" in first.masked_body
    assert "06 12" not in str(first.to_dict())
    assert first.reply.body.startswith("Bonjour Camille Durand,")
    assert "mardi 20 mai 2025 à 9 h" in first.reply.body
    assert {e.kind for e in first.entities} >= {EntityKind.DATE, EntityKind.COMMUNE}
    assert second.prediction.urgency is not Urgency.HIGH


def test_retrain_learns_from_corrections(tmp_path: Path) -> None:
    odd = Message("zorglub", "zorglub zorglub blurp", role=SenderRole.SEEKER)
    corrections = [Correction(Message(f"zorglub {i}", "zorglub blurp demande", role=
                                      SenderRole.SEEKER), Intent.TRAINING_REQUEST, Urgency.LOW)
                   for i in range(12)]
    model = retrain(corrections, tmp_path / "m.json")
    assert (tmp_path / "m.json").exists()
    assert model.predict([odd])[0].intent is Intent.TRAINING_REQUEST
    assert model.trained_on == len(load_dev_set()) + 12


def test_triage_each_keeps_the_order_given(triager: Triager) -> None:
    messages = [Message("Merci", "Merci pour tout, bonne journée."),
                Message("URGENT", "Je n'ai plus rien pour payer le loyer, c'est urgent !")]
    assert [r.message.subject for r in triager.triage_each(messages)] == ["Merci", "URGENT"]
    assert triager.triage_each([]) == []


def test_add_employer_twice_proposes_each_offer_once() -> None:
    directory = ContactDirectory()
    directory.add_offer("OF-1", "Vendeur")
    directory.add_employer("rh@example.org", ["OF-1"])
    directory.add_employer("RH@example.org", ["OF-1"])
    proposals = directory.propose(Message("x", "y", sender="rh@example.org"), [])
    assert [(p.id, p.confidence) for p in proposals] == [("OF-1", 0.6)]


class _Named:
    """Only what the weight choice reads of an encoder: its name."""

    def __init__(self, name: str) -> None:
        self.name = name


def test_encoder_weight_follows_the_encoder(tiny_engine: Engine) -> None:
    assert default_config(None).encoder_weight == 0.0
    assert tiny_engine.encoder.name == "use-m3"
    assert default_config(tiny_engine.encoder).encoder_weight == ENCODER_WEIGHT
    static = _Named("static-use-m3-256d-0123456789")
    assert default_config(static).encoder_weight == STATIC_ENCODER_WEIGHT  # type: ignore[arg-type]
