"""Fuzzy, accent- and gender-insensitive label search over the taxonomy's concepts."""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from rapidfuzz import fuzz, process

from skills_taxonomy.model import LabelMatch
from skills_taxonomy.pickling import pickled_by_fields
from skills_taxonomy.text import fold
from skills_taxonomy.trigrams import TrigramIndex

STOP_WORDS = frozenset(
    {"a", "au", "aux", "d", "de", "des", "du", "en", "et", "l", "la", "le", "les"}
)
KIND_ORDER = ("appellation", "occupation", "item", "esco_occupation", "esco_skill")
DEFAULT_KINDS = ("occupation", "appellation", "item")
TITLE_KINDS = ("appellation", "occupation")
_OVERFETCH = 3
_SHORTLIST = 200
_SHORTLIST_CUTOFF = 40
"""Keys sharing less than this (token-set ratio, 0–100) are not worth rescoring: skipping them
lets rapidfuzz prune most of the keys at once."""
_TRIGRAM_OVERFETCH = 2
"""The token-set ratio scores this many times the shortlist's size, taken by shared trigrams
(:mod:`skills_taxonomy.trigrams`), instead of every key of a kind that holds more."""


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class LabelEntry:
    """A searchable concept: its kind, code, canonical label and ROME code."""

    kind: str
    code: str
    label: str
    rome_code: str | None


@dataclass(slots=True)
class _Part:
    """The unique keys of one kind, each with the concepts that carry it."""

    keys: list[str] = field(default_factory=list)
    entries: list[list[LabelEntry]] = field(default_factory=list)
    positions: dict[str, int] = field(default_factory=dict)
    trigrams: TrigramIndex | None = None
    """The keys by trigram, built on the first search after a key was added."""

    def add(self, key: str, entry: LabelEntry) -> None:
        position = self.positions.get(key)
        if position is None:
            self.positions[key] = len(self.keys)
            self.keys.append(key)
            self.entries.append([entry])
            self.trigrams = None
        elif entry not in self.entries[position]:
            self.entries[position].append(entry)

    def trigram_index(self) -> TrigramIndex:
        """The keys by trigram (built on first use after a key was added)."""
        if self.trigrams is None:
            self.trigrams = TrigramIndex(self.keys)
        return self.trigrams

    def candidates(self, key: str, size: int) -> Sequence[int]:
        """The positions of the keys worth scoring against ``key``: every key when the part
        holds at most ``size``, else the ``size`` sharing most trigrams with it."""
        if len(self.keys) <= size:
            return range(len(self.keys))
        positions: list[int] = self.trigram_index().shortlist(key, size).tolist()
        return positions


_KIND_RANK = {kind: rank for rank, kind in enumerate(KIND_ORDER)}


def _rank_key(scored: tuple[float, LabelEntry]) -> tuple[float, int, int, str]:
    score, entry = scored
    return (-score, _KIND_RANK.get(entry.kind, len(KIND_ORDER)), len(entry.label), entry.code)


class LabelIndex:
    """Labels of every concept, searchable by exact key then by ``fuzz.WRatio``.

    A kind with more keys than a search scores is shortlisted first by shared character
    trigrams (:mod:`skills_taxonomy.trigrams`): ≈ 4× less time on the 22,500 job-title keys
    of concept reading, where scoring every key was most of a reading's time."""

    def __init__(self, table: Mapping[str, str] | None = None) -> None:
        """Create an empty index that folds text with the feminine → masculine ``table``."""
        self._table: dict[str, str] = dict(table or {})
        self._parts: dict[str, _Part] = {}

    def key(self, text: str) -> str:
        """Return the search key of ``text``: folded, without French stop words."""
        folded = fold(text, self._table)
        kept = [word for word in folded.split() if word not in STOP_WORDS]
        return " ".join(kept) if kept else folded

    def add(self, entry: LabelEntry, texts: Iterable[str]) -> None:
        """Make ``entry`` findable by each of ``texts`` (its label forms)."""
        part = self._parts.setdefault(entry.kind, _Part())
        for text in texts:
            key = self.key(text)
            if key:
                part.add(key, entry)

    def prepare(self) -> None:
        """Build what the first search of each kind would build (its trigram index), so that
        a pickled index carries it."""
        for part in self._parts.values():
            part.trigram_index()

    @property
    def kinds(self) -> tuple[str, ...]:
        """The kinds of concepts this index holds."""
        return tuple(self._parts)

    def __len__(self) -> int:
        """Number of distinct (kind, key) pairs."""
        return sum(len(part.keys) for part in self._parts.values())

    def _scored(self, part: _Part, key: str, limit: int) -> dict[int, float]:
        """Exact key first, then the keys sharing most trigrams with it, shortlisted by
        ``token_set_ratio`` and rescored by ``WRatio``."""
        scores: dict[int, float] = {}
        exact = part.positions.get(key)
        if exact is not None:
            scores[exact] = 1.0
        size = max(_SHORTLIST, limit * _OVERFETCH)
        candidates = part.candidates(key, size * _TRIGRAM_OVERFETCH)
        found = process.extract(key, [part.keys[position] for position in candidates],
                                scorer=fuzz.token_set_ratio, processor=None, limit=size,
                                score_cutoff=_SHORTLIST_CUTOFF)
        shortlist = [(choice, score, candidates[index]) for choice, score, index in found]
        if not shortlist:
            # A word being typed ("consei") shares little with every long label of a small
            # part: when no key passes the cutoff, rescore the best ones anyway (WRatio's
            # partial matching finds "Conseiller un client…").
            shortlist = process.extract(key, part.keys, scorer=fuzz.token_set_ratio,
                                        processor=None, limit=size)
        # one C++ call for the shortlist (float64: the scores fuzz.WRatio returns one by one)
        wratio = process.cdist([key], [choice for choice, _, _ in shortlist],
                               scorer=fuzz.WRatio, processor=None, dtype=np.float64)[0]
        rescored = sorted(zip(wratio.tolist(), (position for _, _, position in shortlist),
                              strict=True), reverse=True)
        for score, position in rescored[: limit * _OVERFETCH]:
            scores.setdefault(position, min(score / 100.0, 0.99))
        return scores

    def search(
        self, text: str, kinds: Sequence[str] = DEFAULT_KINDS, limit: int = 10
    ) -> list[LabelMatch]:
        """Return up to ``limit`` concepts of the given kinds, best first, one per concept.

        An exact key match scores 1.0; fuzzy matches score ``WRatio / 100`` capped at 0.99.
        """
        key = self.key(text)
        if not key or limit <= 0:
            return []
        best: dict[tuple[str, str], tuple[float, LabelEntry]] = {}
        for kind in kinds:
            part = self._parts.get(kind)
            if part is None:
                continue
            for position, score in self._scored(part, key, limit).items():
                for entry in part.entries[position]:
                    previous = best.get((entry.kind, entry.code))
                    if previous is None or previous[0] < score:
                        best[(entry.kind, entry.code)] = (score, entry)
        ranked = heapq.nsmallest(limit, best.values(), key=_rank_key)
        return [LabelMatch(entry.kind, entry.code, entry.label, entry.rome_code, score)
                for score, entry in ranked]

    def normalise_title(self, text: str, limit: int = 5) -> list[LabelMatch]:
        """Rank appellations and occupations for a free-text job title, one per concept.

        An occupation whose label repeats an appellation already ranked (the occupation's
        main title) is dropped.
        """
        seen: set[tuple[str | None, str]] = set()
        results: list[LabelMatch] = []
        for match in self.search(text, TITLE_KINDS, limit * 2):
            concept = (match.rome_code, self.key(match.label))
            if concept in seen:
                continue
            seen.add(concept)
            results.append(match)
        return results[:limit]
