"""Reading a record's occupations: title and text → ranked ROME occupations, each with its job
title (appellation), its ESCO occupation and a confidence.

Two signals, per ROME occupation:

- **title**: the :class:`skills_taxonomy.normaliser.Normaliser` confidence of the title (five
  signals over the ROME job-title forms), the strongest evidence;
- **text**: :class:`skills_taxonomy.occupation_text.OccupationTextIndex`, BM25 of the title and
  description against each occupation's ROME document, relative to the best occupation.

The confidence is their weighted mean (:class:`OccupationReaderSettings`). A title that matches
a ROME form exactly keeps most of its confidence whatever the text says. (Votes of the skills
read from the text were tried as a third signal: on the real offers they pointed to the right
occupation first for fewer than one offer in ten and moved no ranking the right way; see
``docs/evaluation.md``.)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from skills_taxonomy.normaliser import Normaliser, OccupationMatch
from skills_taxonomy.occupation_text import OccupationTextIndex
from skills_taxonomy.taxonomy import Taxonomy

TITLE_DEPTH = 10
TEXT_DEPTH = 10


@dataclass(frozen=True, slots=True)
class OccupationReaderSettings:
    """Weights of the three signals and how many occupations are kept."""

    title_weight: float = 0.75
    text_weight: float = 0.25
    keep: int = 5
    min_confidence: float = 0.15


@dataclass(frozen=True, slots=True)
class OccupationReading:
    """An occupation a record is read into, with the evidence behind it."""

    rome_code: str
    label: str
    confidence: float
    appellation_code: str | None = None
    appellation_label: str | None = None
    esco_uri: str | None = None
    esco_label: str | None = None
    title: float = 0.0
    text: float = 0.0


class OccupationReader:
    """Rank ROME occupations for a record's title and text (module doc)."""

    def __init__(self, taxonomy: Taxonomy, normaliser: Normaliser,
                 settings: OccupationReaderSettings | None = None) -> None:
        self.taxonomy = taxonomy
        self.normaliser = normaliser
        self.settings = settings or OccupationReaderSettings()
        self._text_index: OccupationTextIndex | None = None
        self._esco_of = _esco_by_appellation(taxonomy) if normaliser.use_crosswalk else {}

    def prepare(self) -> None:
        """Build the occupation documents (and the normaliser) before the first reading."""
        self.normaliser.prepare()
        self._texts()

    def text_index(self) -> OccupationTextIndex:
        """The occupation documents' BM25 index (built on first use), for the reader cache."""
        return self._texts()

    def restore(self, text_index: OccupationTextIndex) -> None:
        """Adopt occupation documents indexed earlier from the same taxonomy."""
        self._text_index = text_index

    def _texts(self) -> OccupationTextIndex:
        if self._text_index is None:
            self._text_index = OccupationTextIndex(self.taxonomy)
        return self._text_index

    def prefetch(self, titles: Iterable[str]) -> None:
        """Ask the normaliser to find the closest forms of many titles at once
        (:meth:`Normaliser.prefetch`), before reading the records that carry them."""
        self.normaliser.prefetch(titles, TITLE_DEPTH)

    def read(self, titles: Sequence[str], text: str = "") -> list[OccupationReading]:
        """The occupations of a record with these titles and this text, best first (at most
        ``settings.keep``, confidence ≥ ``settings.min_confidence``)."""
        title_matches = self._title_matches(titles)
        title = {code: m.confidence for code, m in title_matches.items()}
        text_scores = self._texts().scores(" ".join([*titles, text]), TEXT_DEPTH) \
            if text.strip() else {}
        s = self.settings
        weights = (s.title_weight if titles else 0.0, s.text_weight if text_scores else 0.0)
        total = sum(weights)
        if total <= 0:
            return []
        readings = []
        for code in set(title) | set(text_scores):
            parts = (title.get(code, 0.0), text_scores.get(code, 0.0))
            confidence = sum(w * p for w, p in zip(weights, parts, strict=True)) / total
            match = title_matches.get(code)
            if match is not None and match.fuzzy >= 1.0:
                # An exact ROME form: the title decides unless the text disagrees.
                confidence = max(confidence, parts[0] * (0.7 + 0.3 * parts[1]))
            if confidence >= s.min_confidence:
                readings.append(self._reading(code, round(min(confidence, 1.0), 4), match,
                                              parts))
        readings.sort(key=lambda r: (-r.confidence, -r.title, r.rome_code))
        return readings[:s.keep]

    def _title_matches(self, titles: Sequence[str]) -> dict[str, OccupationMatch]:
        best: dict[str, OccupationMatch] = {}
        for title in titles:
            for match in self.normaliser.normalise(title, TITLE_DEPTH):
                known = best.get(match.rome_code)
                if known is None or match.confidence > known.confidence:
                    best[match.rome_code] = match
        return best

    def _reading(self, code: str, confidence: float, match: OccupationMatch | None,
                 parts: tuple[float, float]) -> OccupationReading:
        appellation = (self.taxonomy.appellations.get(match.appellation_code)
                       if match is not None and match.appellation_code else None)
        esco = self._esco_of.get(appellation.code) if appellation is not None else None
        esco_concept = self.taxonomy.esco_occupations.get(esco) if esco else None
        return OccupationReading(
            code, self.taxonomy.occupations[code].label, confidence,
            appellation.code if appellation else None,
            appellation.label if appellation else None,
            esco, esco_concept.preferred_label if esco_concept else None,
            round(parts[0], 4), round(parts[1], 4))


def _esco_by_appellation(taxonomy: Taxonomy) -> dict[str, str]:
    """ROME job title code → the ESCO occupation the crosswalk maps to it (exact matches
    first, then close ones; the first URI in order)."""
    ranked: dict[str, tuple[int, str]] = {}
    order = {"skos:exactMatch": 0, "skos:closeMatch": 1}
    for row in sorted(taxonomy.crosswalk, key=lambda r: (r.appellation_code, r.esco_uri)):
        rank = order.get(row.relation)
        if rank is None:
            continue
        current = ranked.get(row.appellation_code)
        if current is None or rank < current[0]:
            ranked[row.appellation_code] = (rank, row.esco_uri)
    return {code: uri for code, (_, uri) in ranked.items()}
