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
429, 5xx and connection errors. A node that cannot be reached, or answers 5xx, raises
``BackendUnavailable`` naming its URL.
"""

from __future__ import annotations

import contextlib
import logging
import random
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from itertools import islice
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

from opensearchpy import OpenSearch
from opensearchpy.exceptions import ConnectionError as OpenSearchConnectionError
from opensearchpy.exceptions import NotFoundError, TransportError

from indexer.distance import haversine_km
from indexer.models import GeoPoint
from indexer.settings import OpenSearchSettings
from indexer.stores.errors import BackendUnavailable
from indexer.stores.opensearch_mapping import (
    MAPPING_VERSION,
    MAX_RESULT_WINDOW,
    index_body,
    synonym_rules,
    synonyms_checksum,
)
from indexer.stores.protocols import Filters, GeoFilter, Hit, IndexedDoc, KeywordQuery
from indexer.utc import as_utc, epoch_micros
from skills_taxonomy.gender import normalise_forms

logger = logging.getLogger(__name__)

TITLE_BOOST = 2.0
QUERY_TITLE_BOOST = 1.5
TITLE_PHRASE_BOOST = 3.0
PHRASE_SLOP = 3
ROME_BOOST = 1.0
SKILL_BOOST = 0.5
CONCEPT_BOOST = 0.5
CONCEPT_TEXT_BOOST = 0.5
BATCH_SIZE = 500
_GEO_SLACK = 1.001
_GEO_SLACK_KM = 0.01
_GEO_DEPTH_FACTOR = 4
_PURGE_POLL_S = 0.5
_INVALID_NAME_CHARS = frozenset('\\/*?"<>| ,#:')

T = TypeVar("T")
Action = tuple[dict[str, Any], dict[str, Any] | None]
"""One bulk action: its header line, and its source line (``None`` for a delete)."""


class PurgeIncomplete(BackendUnavailable):
    """Erased documents are deleted but still in the node's segments after the purge's
    time limit: the erasure must not be reported done."""


class BulkIndexError(RuntimeError):
    """OpenSearch refused some documents for good (e.g. a mapping error); names the ids."""

    def __init__(self, message: str, failures: Sequence[tuple[str, int, object]]) -> None:
        super().__init__(message)
        self.failures = list(failures)


def _safe_url(url: str) -> str:
    """``url`` without any user or password in it, for messages."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def _batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def _retryable(error: Exception) -> bool:
    if isinstance(error, OpenSearchConnectionError):
        return True
    status = getattr(error, "status_code", None)
    return isinstance(status, int) and (status == 429 or status >= 500)


def _check_alias(name: str) -> str:
    if (not name or name != name.lower() or name[0] in "-_+" or name in (".", "..")
            or _INVALID_NAME_CHARS.intersection(name)):
        raise ValueError(f"invalid OpenSearch index name {name!r}: lower case, no spaces, "
                         f"none of {''.join(sorted(_INVALID_NAME_CHARS))!r}")
    return name


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


class OpenSearchKeywordStore:
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
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self.settings = settings
        self.alias = _check_alias(index)
        self.url = _safe_url(settings.url)
        self.rules = synonym_rules(synonyms)
        self.batch_size = batch_size
        self.max_retries = max_retries
        self.initial_backoff_s = initial_backoff_s
        self.max_backoff_s = max_backoff_s
        self.refresh_on_write = refresh
        self.purge_timeout_s = settings.purge_timeout_s
        auth = ((settings.user, settings.password or "")
                if settings.user is not None else None)
        self.client = OpenSearch(
            hosts=[settings.url],
            http_auth=auth,
            verify_certs=settings.verify_certs,
            ca_certs=str(settings.ca_certs) if settings.ca_certs is not None else None,
            timeout=settings.timeout_s,
            max_retries=0,  # retries are ours: bounded, with back-off, for writes only
            retry_on_timeout=False,
        )
        self._lock = threading.Lock()
        self._ready = False

    # --- the KeywordStore protocol ------------------------------------------------------------

    def upsert(self, docs: Iterable[IndexedDoc]) -> None:
        """Add documents, replacing any with the same id (the last one wins)."""
        self._ensure_index()
        written = 0
        for batch in _batches(docs, self.batch_size):
            latest = {doc.id: doc for doc in batch}  # one action per id: retries keep order
            self._bulk(self.alias, [({"index": {"_id": doc.id}}, document_source(doc))
                                    for doc in latest.values()])
            written += len(latest)
        if written and self.refresh_on_write:
            self.refresh()

    def delete(self, ids: Iterable[str]) -> None:
        """Remove documents by id; unknown ids are ignored."""
        if not self._exists():
            return
        deleted = 0
        for batch in _batches(ids, self.batch_size):
            unique = list(dict.fromkeys(batch))
            self._bulk(self.alias, [({"delete": {"_id": doc_id}}, None) for doc_id in unique])
            deleted += len(unique)
        if deleted and self.refresh_on_write:
            self.refresh()

    def purge(self, ids: Iterable[str]) -> bool:
        """Remove documents by id and expunge them from the node's files (an erasure).

        A delete only marks a document deleted: Lucene keeps it, text and ``_source``, in its
        segment until a merge, and the translog keeps the write until a flush. So, for each
        physical index: delete, refresh, wait until the shard's retention leases no longer
        retain the deleted operations (OpenSearch keeps soft-deleted documents for peer
        recovery until its lease moves past them, which it does every 30 s), flush, and
        force-merge with ``only_expunge_deletes`` (every segment holding a deleted document
        is rewritten), until ``_stats`` counts no deleted document left. Ordinary deletes
        (``delete``) do none of this. Raise ``PurgeIncomplete`` when that takes longer than
        ``purge_timeout_s`` (the documents are deleted, not yet expunged). Returns True.
        """
        unique = list(dict.fromkeys(ids))
        if not unique or not self._exists():
            return True
        for batch in _batches(unique, self.batch_size):
            self._bulk(self.alias, [({"delete": {"_id": doc_id}}, None) for doc_id in batch])
        self.refresh()
        for index in self.physical_indexes():
            self._expunge_deletes(index)
        self.refresh()
        return True

    def search(self, query: KeywordQuery, filters: Filters, top_k: int) -> list[Hit]:
        """The ``top_k`` best documents that pass ``filters``, best first (ties by id)."""
        if top_k <= 0 or query.is_empty():
            return []
        should = self._scoring_clauses(query)
        if not should:
            return []
        if top_k > MAX_RESULT_WINDOW:
            logger.warning("top_k %d capped to %d", top_k, MAX_RESULT_WINDOW)
            top_k = MAX_RESULT_WINDOW
        bool_query: dict[str, Any] = {"should": should, "minimum_should_match": 1}
        filter_clauses = self._filter_clauses(filters)
        if filter_clauses:
            bool_query["filter"] = filter_clauses
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

    def count(self) -> int:
        """How many documents the store holds (exact; writes count once refreshed)."""
        try:
            response = self._call(lambda: self.client.count(index=self.alias))
        except NotFoundError:
            return 0
        return int(response["count"])

    # --- beyond the protocol ------------------------------------------------------------------

    def refresh(self) -> None:
        """Make every write so far visible to searches and counts."""
        with contextlib.suppress(NotFoundError):
            self._call(lambda: self.client.indices.refresh(index=self.alias))

    def save(self) -> None:
        """Same as ``refresh()``: OpenSearch persists writes by itself."""
        self.refresh()

    def close(self) -> None:
        """Release the HTTP connections."""
        self.client.close()

    def physical_indexes(self) -> list[str]:
        """The physical indexes behind the alias (normally one; none before the first write)."""
        try:
            response = self._call(lambda: self.client.indices.get_alias(name=self.alias))
        except NotFoundError:
            return []
        return sorted(response)

    def rebuild(self, docs: Iterable[IndexedDoc]) -> str:
        """Index ``docs`` into a new physical index, then switch the alias to it atomically.

        The previous physical indexes are deleted after the switch. If anything fails before
        the switch, the alias still points at the previous index, untouched, and the
        half-built index is deleted. Returns the new physical index's name.
        """
        self._refuse_concrete_index()
        new_index = self._new_index_name()
        self._create(new_index, building=True)
        logger.info("rebuilding %s into %s", self.alias, new_index)
        try:
            total = 0
            for batch in _batches(docs, self.batch_size):
                latest = {doc.id: doc for doc in batch}
                self._bulk(new_index, [({"index": {"_id": doc.id}}, document_source(doc))
                                       for doc in latest.values()])
                total += len(latest)
            self._call(lambda: self.client.indices.put_settings(
                index=new_index, body={"index": {"refresh_interval": None}}))
            self._call(lambda: self.client.indices.refresh(index=new_index))
            old = self.physical_indexes()
            actions: list[dict[str, Any]] = [
                {"remove": {"index": name, "alias": self.alias}} for name in old]
            actions.append({"add": {"index": new_index, "alias": self.alias}})
            self._call(lambda: self.client.indices.update_aliases(body={"actions": actions}))
        except BaseException:
            logger.warning("rebuild of %s failed: deleting the half-built %s; the alias is "
                           "unchanged", self.alias, new_index)
            self._delete_quietly(new_index)
            raise
        with self._lock:
            self._ready = True
        logger.info("alias %s now points at %s (%d documents); deleting %s",
                    self.alias, new_index, total, old or "nothing")
        for name in old:
            self._delete_quietly(name)
        return new_index

    def drop(self) -> None:
        """Delete the alias and every physical index behind it (tests, ``--rebuild`` tools)."""
        for name in self.physical_indexes():
            self._delete_quietly(name)
        with self._lock:
            self._ready = False

    def mapping_is_current(self) -> bool:
        """True when every index behind the alias has this code's mapping and synonyms."""
        try:
            response = self._call(lambda: self.client.indices.get_mapping(index=self.alias))
        except NotFoundError:
            return True
        wanted = (MAPPING_VERSION, synonyms_checksum(self.rules))
        for name, body in response.items():
            meta = body.get("mappings", {}).get("_meta", {})
            found = (meta.get("mapping_version"), meta.get("synonyms_sha256"))
            if found != wanted:
                logger.warning("index %s has mapping version %s (this code: %d) or other "
                               "synonyms: rebuild it (`emploi index --rebuild`)",
                               name, found[0], MAPPING_VERSION)
                return False
        return True

    # --- internals: erasure -------------------------------------------------------------------

    def _expunge_deletes(self, index: str) -> None:
        """Rewrite the segments of ``index`` that hold deleted documents, once no retention
        lease keeps them; check with ``_stats`` that none is left (see ``purge``)."""
        started = time.monotonic()
        deadline = started + self.purge_timeout_s
        self._call(lambda: self.client.indices.put_settings(
            index=index, body={"index": {"merge.policy.expunge_deletes_allowed": 0}}))
        retained = self._max_seq_nos(index)
        merges = 0
        merging_s = 0.0
        while True:
            if self._leases_past(index, retained):
                merge_started = time.monotonic()
                self._call(lambda: self.client.indices.flush(index=index, wait_if_ongoing=True))
                self._call(lambda: self.client.indices.forcemerge(
                    index=index, only_expunge_deletes=True,
                    request_timeout=max(deadline - time.monotonic(), self.settings.timeout_s)))
                merges += 1
                merging_s += time.monotonic() - merge_started
                if self._deleted_docs(index) == 0:
                    logger.info("%s: deleted documents expunged in %.2f s (%.2f s waiting for "
                                "the retention lease, %d flush + force-merge in %.2f s)",
                                index, time.monotonic() - started,
                                time.monotonic() - started - merging_s, merges, merging_s)
                    return
            if time.monotonic() >= deadline:
                raise PurgeIncomplete(
                    f"OpenSearch at {self.url} still keeps deleted documents in {index} after "
                    f"{self.purge_timeout_s:.0f} s (a retention lease or a merge holds them): "
                    "the erasure is not complete; try again", url=self.url)
            time.sleep(_PURGE_POLL_S)

    def _shard_stats(self, index: str) -> dict[str, dict[str, Any]]:
        """The stats of each shard copy of ``index``, by "shard/node/primary"."""
        response = self._call(lambda: self.client.indices.stats(
            index=index, metric="docs", level="shards"))
        shards = response["indices"][index]["shards"]
        return {f"{number}/{copy['routing']['node']}/{copy['routing'].get('primary')}": copy
                for number, copies in shards.items() for copy in copies}

    def _max_seq_nos(self, index: str) -> dict[str, int]:
        """The highest sequence number of each shard copy."""
        return {key: int(copy["seq_no"]["max_seq_no"])
                for key, copy in self._shard_stats(index).items()}

    def _leases_past(self, index: str, retained: dict[str, int]) -> bool:
        """True when every retention lease of every shard copy retains only operations
        after ``retained`` (what the copy had written when the purge began)."""
        for key, copy in self._shard_stats(index).items():
            floor = retained.get(key, int(copy["seq_no"]["max_seq_no"]))
            leases = copy.get("retention_leases", {}).get("leases", [])
            if any(int(lease["retaining_seq_no"]) <= floor for lease in leases):
                return False
        return True

    def _deleted_docs(self, index: str) -> int:
        """How many deleted documents the segments of ``index`` still hold (all copies)."""
        response = self._call(lambda: self.client.indices.stats(index=index, metric="docs"))
        return int(response["indices"][index]["total"]["docs"]["deleted"])

    # --- internals: index life cycle --------------------------------------------------------

    def _new_index_name(self) -> str:
        return f"{self.alias}-{datetime.now(UTC).strftime('%Y%m%d-%H%M%S-%f')}"

    def _create(self, name: str, *, building: bool = False,
                with_alias: bool = False) -> None:
        body = index_body(self.rules, building=building)
        if with_alias:
            body["aliases"] = {self.alias: {}}
        self._call(lambda: self.client.indices.create(index=name, body=body))

    def _exists(self) -> bool:
        if self._ready:
            return True
        return bool(self._call(lambda: self.client.indices.exists_alias(name=self.alias)))

    def _refuse_concrete_index(self) -> None:
        exists = self._call(lambda: self.client.indices.exists(index=self.alias))
        if exists and not self._call(lambda: self.client.indices.exists_alias(name=self.alias)):
            raise RuntimeError(f"{self.alias!r} on {self.url} is an index, not an alias: "
                               "delete it (or choose another name) so the store can manage it")

    def _ensure_index(self) -> None:
        """Create the first physical index with the alias when the alias does not exist."""
        with self._lock:
            if self._ready:
                return
            if self._call(lambda: self.client.indices.exists_alias(name=self.alias)):
                self._ready = True
            else:
                self._refuse_concrete_index()
                name = self._new_index_name()
                logger.info("creating %s behind alias %s", name, self.alias)
                self._create(name, with_alias=True)
                self._ready = True
                return
        self.mapping_is_current()

    def _delete_quietly(self, name: str) -> None:
        try:
            self._call(lambda: self.client.indices.delete(index=name))
        except NotFoundError:
            return
        except (BackendUnavailable, TransportError) as error:
            logger.warning("could not delete index %s: %s", name, error)

    # --- internals: calls, retries ------------------------------------------------------------

    def _call(self, request: Callable[[], T]) -> T:
        """Run one request; unreachable node, 429 or 5xx become ``BackendUnavailable``."""
        try:
            return request()
        except (OpenSearchConnectionError, TransportError) as error:
            unavailable = self._unavailable(error)
            if unavailable is None:
                raise
            raise unavailable from error

    def _unavailable(self, error: Exception) -> BackendUnavailable | None:
        """The ``BackendUnavailable`` that ``error`` amounts to, or None (e.g. a 400 or 404)."""
        if isinstance(error, OpenSearchConnectionError):
            return BackendUnavailable(
                f"OpenSearch at {self.url} is unreachable: {error.info or error}", url=self.url)
        if isinstance(error, TransportError) and _retryable(error):
            return BackendUnavailable(
                f"OpenSearch at {self.url} answered HTTP {error.status_code}: {error.error}",
                url=self.url)
        return None

    def _backoff(self, attempt: int) -> float:
        delay = min(self.max_backoff_s, self.initial_backoff_s * 2.0 ** attempt)
        return delay / 2 + random.uniform(0, delay / 2)

    def _bulk(self, index: str, actions: list[Action]) -> None:
        """Send ``actions``; retry the whole request, or the items refused with 429/5xx."""
        pending = actions
        attempt = 0
        while True:
            lines: list[dict[str, Any]] = []
            for header, source in pending:
                lines.append(header)
                if source is not None:
                    lines.append(source)
            try:
                response = self.client.bulk(index=index, body=lines)
            except (OpenSearchConnectionError, TransportError) as error:
                if not _retryable(error):
                    raise
                if attempt >= self.max_retries:
                    raise self._unavailable(error) or error from error
                delay = self._backoff(attempt)
                logger.warning("bulk of %d actions to %s failed (%s); retry %d/%d in %.2f s",
                               len(pending), index, _describe(error), attempt + 1,
                               self.max_retries, delay)
                time.sleep(delay)
                attempt += 1
                continue
            retry, failures = _item_failures(pending, response)
            if failures:
                raise BulkIndexError(
                    f"OpenSearch at {self.url} refused {len(failures)} document(s) in "
                    f"{index}, e.g. {failures[0][0]!r}: HTTP {failures[0][1]} "
                    f"{failures[0][2]}", failures)
            if not retry:
                return
            if attempt >= self.max_retries:
                raise BackendUnavailable(
                    f"OpenSearch at {self.url} kept refusing {len(retry)} document(s) with "
                    f"429/5xx after {self.max_retries} retries", url=self.url)
            delay = self._backoff(attempt)
            logger.warning("%d of %d bulk items to %s refused (429/5xx); retry %d/%d in "
                           "%.2f s", len(retry), len(pending), index, attempt + 1,
                           self.max_retries, delay)
            time.sleep(delay)
            attempt += 1
            pending = retry

    # --- internals: queries -------------------------------------------------------------------

    @staticmethod
    def _scoring_clauses(query: KeywordQuery) -> list[dict[str, Any]]:
        clauses: list[dict[str, Any]] = []
        if query.text.strip():
            clauses.append({"multi_match": {
                "query": normalise_forms(query.text),
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

    @staticmethod
    def _filter_clauses(filters: Filters) -> list[dict[str, Any]]:
        clauses: list[dict[str, Any]] = []
        if filters.geo is not None:
            radius = filters.geo.radius_km * _GEO_SLACK + _GEO_SLACK_KM
            clauses.append({"geo_distance": {
                "distance": f"{radius}km",
                "location": {"lat": filters.geo.center.lat, "lon": filters.geo.center.lon}}})
        if filters.contract_types:
            clauses.append({"terms": {"contract_types": sorted(filters.contract_types)}})
        if filters.rome_codes:
            clauses.append({"terms": {"rome_codes": sorted(filters.rome_codes)}})
        if filters.created_after is not None or filters.created_before is not None:
            bounds: dict[str, int] = {}
            if filters.created_after is not None:
                bounds["gte"] = epoch_micros(filters.created_after)
            if filters.created_before is not None:
                bounds["lte"] = epoch_micros(filters.created_before)
            clauses.append({"range": {"created_at_us": bounds}})
        return clauses

    def _search_raw(self, body: dict[str, Any], size: int) -> list[dict[str, Any]]:
        try:
            response = self._call(lambda: self.client.search(
                index=self.alias, body={**body, "size": size}))
        except NotFoundError:
            return []
        hits: list[dict[str, Any]] = response["hits"]["hits"]
        return hits

    def _search_geo(self, body: dict[str, Any], top_k: int, geo: GeoFilter) -> list[Hit]:
        """Search on the slightly larger circle, keep the hits inside the exact one."""
        size = top_k
        while True:
            found = self._search_raw(body, size)
            kept = [raw for raw in found if _inside(raw, geo)]
            if len(kept) >= top_k or len(found) < size or size >= MAX_RESULT_WINDOW:
                return [self._hit(raw) for raw in kept[:top_k]]
            logger.debug("geo check kept %d of %d hits; searching deeper", len(kept), size)
            size = min(size * _GEO_DEPTH_FACTOR, MAX_RESULT_WINDOW)

    @staticmethod
    def _hit(raw: dict[str, Any]) -> Hit:
        return Hit(id=str(raw["_id"]), score=float(raw["_score"]))


def _inside(raw: dict[str, Any], geo: GeoFilter) -> bool:
    location = (raw.get("_source") or {}).get("location")
    if location is None:
        return False
    point = GeoPoint(lat=location["lat"], lon=location["lon"])
    return haversine_km(geo.center, point) <= geo.radius_km


def _item_failures(
    actions: Sequence[Action], response: dict[str, Any]
) -> tuple[list[Action], list[tuple[str, int, object]]]:
    """The actions to retry (429/5xx) and the permanent failures (id, status, error)."""
    retry: list[Action] = []
    failures: list[tuple[str, int, object]] = []
    if not response.get("errors"):
        return retry, failures
    for action, item in zip(actions, response["items"], strict=True):
        operation, result = next(iter(item.items()))
        status = int(result.get("status", 200))
        if status < 300 or (operation == "delete" and status == 404):
            continue
        if status == 429 or status >= 500:
            retry.append(action)
        else:
            failures.append((str(result.get("_id")), status, result.get("error")))
    return retry, failures


def _describe(error: Exception) -> str:
    status = getattr(error, "status_code", None)
    return f"HTTP {status}" if isinstance(status, int) else type(error).__name__
