"""Urgency cues: the phrases that make a message urgent (or not), each with its reason.

They serve twice: as extra features of the learned urgency classifier (a cue found adds a
token such as ``zzcueecheance`` to the text the model reads), and as the *reasons* shown to
the counsellor next to the predicted urgency ("échéance aujourd'hui ou demain"). The criteria
themselves are documented in :mod:`matcher.inbox.intents`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from matcher.inbox.textclf import normalise_text

_DAYS = r"(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)"


@dataclass(frozen=True, slots=True)
class UrgencyCue:
    """A kind of phrase that raises (or lowers) urgency."""

    name: str
    reason: str
    pattern: re.Pattern[str]
    raises: bool = True

    @property
    def token(self) -> str:
        """The feature token added to the text when the cue is found."""
        return f"zzcue{self.name}"


CUES: tuple[UrgencyCue, ...] = (
    UrgencyCue("echeance", "échéance aujourd'hui, demain ou dans les jours qui viennent",
               re.compile(rf"\b(?:aujourd ?'? ?hui|aujourdhui|ajd|auj|demain|ce soir|ce matin|"
                          rf"cet apres[- ]?midi|cette nuit|avant {_DAYS}|d'ici {_DAYS}|"
                          rf"avant ce soir|avant demain|sous \d+ jours|dans (?:deux|trois|2|3) "
                          rf"jours|ce week[- ]?end|{_DAYS} prochain)\b")),
    UrgencyCue("urgent", "le message se dit urgent",
               re.compile(r"\b(?:urgen(?:t|te|ce|ts)|en urgence|au plus vite|au secours|"
                          r"des que possible|rapidement|vite|asap|aidez[- ]moi)\b")),
    UrgencyCue("droits", "risque pour les droits ou les revenus",
               re.compile(r"\b(?:radi(?:e|ee|ation)|suspen(?:du|due|dus|sion)|bloque(?:e|es)?|"
                          r"plus (?:aucun(?:e)? )?(?:revenu|ressource|argent)s?|"
                          r"plus d'argent|trop[- ]percu|loyer|expuls\w*|coupe(?:e|s)?|"
                          r"prelevement|rejet\w*|incapacite de|perds? l)\w*")),
    UrgencyCue("detresse", "santé, sécurité ou détresse",
               re.compile(r"\b(?:hospitalis\w*|violence\w*|idees noires|suicid\w*|"
                          r"peur pour ma securite|obseques|deces|en danger|n'en peux plus|"
                          r"au bout)\b")),
    UrgencyCue("demarrage", "prise de poste ou recrutement imminent",
               re.compile(rf"\b(?:commence|debute|demarre|demarrage|embauche|integrer)\w*"
                          rf"(?: \w+){{0,4}} (?:demain|{_DAYS}|des demain|des {_DAYS})\b")),
    UrgencyCue("sans_urgence", "le message dit qu'il n'y a pas d'urgence",
               re.compile(r"\b(?:rien ne presse|pas urgent|pas presse|rien d'urgent|"
                          r"pas besoin de (?:me )?(?:repondre|recontacter)|pour info\w*|"
                          r"quand vous aurez (?:le temps|2 min)|qd vs avez|a titre d'information)"
                          r"\b"), raises=False),
    UrgencyCue("remerciement", "remerciement ou simple information",
               re.compile(r"^(?:(?!\?).)*\b(?:merci (?:pour|de) (?:tout|votre (?:aide|"
                          r"accompagnement))|je tenais a vous remercier|merci beaucoup|"
                          r"merci bcp|merci pr tt)\b(?:(?!\?).)*$"), raises=False),
)


def cues_of(text: str) -> list[UrgencyCue]:
    """The cues found in ``text`` (any case and accents), in :data:`CUES` order."""
    folded = normalise_text(text)
    return [cue for cue in CUES if cue.pattern.search(folded)]


def with_cue_tokens(text: str) -> str:
    """``text`` followed by the tokens of its cues (the urgency model's input)."""
    cues = cues_of(text)
    return text if not cues else f"{text}\n{' '.join(cue.token for cue in cues)}"
