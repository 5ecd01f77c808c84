"""Suggested replies: one French template per intent, filled from the message's entities.

A template holds fields in braces. ``{nom}`` is the correspondent's name when known (else the
greeting is a plain "Bonjour,"); ``{offre}``, ``{date}``, ``{metier}``, ``{commune}`` and
``{montant}`` come from the entities; the others (``{date_rdv}``, ``{precisions}``…) are for
the counsellor. A field without a value is written as a visible blank, "[à compléter : date
du rendez-vous]", and listed in :attr:`SuggestedReply.blanks`, so the counsellor can see
what remains to write. ``{? … }`` marks an optional part, dropped when one of its fields has
no value ("{? au rendez-vous du {date}}").
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from matcher.inbox.entities import MONTHS, WEEKDAYS, Entity, EntityKind
from matcher.inbox.intents import Intent

BLANK = "[à compléter : {label}]"
FIELD_LABELS: Mapping[str, str] = {
    "nom": "nom", "offre": "numéro et intitulé de l'offre", "date": "date",
    "metier": "métier", "commune": "commune", "montant": "montant",
    "date_rdv": "date et heure du rendez-vous", "nouvelle_date": "nouvelle date proposée",
    "date_reponse": "date de réponse", "document": "document demandé",
    "reponse": "réponse à la question", "aides": "aides possibles",
    "precisions": "précisions éventuelles", "conseiller": "votre nom et votre agence",
}
_SIGNATURE = "\n\nBien cordialement,\n{conseiller}"
TEMPLATES: Mapping[Intent, tuple[str, str]] = {
    Intent.CHANGE_OF_SITUATION: (
        "Votre changement de situation",
        "Bonjour{? {nom}},\n\nMerci de nous avoir informés de ce changement de situation"
        "{? (à compter du {date})}{?, commune : {commune}}. Je mets votre dossier à jour. "
        "{precisions}" + _SIGNATURE),
    Intent.TRAINING_REQUEST: (
        "Votre demande de formation",
        "Bonjour{? {nom}},\n\nMerci pour votre demande de formation{? (métier visé : "
        "{metier})}. Pour l'étudier, j'ai besoin de l'intitulé exact de la formation, de "
        "l'organisme, des dates de session et de son coût. Je vous propose d'en parler le "
        "{date_rdv}. {precisions}" + _SIGNATURE),
    Intent.OFFER_QUESTION: (
        "Votre question sur une offre",
        "Bonjour{? {nom}},\n\nMerci pour votre question sur l'offre {offre}. {reponse}"
        + _SIGNATURE),
    Intent.DECLINE: (
        "Votre réponse à notre proposition",
        "Bonjour{? {nom}},\n\nJ'ai bien noté votre refus{? concernant l'offre {offre}}. "
        "J'en tiens compte pour les prochaines propositions. {precisions}" + _SIGNATURE),
    Intent.MISSED_APPOINTMENT: (
        "Votre rendez-vous",
        "Bonjour{? {nom}},\n\nMerci de nous avoir prévenus{? pour le rendez-vous du {date}}. "
        "Je vous propose un nouveau rendez-vous le {nouvelle_date}, à l'agence ou par "
        "téléphone selon votre préférence. Merci de me confirmer qu'il vous convient."
        + _SIGNATURE),
    Intent.RECRUITMENT_NEED: (
        "Votre projet de recrutement",
        "Bonjour{? {nom}},\n\nMerci de nous confier votre recrutement{? ({metier})}"
        "{? à {commune}}. Pour publier l'offre et vous proposer des candidats rapidement, "
        "pouvez-vous me préciser le type de contrat, la date de prise de poste{? (vous "
        "indiquez : {date})}, la rémunération et les compétences attendues ? {precisions}"
        + _SIGNATURE),
    Intent.COMPLAINT: (
        "Votre réclamation",
        "Bonjour{? {nom}},\n\nNous avons bien reçu votre réclamation et vous prions de nous "
        "excuser pour la gêne occasionnée.{? Elle porte sur un montant de {montant}.} Je "
        "l'examine et vous apporte une réponse au plus tard le {date_reponse}. {precisions}"
        + _SIGNATURE),
    Intent.DOCUMENT_REQUEST: (
        "Votre demande de document",
        "Bonjour{? {nom}},\n\nVous trouverez {document} en pièce jointe ; il est aussi "
        "disponible dans votre espace personnel, rubrique « Mes documents ». {precisions}"
        + _SIGNATURE),
    Intent.BACK_TO_WORK: (
        "Votre reprise d'emploi",
        "Bonjour{? {nom}},\n\nFélicitations pour votre reprise d'emploi{? comme {metier}}"
        "{? à {commune}}{? à partir du {date}} ! Pensez à la déclarer lors de votre "
        "prochaine actualisation. {precisions}" + _SIGNATURE),
    Intent.DIFFICULTY: (
        "Votre situation",
        "Bonjour{? {nom}},\n\nMerci de nous avoir fait part de votre situation. Des aides "
        "peuvent vous être proposées ({aides}). Je vous propose d'en parler le {date_rdv}. "
        "{precisions}" + _SIGNATURE),
    Intent.APPOINTMENT_REQUEST: (
        "Votre demande de rendez-vous",
        "Bonjour{? {nom}},\n\nJe vous propose un rendez-vous le {date_rdv}{? (vous "
        "proposiez : {date})}, à l'agence ou par téléphone selon votre préférence. Merci de "
        "me confirmer qu'il vous convient." + _SIGNATURE),
    Intent.OTHER: (
        "Votre message",
        "Bonjour{? {nom}},\n\nMerci pour votre message. {precisions}" + _SIGNATURE),
}
_OPTIONAL = re.compile(r"\{\?((?:[^{}]|\{[a-z_]+\})*)\}")
_FIELD = re.compile(r"\{([a-z_]+)\}")


@dataclass(frozen=True, slots=True)
class SuggestedReply:
    """A reply ready to edit: subject, body, and the fields left for the counsellor."""

    intent: Intent
    subject: str
    body: str
    blanks: tuple[str, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        data = asdict(self)
        data["intent"] = self.intent.value
        data["blanks"] = list(self.blanks)
        return data


def french_date(iso: str) -> str:
    """"2025-05-20T14:30" → "mardi 20 mai 2025 à 14 h 30"."""
    day = date.fromisoformat(iso[:10])
    text = f"{WEEKDAYS[day.weekday()]} {day.day} {_month_name(day.month)} {day.year}"
    if len(iso) > 10:
        hour, minute = iso[11:13], iso[14:16]
        text += f" à {int(hour)} h" + (f" {minute}" if minute != "00" else "")
    return text


def _month_name(month: int) -> str:
    names = dict(zip(MONTHS, ("janvier", "février", "mars", "avril", "mai", "juin",
                              "juillet", "août", "septembre", "octobre", "novembre",
                              "décembre"), strict=True))
    return names[MONTHS[month - 1]]


def values_from(entities: Sequence[Entity], name: str | None = None,
                offer_titles: Mapping[str, str] | None = None) -> dict[str, str]:
    """Template values from the first entity of each kind (and the correspondent's name)."""
    values: dict[str, str] = {}
    if name:
        values["nom"] = name
    for entity in entities:
        if entity.kind is EntityKind.OFFER and "offre" not in values:
            title = (offer_titles or {}).get(entity.value or "")
            values["offre"] = f"n° {entity.value}" + (f" ({title})" if title else "")
        elif entity.kind is EntityKind.DATE and "date" not in values:
            values["date"] = french_date(entity.value) if entity.value else entity.text
        elif entity.kind is EntityKind.OCCUPATION and "metier" not in values:
            values["metier"] = entity.text.lower()
        elif entity.kind is EntityKind.COMMUNE and "commune" not in values:
            values["commune"] = entity.label or entity.text
        elif entity.kind is EntityKind.AMOUNT and "montant" not in values and entity.value:
            values["montant"] = f"{float(entity.value):,.2f} €".replace(",", " ").replace(
                ".", ",").replace(",00 €", " €")
    return values


def suggest_reply(intent: Intent, values: Mapping[str, str]) -> SuggestedReply:
    """The template of ``intent`` filled with ``values``; missing fields become blanks."""
    subject, template = TEMPLATES[intent]

    def optional(match: re.Match[str]) -> str:
        part = match.group(1)
        needed = _FIELD.findall(part)
        return part if all(values.get(f) for f in needed) else ""

    text = _OPTIONAL.sub(optional, template)
    blanks: list[str] = []

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if values.get(name):
            return values[name]
        label = FIELD_LABELS.get(name, name)
        if label not in blanks:
            blanks.append(label)
        return BLANK.format(label=label)

    body = _FIELD.sub(fill, text)
    body = re.sub(r"[ \t]+\n", "\n", re.sub(r" {2,}", " ", body)).replace(" .", ".")
    return SuggestedReply(intent, f"Re : {subject}", body.strip(), tuple(blanks))
