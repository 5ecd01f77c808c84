"""What a message is about (its intent) and how soon it needs an answer (its urgency).

Intents (12), with the French label counsellors see:

==========================  ==========================================================
``changement_situation``    change of address, phone, family situation, availability,
                            registration details ("je déménage à Privas le 1er")
``demande_formation``       asks for a training course, its funding (CPF, AIF), an
                            attestation of entry into training is *document*
``question_offre``          a question on a given offer or on applying to it (salary,
                            hours, whether it is still open), or an employer's question
                            on the candidates sent for *their* offer
``refus_proposition``       declines an offer, a proposed contact, a training or a
                            workshop proposed by the counsellor; an employer declining a
                            candidate
``absence_rdv``             says they missed, or will miss, an appointment or a workshop
                            (with or without a reason)
``besoin_recrutement``      an employer wants to recruit (new need, offer to publish,
                            seasonal staff)
``reclamation``             a complaint: about a payment, a decision, the service, a
                            counsellor, an employer's behaviour
``demande_document``        asks for a certificate or document (attestation d'inscription,
                            de fin de droits, relevé de situation, attestation employeur)
``reprise_emploi``          announces a job found, a start date, the end of the search
``difficulte``              a difficulty that blocks the search: mobility (no car, no
                            licence), childcare, health, housing, money, digital access
``demande_rdv``             asks to meet or to be called by the counsellor
``autre``                   anything else: thanks, greetings, unrelated or empty content
==========================  ==========================================================

Urgency (3 levels), decided on what the message says, never on who sends it:

- ``haute``: an action is needed within two working days — an appointment, a start, a
  deadline "today", "tomorrow" or named within the week; a risk to the person's income or
  rights (radiation, suspended allowance, no money left, eviction); a health or safety
  emergency (hospital, violence, distress); an employer who must hire before a start date
  this week;
- ``normale``: an answer or an action of the counsellor is expected in the usual delay
  (a question, a request for a document, a training or an appointment with no close date);
- ``basse``: information that needs no action beyond reading it, or can wait (thanks, a
  change already handled, a refusal without a question, news).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum


class Intent(StrEnum):
    """The documented intents of an inbox message."""

    CHANGE_OF_SITUATION = "changement_situation"
    TRAINING_REQUEST = "demande_formation"
    OFFER_QUESTION = "question_offre"
    DECLINE = "refus_proposition"
    MISSED_APPOINTMENT = "absence_rdv"
    RECRUITMENT_NEED = "besoin_recrutement"
    COMPLAINT = "reclamation"
    DOCUMENT_REQUEST = "demande_document"
    BACK_TO_WORK = "reprise_emploi"
    DIFFICULTY = "difficulte"
    APPOINTMENT_REQUEST = "demande_rdv"
    OTHER = "autre"


class Urgency(StrEnum):
    """How soon a message needs an answer (see the module docstring)."""

    HIGH = "haute"
    NORMAL = "normale"
    LOW = "basse"


INTENT_LABELS: Mapping[Intent, str] = {
    Intent.CHANGE_OF_SITUATION: "Changement de situation",
    Intent.TRAINING_REQUEST: "Demande de formation",
    Intent.OFFER_QUESTION: "Question sur une offre",
    Intent.DECLINE: "Refus de contact ou de proposition",
    Intent.MISSED_APPOINTMENT: "Absence à un rendez-vous",
    Intent.RECRUITMENT_NEED: "Besoin de recrutement",
    Intent.COMPLAINT: "Réclamation",
    Intent.DOCUMENT_REQUEST: "Demande d'attestation ou de document",
    Intent.BACK_TO_WORK: "Reprise d'emploi",
    Intent.DIFFICULTY: "Difficulté (mobilité, garde, santé…)",
    Intent.APPOINTMENT_REQUEST: "Demande de rendez-vous",
    Intent.OTHER: "Autre",
}

URGENCY_LABELS: Mapping[Urgency, str] = {
    Urgency.HIGH: "Haute",
    Urgency.NORMAL: "Normale",
    Urgency.LOW: "Basse",
}

URGENCY_RANK: Mapping[Urgency, int] = {Urgency.HIGH: 0, Urgency.NORMAL: 1, Urgency.LOW: 2}
"""Sort key of the inbox: most urgent first."""
