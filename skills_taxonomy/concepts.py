"""The concept reader: one reader turns a record's text into ROME / ESCO concepts, the same on
both sides of matching (offers and profiles at indexing, seekers' queries at search time).

``read(titles, text)`` returns the record's occupations (ranked, with job title, ESCO occupation
and confidence; :mod:`skills_taxonomy.occupation_reader`), then the skills read from its text
(with passage, confidence and stated requirement; :mod:`skills_taxonomy.skill_reader`), with
the ROME links of those occupations as the skills' prior.

The reader has no index and no ranking: it only knows the taxonomy, and an encoder through the
small :class:`skills_taxonomy.vectors.TextEncoder` protocol. Given a cache folder, it keeps its
built state there (:mod:`skills_taxonomy.reader_cache`) and a new process starts from it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from skills_taxonomy.gender import neutraliser_for
from skills_taxonomy.normaliser import Normaliser, NormaliserWeights
from skills_taxonomy.occupation_reader import (
    OccupationReader,
    OccupationReaderSettings,
    OccupationReading,
)
from skills_taxonomy.reader_cache import ReaderState, load_state, state_key, store_state
from skills_taxonomy.skill_reader import SkillReader, SkillReaderSettings, SkillReading
from skills_taxonomy.taxonomy import Taxonomy
from skills_taxonomy.vectors import TextEncoder

log = logging.getLogger(__name__)

READER_VERSION = "3"
"""Changes whenever the same text may be read into other concepts (recorded in manifests)."""


@dataclass(frozen=True, slots=True)
class ConceptReading:
    """What a record's text says in the taxonomy's terms."""

    occupations: tuple[OccupationReading, ...]
    skills: tuple[SkillReading, ...]


class ConceptReader:
    """Read titles and free text into ROME occupations and skills (module doc)."""

    def __init__(self, taxonomy: Taxonomy, encoder: TextEncoder | None = None, *,
                 use_crosswalk: bool = True,
                 occupation_settings: OccupationReaderSettings | None = None,
                 skill_settings: SkillReaderSettings | None = None,
                 cache_dir: Path | None = None) -> None:
        """``use_crosswalk`` lets the title normaliser use the ESCO labels the official
        ESCO ↔ ROME crosswalk maps to ROME job titles (off to evaluate against it);
        ``cache_dir`` is where the built state is kept (module doc), None to build it in
        every process."""
        self.taxonomy = taxonomy
        self.encoder = encoder
        self.cache_dir = cache_dir
        occupation_settings = occupation_settings or OccupationReaderSettings()
        skill_settings = skill_settings or SkillReaderSettings()
        weights = NormaliserWeights()
        key = state_key(taxonomy.checksum, _version(encoder, use_crosswalk),
                        repr((occupation_settings, skill_settings, weights)))
        started = time.monotonic()
        state = load_state(cache_dir, key) if cache_dir is not None else None
        if state is not None:  # before the normaliser asks for the spelling table
            neutraliser_for(taxonomy, state.spelling)
        self.normaliser = Normaliser(taxonomy, encoder, weights=weights,
                                     use_crosswalk=use_crosswalk)
        self.skill_reader = SkillReader(taxonomy, encoder, skill_settings)
        self.occupation_reader = OccupationReader(taxonomy, self.normaliser, occupation_settings)
        self.state_key = key
        """What the built state depends on (:func:`skills_taxonomy.reader_cache.state_key`)."""
        self.restored = state is not None
        """True when the built state was read from ``cache_dir`` (nothing left to build)."""
        self._ready = self.restored
        if state is not None:
            self._adopt(state)
            log.info("concept reader state read from %s in %.2f s", cache_dir,
                     time.monotonic() - started)

    @property
    def version(self) -> str:
        """What identifies this reader's output: reader version, encoder, crosswalk switch."""
        return _version(self.encoder, self.normaliser.use_crosswalk)

    def prepare(self) -> None:
        """Build and encode everything a first reading needs (title forms, item labels,
        occupation documents), logging progress; with a cache folder, keep the result there
        for the next process. Nothing to do once done, or when the state was read from the
        cache."""
        if self._ready:
            return
        started = time.monotonic()
        self.occupation_reader.prepare()
        self.skill_reader.prepare()
        log.info("concept reader ready in %.1f s", time.monotonic() - started)
        if self.cache_dir is not None:
            store_state(self.cache_dir, self.state())
        self._ready = True

    def state(self) -> ReaderState:
        """The built state (building what is missing first)."""
        return ReaderState(self.state_key, neutraliser_for(self.taxonomy).spelling,
                           self.normaliser.state(), self.skill_reader.state(),
                           self.occupation_reader.text_index())

    def _adopt(self, state: ReaderState) -> None:
        self.normaliser.restore(state.normaliser)
        self.skill_reader.restore(state.skills)
        self.occupation_reader.restore(state.occupation_texts)

    def prepare_batch(self, titles: Sequence[str], texts: Sequence[str]) -> None:
        """Encode what reading these records will need, in batches (titles and passages):
        with a caching encoder, the readings that follow make no model call of their own."""
        if self.encoder is None:
            return
        self.normaliser.encode_titles(titles)
        self.skill_reader.encode_passages(texts)

    def prefetch(self, titles: Sequence[str]) -> None:
        """Prepare reading many records with these titles at once (the closest title forms of
        the titles not yet read, in one product): the readings are the same, only cheaper."""
        self.occupation_reader.prefetch(titles)

    def read(self, titles: Sequence[str], text: str = "") -> ConceptReading:
        """The occupations and skills of a record with these titles and this text."""
        titles = [t for t in titles if t and t.strip()]
        occupations = self.occupation_reader.read(titles, text)
        if not text.strip():
            return ConceptReading(tuple(occupations), ())
        prior = {o.rome_code: o.confidence for o in occupations}
        return ConceptReading(tuple(occupations), tuple(self.skill_reader.read(text, prior)))


def _version(encoder: TextEncoder | None, use_crosswalk: bool) -> str:
    name = encoder.name if encoder is not None else "-"
    return f"{READER_VERSION}/{name}/{'crosswalk' if use_crosswalk else 'no-crosswalk'}"
