"""Reading records into concepts at indexing: every offer and profile gets its ranked ROME
occupations and the skills read from its text, marked as inferred, before it is stored.

A ROME code the record carries is kept and is its occupation (confidence 1, not inferred): a
code given by the employment service is more reliable than any reading of the text, so the
occupations read from the text are then only compared with it, and a disagreement (the best
reading lies outside the given code's family, with a high confidence) is recorded. A record
without a code gets the occupations read from its title and text: the best one, and those
close to it (``relative_occupation_confidence``), marked as inferred. Skills read
from the description (offers) or the summary (profiles) are added as inferred tags, except
those the record already lists; a counsellor's rejections are never read again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Protocol, TypeVar

from indexer.encoders import CachedEncoder, Encoder, cached_unless_faster
from indexer.models import Concepts, OccupationTag, Offer, Profile, Requirement, SkillTag
from indexer.settings import ConceptSettings, Settings
from skills_taxonomy import Taxonomy
from skills_taxonomy.concepts import ConceptReader, ConceptReading
from skills_taxonomy.gender import neutraliser_for
from skills_taxonomy.occupation_reader import OccupationReading
from skills_taxonomy.segments import StatedRequirement
from skills_taxonomy.skill_reader import SkillReading

log = logging.getLogger(__name__)

RecordT = TypeVar("RecordT", Offer, Profile)
PROGRESS_EVERY_S = 10.0
READ_BATCH = 64
"""Records read together: their titles' closest forms are found in one matrix product
(:meth:`skills_taxonomy.concepts.ConceptReader.prefetch`)."""
EXTRACTED_SOURCE = "texte"
_REQUIREMENTS = {StatedRequirement.REQUIRED: Requirement.REQUIRED,
                 StatedRequirement.WISHED: Requirement.WISHED,
                 StatedRequirement.TRAINABLE: Requirement.TRAINABLE}


class RecordEnricher(Protocol):
    """What an index writer asks of an enricher."""

    @property
    def version(self) -> str:
        """Identifies what the enricher reads (recorded in the manifest)."""
        ...

    def offers(self, offers: Sequence[Offer]) -> list[Offer]:
        """The offers with their concepts."""
        ...

    def profiles(self, profiles: Sequence[Profile]) -> list[Profile]:
        """The profiles with their concepts."""
        ...


def concept_reader(settings: Settings, taxonomy: Taxonomy, encoder: Encoder | None
                   ) -> ConceptReader:
    """The concept reader the settings describe: with the encoder (its label and passage
    vectors cached in the settings' cache folder, unless the encoder computes them faster
    than the cache finds them) unless ``concepts.vectors`` is off, with the
    ESCO ↔ ROME crosswalk unless ``concepts.crosswalk`` is off."""
    concepts = settings.concepts
    text_encoder = (cached_unless_faster(encoder, settings.cache_dir)
                    if encoder is not None and concepts.vectors else None)
    return ConceptReader(taxonomy, text_encoder, use_crosswalk=concepts.crosswalk,
                         cache_dir=settings.cache_dir)


def concept_enricher(settings: Settings, taxonomy: Taxonomy, encoder: Encoder | None
                     ) -> ConceptEnricher | None:
    """The enricher of :func:`concept_reader`, or None when ``concepts.enabled`` is off."""
    if not settings.concepts.enabled:
        return None
    return ConceptEnricher(concept_reader(settings, taxonomy, encoder), settings.concepts)


class ConceptEnricher:
    """Reads offers and profiles into concepts with a :class:`ConceptReader` (module doc)."""

    def __init__(self, reader: ConceptReader, settings: ConceptSettings | None = None) -> None:
        self.reader = reader
        self.settings = settings or ConceptSettings()
        self._neutral = neutraliser_for(reader.taxonomy).neutral

    @property
    def taxonomy(self) -> Taxonomy:
        """The reader's taxonomy."""
        return self.reader.taxonomy

    @property
    def version(self) -> str:
        """The reader's version (reader, encoder, crosswalk switch)."""
        return self.reader.version

    def offers(self, offers: Sequence[Offer]) -> list[Offer]:
        """Each offer with its concepts (texts encoded in batches, progress logged)."""
        self.prepare_offers(offers)
        return list(_with_progress("offers", offers, self.read_offers))

    def profiles(self, profiles: Sequence[Profile]) -> list[Profile]:
        """Each profile with its concepts (texts encoded in batches, progress logged)."""
        self.prepare_profiles(profiles)
        return list(_with_progress("profiles", profiles, self.read_profiles))

    def prepare_offers(self, offers: Sequence[Offer]) -> None:
        """Build the reader (or read its kept state) and, when its encoder has a cache,
        encode what reading these offers needs into it, in batches."""
        self.reader.prepare()
        if self._fills_cache:
            self.reader.prepare_batch([o.title for o in offers],
                                      [o.description for o in offers])

    def prepare_profiles(self, profiles: Sequence[Profile]) -> None:
        """Build the reader (or read its kept state) and, when its encoder has a cache,
        encode what reading these profiles needs into it, in batches."""
        self.reader.prepare()
        if self._fills_cache:
            self.reader.prepare_batch([self._neutral(t) for p in profiles for t in p.titles],
                                      [self._neutral(p.summary) for p in profiles])

    @property
    def _fills_cache(self) -> bool:
        """Whether encoding ahead pays: only into a cache that the readings (here or in the
        pool's workers) look up; an encoder faster than the cache encodes as it reads."""
        return isinstance(self.reader.encoder, CachedEncoder)

    def read_offers(self, offers: Sequence[Offer]) -> list[Offer]:
        """Each offer as :meth:`offer` reads it, the titles prepared together first (a batch
        of a few dozen: their closest title forms are found in one product)."""
        self.reader.prefetch([o.title for o in offers])
        return [self.offer(offer) for offer in offers]

    def read_profiles(self, profiles: Sequence[Profile]) -> list[Profile]:
        """Each profile as :meth:`profile` reads it, the titles prepared together first."""
        self.reader.prefetch([self._neutral(t) for p in profiles for t in p.titles])
        return [self.profile(profile) for profile in profiles]

    def offer(self, offer: Offer) -> Offer:
        """The offer with its occupations (given, then read) and the skills of its text."""
        reading = self.reader.read([offer.title], offer.description)
        given = self._given([offer.rome_code] if offer.rome_code else [])
        inferred = () if given else self._inferred(reading)
        concepts = Concepts(
            occupations=(*given, *inferred),
            skills=self._skills(reading, offer.skills, ()),
            disagreement=self._disagreement(given, reading),
            reader=self.version)
        return with_concepts(offer, concepts)

    def profile(self, profile: Profile) -> Profile:
        """The profile with its target occupations (given, else read from its titles) and
        the skills of its summary (minus the ones a counsellor rejected)."""
        # A seeker's words are read gender-neutral: "vendeuse" and "vendeur" read alike.
        reading = self.reader.read([self._neutral(t) for t in profile.titles],
                                   self._neutral(profile.summary))
        given = self._given(profile.rome_codes)
        inferred = () if given else self._inferred(reading)
        concepts = Concepts(
            occupations=(*given, *inferred),
            skills=self._skills(reading, profile.skills, profile.rejected_skills),
            reader=self.version)
        return with_concepts(profile, concepts)

    def _given(self, codes: Iterable[str]) -> tuple[OccupationTag, ...]:
        occupations = self.taxonomy.occupations
        return tuple(OccupationTag(rome_code=code, label=occupations[code].label
                                   if code in occupations else code)
                     for code in dict.fromkeys(codes))

    def _inferred(self, reading: ConceptReading) -> tuple[OccupationTag, ...]:
        """The best occupation read, and those whose confidence is close to it."""
        s = self.settings
        if not reading.occupations:
            return ()
        floor = max(s.min_occupation_confidence,
                    s.relative_occupation_confidence * reading.occupations[0].confidence)
        kept = [o for o in reading.occupations if o.confidence >= floor]
        return tuple(_occupation_tag(o) for o in kept[:s.max_inferred_occupations])

    def _skills(self, reading: ConceptReading, listed: Sequence[SkillTag],
                rejected: Sequence[str]) -> tuple[SkillTag, ...]:
        known = {tag.code for tag in listed if tag.code} | {t.label.casefold() for t in listed}
        skip = known | set(rejected)
        return tuple(_skill_tag(s) for s in reading.skills
                     if s.confidence >= self.settings.min_skill_confidence
                     and s.code not in skip and s.label.casefold() not in skip)

    def _disagreement(self, given: Sequence[OccupationTag], reading: ConceptReading
                      ) -> str | None:
        """A note when the text's best occupation lies outside the given code's family."""
        if not given or not reading.occupations:
            return None
        best, code = reading.occupations[0], given[0].rome_code
        if best.rome_code == code or best.confidence < self.settings.disagreement_confidence:
            return None
        parent = self.taxonomy.parent_of
        if code in self.taxonomy.occupations and parent(best.rome_code) == parent(code):
            return None
        return (f"le titre et le texte évoquent plutôt « {best.label} » ({best.rome_code}, "
                f"{round(100 * best.confidence)} %) que le code donné {code}")


def with_concepts(record: RecordT, concepts: Concepts | None) -> RecordT:
    """``record`` with ``concepts`` set (the one field a reading changes)."""
    return record.model_copy(update={"concepts": concepts})


def _occupation_tag(reading: OccupationReading) -> OccupationTag:
    return OccupationTag(
        rome_code=reading.rome_code, label=reading.label, confidence=reading.confidence,
        inferred=True, appellation_code=reading.appellation_code,
        appellation_label=reading.appellation_label, esco_uri=reading.esco_uri,
        esco_label=reading.esco_label)


def _skill_tag(reading: SkillReading) -> SkillTag:
    stated = reading.requirement is not None
    requirement = _REQUIREMENTS[reading.requirement] if reading.requirement is not None \
        else Requirement.WISHED
    return SkillTag(code=reading.code, label=reading.label, requirement=requirement,
                    source=EXTRACTED_SOURCE, inferred=True, confidence=reading.confidence,
                    excerpt=reading.excerpt, requirement_stated=stated)


def _with_progress(kind: str, records: Sequence[RecordT],
                   read: Callable[[Sequence[RecordT]], list[RecordT]]) -> Iterator[RecordT]:
    """``read`` the records :data:`READ_BATCH` at a time, logging progress (count, rate, ETA)
    every few seconds."""
    started = last = time.monotonic()
    for start in range(0, len(records), READ_BATCH):
        yield from read(records[start:start + READ_BATCH])
        done = min(start + READ_BATCH, len(records))
        now = time.monotonic()
        if now - last >= PROGRESS_EVERY_S and done < len(records):
            last = now
            rate = done / (now - started)
            log.info("concepts: %d/%d %s read (%.1f/s, ETA %.0f s)", done, len(records), kind,
                     rate, (len(records) - done) / rate)
