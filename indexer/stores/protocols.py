"""The two store protocols, the capabilities a backend may add to them, and the values that
cross them.

Every backend (embedded or remote) implements ``KeywordStore`` or ``VectorStore`` and passes the
shared conformance suite in ``tests/conformance/``. The embedded backends are the reference
behaviour. The catalog and the collections rely on nothing else; what differs between backends
is declared by the small capability protocols below (``PersistentVectorStore``,
``LabelledVectorStore``, ``DocumentVectorStore``, ``AppendableKeywordStore``,
``StagedRebuildStore``, ``ClosableStore``) and
tested with ``isinstance`` on the protocol, never on a concrete class.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

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
    skill_keys: tuple[str, ...] = ()
    """The record's skills, one entry each, as their joined identities
    (:mod:`indexer.skill_identity`): kept in the filter table, where the matcher bounds skill
    coverage with them; not searched."""
    skill_key_weights: tuple[float, ...] = ()
    """For each of ``skill_keys``: an offer's importance of the asked skill, or the weight a
    profile holds it with."""

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
    max_text_terms: int | None = None
    """Search at most this many distinct terms of ``text``, the weightiest (how often the
    text says a term × its inverse document frequency, :mod:`indexer.stores.text_terms`);
    None searches them all. Both keyword stores honour it (the OpenSearch store counts the
    terms' documents with ``_termvectors``)."""

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

    def purge(self, ids: Iterable[str]) -> None:
        """Remove vectors by id as an erasure; unknown ids are ignored. A remote index holds
        no copy of them on return; a local store writes none when it is next saved (the
        files it was loaded from go with their generation)."""
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


# --- capabilities beyond the two protocols ----------------------------------------------------


@runtime_checkable
class PersistentVectorStore(Protocol):
    """A vector store the catalog saves with each generation (FAISS writes files into
    ``directory``; a remote store makes its writes durable, or finishes a rebuild), and
    which says what the manifest should record of it."""

    def save(self, directory: Path) -> None:
        """Persist every write so far (into ``directory`` for a store kept in files)."""
        ...

    def describe(self) -> dict[str, Any]:
        """What the index manifest records of this store (index type and parameters)."""
        ...


@runtime_checkable
class RecallCheckedVectorStore(Protocol):
    """An approximate vector store that chooses its index type for its size and checks its
    own recall before each save (FAISS IVF: ``nprobe`` tuned to a recall@10 target)."""

    def check_recall(self, target: float, sample: int, max_probe_share: float,
                     flat_max_vectors: int, label: str) -> None:
        """Switch index type if the size calls for it, then measure (or keep a still-valid
        measurement of) recall@10 on ``sample`` stored vectors and tune the search to meet
        ``target``, logging a warning when it cannot."""
        ...


@runtime_checkable
class LabelledVectorStore(Protocol):
    """A vector store with dense integer labels (FAISS): the collection's filter table keeps
    each document's label and passes allow-lists as labels, skipping id look-ups."""

    def label_of(self, doc_id: str) -> int | None:
        """The label of a stored id, or None."""
        ...

    def search_labels(self, vectors: npt.NDArray[np.float32], top_k: int,
                      labels: npt.NDArray[np.int64] | None = None,
                      nprobe: int | None = None) -> list[list[Hit]]:
        """Like ``VectorStore.search`` with the allow-list given as labels."""
        ...


@runtime_checkable
class DocumentVectorStore(Protocol):
    """A vector store that keeps each vector's filter fields (location, contract types, ROME
    codes, creation time) and applies the portable ``Filters`` inside its own search, before
    the top-k cut (OpenSearch's ``knn`` query with a ``filter``). The collection then sends
    documents with their vectors and filters, not id allow-lists."""

    def upsert_documents(self, docs: Sequence[IndexedDoc],
                         vectors: npt.NDArray[np.float32]) -> None:
        """Add vectors with their documents' filter fields, replacing any with the same id."""
        ...

    def search_filtered(self, vectors: npt.NDArray[np.float32], top_k: int,
                        filters: Filters) -> list[list[Hit]]:
        """For each query vector, the ``top_k`` nearest documents that pass ``filters``."""
        ...


@runtime_checkable
class AppendableKeywordStore(Protocol):
    """A keyword store that adds documents it is known not to hold faster than ``upsert``
    replaces them (tantivy: no delete-by-term queued per document; OpenSearch: the same bulk
    ``index`` as ``upsert``, which costs it nothing more). A collection whose
    keyword store and filter table were both empty when it first wrote (a fresh generation)
    sends the ids its table does not hold here, and repeated ones to ``upsert``."""

    def add_new(self, docs: Iterable[IndexedDoc]) -> None:
        """Add documents whose ids the store does not hold; the caller guarantees it (an id
        added twice may be stored twice)."""
        ...


@runtime_checkable
class PostFilteringKeywordStore(Protocol):
    """A keyword store whose filtered query costs more than a deeper unfiltered one: tantivy,
    where the filter clauses add an intersection to a disjunction it scores whole anyway
    (1M offers, a seeker's query: 14.9 ms CPU with a CDI filter inside, 7.1 ms for an
    unfiltered top 600). When the filters keep most documents, a collection asks such a
    store for a deeper unfiltered top and filters it with its own table instead."""

    @property
    def prefers_post_filtering(self) -> bool:
        """True when a deeper unfiltered top, filtered by the caller, costs less."""
        ...


@runtime_checkable
class ReadPreparingStore(Protocol):
    """A store that can build ahead what its first searches would otherwise build and pay
    for (FAISS: the direct map that reads an allow-list's vectors back by label). A server
    calls it in its background warm-up (``Collection.prepare_reads``)."""

    def prepare_reads(self) -> None:
        """Build the structures the first searches need."""
        ...


@runtime_checkable
class StagedRebuildStore(Protocol):
    """A remote store that rebuilds into a new physical index while searches keep reading
    the live one: ``begin_rebuild()``, writes, then ``save()`` switches atomically (an alias
    swap); ``close()`` before ``save()`` abandons the rebuild and leaves the live index."""

    def begin_rebuild(self) -> str:
        """Start writing into a new index; return its name."""
        ...

    def close(self) -> None:
        """Abandon an unfinished rebuild, release connections."""
        ...


@runtime_checkable
class ClosableStore(Protocol):
    """A store holding files, locks or connections to release."""

    def close(self) -> None:
        """Release what the store holds."""
        ...
