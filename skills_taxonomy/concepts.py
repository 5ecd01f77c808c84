"""The concept reader: one reader turns a record's text into ROME / ESCO concepts, the same on
both sides of matching (offers and profiles at indexing, seekers' queries at search time).

``read(titles, text)`` returns the record's occupations (ranked, with job title, ESCO occupation
and confidence; :mod:`skills_taxonomy.occupation_reader`), then the skills read from its text
(with passage, confidence and stated requirement; :mod:`skills_taxonomy.skill_reader`), with
the ROME links of those occupations as the skills' prior.

The reader has no index and no ranking: it only knows the taxonomy, and an encoder through the
small :class:`skills_taxonomy.vectors.TextEncoder` protocol.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass

from skills_taxonomy.normaliser import Normaliser
from skills_taxonomy.occupation_reader import (
    OccupationReader,
    OccupationReaderSettings,
    OccupationReading,
)
from skills_taxonomy.skill_reader import SkillReader, SkillReaderSettings, SkillReading
from skills_taxonomy.taxonomy import Taxonomy
from skills_taxonomy.vectors import TextEncoder

log = logging.getLogger(__name__)

READER_VERSION = "1"
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
                 skill_settings: SkillReaderSettings | None = None) -> None:
        """``use_crosswalk`` lets the title normaliser use the ESCO labels the official
        ESCO ↔ ROME crosswalk maps to ROME job titles (off to evaluate against it)."""
        self.taxonomy = taxonomy
        self.encoder = encoder
        self.normaliser = Normaliser(taxonomy, encoder, use_crosswalk=use_crosswalk)
        self.skill_reader = SkillReader(taxonomy, encoder, skill_settings)
        self.occupation_reader = OccupationReader(taxonomy, self.normaliser, occupation_settings)

    @property
    def version(self) -> str:
        """What identifies this reader's output: reader version, encoder, crosswalk switch."""
        encoder = self.encoder.name if self.encoder is not None else "-"
        crosswalk = "crosswalk" if self.normaliser.use_crosswalk else "no-crosswalk"
        return f"{READER_VERSION}/{encoder}/{crosswalk}"

    def prepare(self) -> None:
        """Build and encode everything a first reading needs (title forms, item labels,
        occupation documents), logging progress."""
        started = time.monotonic()
        self.occupation_reader.prepare()
        self.skill_reader.prepare()
        log.info("concept reader ready in %.1f s", time.monotonic() - started)

    def prepare_batch(self, titles: Sequence[str], texts: Sequence[str]) -> None:
        """Encode what reading these records will need, in batches (titles and passages):
        with a caching encoder, the readings that follow make no model call of their own."""
        if self.encoder is None:
            return
        self.normaliser.encode_titles(titles)
        self.skill_reader.encode_passages(texts)

    def read(self, titles: Sequence[str], text: str = "") -> ConceptReading:
        """The occupations and skills of a record with these titles and this text."""
        titles = [t for t in titles if t and t.strip()]
        occupations = self.occupation_reader.read(titles, text)
        if not text.strip():
            return ConceptReading(tuple(occupations), ())
        prior = {o.rome_code: o.confidence for o in occupations}
        return ConceptReading(tuple(occupations), tuple(self.skill_reader.read(text, prior)))
