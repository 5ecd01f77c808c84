"""Turning a seeker or an offer into what the stores are asked: texts, codes and filters."""

from __future__ import annotations

from dataclasses import dataclass

from indexer.documents import offer_embedding_text, profile_embedding_text
from indexer.models import Offer, Profile
from indexer.stores.protocols import Filters, GeoFilter, KeywordQuery
from skills_taxonomy import Taxonomy

TITLE_CONFIDENCE = 0.85


@dataclass(frozen=True, slots=True)
class MatchQuery:
    """Everything one retrieval needs: the keyword query, the text to embed, the filters and
    the occupations the asking side targets (for the proximity feature)."""

    keyword: KeywordQuery
    embedding_text: str
    filters: Filters
    occupations: tuple[str, ...]
    expansions: dict[str, str]


def seeker_occupations(profile: Profile, taxonomy: Taxonomy) -> tuple[str, ...]:
    """The profile's ROME codes; without any, those its free-text titles normalise to with
    confidence."""
    codes = list(profile.rome_codes)
    for title in () if codes else profile.titles:
        for match in taxonomy.normalise_title(title, limit=1):
            if match.score >= TITLE_CONFIDENCE and match.rome_code:
                codes.append(match.rome_code)
    return tuple(dict.fromkeys(codes))


def query_for_profile(profile: Profile, taxonomy: Taxonomy,
                      default_radius_km: float | None = None) -> MatchQuery:
    """Offers for a seeker: their titles and skills, filtered by their place and contracts."""
    occupations = seeker_occupations(profile, taxonomy)
    titles = (*profile.titles, *(taxonomy.occupations[c].label for c in occupations
                                 if c in taxonomy.occupations))
    keyword = KeywordQuery(
        text=" ".join([*profile.titles, *(s.label for s in profile.skills), profile.summary]),
        titles=tuple(dict.fromkeys(titles)),
        rome_codes=occupations,
        skill_codes=tuple(s.code for s in profile.skills if s.code),
    )
    return MatchQuery(keyword, profile_embedding_text(profile),
                      profile_filters(profile, default_radius_km), occupations, {})


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
    return MatchQuery(keyword, offer_embedding_text(offer), Filters(geo=geo), occupations, {})
