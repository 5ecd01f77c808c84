"""The two store protocols, and the values that cross them.

Every backend (embedded or remote) implements one of these protocols and passes the shared
conformance suite in ``tests/conformance/``. The embedded backends are the reference behaviour.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from indexer.distance import haversine_km
from indexer.models import GeoPoint
from indexer.utc import as_utc


@dataclass(frozen=True, slots=True)
class IndexedDoc:
    """What a store receives for one offer or profile: texts to search and fields to filter on."""

    id: str
    title: str
    text: str
    rome_codes: tuple[str, ...] = ()
    skill_codes: tuple[str, ...] = ()
    contract_types: tuple[str, ...] = ()
    location: GeoPoint | None = None
    created_at: datetime | None = None
    occupation_weights: tuple[float, ...] = ()
    """Confidence of each of ``rome_codes`` (1 for a code the record carries, the reading's
    for an inferred one); empty means 1 for all."""
    concepts: tuple[str, ...] = ()
    """Concept ids ("rome:K2111", "app:11679", "esco:http…", "skill:300282"), given and read
    from the text, matched as exact terms."""
    concept_text: str = ""
    """The concepts' canonical labels and synonyms (job titles in both genders, ESCO labels,
    skill labels read from the text): a separate, lower-weighted text field."""

    def weight_of(self, position: int) -> float:
        """The confidence of ``rome_codes[position]``."""
        return self.occupation_weights[position] if self.occupation_weights else 1.0


@dataclass(frozen=True, slots=True)
class KeywordQuery:
    """A keyword query: free ``text`` matched against titles and bodies, ``titles`` matched
    against titles with a boost, and taxonomy codes that add to the score when present.

    Text is always treated as text: no backend interprets query syntax from it.
    """

    text: str
    titles: tuple[str, ...] = ()
    rome_codes: tuple[str, ...] = ()
    skill_codes: tuple[str, ...] = ()
    concepts: tuple[str, ...] = ()
    """Concept ids to match against the documents' concept ids (a small boost each)."""

    def is_empty(self) -> bool:
        """True when the query has nothing to match."""
        return not (self.text.strip() or any(t.strip() for t in self.titles)
                    or self.rome_codes or self.skill_codes or self.concepts)


@dataclass(frozen=True, slots=True)
class GeoFilter:
    """Keep documents within ``radius_km`` of ``center``."""

    center: GeoPoint
    radius_km: float


@dataclass(frozen=True, slots=True)
class Filters:
    """The portable hard filters. An empty field means "no constraint".

    A document without a location never passes a geo filter; a document without a contract
    type never passes a contract filter; likewise for codes and dates.
    """

    geo: GeoFilter | None = None
    contract_types: frozenset[str] = field(default_factory=frozenset)
    rome_codes: frozenset[str] = field(default_factory=frozenset)
    created_after: datetime | None = None
    created_before: datetime | None = None

    def is_empty(self) -> bool:
        """True when nothing is filtered."""
        return (self.geo is None and not self.contract_types and not self.rome_codes
                and self.created_after is None and self.created_before is None)

    def accepts(self, doc: IndexedDoc) -> bool:
        """Reference semantics of every filter, on one document."""
        if self.geo is not None and (
            doc.location is None
            or haversine_km(self.geo.center, doc.location) > self.geo.radius_km
        ):
            return False
        if self.contract_types and not self.contract_types.intersection(doc.contract_types):
            return False
        if self.rome_codes and not self.rome_codes.intersection(doc.rome_codes):
            return False
        if self.created_after is not None and (
            doc.created_at is None or as_utc(doc.created_at) < as_utc(self.created_after)
        ):
            return False
        return not (self.created_before is not None and (
            doc.created_at is None or as_utc(doc.created_at) > as_utc(self.created_before)
        ))


@dataclass(frozen=True, slots=True)
class Hit:
    """One result of a store: a document id and the store's own score (higher is better)."""

    id: str
    score: float


@runtime_checkable
class KeywordStore(Protocol):
    """Full-text search over ``IndexedDoc`` with the portable filters applied inside the query."""

    def upsert(self, docs: Iterable[IndexedDoc]) -> None:
        """Add documents, replacing any with the same id."""
        ...

    def delete(self, ids: Iterable[str]) -> None:
        """Remove documents by id; unknown ids are ignored."""
        ...

    def purge(self, ids: Iterable[str]) -> bool:
        """Remove documents by id as an erasure; unknown ids are ignored. Return True when,
        on return, no file of the store holds any copy of them (deleted entries that a
        segment keeps until a merge included); False when the store cannot expunge them in
        place, and its owner must rebuild it from the live records (the catalog does so
        before the new generation goes live)."""
        ...

    def search(self, query: KeywordQuery, filters: Filters, top_k: int) -> list[Hit]:
        """The ``top_k`` best documents that pass ``filters``, best first."""
        ...

    def count(self) -> int:
        """How many documents the store holds."""
        ...


@runtime_checkable
class VectorStore(Protocol):
    """Nearest-neighbour search over unit vectors with string ids (inner product).

    ``allowed`` restricts the search to those ids *before* the top-k cut. The caller computes
    it from the portable ``Filters`` (see ``indexer.doc_table``); this keeps vector stores free
    of document fields. (ARCHITECTURE.md passes ``Filters`` here; an id allow-list keeps the
    FAISS store small and lets one filter evaluation serve both stores.)
    """

    @property
    def dimension(self) -> int:
        """The vectors' dimension."""
        ...

    def upsert(self, ids: Sequence[str], vectors: npt.NDArray[np.float32]) -> None:
        """Add vectors, replacing any with the same id."""
        ...

    def delete(self, ids: Iterable[str]) -> None:
        """Remove vectors by id; unknown ids are ignored."""
        ...

    def search(
        self,
        vectors: npt.NDArray[np.float32],
        top_k: int,
        allowed: Collection[str] | None = None,
    ) -> list[list[Hit]]:
        """For each query vector, the ``top_k`` nearest stored ids (among ``allowed``)."""
        ...

    def count(self) -> int:
        """How many vectors the store holds."""
        ...
