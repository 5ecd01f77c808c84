"""The remote vector store: ``knn_vector`` fields of an OpenSearch index behind an alias.

``OpenSearchVectorStore(settings, index, dimension)`` keeps one document per id in the alias
``index`` (physical indexes ``{index}-{timestamp}``, see ``indexer.stores.opensearch_alias``):
the vector in a ``knn_vector`` field indexed as an HNSW graph by the k-NN plugin's **Lucene**
engine with ``cosinesimil`` (the ``faiss`` and ``nmslib`` engines need native libraries; Lucene
runs anywhere the plugin runs), and the filter fields of the document (location, contract
types, ROME codes, creation time) beside it.

**Filters inside the k-NN query.** ``search_filtered(vectors, top_k, filters)`` puts the portable
``Filters`` in the ``filter`` of the ``knn`` query, so Lucene restricts the graph search to the
documents that pass (or searches them exactly when they are few): the top-k cut comes after
filtering, as with FAISS and its id selector. The radius is checked again with the exact
great-circle distance, deeper when that check drops hits. ``search(vectors, top_k, allowed)``
(the ``VectorStore`` protocol) filters on an id list the same way.

**Scores.** Vectors are unit vectors, so cosine is the inner product FAISS returns; Lucene's
score ``(1 + cos) / 2`` is turned back into the cosine. A zero vector has no cosine and is
refused. **Depth.** Each shard's graph search keeps ``max(top_k, candidates)`` neighbours
(HNSW's ``ef`` at query time; ``OpenSearchSettings.knn_candidates``, default 400), then the best
``top_k`` are returned: at 100k offers recall@10 against exact search was 0.973 with 400 and
0.935 with 100 (``bench.opensearch_cluster``, ``docs/performance.md``).

The vector is excluded from ``_source`` and has no doc-values copy (it is kept in the HNSW
graph and Lucene's vector values, which is what searches read): a rebuild re-sends vectors from
the index folder, never from OpenSearch. OpenSearch still keeps each document's original JSON
as its recovery source until merges prune it, hence vectors sent with 10 decimals. Writes,
retries, rebuilds (``begin_rebuild()`` … ``save()``) and the fail-over
between nodes are those of :class:`~indexer.stores.opensearch_alias.AliasedIndex`.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from opensearchpy.exceptions import NotFoundError, TransportError

from indexer.settings import OpenSearchSettings
from indexer.stores.opensearch_alias import Action, AliasedIndex
from indexer.stores.opensearch_mapping import MAX_RESULT_WINDOW, shard_settings
from indexer.stores.opensearch_query import GEO_DEPTH_FACTOR, filter_clauses, filter_fields, inside
from indexer.stores.protocols import Filters, GeoFilter, Hit, IndexedDoc
from indexer.stores.vector_input import checked_vectors

logger = logging.getLogger(__name__)

VECTOR_MAPPING_VERSION = 1
"""Version of the vector index body; stored in ``_meta.vector_mapping_version``."""
ENGINE = "lucene"
SPACE_TYPE = "cosinesimil"
HNSW_M = 16
HNSW_EF_CONSTRUCTION = 128
MAX_TERMS = 65_536
"""OpenSearch's ``index.max_terms_count``: longer id allow-lists are searched in chunks."""
VECTOR_BATCH_SIZE = 200
"""Documents per bulk request (a 512-d vector is about 5 kB of JSON)."""

JSON_DECIMALS = 10
FloatArray = npt.NDArray[np.float32]


def vector_index_body(settings: OpenSearchSettings, dimension: int, *, m: int = HNSW_M,
                      ef_construction: int = HNSW_EF_CONSTRUCTION,
                      building: bool = False) -> dict[str, Any]:
    """The body of ``PUT /{index}`` for a vector index of ``dimension``."""
    index: dict[str, Any] = {**shard_settings(settings), "knn": True,
                             "max_result_window": MAX_RESULT_WINDOW}
    if building:
        index["refresh_interval"] = "-1"
    return {
        "settings": {"index": index},
        "mappings": {
            "dynamic": "strict",
            "_source": {"excludes": ["vector"]},
            "_meta": {"vector_mapping_version": VECTOR_MAPPING_VERSION,
                      "dimension": dimension, "engine": ENGINE, "space_type": SPACE_TYPE,
                      "hnsw_m": m, "hnsw_ef_construction": ef_construction,
                      "application": "intelligence-emploi"},
            "properties": {
                "id": {"type": "keyword"},
                # no doc-values copy of each vector (2 KiB a document): searches read the
                # HNSW graph and Lucene's own vector values, exact ones included
                "vector": {"type": "knn_vector", "dimension": dimension, "doc_values": False,
                           "method": {"name": "hnsw", "engine": ENGINE, "space_type": SPACE_TYPE,
                                      "parameters": {"m": m, "ef_construction": ef_construction}}},
                "location": {"type": "geo_point"},
                "contract_types": {"type": "keyword"},
                "rome_codes": {"type": "keyword"},
                "created_at_us": {"type": "long"},
            },
        },
    }


class OpenSearchVectorStore(AliasedIndex):
    """A ``VectorStore`` (and ``DocumentVectorStore``) on OpenSearch's k-NN plugin, reading
    and writing through the alias ``index``. Safe to share between threads."""

    def __init__(
        self,
        settings: OpenSearchSettings,
        index: str,
        dimension: int,
        *,
        m: int = HNSW_M,
        ef_construction: int = HNSW_EF_CONSTRUCTION,
        candidates: int | None = None,
        batch_size: int = VECTOR_BATCH_SIZE,
        max_retries: int = 5,
        initial_backoff_s: float = 0.1,
        max_backoff_s: float = 10.0,
        refresh: bool = True,
    ) -> None:
        if dimension <= 0:
            raise ValueError(f"dimension must be positive, got {dimension}")
        super().__init__(settings, index, batch_size=batch_size, max_retries=max_retries,
                         initial_backoff_s=initial_backoff_s, max_backoff_s=max_backoff_s,
                         refresh=refresh)
        self._dimension = dimension
        self.m = m
        self.ef_construction = ef_construction
        self.candidates = candidates or settings.knn_candidates

    # --- the index definition -----------------------------------------------------------------

    def index_body(self, *, building: bool = False) -> dict[str, Any]:
        """The ``knn_vector`` field, the filter fields, shards and replicas."""
        return vector_index_body(self.settings, self._dimension, m=self.m,
                                 ef_construction=self.ef_construction, building=building)

    def wanted_meta(self) -> dict[str, Any]:
        """Mapping version, dimension, engine and space."""
        return {"vector_mapping_version": VECTOR_MAPPING_VERSION, "dimension": self._dimension,
                "engine": ENGINE, "space_type": SPACE_TYPE}

    def describe(self) -> dict[str, Any]:
        """What the index manifest records of this store."""
        return {"backend": "opensearch", "alias": self.alias, "factory": "hnsw",
                "engine": ENGINE, "space_type": SPACE_TYPE, "m": self.m,
                "ef_construction": self.ef_construction, "candidates": self.candidates}

    # --- the VectorStore protocol -------------------------------------------------------------

    @property
    def dimension(self) -> int:
        """The vectors' dimension."""
        return self._dimension

    def upsert(self, ids: Sequence[str], vectors: FloatArray) -> None:
        """Add vectors, replacing any with the same id (the last one wins within a batch).
        Without the document's fields, the vector never passes a filter on them."""
        matrix = self._vectors_for(ids, vectors)
        self._store([({"id": doc_id}, row) for doc_id, row in zip(ids, matrix, strict=True)])

    def upsert_documents(self, docs: Sequence[IndexedDoc], vectors: FloatArray) -> None:
        """Add vectors with their documents' filter fields, replacing any with the same id."""
        matrix = self._vectors_for([doc.id for doc in docs], vectors)
        self._store([({"id": doc.id, **filter_fields(doc.location, doc.contract_types,
                                                      doc.rome_codes, doc.created_at)}, row)
                     for doc, row in zip(docs, matrix, strict=True)])

    def delete(self, ids: Iterable[str]) -> None:
        """Remove vectors by id; unknown ids are ignored."""
        self._delete_ids(ids)

    def purge(self, ids: Iterable[str]) -> None:
        """Remove vectors by id and expunge them from the cluster's files before returning
        (an erasure: ``AliasedIndex.expunge``)."""
        self.expunge(ids)

    def search(self, vectors: FloatArray, top_k: int,
               allowed: Collection[str] | None = None) -> list[list[Hit]]:
        """For each query vector, the ``top_k`` nearest stored ids (among ``allowed``)."""
        queries = self._validate(vectors, "query vectors")
        if top_k <= 0 or (allowed is not None and not allowed):
            return [[] for _ in range(len(queries))]
        if allowed is None:
            return self._knn(queries, top_k, [])
        ids = sorted(set(allowed))
        if len(ids) <= MAX_TERMS:
            return self._knn(queries, top_k, [{"terms": {"id": ids}}])
        chunks = [self._knn(queries, top_k, [{"terms": {"id": ids[start:start + MAX_TERMS]}}])
                  for start in range(0, len(ids), MAX_TERMS)]
        return [_best(top_k, [chunk[row] for chunk in chunks]) for row in range(len(queries))]

    def search_filtered(self, vectors: FloatArray, top_k: int,
                        filters: Filters) -> list[list[Hit]]:
        """For each query vector, the ``top_k`` nearest documents that pass ``filters``
        (applied inside the k-NN query, before the top-k cut)."""
        queries = self._validate(vectors, "query vectors")
        if top_k <= 0:
            return [[] for _ in range(len(queries))]
        clauses = filter_clauses(filters)
        if filters.geo is None:
            return self._knn(queries, top_k, clauses)
        return [self._knn_geo(query.reshape(1, -1), top_k, clauses, filters.geo)
                for query in queries]

    def save(self, directory: Path | None = None) -> None:
        """Finish a rebuild, or make the writes visible; nothing is written to ``directory``
        (the vectors live in the cluster)."""
        super().save()

    # --- internals ----------------------------------------------------------------------------

    def _validate(self, vectors: object, what: str) -> FloatArray:
        return checked_vectors(vectors, self._dimension, what)

    def _vectors_for(self, ids: Sequence[str], vectors: object) -> FloatArray:
        matrix = self._validate(vectors, "vectors")
        if len(ids) != matrix.shape[0]:
            raise ValueError(f"{len(ids)} ids for {matrix.shape[0]} vectors")
        zero = np.flatnonzero(~np.any(matrix != 0.0, axis=1))
        if len(zero):
            raise ValueError(f"the vector of {ids[int(zero[0])]!r} is zero: cosine similarity "
                             f"needs a non-zero vector ({len(zero)} such vector(s))")
        return matrix

    def _store(self, rows: list[tuple[dict[str, Any], FloatArray]]) -> None:
        self._ensure_index()
        self._write(self._index_actions(rows[start:start + self.batch_size])
                    for start in range(0, len(rows), self.batch_size))

    @staticmethod
    def _index_actions(rows: list[tuple[dict[str, Any], FloatArray]]) -> list[Action]:
        latest = {fields["id"]: (fields, vector) for fields, vector in rows}
        return [({"index": {"_id": doc_id}}, {**fields, "vector": json_vector(vector)})
                for doc_id, (fields, vector) in latest.items()]

    def _body(self, query: FloatArray, size: int, clauses: list[dict[str, Any]],
              with_location: bool) -> dict[str, Any]:
        knn: dict[str, Any] = {"vector": json_vector(query), "k": max(size, self.candidates)}
        if clauses:
            knn["filter"] = {"bool": {"filter": clauses}}
        return {
            "size": size,
            "query": {"knn": {"vector": knn}},
            "sort": [{"_score": {"order": "desc"}}, {"id": {"order": "asc"}}],
            "track_scores": True,
            "track_total_hits": False,
            "_source": ["location"] if with_location else False,
        }

    def _knn(self, queries: FloatArray, top_k: int, clauses: list[dict[str, Any]],
             with_location: bool = False) -> list[list[Hit]]:
        return [[_hit(raw) for raw in found]
                for found in self._raw_knn(queries, top_k, clauses, with_location)]

    def _raw_knn(self, queries: FloatArray, top_k: int, clauses: list[dict[str, Any]],
                 with_location: bool) -> list[list[dict[str, Any]]]:
        """The raw hits of one k-NN search per query vector (one ``_msearch`` for several)."""
        if len(queries) == 0:
            return []
        if top_k > MAX_RESULT_WINDOW:
            logger.warning("top_k %d capped to %d", top_k, MAX_RESULT_WINDOW)
            top_k = MAX_RESULT_WINDOW
        params = {"allow_partial_search_results": "false"}
        bodies = [self._body(query, top_k, clauses, with_location) for query in queries]
        try:
            if len(bodies) == 1:
                response = self._read(lambda: self.client.search(
                    index=self.alias, body=bodies[0], params=params))
                return [response["hits"]["hits"]]
            lines: list[dict[str, Any]] = []
            for body in bodies:
                lines.extend(({"allow_partial_search_results": False}, body))
            return self._read(lambda: _msearch_hits(self.client.msearch(
                index=self.alias, body=lines)))
        except NotFoundError:
            return [[] for _ in bodies]

    def _knn_geo(self, query: FloatArray, top_k: int, clauses: list[dict[str, Any]],
                 geo: GeoFilter) -> list[Hit]:
        """A k-NN search on the slightly larger circle, keeping the hits inside the exact one
        (deeper when the check dropped some)."""
        size = top_k
        while True:
            [found] = self._raw_knn(query, size, clauses, with_location=True)
            kept = [raw for raw in found if inside(raw, geo)]
            if len(kept) >= top_k or len(found) < size or size >= MAX_RESULT_WINDOW:
                return [_hit(raw) for raw in kept[:top_k]]
            size = min(size * GEO_DEPTH_FACTOR, MAX_RESULT_WINDOW)


def json_vector(vector: FloatArray) -> list[float]:
    """The vector as JSON numbers rounded to 10 decimals: each parses back to the same float32
    (or within 5e-11 of it below 2.4e-4), in about 13 characters instead of the 19 of a
    float32 widened to a double; the request and the copy OpenSearch keeps for recovery
    shrink by a third."""
    rounded: list[float] = np.round(vector.astype(np.float64), JSON_DECIMALS).tolist()
    return rounded


def _msearch_hits(response: dict[str, Any]) -> list[list[dict[str, Any]]]:
    """Each response's hits; a failed one raises like a failed search (404: no hits)."""
    results: list[list[dict[str, Any]]] = []
    for item in response["responses"]:
        if "error" in item:
            status = int(item.get("status", 500))
            if status == 404:
                results.append([])
                continue
            error = item["error"]
            kind = error.get("type", "error") if isinstance(error, dict) else str(error)
            raise TransportError(status, kind, error)
        results.append(item["hits"]["hits"])
    return results


def _hit(raw: dict[str, Any]) -> Hit:
    """A hit with Lucene's cosine score ``(1 + cos) / 2`` turned back into the cosine."""
    return Hit(id=str(raw["_id"]), score=2.0 * float(raw["_score"]) - 1.0)


def _best(top_k: int, lists: list[list[Hit]]) -> list[Hit]:
    """The ``top_k`` best hits of several lists (searches of disjoint id chunks)."""
    return sorted((hit for hits in lists for hit in hits),
                  key=lambda hit: (-hit.score, hit.id))[:top_k]
