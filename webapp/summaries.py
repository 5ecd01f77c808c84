"""What the web app shows of an offer or a profile, in one place.

Candidate summaries are an allow-list: a pseudonym, target occupations, skill labels, the commune
name and the distance. Personal data (name, email, phone, birth year, sex, nationality), the
free-text summary and the address are never read here, so no page or API can leak them.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from indexer.models import Offer, Place, Profile
from matcher.engine import Engine
from matcher.results import Match
from webapp import pseudonyms
from webapp.models import TagEdit, User

logger = logging.getLogger(__name__)

SUMMARY_VIEW = "summary"
"""The name under which an offer's :func:`offer_summary` is kept with its collection."""


def commune_name(engine: Engine, place: Place | None) -> str | None:
    """The name of a place's commune from the gazetteer, or None when unknown."""
    if place is None or not place.commune:
        return None
    commune = engine.gazetteer.commune(place.commune)
    return commune.name if commune is not None else None


def occupation_label(engine: Engine, code: str) -> str:
    """A ROME occupation's label, or its code when the taxonomy does not know it."""
    occupation = engine.taxonomy.occupations.get(code)
    return occupation.label if occupation is not None else code


def offer_summary(engine: Engine, offer: Offer) -> dict[str, Any]:
    """The fields of an offer shown in result lists and returned by the API."""
    place = offer.place
    return {
        "title": offer.title,
        "rome_code": offer.rome_code,
        "rome_label": offer.rome_label or (occupation_label(engine, offer.rome_code)
                                           if offer.rome_code else None),
        "contract_type": offer.contract_type,
        "working_time": offer.working_time,
        "experience": offer.experience,
        "experience_label": offer.experience_label,
        "salary": offer.salary,
        "created_at": offer.created_at,
        "commune": place.commune if place else None,
        "commune_name": commune_name(engine, place) or place_label(place),
    }


def place_label(place: Place | None) -> str | None:
    """A place's own label made readable: France Travail's '07 - AUBENAS' → 'Aubenas (07)'."""
    if place is None or not place.label:
        return None
    department, separator, name = place.label.partition(" - ")
    if separator and department.strip().isalnum() and len(department.strip()) <= 3:
        return f"{name.strip().title()} ({department.strip()})"
    return place.label


def candidate_summary(engine: Engine, profile: Profile, employer: User) -> dict[str, Any]:
    """The fields of a seeker ``employer`` may see: their pseudonym for that employer, no
    identity, no contact, no protected data."""
    return {
        "pseudonym": pseudonyms.for_employer(employer, profile.id),
        "occupations": [{"code": code, "label": occupation_label(engine, code)}
                        for code in profile.rome_codes],
        "titles": list(profile.titles),
        "skills": [tag.label for tag in profile.skills],
        "experience_years": profile.experience_years,
        "commune_name": commune_name(engine, profile.place),
    }


def contact_details(profile: Profile) -> dict[str, str | None]:
    """What an employer receives once the seeker accepted their request: name and contacts."""
    personal = profile.personal
    if personal is None:
        return {"name": None, "email": None, "phone": None}
    return {"name": personal.name, "email": personal.email, "phone": personal.phone}


def tag_rows(engine: Engine, profile: Profile, entries: Sequence[TagEdit]) -> list[dict[str, Any]]:
    """A seeker's current skill tags, each with the audit entry that last set it, if any."""
    from webapp.repositories.tags import changed_by, tag_key

    last = changed_by(entries)
    return [{"label": tag.label, "code": tag.code, "weight": tag.weight, "source": tag.source,
             "changed": last.get(tag_key(tag))} for tag in profile.skills]


def profile_choice_label(profile: Profile) -> str:
    """How a seeker appears in a counsellor's (or their own) select list: their name, as in
    the counsellor's list, and wanted titles."""
    name = profile.personal.name if profile.personal and profile.personal.name else "Demandeur"
    titles = ", ".join(profile.titles[:3])
    return f"{name} — {titles}" if titles else name


Result = tuple[Match, dict[str, Any]]


def offer_results(engine: Engine, matches: Sequence[Match]) -> list[Result]:
    """Each matched offer with its summary; ids missing from the collection are skipped.
    Summaries are kept with the collection (:meth:`~indexer.collection.Collection.view`):
    showing a ranking again, from the matcher's cache, reads no offer."""
    results: list[Result] = []
    for match in matches:
        summary = engine.offers.view(match.id, SUMMARY_VIEW,
                                     lambda offer: offer_summary(engine, offer))
        if summary is None:
            logger.warning("matched offer %s is not in the collection", match.id)
            continue
        results.append((match, dict(summary)))
    return results


def candidate_results(engine: Engine, matches: Sequence[Match], employer: User
                      ) -> list[Result]:
    """Each matched profile with its pseudonymous candidate summary, for ``employer``."""
    results: list[Result] = []
    for match in matches:
        profile = engine.profiles.get(match.id)
        if profile is None:
            logger.warning("matched profile %s is not in the collection", match.id)
            continue
        results.append((match, candidate_summary(engine, profile, employer)))
    return results


def to_json(results: Sequence[Result]) -> list[dict[str, Any]]:
    """Results as JSON-ready dicts: ``Match.to_dict()`` plus the summary fields."""
    return [{**match.to_dict(), **{key: value.isoformat() if isinstance(value, datetime)
                                   else value for key, value in summary.items()}}
            for match, summary in results]
