"""Demo accounts for ``emploi demo``: one admin, two counsellors with their seekers and one
employer each, two employers owning real offers, seekers linked to generated profiles, and
demo messages in the counsellors' inboxes (:mod:`webapp.inbox.demo`).

Passwords are random and new at every start (printed once); the accounts exist only when the
demo command creates them, never with a fixed password.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy.orm import Session

from indexer.models import Profile
from matcher.engine import Engine
from webapp.inbox.access import follow_employer
from webapp.inbox.demo import seed_messages
from webapp.models import Role, User
from webapp.passwords import random_password
from webapp.repositories import ownership, sessions, users

logger = logging.getLogger(__name__)

DOMAIN = "demo.emploi.test"
SEEKERS = 6
OFFERS_PER_SEEKER = 3
MIN_MATCHES = 3


@dataclass(frozen=True, slots=True)
class DemoAccount:
    """A demo account and its password of this run."""

    role: Role
    email: str
    password: str
    note: str


def _account(session: Session, role: Role, local: str, name: str) -> tuple[User, str]:
    """The demo account ``local@DOMAIN`` with a fresh random password."""
    password = random_password()
    user = users.by_email(session, f"{local}@{DOMAIN}")
    if user is None:
        user = users.create_user(session, f"{local}@{DOMAIN}", role, password, name)
    else:  # a new password ends the account's sessions and tokens, as on the account page
        users.set_password(user, password)
        sessions.end_all(session, user)
        users.revoke_all_tokens(session, user)
        user.active = True
    return user, password


def demo_profiles(session: Session, engine: Engine, count: int = SEEKERS) -> list[Profile]:
    """Profiles with skills, a place and a name, not linked to an account outside the demo,
    by id: all but the last with at least ``MIN_MATCHES`` matches, and the last one with a
    thin list, so the demo shows why a list is thin and what would widen it (on a small index
    with too few rich lists, more thin ones make up the count)."""
    rich: list[Profile] = []
    thin: list[Profile] = []
    for profile_id in sorted(engine.profiles.ids()):
        profile = engine.profiles.get(profile_id)
        owner = ownership.seeker_of(session, profile_id)
        if owner is not None and not owner.email.endswith(f"@{DOMAIN}"):
            continue
        if (profile is None or not profile.skills or profile.place is None
                or profile.personal is None or not profile.personal.name):
            continue
        matches = len(engine.offers_for_profile(profile, MIN_MATCHES))
        (rich if matches >= MIN_MATCHES else thin).append(profile)
        if len(rich) >= count - 1 and thin:
            break
    chosen = [*rich[:count - 1], *thin[:1]] if thin else rich[:count]
    if len(chosen) < count:  # a small index has few rich lists: fill with the thin ones
        chosen += [p for p in thin if p not in chosen][:count - len(chosen)]
    return chosen


def _offers_showing(engine: Engine, profile: Profile) -> list[str]:
    """Up to ``OFFERS_PER_SEEKER`` of the seeker's best offers whose first page of candidates
    shows the seeker (so the employer's contact journey works in the demo); the seeker's best
    offers when none does."""
    best = [m.id for m in engine.offers_for_profile(profile, 2 * OFFERS_PER_SEEKER)]
    showing = []
    for offer_id in best:
        offer = engine.offers.get(offer_id)
        if offer is not None and any(m.id == profile.id
                                     for m in engine.candidates_for_offer(offer, 10)):
            showing.append(offer_id)
        if len(showing) == OFFERS_PER_SEEKER:
            break
    return showing or best[:OFFERS_PER_SEEKER]


def seed(session: Session, engine: Engine) -> list[DemoAccount]:
    """Create or refresh the demo accounts and their links; return them with passwords."""
    accounts: list[DemoAccount] = []
    admin, password = _account(session, Role.ADMIN, "admin", "Administratrice démo")
    accounts.append(DemoAccount(Role.ADMIN, admin.email, password, "gère les comptes"))
    profiles = demo_profiles(session, engine)
    counsellors = [_account(session, Role.COUNSELLOR, f"conseiller{i}", f"Conseiller·e {i}")
                   for i in (1, 2)]
    employers = [_account(session, Role.EMPLOYER, f"employeur{i}", f"Employeur démo {i}")
                 for i in (1, 2)]
    offers: list[str] = []
    for index, profile in enumerate(profiles):
        seeker, password = _account(session, Role.SEEKER, f"demandeur{index + 1}",
                                    (profile.personal.name if profile.personal else None)
                                    or f"Demandeur {index + 1}")
        ownership.link_seeker(session, seeker, profile.id)
        counsellor = counsellors[index * len(counsellors) // max(len(profiles), 1)][0]
        ownership.assign(session, counsellor, profile.id)
        accounts.append(DemoAccount(Role.SEEKER, seeker.email, password,
                                    f"profil {profile.id}, suivi par {counsellor.email}"))
        for offer_id in _offers_showing(engine, profile):
            if offer_id not in offers:
                offers.append(offer_id)
    for index, offer_id in enumerate(offers):
        ownership.give_offer(session, employers[index % len(employers)][0], offer_id)
    for (counsellor, _password), (employer, _secret) in zip(counsellors, employers,
                                                           strict=True):
        follow_employer(session, counsellor, employer)  # their messages reach the counsellor
    for user, password in counsellors:
        accounts.append(DemoAccount(Role.COUNSELLOR, user.email, password,
                                    f"{len(ownership.assigned_profiles(session, user))} "
                                    "demandeurs et 1 employeur suivis"))
    for user, password in employers:
        accounts.append(DemoAccount(Role.EMPLOYER, user.email, password,
                                    f"{len(ownership.offers_of(session, user))} offres"))
    session.commit()
    seed_messages(session, engine, [user for user, _password in counsellors])
    logger.info("seeded %d demo accounts", len(accounts))
    return accounts
