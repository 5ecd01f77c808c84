"""The engine: taxonomy, communes, encoder, index and matcher, opened once and shared.

The web app and the CLI talk to this facade only.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

from indexer.catalog import SearchIndex, embedding_cache_path, live_generation
from indexer.collection import Collection
from indexer.distance import haversine_km
from indexer.encoders import Encoder, create_encoder
from indexer.geo import Gazetteer
from indexer.models import Offer, Place, Profile, SkillTag
from indexer.settings import Settings
from matcher.matcher import Matcher, skills_with
from matcher.normalise import Normaliser, OccupationMatch
from matcher.results import Match
from skills_taxonomy import Taxonomy, load_taxonomy

log = logging.getLogger(__name__)

FREE_TEXT_PROFILE_ID = "recherche-libre"


@dataclass(frozen=True, slots=True)
class SeekerQuery:
    """A seeker's search typed by hand rather than read from a stored profile."""

    text: str = ""
    titles: tuple[str, ...] = ()
    skills: tuple[SkillTag, ...] = ()
    commune: str | None = None
    radius_km: float | None = None
    contract_types: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class TagPreview:
    """The offers of a seeker before and after a tag edit, and which entered or left."""

    before: list[Match]
    after: list[Match]
    entered: list[str] = field(default_factory=list)
    left: list[str] = field(default_factory=list)
    profile_after: Profile | None = None


class Engine:
    """Everything a request needs, opened once per process."""

    def __init__(self, settings: Settings, taxonomy: Taxonomy, gazetteer: Gazetteer,
                 encoder: Encoder, index: SearchIndex) -> None:
        self.settings = settings
        self.taxonomy = taxonomy
        self.gazetteer = gazetteer
        self.encoder = encoder
        self._reload_lock = threading.Lock()
        self.normaliser = Normaliser(taxonomy, encoder, settings.cache_dir)
        self._state = self._state_for(index)

    def _state_for(self, index: SearchIndex) -> tuple[SearchIndex, Matcher]:
        return index, Matcher(index.offers, index.profiles, self.taxonomy, self.encoder,
                              self.settings.matching, self.normaliser,
                              embedding_cache_path(index.directory))

    @property
    def index(self) -> SearchIndex:
        """The opened index generation (swapped as a whole by :meth:`reload`)."""
        return self._state[0]

    @property
    def matcher(self) -> Matcher:
        """The matcher over :attr:`index`."""
        return self._state[1]

    def reload(self) -> bool:
        """Open the live generation when it differs from the one in use, and swap it in.

        The new index and its matcher are built outside the lock, then replaced in one
        assignment, so a request running meanwhile finishes on the generation it started with.
        Return True when a new generation was opened.
        """
        with self._reload_lock:
            if live_generation(self.index.directory) == self.index.generation:
                return False
            state = self._state_for(SearchIndex.open(self.index.directory, self.settings,
                                                     self.encoder))
            self._state = state
            log.info("engine reloaded generation %s", state[0].generation.name)
            return True

    def is_stale(self) -> bool:
        """True when another writer made a newer generation live than the one in use."""
        try:
            return live_generation(self.index.directory) != self.index.generation
        except FileNotFoundError:
            return False

    @classmethod
    def open(cls, settings: Settings) -> Engine:
        """Load the taxonomy, communes and encoder, and open the index of ``settings``."""
        taxonomy = load_taxonomy(settings.rome_dir, settings.esco_dir, settings.cache_dir)
        gazetteer = Gazetteer.load(settings.geo_dir, cache_dir=settings.cache_dir)
        encoder = create_encoder(settings)
        index = SearchIndex.open(settings.index_dir, settings, encoder)
        return cls(settings, taxonomy, gazetteer, encoder, index)

    @property
    def offers(self) -> Collection[Offer]:
        """The indexed offers."""
        return self.index.offers

    @property
    def profiles(self) -> Collection[Profile]:
        """The indexed seeker profiles."""
        return self.index.profiles

    def offers_for_profile(self, profile: Profile, top_k: int = 10,
                           widen: bool = False) -> list[Match]:
        """Ranked offers for a seeker."""
        return self.matcher.offers_for_profile(profile, top_k, widen_search=widen)

    def candidates_for_offer(self, offer: Offer, top_k: int = 10) -> list[Match]:
        """Ranked seekers for an offer."""
        return self.matcher.candidates_for_offer(offer, top_k)

    def search_offers(self, query: SeekerQuery, top_k: int = 10) -> list[Match]:
        """Ranked offers for a search typed by hand."""
        return self.matcher.offers_for_profile(self.profile_from_query(query), top_k)

    def profile_from_query(self, query: SeekerQuery) -> Profile:
        """A transient profile holding a typed search; the commune is resolved to its point."""
        place = None
        if query.commune:
            commune = self.gazetteer.commune(query.commune)
            if commune is None:
                raise ValueError(f"unknown commune {query.commune!r} (expected an INSEE code)")
            place = Place(label=commune.name, commune=commune.code, point=commune.point)
        return Profile(id=FREE_TEXT_PROFILE_ID, titles=list(query.titles),
                       skills=list(query.skills), summary=query.text, place=place,
                       radius_km=query.radius_km, contract_types=list(query.contract_types))

    def preview_tags(self, profile: Profile, add: Sequence[SkillTag], remove: Sequence[str],
                     top_k: int = 20) -> TagPreview:
        """What a counsellor's tag edit would change in the seeker's top offers."""
        after_profile = skills_with(profile, add, remove)
        before = self.offers_for_profile(profile, top_k)
        after = self.offers_for_profile(after_profile, top_k)
        before_ids, after_ids = [m.id for m in before], [m.id for m in after]
        return TagPreview(before, after,
                          entered=[i for i in after_ids if i not in set(before_ids)],
                          left=[i for i in before_ids if i not in set(after_ids)],
                          profile_after=after_profile)

    def normalise_title(self, text: str, limit: int = 5) -> list[OccupationMatch]:
        """ROME occupations for a free-text job title, each with a confidence in [0, 1]."""
        return self.normaliser.normalise(text, limit)

    @staticmethod
    def distance_km(a: Place | None, b: Place | None) -> float | None:
        """Distance between two places when both have a point."""
        if a is None or b is None or a.point is None or b.point is None:
            return None
        return round(haversine_km(a.point, b.point), 1)
