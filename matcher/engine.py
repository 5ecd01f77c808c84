"""The engine: taxonomy, communes, encoder, index and matcher, opened once and shared.

The web app and the CLI talk to this facade only: reads (rankings, previews) and the web
app's index writes (:meth:`Engine.write_profiles`, :meth:`Engine.apply_tags`,
:meth:`Engine.erase_profiles`), which go through :class:`indexer.catalog.IndexWriter` here and
nowhere else.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from indexer.catalog import (
    IndexBusyError,
    IndexWriter,
    SearchIndex,
    embedding_cache_path,
    live_generation,
)
from indexer.collection import Collection
from indexer.distance import haversine_km
from indexer.encoders import Encoder, create_encoder
from indexer.enrich import ConceptEnricher, concept_reader
from indexer.geo import Gazetteer
from indexer.models import Offer, Place, Profile, SkillTag
from indexer.settings import Settings
from matcher.list_diagnosis import ListDiagnosis, diagnose
from matcher.matcher import Matcher, skills_with
from matcher.queries import profile_index_text, seeker_targets
from matcher.related_skills import SkillNeighbours
from matcher.results import Match
from skills_taxonomy import Taxonomy, load_taxonomy
from skills_taxonomy.concepts import ConceptReader
from skills_taxonomy.normaliser import OccupationMatch

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

    def __init__(self, settings: Settings, taxonomy: Taxonomy,
                 gazetteer: Gazetteer | Callable[[], Gazetteer], encoder: Encoder,
                 index: SearchIndex) -> None:
        """``gazetteer`` may be a function that loads it: it is then loaded on first use
        (a search without a commune never needs it)."""
        self.settings = settings
        self.taxonomy = taxonomy
        self._gazetteer = gazetteer
        self._gazetteer_lock = threading.Lock()
        self.encoder = encoder
        self._reload_lock = threading.Lock()
        self._write_lock = threading.Lock()
        self.reader: ConceptReader = concept_reader(settings, taxonomy, encoder)
        self.enricher: ConceptEnricher | None = (
            ConceptEnricher(self.reader, settings.concepts) if settings.concepts.enabled
            else None)
        self.normaliser = self.reader.normaliser
        # one set of skill-label vectors for every generation's matcher: a reload (a
        # counsellor's edit) keeps what was encoded or warmed up
        self.skill_neighbours = SkillNeighbours(
            encoder, settings.matching.related_skill_similarity,
            embedding_cache_path(index.directory))
        self._state = self._state_for(index)
        if index.manifest.concept_reader not in (None, self.concept_version):
            log.warning("the index was read into concepts by %s, queries are read by %s: "
                        "rebuild it (emploi index --rebuild) for consistent matching",
                        index.manifest.concept_reader, self.concept_version)
        recorded, used = index.manifest.ranking_model, self.matcher.model.version
        if recorded not in (None, used):
            log.warning("the index was written with ranking model %s, the settings select %s "
                        "(EMPLOI_MATCHING__RANKING_MODEL): levels and floors follow %s",
                        recorded, used, used)

    @property
    def gazetteer(self) -> Gazetteer:
        """The communes (loaded on first use when the engine was given a loader)."""
        with self._gazetteer_lock:
            if not isinstance(self._gazetteer, Gazetteer):
                self._gazetteer = self._gazetteer()
            return self._gazetteer

    @property
    def concept_version(self) -> str | None:
        """What reads queries into concepts (None when concept reading is off)."""
        return self.enricher.version if self.enricher is not None else None

    def prepare(self) -> None:
        """Build everything the first request needs (title-form and label vectors, the
        occupation documents), so the first search answers as fast as the next ones."""
        self.reader.prepare()

    def prepare_skill_vectors(self) -> int:
        """Encode the taxonomy's skill labels ahead, where the encoder is faster than a cache
        (:meth:`SkillNeighbours.prepare_taxonomy`); a server's warm-up calls it. Returns how
        many were encoded."""
        return self.skill_neighbours.prepare_taxonomy(self.taxonomy)

    def _state_for(self, index: SearchIndex) -> tuple[SearchIndex, Matcher]:
        return index, Matcher(index.offers, index.profiles, self.taxonomy, self.encoder,
                              self.settings.matching, self.normaliser,
                              skill_neighbours=self.skill_neighbours)

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
        _prepare_reads_in_background(state[0])
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
        encoder = create_encoder(settings)
        index = SearchIndex.open(settings.index_dir, settings, encoder)
        return cls(settings, taxonomy,
                   lambda: Gazetteer.load(settings.geo_dir, cache_dir=settings.cache_dir),
                   encoder, index)

    @property
    def offers(self) -> Collection[Offer]:
        """The indexed offers."""
        return self.index.offers

    @property
    def profiles(self) -> Collection[Profile]:
        """The indexed seeker profiles."""
        return self.index.profiles

    def offers_for_profile(self, profile: Profile, top_k: int = 10,
                           widen: bool = False, include_weak: bool = False) -> list[Match]:
        """Ranked offers for a seeker: the matches among the ``top_k`` best (a result below
        the ranking model's floor is not a match; ``include_weak`` keeps it, level None)."""
        return _matches(self.matcher.offers_for_profile(profile, top_k, widen_search=widen),
                        include_weak)

    def candidates_for_offer(self, offer: Offer, top_k: int = 10,
                             include_weak: bool = False) -> list[Match]:
        """Ranked seekers for an offer (the matches among the ``top_k`` best)."""
        return _matches(self.matcher.candidates_for_offer(offer, top_k), include_weak)

    def search_offers(self, query: SeekerQuery, top_k: int = 10,
                      include_weak: bool = False) -> list[Match]:
        """Ranked offers for a search typed by hand (the matches among the ``top_k`` best)."""
        return self.offers_for_profile(self.profile_from_query(query), top_k,
                                       include_weak=include_weak)

    def diagnose_list(self, profile: Profile, shown: int, shown_ids: Sequence[str] = ()
                      ) -> ListDiagnosis:
        """Why a seeker's list of ``shown`` matches is thin (or empty), and the widenings
        (radius, related occupations) that would add offers, with counts (of offers not
        among ``shown_ids``, the list's, when given)."""
        targets = seeker_targets(profile, self.taxonomy, self.normaliser,
                                 self.settings.matching)
        return diagnose(self.offers, profile, targets, self.taxonomy, shown,
                        self.settings.matching.default_radius_km, shown_ids)

    def profile_from_query(self, query: SeekerQuery) -> Profile:
        """A transient profile holding a typed search; the commune is resolved to its point."""
        place = None
        if query.commune:
            commune = self.gazetteer.commune(query.commune)
            if commune is None:
                raise ValueError(f"unknown commune {query.commune!r} (expected an INSEE code)")
            place = Place(label=commune.name, commune=commune.code, point=commune.point)
        profile = Profile(id=FREE_TEXT_PROFILE_ID, titles=list(query.titles),
                          skills=list(query.skills), summary=query.text, place=place,
                          radius_km=query.radius_km, contract_types=list(query.contract_types))
        return self.read_concepts(profile)

    def read_concepts(self, profile: Profile) -> Profile:
        """A profile not read at indexing (a typed search) read into concepts, as stored
        profiles are."""
        return profile if self.enricher is None else self.enricher.profile(profile)

    def preview_tags(self, profile: Profile, add: Sequence[SkillTag], remove: Sequence[str],
                     top_k: int = 20) -> TagPreview:
        """What adding and removing skill tags would change in the seeker's top offers."""
        return self.preview_change(profile, skills_with(profile, add, remove), top_k)

    def preview_change(self, profile: Profile, after: Profile, top_k: int = 20) -> TagPreview:
        """What replacing ``profile`` by ``after`` (a counsellor's edit: tags, weights,
        occupations, rejected read skills) would change in the seeker's top offers; nothing is
        written. ``after`` is read into concepts again, as saving it would, so an occupation
        added or removed counts in the preview as it will once saved."""
        before = self.offers_for_profile(profile, top_k)
        after = self.read_concepts(after)
        after_matches = self.offers_for_profile(after, top_k)
        before_ids, after_ids = [m.id for m in before], [m.id for m in after_matches]
        return TagPreview(before, after_matches,
                          entered=[i for i in after_ids if i not in set(before_ids)],
                          left=[i for i in before_ids if i not in set(after_ids)],
                          profile_after=after)

    # --- writes -------------------------------------------------------------------------------

    def write_profiles(self, upserts: Sequence[Profile] = (), deletes: Sequence[str] = (), *,
                       purge: bool = False, earlier_versions: Sequence[Profile] = (),
                       lock_wait_s: float = 0.0,
                       before_publish: Callable[[], None] | None = None) -> bool:
        """Apply profile upserts and deletes to the index in one new generation, then reload.

        ``purge`` removes the deleted profiles' data from every file (an erasure, see
        :meth:`IndexWriter.purge_profiles`; ``earlier_versions`` of them lose their cached
        vectors too). ``before_publish`` runs when the generation is
        ready and not yet live; when it raises, nothing changes. Writers of this process take
        turns; another process's writer is waited for up to ``lock_wait_s`` seconds, then
        :class:`~indexer.catalog.IndexBusyError` (nothing changed). Return False when there
        was nothing to write (``before_publish`` still runs).
        """
        if not upserts and not deletes:
            if before_publish is not None:
                before_publish()
            return False
        started = time.monotonic()
        if not self._write_lock.acquire(timeout=lock_wait_s if lock_wait_s > 0 else -1):
            raise IndexBusyError(self.index.directory, time.monotonic() - started)
        try:
            remaining = max(lock_wait_s - (time.monotonic() - started), 0.0)
            with IndexWriter(self.index.directory, self.settings, self.encoder,
                             profile_text=profile_index_text(self.taxonomy),
                             lock_wait_s=remaining, enricher=self.enricher,
                             ranking_model=self.matcher.model.version) as writer:
                if upserts:
                    writer.upsert_profiles(list(upserts))
                if deletes and purge:
                    writer.purge_profiles(deletes, earlier_versions)
                elif deletes:
                    writer.delete_profiles(deletes)
                writer.commit(before_publish)
        finally:
            self._write_lock.release()
        self.reload()
        return True

    def apply_tags(self, profile: Profile, skills: Sequence[SkillTag], rome_codes: Sequence[str],
                   rejected: Sequence[str] = (), *, lock_wait_s: float = 0.0,
                   before_publish: Callable[[], None] | None = None) -> Profile:
        """Write ``profile`` with new skill tags, target occupations and rejected read skills
        (a counsellor's edit) into the index, where it is read again; return it."""
        updated = with_tags(profile, skills, rome_codes, rejected)
        self.write_profiles(upserts=[updated], lock_wait_s=lock_wait_s,
                            before_publish=before_publish)
        return updated

    def erase_profiles(self, ids: Sequence[str], *, earlier_versions: Sequence[Profile] = (),
                       lock_wait_s: float = 0.0,
                       before_publish: Callable[[], None] | None = None) -> None:
        """Remove profiles and every copy of their data from the index (records, keyword
        store, vectors, cached embeddings of them and of their ``earlier_versions``, older
        generations) before returning."""
        self.write_profiles(deletes=ids, purge=True, earlier_versions=earlier_versions,
                            lock_wait_s=lock_wait_s, before_publish=before_publish)

    def normalise_title(self, text: str, limit: int = 5) -> list[OccupationMatch]:
        """ROME occupations for a free-text job title, each with a confidence in [0, 1]."""
        return self.normaliser.normalise(text, limit)

    @staticmethod
    def distance_km(a: Place | None, b: Place | None) -> float | None:
        """Distance between two places when both have a point."""
        if a is None or b is None or a.point is None or b.point is None:
            return None
        return round(haversine_km(a.point, b.point), 1)


def with_tags(profile: Profile, skills: Sequence[SkillTag], rome_codes: Sequence[str],
              rejected: Sequence[str] = ()) -> Profile:
    """``profile`` carrying ``skills``, ``rome_codes`` and the ``rejected`` read skills
    instead of its own (what it read from its summary stays, minus the rejected ones, until
    indexing reads it again)."""
    return profile.model_copy(update={"skills": list(skills), "rome_codes": list(rome_codes),
                                      "rejected_skills": list(rejected)})


def _matches(ranked: list[Match], include_weak: bool) -> list[Match]:
    """The results that are matches (a level), or all of them with ``include_weak``."""
    return ranked if include_weak else [m for m in ranked if m.level is not None]


def _prepare_reads_in_background(index: SearchIndex) -> threading.Thread:
    """Build a reloaded generation's read structures (:meth:`Collection.prepare_reads`: the
    filter tables' postings, the keyword stores' ids by key, FAISS's direct map) in a
    background thread, as a server's warm-up does at start: searches answer meanwhile, with
    the same results, slower only until it ends (1M offers and 100k profiles: ≈ 6 s)."""
    def prepare() -> None:
        try:
            for collection in (index.offers, index.profiles):
                collection.prepare_reads()
        except Exception:  # the generation was closed or removed meanwhile
            log.warning("generation %s: reads not prepared ahead", index.generation.name,
                        exc_info=True)

    thread = threading.Thread(target=prepare, daemon=True, name="generation-warm-up")
    thread.start()
    return thread
