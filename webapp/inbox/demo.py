"""Demo messages for ``emploi demo``: a small seeded sample written for the demo (not the
dev set, so that the triage shown is the model's real behaviour on unseen text), filled with
the demo seekers' generated names, communes and occupations and the demo employers' offers —
never real people.

Each counsellor receives, from each seeker they follow, a few messages of different intents
and registers, and from each employer they follow a few about their offers, dated over the
last ten days. Seeding again adds nothing (each demo message has a fixed fingerprint).
"""

from __future__ import annotations

import hashlib
import logging
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from indexer.models import Profile
from matcher.engine import Engine
from matcher.inbox.message import Message
from webapp.inbox import access
from webapp.inbox.arrival import Incoming, receive
from webapp.models import User, utc_now
from webapp.repositories import ownership

log = logging.getLogger(__name__)

SEED = 15
PER_SEEKER = 4
PER_EMPLOYER = 3


@dataclass(frozen=True, slots=True)
class Template:
    """A demo message with ``{prenom}``, ``{nom}``, ``{commune}``, ``{metier}``,
    ``{offre}``, ``{titre}``, ``{employeur}`` fields."""

    key: str
    subject: str
    body: str


SEEKER_TEMPLATES = (
    Template("absence-1", "Rendez-vous de demain",
             "Bonjour,\nje ne pourrai pas venir au rendez-vous de demain à 9 h 30, mon fils "
             "est malade et je n'ai personne pour le garder. Est-ce qu'on peut le décaler ?\n"
             "Merci,\n{prenom} {nom}"),
    Template("absence-2", "", "bjr desolé g raté latelier cv de ce matin, le bus est pas passé. "
             "{prenom}"),
    Template("formation-1", "Demande de formation",
             "Madame, Monsieur,\nje souhaiterais suivre une formation pour devenir {metier}. "
             "J'ai vu qu'une session commence en mars à {commune}. Est-elle finançable avec "
             "mon CPF ou une aide ?\nCordialement,\n{prenom} {nom}"),
    Template("document-1", "Attestation d'inscription",
             "Bonjour, pourriez-vous m'envoyer une attestation d'inscription ? Mon bailleur "
             "me la demande pour vendredi. Merci d'avance, {prenom} {nom}"),
    Template("reprise-1", "Bonne nouvelle !",
             "Bonjour,\nj'ai trouvé un poste de {metier} à {commune}, je commence lundi "
             "prochain en CDD de six mois. Merci pour votre aide !\n{prenom}"),
    Template("difficulte-1", "Problème de voiture",
             "Bonjour, ma voiture est en panne depuis une semaine et la réparation coûte "
             "850 €. Je ne peux plus aller aux entretiens en dehors de {commune}. Existe-t-il "
             "une aide à la mobilité ? {prenom} {nom}"),
    Template("situation-1", "Déménagement",
             "Bonjour,\nje vous informe que je déménage à {commune} le 1er du mois prochain. "
             "Je reste disponible pour des postes de {metier} dans un rayon de 30 km.\n"
             "Bien à vous,\n{prenom} {nom}"),
    Template("question-1", "Question sur l'offre {offre}",
             "Bonjour, l'offre {offre} ({titre}) est-elle toujours ouverte ? Les horaires "
             "sont-ils compatibles avec la garde de mes enfants le mercredi ? Merci. {prenom}"),
    Template("refus-1", "Proposition de poste",
             "Bonjour,\nmerci pour la proposition de l'offre {offre}, mais je ne suis pas "
             "intéressé(e) : le poste est trop loin de chez moi sans voiture.\n{prenom} {nom}"),
    Template("rdv-1", "Besoin d'un rendez-vous",
             "Bonjour, je voudrais faire le point avec vous sur mon projet de {metier}, "
             "est-ce possible de se voir la semaine prochaine ? Je suis disponible le mardi. "
             "{prenom} {nom}"),
    Template("reclamation-1", "Paiement non reçu",
             "Bonjour,\nje n'ai toujours pas reçu mon allocation de ce mois-ci alors que je "
             "me suis actualisé(e) à temps. Il ne me reste plus rien pour payer le loyer. "
             "C'est urgent.\n{prenom} {nom}"),
    Template("autre-1", "Merci", "Merci beaucoup pour votre écoute lors de notre dernier "
             "échange, ça m'a remotivé(e). Bonne journée ! {prenom}"),
)
EMPLOYER_TEMPLATES = (
    Template("besoin-1", "Recrutement urgent",
             "Bonjour,\nnous cherchons deux personnes en renfort pour la saison, prise de "
             "poste le 15 du mois prochain. Pouvez-vous nous envoyer des profils proches de "
             "notre offre {offre} ({titre}) ?\nCordialement,\n{employeur}"),
    Template("question-e1", "Candidats pour l'offre {offre}",
             "Bonjour, avez-vous pu présélectionner des candidats pour l'offre {offre} ? "
             "Nous aimerions organiser les entretiens jeudi. {employeur}"),
    Template("refus-e1", "Candidature non retenue",
             "Bonjour,\nnous ne donnerons pas suite à la candidature reçue pour l'offre "
             "{offre} : le profil ne correspond pas au poste.\nCordialement, {employeur}"),
    Template("autre-e1", "Modification de l'offre {offre}",
             "Bonjour, pouvez-vous modifier l'intitulé de l'offre {offre} ? Nous avons "
             "précisé le salaire et les horaires. Merci, {employeur}"),
)


def _first_last(profile: Profile) -> tuple[str, str]:
    name = (profile.personal.name if profile.personal else None) or "Demandeur démo"
    first, _sep, last = name.partition(" ")
    return first, last or first


def _fields(engine: Engine, profile: Profile | None, offer_id: str | None,
            employer: User | None) -> dict[str, str]:
    fields = {"prenom": "", "nom": "", "commune": "Privas", "metier": "vendeur",
              "offre": offer_id or "", "titre": "", "employeur": ""}
    if profile is not None:
        fields["prenom"], fields["nom"] = _first_last(profile)
        if profile.place and profile.place.label:
            fields["commune"] = profile.place.label.title()
        if profile.titles:
            fields["metier"] = profile.titles[0].lower()
    if offer_id:
        offer = engine.offers.get(offer_id)
        fields["titre"] = offer.title if offer else ""
    if employer is not None:
        fields["employeur"] = employer.display_name
    return fields


def demo_messages(session: Session, engine: Engine, counsellor: User,
                  seed: int = SEED) -> list[Incoming]:
    """The demo messages of one counsellor's inbox (see the module docstring)."""
    rng = random.Random(f"{seed}:{counsellor.email}")
    now = utc_now()
    incoming: list[Incoming] = []
    for profile_id in access.assigned_seekers(session, counsellor):
        seeker = ownership.seeker_of(session, profile_id)
        profile = engine.profiles.get(profile_id)
        if seeker is None or profile is None:
            continue
        offers = [m.id for m in engine.offers_for_profile(profile, 3)]
        for template in rng.sample(SEEKER_TEMPLATES, PER_SEEKER):
            offer_id = rng.choice(offers) if offers else None
            if "{offre}" in template.body and offer_id is None:
                continue
            incoming.append(_incoming(engine, template, profile, offer_id, None, seeker,
                                      counsellor, now - timedelta(minutes=rng.randint(30,
                                                                                      14_400))))
    for employer in access.followed_employers(session, counsellor):
        offer_ids = ownership.offers_of(session, employer)
        if not offer_ids:
            continue
        for template in rng.sample(EMPLOYER_TEMPLATES, PER_EMPLOYER):
            offer_id = rng.choice(offer_ids)
            incoming.append(_incoming(engine, template, None, offer_id, employer, employer,
                                      counsellor, now - timedelta(minutes=rng.randint(30,
                                                                                      14_400))))
    return incoming


def _incoming(engine: Engine, template: Template, profile: Profile | None,
              offer_id: str | None, employer: User | None, sender: User, counsellor: User,
              sent_at: datetime) -> Incoming:
    fields = _fields(engine, profile, offer_id, employer)
    message = Message(subject=template.subject.format(**fields),
                      body=template.body.format(**fields), sent_at=sent_at)
    key = hashlib.sha256(f"emploi-demo:{counsellor.email}:{sender.email}:{template.key}"
                         .encode()).hexdigest()
    return Incoming(message, sender=sender, counsellor=counsellor,
                    offer_id=offer_id if employer is not None else None, fingerprint=key)


def seed_messages(session: Session, engine: Engine, counsellors: list[User]) -> int:
    """Seed every demo counsellor's inbox; return how many messages were added."""
    added = 0
    for counsellor in counsellors:
        arrivals = receive(session, engine, demo_messages(session, engine, counsellor))
        session.commit()
        added += sum(1 for a in arrivals if a.stored is not None)
    log.info("seeded %d demo inbox messages", added)
    return added
