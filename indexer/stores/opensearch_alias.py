"""What both OpenSearch stores share: a client on every node, an alias over physical indexes,
bulk writes with retries, rebuilds that stream into a new index and switch the alias.

A store reads and writes through the alias ``index``; the physical index behind it is
``{index}-{timestamp}``, created on the first write. A rebuild (``begin_rebuild()``, writes,
then ``save()``) fills a new physical index while searches keep reading the old one through the
alias, then switches the alias in one atomic ``_aliases`` request and deletes the old index;
``close()`` before ``save()`` deletes the half-built index and leaves the alias untouched; what a
rebuild killed before its switch left behind is deleted by the next ``begin_rebuild()``.

A process forked after a store was opened (gunicorn's workers) gets a client of its own on
first use.

**Several nodes.** ``OpenSearchSettings.url`` may name several nodes (comma-separated). The
client spreads requests over them and, on a connection error, a timeout or a 502/503/504,
retries at once on another node (``OpenSearchSettings.retries`` times), marking the failed one
dead for a while. On top of that, reads are retried with a short back-off (a shard copy that
was on a lost node answers 5xx for the moment the cluster takes to promote its replica), and
bulk writes are retried with exponential back-off on 429, 5xx and connection errors, item by
item. Searches refuse partial results (``allow_partial_search_results=false``): a search that
misses a shard fails, and is retried, instead of silently returning fewer documents.
"""

from __future__ import annotations

import contextlib
import logging
import os
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
from opensearchpy.exceptions import ConnectionTimeout, NotFoundError, TransportError

from indexer.settings import OpenSearchSettings
from indexer.stores.errors import BackendUnavailable

logger = logging.getLogger(__name__)

BATCH_SIZE = 500
READ_RETRIES = 2
RETRY_ON_STATUS = (502, 503, 504)
_INVALID_NAME_CHARS = frozenset('\\/*?"<>| ,#:')

T = TypeVar("T")
Action = tuple[dict[str, Any], dict[str, Any] | None]
"""One bulk action: its header line, and its source line (``None`` for a delete)."""


class BulkIndexError(RuntimeError):
    """OpenSearch refused some documents for good (e.g. a mapping error); names the ids."""

    def __init__(self, message: str, failures: Sequence[tuple[str, int, object]]) -> None:
        super().__init__(message)
        self.failures = list(failures)


def safe_url(url: str) -> str:
    """``url`` without any user or password in it, for messages."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """``items`` in lists of at most ``size``."""
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def retryable(error: Exception) -> bool:
    """Connection errors, timeouts, 429 and 5xx: worth trying again."""
    if isinstance(error, OpenSearchConnectionError):
        return True
    status = getattr(error, "status_code", None)
    return isinstance(status, int) and (status == 429 or status >= 500)


def check_alias(name: str) -> str:
    """``name`` when it is a valid index or alias name, else ``ValueError`` saying why."""
    if (not name or name != name.lower() or name[0] in "-_+" or name in (".", "..")
            or _INVALID_NAME_CHARS.intersection(name)):
        raise ValueError(f"invalid OpenSearch index name {name!r}: lower case, no spaces, "
                         f"none of {''.join(sorted(_INVALID_NAME_CHARS))!r}")
    return name


def make_client(settings: OpenSearchSettings) -> OpenSearch:
    """A client on every node of ``settings.url``, failing over between them."""
    auth = (settings.user, settings.password or "") if settings.user is not None else None
    return OpenSearch(
        hosts=settings.urls or [settings.url],
        http_auth=auth,
        verify_certs=settings.verify_certs,
        ca_certs=str(settings.ca_certs) if settings.ca_certs is not None else None,
        timeout=settings.timeout_s,
        max_retries=settings.retries,
        retry_on_status=RETRY_ON_STATUS,
        retry_on_timeout=True,
    )


class AliasedIndex:
    """The life cycle of one alias and its physical indexes; the stores subclass it.

    Subclasses give the body of a new index (``index_body``) and the ``_meta`` entries that
    tell whether a live index is current (``wanted_meta``). Safe to share between threads.
    """

    def __init__(
        self,
        settings: OpenSearchSettings,
        index: str,
        *,
        batch_size: int = BATCH_SIZE,
        max_retries: int = 5,
        initial_backoff_s: float = 0.1,
        max_backoff_s: float = 10.0,
        refresh: bool = True,
        read_retries: int = READ_RETRIES,
    ) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self.settings = settings
        self.alias = check_alias(index)
        self.url = ", ".join(safe_url(url) for url in settings.urls or [settings.url])
        self.batch_size = batch_size
        self.max_retries = max_retries
        self.read_retries = read_retries
        self.initial_backoff_s = initial_backoff_s
        self.max_backoff_s = max_backoff_s
        self.refresh_on_write = refresh
        self._client = make_client(settings)
        self._client_pid = os.getpid()
        self._lock = threading.Lock()
        self._ready = False
        self._staging: str | None = None

    @property
    def client(self) -> OpenSearch:
        """The client of this process: a process forked after the store was opened (a web
        server's workers) gets its own, never sharing the parent's connections."""
        if self._client_pid != os.getpid():
            self._client = make_client(self.settings)
            self._client_pid = os.getpid()
        return self._client

    # --- what subclasses define ---------------------------------------------------------------

    def index_body(self, *, building: bool = False) -> dict[str, Any]:
        """The body of ``PUT /{physical index}``."""
        raise NotImplementedError

    def wanted_meta(self) -> dict[str, Any]:
        """The ``_meta`` entries a live index must have to be current."""
        raise NotImplementedError

    # --- shared behaviour ---------------------------------------------------------------------

    @property
    def rebuilding(self) -> bool:
        """True between ``begin_rebuild()`` and ``save()`` (or ``close()``)."""
        return self._staging is not None

    def count(self) -> int:
        """How many documents the alias holds (exact; writes count once refreshed)."""
        try:
            response = self._read(lambda: self.client.count(index=self.alias))
        except NotFoundError:
            return 0
        return int(response["count"])

    def refresh(self) -> None:
        """Make every write so far visible to searches and counts."""
        with contextlib.suppress(NotFoundError):
            self._call(lambda: self.client.indices.refresh(index=self.alias))

    def save(self) -> None:
        """Finish a rebuild (switch the alias); otherwise make the writes visible
        (OpenSearch persists writes by itself)."""
        if self._staging is not None:
            self.finish_rebuild()
        else:
            self.refresh()

    def close(self) -> None:
        """Abandon an unfinished rebuild (its index is deleted), release the connections."""
        if self._staging is not None:
            self.abort_rebuild()
        self.client.close()

    def physical_indexes(self) -> list[str]:
        """The physical indexes behind the alias (normally one; none before the first write)."""
        try:
            response = self._read(lambda: self.client.indices.get_alias(name=self.alias))
        except NotFoundError:
            return []
        return sorted(response)

    def begin_rebuild(self) -> str:
        """Create a new physical index and send every later write there; searches keep
        reading the alias until ``save()`` switches it. Returns the new index's name."""
        self._refuse_concrete_index()
        self._delete_leftovers()
        with self._lock:
            if self._staging is not None:
                raise RuntimeError(f"a rebuild of {self.alias} is already under way")
            name = self._new_index_name()
            self._create(name, building=True)
            self._staging = name
        logger.info("rebuilding %s into %s", self.alias, name)
        return name

    def finish_rebuild(self) -> str:
        """Make the rebuilt index searchable, switch the alias to it atomically and delete
        the previous indexes. A failure before the switch deletes the new index and leaves
        the alias where it was."""
        name = self._require_staging()
        try:
            self._call(lambda: self.client.indices.put_settings(
                index=name, body={"index": {"refresh_interval": None}}))
            self._call(lambda: self.client.indices.refresh(index=name))
            old = self.physical_indexes()
            actions: list[dict[str, Any]] = [
                {"remove": {"index": index, "alias": self.alias}} for index in old]
            actions.append({"add": {"index": name, "alias": self.alias}})
            self._call(lambda: self.client.indices.update_aliases(body={"actions": actions}))
        except BaseException:
            self.abort_rebuild()
            raise
        with self._lock:
            self._staging = None
            self._ready = True
        logger.info("alias %s now points at %s; deleting %s", self.alias, name,
                    old or "nothing")
        for index in old:
            self._delete_quietly(index)
        return name

    def abort_rebuild(self) -> None:
        """Delete the half-built index of a rebuild; the alias is unchanged."""
        with self._lock:
            name, self._staging = self._staging, None
        if name is not None:
            logger.warning("rebuild of %s abandoned: deleting the half-built %s; the alias is "
                           "unchanged", self.alias, name)
            self._delete_quietly(name)

    def drop(self) -> None:
        """Delete the alias and every physical index behind it (tests, tools)."""
        for name in self.physical_indexes():
            self._delete_quietly(name)
        with self._lock:
            self._ready = False

    def mapping_is_current(self) -> bool:
        """True when every index behind the alias was created with this code's definition."""
        try:
            response = self._read(lambda: self.client.indices.get_mapping(index=self.alias))
        except NotFoundError:
            return True
        wanted = self.wanted_meta()
        for name, body in response.items():
            meta = body.get("mappings", {}).get("_meta", {})
            found = {key: meta.get(key) for key in wanted}
            if found != wanted:
                logger.warning("index %s was created with %s, this code wants %s: rebuild it "
                               "(`emploi index --rebuild`)", name, found, wanted)
                return False
        return True

    # --- internals: index life cycle ----------------------------------------------------------

    @property
    def _write_target(self) -> str:
        """Where writes go: the index being rebuilt, else the alias."""
        return self._staging or self.alias

    def _require_staging(self) -> str:
        if self._staging is None:
            raise RuntimeError(f"no rebuild of {self.alias} under way")
        return self._staging

    def _new_index_name(self) -> str:
        return f"{self.alias}-{datetime.now(UTC).strftime('%Y%m%d-%H%M%S-%f')}"

    def _create(self, name: str, *, building: bool = False, with_alias: bool = False) -> None:
        body = self.index_body(building=building)
        if with_alias:
            body["aliases"] = {self.alias: {}}
        self._call(lambda: self.client.indices.create(index=name, body=body))

    def _exists(self) -> bool:
        if self._ready or self._staging is not None:
            return True
        return bool(self._read(lambda: self.client.indices.exists_alias(name=self.alias)))

    def _refuse_concrete_index(self) -> None:
        exists = self._read(lambda: self.client.indices.exists(index=self.alias))
        if exists and not self._read(lambda: self.client.indices.exists_alias(name=self.alias)):
            raise RuntimeError(f"{self.alias!r} on {self.url} is an index, not an alias: "
                               "delete it (or choose another name) so the store can manage it")

    def _ensure_index(self) -> None:
        """Create the first physical index with the alias when the alias does not exist."""
        with self._lock:
            if self._ready or self._staging is not None:
                return
            if self._read(lambda: self.client.indices.exists_alias(name=self.alias)):
                self._ready = True
            else:
                self._refuse_concrete_index()
                name = self._new_index_name()
                logger.info("creating %s behind alias %s", name, self.alias)
                self._create(name, with_alias=True)
                self._ready = True
                return
        self.mapping_is_current()

    def _delete_leftovers(self) -> None:
        """Delete physical indexes of this alias that it does not point at: what a rebuild
        killed before its switch (``kill -9``, a lost machine) left behind."""
        try:
            found = self._read(lambda: self.client.indices.get(
                index=f"{self.alias}-*", params={"expand_wildcards": "open,closed"}))
        except NotFoundError:
            return
        live = set(self.physical_indexes())
        prefix = f"{self.alias}-"
        for name in sorted(found):
            suffix = name[len(prefix):]
            if name in live or not (suffix[:8].isdigit() and suffix.count("-") == 2):
                continue  # another alias's index ({alias}-vectors-...) or not one of ours
            logger.warning("deleting %s, left by an interrupted rebuild of %s", name, self.alias)
            self._delete_quietly(name)

    def _delete_quietly(self, name: str) -> None:
        try:
            self._call(lambda: self.client.indices.delete(index=name))
        except NotFoundError:
            return
        except (BackendUnavailable, TransportError) as error:
            logger.warning("could not delete index %s: %s", name, error)

    # --- internals: calls, retries ------------------------------------------------------------

    def _call(self, request: Callable[[], T]) -> T:
        """Run one request (the client has already failed over between nodes); unreachable
        nodes, 429 or 5xx become ``BackendUnavailable``."""
        try:
            return request()
        except (OpenSearchConnectionError, TransportError) as error:
            unavailable = self._unavailable(error)
            if unavailable is None:
                raise
            raise unavailable from error

    def _read(self, request: Callable[[], T]) -> T:
        """Run an idempotent read, retried ``read_retries`` times with a short back-off on
        connection errors, 429 and 5xx, then ``BackendUnavailable``."""
        attempt = 0
        while True:
            try:
                return request()
            except (OpenSearchConnectionError, TransportError) as error:
                unavailable = self._unavailable(error)
                if unavailable is None:
                    raise
                if attempt >= self.read_retries:
                    raise unavailable from error
                delay = self._backoff(attempt)
                logger.warning("read from %s failed (%s); retry %d/%d in %.2f s", self.alias,
                               describe(error), attempt + 1, self.read_retries, delay)
                time.sleep(delay)
                attempt += 1

    def _unavailable(self, error: Exception) -> BackendUnavailable | None:
        """The ``BackendUnavailable`` that ``error`` amounts to, or None (e.g. a 400 or 404)."""
        if isinstance(error, ConnectionTimeout):
            return BackendUnavailable(
                f"OpenSearch at {self.url} did not answer in time: {error.info or error}",
                url=self.url)
        if isinstance(error, OpenSearchConnectionError):
            return BackendUnavailable(
                f"OpenSearch at {self.url} is unreachable: {error.info or error}", url=self.url)
        if isinstance(error, TransportError) and retryable(error):
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
                if not retryable(error):
                    raise
                if attempt >= self.max_retries:
                    raise self._unavailable(error) or error from error
                delay = self._backoff(attempt)
                logger.warning("bulk of %d actions to %s failed (%s); retry %d/%d in %.2f s",
                               len(pending), index, describe(error), attempt + 1,
                               self.max_retries, delay)
                time.sleep(delay)
                attempt += 1
                continue
            retry, failures = item_failures(pending, response)
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

    def _write(self, action_batches: Iterable[list[Action]]) -> int:
        """Bulk each batch of actions to the write target (a batch holds one action per id, so
        retrying some of its items never reorders two writes of one document); refresh after
        when asked to (not while rebuilding). Returns how many actions were sent."""
        target = self._write_target
        written = 0
        for batch in action_batches:
            if batch:
                self._bulk(target, batch)
                written += len(batch)
        if written and self.refresh_on_write and self._staging is None:
            self.refresh()
        return written

    def _delete_ids(self, ids: Iterable[str]) -> None:
        """Delete documents by id (unknown ids are ignored)."""
        if not self._exists():
            return
        self._write([({"delete": {"_id": doc_id}}, None) for doc_id in dict.fromkeys(batch)]
                    for batch in batches(ids, self.batch_size))


def item_failures(
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


def describe(error: Exception) -> str:
    """``HTTP 503`` or the error's class name, for logs."""
    status = getattr(error, "status_code", None)
    return f"HTTP {status}" if isinstance(status, int) else type(error).__name__
