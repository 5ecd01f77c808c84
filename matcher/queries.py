"""Turning a seeker or an offer into what the stores are asked: texts, codes and filters.

A seeker's free text (titles, summary) is made gender-neutral before it reaches the stores
(:class:`matcher.normalise.GenderNeutraliser`) and their personal data is dropped, so the
query of "Vendeuse" and of "Vendeur", or of two people who differ only by name, age, sex or
nationality, is the same query.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from weakref import WeakKeyDictionary

from indexer.documents import offer_embedding_text, profile_embedding_text
from indexer.models import Offer, Profile
from indexer.settings import MatchingSettings
from indexer.stores.protocols import Filters, GeoFilter, KeywordQuery
from matcher.normalise import GenderNeutraliser, Normaliser
from skills_taxonomy import Taxonomy

TITLE_CONFIDENCE = 0.85
_NEUTRALISERS: WeakKeyDictionary[Taxonomy, GenderNeutraliser] = WeakKeyDictionary()


@dataclass(frozen=True, slots=True)
class MatchQuery:
    """Everything one retrieval needs: the keyword query, the text to embed, the filters and
    the occupations the asking side targets (for the proximity feature), with the confidence
    of each (1 for a ROME code the record carries, the normaliser's for a guessed one)."""

    keyword: KeywordQuery
    embedding_text: str
    filters: Filters
    occupations: tuple[str, ...]
    expansions: dict[str, str]
    occupation_confidence: dict[str, float] = field(default_factory=dict)


def neutraliser_for(taxonomy: Taxonomy) -> GenderNeutraliser:
    """The taxonomy's gender neutraliser, built once per taxonomy."""
    neutraliser = _NEUTRALISERS.get(taxonomy)
    if neutraliser is None:
        neutraliser = _NEUTRALISERS[taxonomy] = GenderNeutraliser(taxonomy)
    return neutraliser


def neutral_profile(profile: Profile, taxonomy: Taxonomy) -> Profile:
    """The profile as the matcher sees it: gender-neutral titles and summary, no personal
    data (name, contact, birth year, sex, nationality never reach a feature or a store)."""
    neutral = neutraliser_for(taxonomy).neutral
    return profile.model_copy(update={
        "titles": list(dict.fromkeys(neutral(t) for t in profile.titles)),
        "summary": neutral(profile.summary),
        "personal": None,
    })


def profile_index_text(taxonomy: Taxonomy) -> Callable[[Profile], str]:
    """The text embedded for a stored profile: that of :func:`neutral_profile`, so a seeker's
    stored vector, like their query, does not depend on the gender of their wording (an
    employer's candidate ranking uses it)."""
    return lambda profile: profile_embedding_text(neutral_profile(profile, taxonomy))


def seeker_targets(profile: Profile, taxonomy: Taxonomy, normaliser: Normaliser | None = None,
                   settings: MatchingSettings | None = None) -> dict[str, float]:
    """The profile's ROME codes (confidence 1); without any, the occupations its free-text
    titles normalise to, each with the normaliser's confidence, best first."""
    if profile.rome_codes:
        return dict.fromkeys(profile.rome_codes, 1.0)
    settings = settings or MatchingSettings()
    found: dict[str, float] = {}
    for title in profile.titles:
        for code, confidence in _title_codes(title, taxonomy, normaliser, settings):
            found[code] = max(found.get(code, 0.0), confidence)
    return dict(sorted(found.items(), key=lambda item: (-item[1], item[0])))


def _title_codes(title: str, taxonomy: Taxonomy, normaliser: Normaliser | None,
                 settings: MatchingSettings) -> list[tuple[str, float]]:
    if normaliser is None:
        return [(m.rome_code, m.score) for m in taxonomy.normalise_title(title, limit=1)
                if m.score >= TITLE_CONFIDENCE and m.rome_code]
    matches = normaliser.best_codes(title, settings.title_max_occupations,
                                    settings.title_min_confidence,
                                    settings.title_relative_confidence)
    return [(m.rome_code, m.confidence) for m in matches]


def seeker_occupations(profile: Profile, taxonomy: Taxonomy,
                       normaliser: Normaliser | None = None,
                       settings: MatchingSettings | None = None) -> tuple[str, ...]:
    """The profile's ROME codes; without any, those its free-text titles normalise to with
    confidence (see :func:`seeker_targets`)."""
    return tuple(seeker_targets(profile, taxonomy, normaliser, settings))


def query_for_profile(profile: Profile, taxonomy: Taxonomy,
                      default_radius_km: float | None = None,
                      normaliser: Normaliser | None = None,
                      settings: MatchingSettings | None = None) -> MatchQuery:
    """Offers for a seeker: their titles and skills, filtered by their place and contracts."""
    profile = neutral_profile(profile, taxonomy)
    targets = seeker_targets(profile, taxonomy, normaliser, settings)
    occupations = tuple(targets)
    titles = (*profile.titles, *(taxonomy.occupations[c].label for c in occupations
                                 if c in taxonomy.occupations))
    keyword = KeywordQuery(
        text=" ".join([*profile.titles, *(s.label for s in profile.skills), profile.summary]),
        titles=tuple(dict.fromkeys(titles)),
        rome_codes=occupations,
        skill_codes=tuple(s.code for s in profile.skills if s.code),
    )
    return MatchQuery(keyword, profile_embedding_text(profile),
                      profile_filters(profile, default_radius_km), occupations, {}, targets)


def profile_filters(profile: Profile, default_radius_km: float | None = None) -> Filters:
    """The seeker's hard wishes: within their radius, of the contract types they accept."""
    radius = profile.radius_km or default_radius_km
    point = profile.place.point if profile.place else None
    geo = GeoFilter(point, radius) if point is not None and radius else None
    return Filters(geo=geo, contract_types=frozenset(profile.contract_types))


def query_for_offer(offer: Offer, candidate_radius_km: float | None) -> MatchQuery:
    """Candidates for an offer: its title and skills, seekers near its place."""
    occupations = (offer.rome_code,) if offer.rome_code else ()
    keyword = KeywordQuery(
        text=" ".join([offer.title, *(s.label for s in offer.skills)]),
        titles=tuple(dict.fromkeys(t for t in (offer.title, offer.appellation,
                                                offer.rome_label) if t)),
        rome_codes=occupations,
        skill_codes=tuple(s.code for s in offer.skills if s.code),
    )
    point = offer.place.point if offer.place else None
    geo = GeoFilter(point, candidate_radius_km) if point is not None and candidate_radius_km \
        else None
    return MatchQuery(keyword, offer_embedding_text(offer), Filters(geo=geo), occupations, {},
                      dict.fromkeys(occupations, 1.0))
