"""The remote keyword store: an OpenSearch index behind an alias, with a French analyser.

``OpenSearchKeywordStore(settings, index)`` reads and writes through the alias ``index``; the
physical index behind it is ``{index}-{timestamp}``. ``rebuild(docs)`` fills a new physical
index and switches the alias atomically, so searches never see a half-built index.

Semantics are those of the embedded store (``Filters.accepts`` is the reference):

- user text is sent as the value of ``match`` / ``multi_match`` queries, never to a query
  parser, so ``"``, ``:``, ``(``, ``*``, ``\\`` or ``AND`` are plain text;
- every filter is a clause of the bool ``filter``, so the top-k cut comes after filtering;
  the geo filter is OpenSearch's ``geo_distance`` on a slightly larger circle, then the exact
  great-circle check of ``haversine_km`` (querying deeper when it drops hits);
- dates are filtered on exact microseconds (a naive datetime is UTC).

Writes go in bulk batches of ``batch_size`` and are retried with exponential back-off on
429, 5xx and connection errors; reads fail over between the nodes of ``settings.url`` (see
``indexer.stores.opensearch_alias``, which holds the alias life cycle both OpenSearch stores
share). A cluster that cannot be reached, or answers 5xx, raises ``BackendUnavailable`` naming
its URL. With several primary shards (``settings.shards``) searches run as
``dfs_query_then_fetch``, so that BM25 statistics stay those of the whole index.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from typing import Any

from indexer.settings import OpenSearchSettings
from indexer.stores.opensearch_alias import (
    BATCH_SIZE,
    Action,
    AliasedIndex,
    BulkIndexError,
    batches,
)
from indexer.stores.opensearch_mapping import (
    MAPPING_VERSION,
    MAX_RESULT_WINDOW,
    index_body,
    synonym_rules,
    synonyms_checksum,
)
from indexer.stores.opensearch_query import (
    GEO_DEPTH_FACTOR,
    filter_clauses,
    inside,
)
from indexer.stores.protocols import Filters, GeoFilter, Hit, IndexedDoc, KeywordQuery
from indexer.stores.text_terms import weightiest_terms
from indexer.utc import as_utc, epoch_micros
from skills_taxonomy.gender import normalise_forms

logger = logging.getLogger(__name__)
_WORD = re.compile(r"\w+")
"""A run of word characters: a text has at most as many analysed terms as runs."""

TITLE_BOOST = 2.0
QUERY_TITLE_BOOST = 1.5
TITLE_PHRASE_BOOST = 3.0
PHRASE_SLOP = 3
ROME_BOOST = 1.0
SKILL_BOOST = 0.5
CONCEPT_BOOST = 0.5
CONCEPT_TEXT_BOOST = 0.5


def document_source(doc: IndexedDoc) -> dict[str, Any]:
    """The ``_source`` stored for one document. Titles and texts go through the same
    word-level French pass as the embedded store (singular, masculine job-title words), so
    both backends treat "vendeuses" and "vendeur" alike."""
    source: dict[str, Any] = {
        "id": doc.id,
        "title": normalise_forms(doc.title),
        "text": normalise_forms(doc.text),
        "rome_codes": list(doc.rome_codes),
        "skill_codes": list(doc.skill_codes),
        "contract_types": list(doc.contract_types),
        "concepts": list(doc.concepts),
        "concept_text": normalise_forms(doc.concept_text),
    }
    if doc.location is not None:
        source["location"] = {"lat": doc.location.lat, "lon": doc.location.lon}
    if doc.created_at is not None:
        moment = as_utc(doc.created_at)
        source["created_at"] = moment.isoformat()
        source["created_at_us"] = epoch_micros(moment)
    return source


class OpenSearchKeywordStore(AliasedIndex):
    """A ``KeywordStore`` on OpenSearch, reading and writing through the alias ``index``.

    The physical index is created on the first write (``upsert`` or ``rebuild``); until then
    the store is empty. ``synonyms`` are Solr-format rules ("vendeur, vendeuse") applied to
    queries; they are part of the index settings, so changing them needs a ``rebuild``.

    ``refresh=True`` (the default) makes every ``upsert`` and ``delete`` visible to searches
    when it returns, with one refresh per call; turn it off for a bulk load followed by an
    explicit ``refresh()``. Safe to share between threads.
    """

    def __init__(
        self,
        settings: OpenSearchSettings,
        index: str,
        synonyms: Sequence[str] = (),
        *,
        batch_size: int = BATCH_SIZE,
        max_retries: int = 5,
        initial_backoff_s: float = 0.1,
        max_backoff_s: float = 10.0,
        refresh: bool = True,
    ) -> None:
        super().__init__(settings, index, batch_size=batch_size, max_retries=max_retries,
                         initial_backoff_s=initial_backoff_s, max_backoff_s=max_backoff_s,
                         refresh=refresh)
        self.rules = synonym_rules(synonyms)
        self._search_params: dict[str, str] = (
            {"search_type": "dfs_query_then_fetch"} if (settings.shards or 1) > 1 else {})

    # --- the index definition -----------------------------------------------------------------

    def index_body(self, *, building: bool = False) -> dict[str, Any]:
        """The French analysers, the fields, and the shards and replicas of the settings."""
        return index_body(self.rules, building=building, settings=self.settings)

    def wanted_meta(self) -> dict[str, Any]:
        """The mapping version and the synonyms' checksum."""
        return {"mapping_version": MAPPING_VERSION,
                "synonyms_sha256": synonyms_checksum(self.rules)}

    # --- the KeywordStore protocol ------------------------------------------------------------

    def upsert(self, docs: Iterable[IndexedDoc]) -> None:
        """Add documents, replacing any with the same id (the last one wins)."""
        self._ensure_index()
        self._write(self._index_actions(batch) for batch in batches(docs, self.batch_size))

    def add_new(self, docs: Iterable[IndexedDoc]) -> None:
        """Add documents whose ids the store does not hold (``AppendableKeywordStore``). A bulk
        ``index`` by id costs OpenSearch the same for a new document as for a replaced one, so
        this is :meth:`upsert`; an id added twice is stored once."""
        self.upsert(docs)

    def delete(self, ids: Iterable[str]) -> None:
        """Remove documents by id; unknown ids are ignored."""
        self._delete_ids(ids)

    def purge(self, ids: Iterable[str]) -> bool:
        """Remove documents by id and expunge them from the cluster's files before returning
        (an erasure: ``AliasedIndex.expunge``); True."""
        self.expunge(ids)
        return True

    def search(self, query: KeywordQuery, filters: Filters, top_k: int) -> list[Hit]:
        """The ``top_k`` best documents that pass ``filters``, best first (ties by id)."""
        if top_k <= 0 or query.is_empty():
            return []
        should = self._scoring_clauses(query, self._selective_text(query))
        if not should:
            return []
        if top_k > MAX_RESULT_WINDOW:
            logger.warning("top_k %d capped to %d", top_k, MAX_RESULT_WINDOW)
            top_k = MAX_RESULT_WINDOW
        bool_query: dict[str, Any] = {"should": should, "minimum_should_match": 1}
        clauses = filter_clauses(filters)
        if clauses:
            bool_query["filter"] = clauses
        body: dict[str, Any] = {
            "query": {"bool": bool_query},
            "sort": [{"_score": {"order": "desc"}}, {"id": {"order": "asc"}}],
            "track_scores": True,
            "track_total_hits": False,
            "_source": ["location"] if filters.geo is not None else False,
        }
        if filters.geo is None:
            return [self._hit(raw) for raw in self._search_raw(body, top_k)]
        return self._search_geo(body, top_k, filters.geo)

    # --- beyond the protocol ------------------------------------------------------------------

    def rebuild(self, docs: Iterable[IndexedDoc]) -> str:
        """Index ``docs`` into a new physical index, then switch the alias to it atomically.

        The previous physical indexes are deleted after the switch. If anything fails before
        the switch, the alias still points at the previous index, untouched, and the
        half-built index is deleted. Returns the new physical index's name.
        """
        self.begin_rebuild()
        try:
            self.upsert(docs)
        except BaseException:
            self.abort_rebuild()
            raise
        return self.finish_rebuild()

    # --- internals ----------------------------------------------------------------------------

    @staticmethod
    def _index_actions(batch: list[IndexedDoc]) -> list[Action]:
        latest = {doc.id: doc for doc in batch}  # one action per id: retries keep order
        return [({"index": {"_id": doc.id}}, document_source(doc)) for doc in latest.values()]

    def _selective_text(self, query: KeywordQuery) -> str:
        """The free text, or beyond ``query.max_text_terms`` distinct terms only the words of
        the weightiest ones (:mod:`indexer.stores.text_terms`), in query order, as the
        embedded store selects them. The index's own analyser reads the text and counts the
        documents (``_termvectors`` of an artificial document: one shard's statistics, exact
        on one shard)."""
        text = normalise_forms(query.text)
        limit = query.max_text_terms
        if limit is None or len(_WORD.findall(text)) <= limit:  # no more terms than words
            return text
        response = self._read(lambda: self.client.termvectors(
            index=self.alias, body={"doc": {"text": text}, "fields": ["text"],
                                    "term_statistics": True, "field_statistics": True,
                                    "positions": True, "offsets": True}))
        vectors = response.get("term_vectors", {}).get("text", {})
        terms = vectors.get("terms", {})
        if len(terms) <= limit:
            return text
        tokens = sorted(((token, term) for term, stats in terms.items()
                         for token in stats["tokens"]), key=lambda pair: pair[0]["position"])
        first: dict[str, dict[str, Any]] = {}  # each term's first token, for its words
        for token, term in tokens:
            first.setdefault(term, token)
        chosen = weightiest_terms([term for _, term in tokens], limit,
                                  lambda term: int(terms[term].get("doc_freq", 0)),
                                  int(vectors.get("field_statistics", {}).get("doc_count", 0)))
        return " ".join(text[first[term]["start_offset"]:first[term]["end_offset"]]
                        for term in chosen)

    @staticmethod
    def _scoring_clauses(query: KeywordQuery, text: str) -> list[dict[str, Any]]:
        clauses: list[dict[str, Any]] = []
        if text.strip():
            clauses.append({"multi_match": {
                "query": text,
                "fields": [f"title^{TITLE_BOOST}", "text", f"concept_text^{CONCEPT_TEXT_BOOST}"],
                "type": "most_fields", "operator": "or"}})
        for title in query.titles:
            if not title.strip():
                continue
            title = normalise_forms(title)
            clauses.append({"match": {"title": {"query": title, "boost": QUERY_TITLE_BOOST}}})
            clauses.append({"match_phrase": {"title": {
                "query": title, "slop": PHRASE_SLOP, "boost": TITLE_PHRASE_BOOST}}})
        clauses.extend({"term": {"rome_codes": {"value": code, "boost": ROME_BOOST}}}
                       for code in dict.fromkeys(query.rome_codes))
        clauses.extend({"term": {"skill_codes": {"value": code, "boost": SKILL_BOOST}}}
                       for code in dict.fromkeys(query.skill_codes))
        clauses.extend({"term": {"concepts": {"value": concept, "boost": CONCEPT_BOOST}}}
                       for concept in dict.fromkeys(query.concepts))
        return clauses

    def _search_raw(self, body: dict[str, Any], size: int) -> list[dict[str, Any]]:
        from opensearchpy.exceptions import NotFoundError

        try:
            response = self._read(lambda: self.client.search(
                index=self.alias, body={**body, "size": size},
                params={"allow_partial_search_results": "false", **self._search_params}))
        except NotFoundError:
            return []
        hits: list[dict[str, Any]] = response["hits"]["hits"]
        return hits

    def _search_geo(self, body: dict[str, Any], top_k: int, geo: GeoFilter) -> list[Hit]:
        """Search on the slightly larger circle, keep the hits inside the exact one."""
        size = top_k
        while True:
            found = self._search_raw(body, size)
            kept = [raw for raw in found if inside(raw, geo)]
            if len(kept) >= top_k or len(found) < size or size >= MAX_RESULT_WINDOW:
                return [self._hit(raw) for raw in kept[:top_k]]
            logger.debug("geo check kept %d of %d hits; searching deeper", len(kept), size)
            size = min(size * GEO_DEPTH_FACTOR, MAX_RESULT_WINDOW)

    @staticmethod
    def _hit(raw: dict[str, Any]) -> Hit:
        return Hit(id=str(raw["_id"]), score=float(raw["_score"]))


__all__ = ["BulkIndexError", "OpenSearchKeywordStore", "document_source", "epoch_micros"]
