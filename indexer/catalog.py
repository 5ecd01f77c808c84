"""The index folder: generations switched atomically, opened read-only or through a writer.

```
INDEX_DIR/
  CURRENT            name of the live generation (replaced with os.replace)
  gen-000003/        manifest.json, offers/, profiles/ (documents, keyword store, vectors)
  embeddings/        content-hash → vector cache shared by generations
```

A writer copies the live generation into a hidden temporary folder, applies its changes there,
writes the manifest, renames the folder into place and only then replaces ``CURRENT``. A crash
or Ctrl-C at any point leaves the previous generation live and loadable.

The stores of a collection come from two factories chosen by the settings
(:func:`keyword_store_factory`, :func:`vector_store_factory`): embedded ones live in the
generation folder (tantivy, FAISS), OpenSearch ones in the cluster behind the aliases
``{prefix}-{kind}`` and ``{prefix}-{kind}-vectors``. What differs between them is asked of the
capability protocols of ``indexer.stores.protocols``, never of a concrete class.
"""

from __future__ import annotations

import fcntl
import functools
import logging
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence, Sized
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from indexer.atomic import write_text_atomic
from indexer.collection import Collection, ModelT
from indexer.collector import ChunkedCollections
from indexer.documents import (
    offer_document,
    offer_embedding_text,
    profile_document,
    profile_embedding_text,
)
from indexer.encoders import (
    EmbeddingCache,
    Encoder,
    encode_documents_cached,
    encodes_faster_than_cache,
)
from indexer.encoders.cache import content_key
from indexer.encoders.pool import encode_processes
from indexer.enrich import ConceptEnricher, RecordEnricher
from indexer.enrich_pool import ProcessPoolEnricher, Reading
from indexer.manifest import IndexMismatchError, Manifest
from indexer.models import Offer, Profile
from indexer.settings import Backend, KeywordBackend, Settings
from indexer.stores.faiss_store import set_faiss_threads
from indexer.stores.protocols import (
    AppendableKeywordStore,
    ClosableStore,
    IndexedDoc,
    KeywordStore,
    PersistentVectorStore,
    RecallCheckedVectorStore,
    StagedRebuildStore,
    VectorStore,
)
from indexer.utc import utc_now_iso

log = logging.getLogger(__name__)

CURRENT_FILE = "CURRENT"
OFFERS = "offers"
PROFILES = "profiles"
ENCODE_CHUNK = 4096
LOCK_POLL_S = 0.1

VECTORS_FOLDER = "vectors"

KeywordStoreFactory = Callable[[Path, str], KeywordStore]
"""(collection folder, kind) → the collection's keyword store."""
VectorStoreFactory = Callable[[Path, str, int, bool], VectorStore]
"""(collection folder, kind, dimension, writable) → the collection's vector store."""


class IndexNotFoundError(FileNotFoundError):
    """No index has been built in the folder yet."""


class IndexBusyError(RuntimeError):
    """Another writer (``emploi index``, another web process) holds the index folder's lock
    longer than this writer was willing to wait; nothing was changed."""

    def __init__(self, directory: Path, waited_s: float) -> None:
        super().__init__(f"another process is writing the index in {directory} "
                         f"(waited {waited_s:.0f} s for it)")
        self.directory = directory
        self.waited_s = waited_s


@runtime_checkable
class PersistentStore(Protocol):
    """A store that keeps its state in files of the generation folder."""

    def save(self) -> None:
        """Flush everything to disk."""
        ...

    def close(self) -> None:
        """Release files and locks."""
        ...


def keyword_store_factory(settings: Settings,
                          synonyms: Sequence[str] = ()) -> KeywordStoreFactory:
    """How to open the configured keyword store for one collection of a generation.

    ``synonyms`` (job-title synonym rules, "vendeur, vendeuse") are used by OpenSearch when it
    creates an index; the embedded store folds gendered forms in its analyser instead.
    """
    if settings.keyword_backend is KeywordBackend.OPENSEARCH:
        from indexer.stores.opensearch_store import OpenSearchKeywordStore

        prefix = settings.opensearch.index_prefix
        return lambda _directory, kind: OpenSearchKeywordStore(
            settings.opensearch, index=f"{prefix}-{kind}", synonyms=synonyms)
    from indexer.stores.tantivy_store import TantivyKeywordStore

    return lambda directory, _kind: TantivyKeywordStore(directory / "keyword")


def vector_store_factory(settings: Settings) -> VectorStoreFactory:
    """How to open the configured vector store for one collection of a generation.

    Embedded: FAISS files in ``{collection}/vectors`` (readers memory-map them, writers load
    them in memory; a new collection starts empty). OpenSearch (``backend=opensearch``): the
    alias ``{prefix}-{kind}-vectors`` of ``knn_vector`` documents (see
    ``indexer.stores.opensearch_vector_store``).
    """
    if settings.vector_backend is Backend.OPENSEARCH:
        from indexer.stores.opensearch_vector_store import OpenSearchVectorStore

        prefix = settings.opensearch.index_prefix
        return lambda _directory, kind, dimension, _writable: OpenSearchVectorStore(
            settings.opensearch, index=f"{prefix}-{kind}-vectors", dimension=dimension)
    from indexer.stores.faiss_store import FaissVectorStore

    def open_faiss(directory: Path, _kind: str, dimension: int, writable: bool) -> VectorStore:
        folder = directory / VECTORS_FOLDER
        if folder.exists():
            return FaissVectorStore.load(folder, mmap=not writable, spill_dir=directory)
        return FaissVectorStore(dimension, spill_dir=directory)

    return open_faiss


def live_generation(directory: Path) -> Path:
    """The folder of the live generation, or ``IndexNotFoundError``."""
    try:
        name = (directory / CURRENT_FILE).read_text(encoding="utf-8").strip()
    except FileNotFoundError as exc:
        raise IndexNotFoundError(
            f"no index in {directory}: build one with `emploi index --index-dir {directory}`"
        ) from exc
    return directory / name


def embedding_cache_path(directory: Path) -> Path:
    """Where an index folder keeps its embedding cache (records' texts and skill labels)."""
    return directory / "embeddings"


class SearchIndex:
    """An opened index: the live generation's offers and profiles."""

    def __init__(self, directory: Path, generation: Path, manifest: Manifest,
                 offers: Collection[Offer], profiles: Collection[Profile]) -> None:
        self.directory = directory
        self.generation = generation
        self.manifest = manifest
        self.offers = offers
        self.profiles = profiles

    @classmethod
    def open(cls, directory: Path, settings: Settings, encoder: Encoder) -> SearchIndex:
        """Open the live generation, refusing one built with other settings."""
        generation = live_generation(directory)
        set_faiss_threads(settings.faiss_threads)
        manifest = Manifest.read(generation)
        manifest.check_compatible(encoder.name, encoder.dimension,
                                  settings.keyword_backend.value, directory,
                                  settings.vector_backend.value)
        factories = (keyword_store_factory(settings), vector_store_factory(settings))
        offers = _open_collection(generation, OFFERS, Offer, offer_document, factories,
                                  manifest.dimension, writable=False)
        profiles = _open_collection(generation, PROFILES, Profile, profile_document, factories,
                                    manifest.dimension, writable=False)
        log.info("opened index %s (%s): %d offers, %d profiles", directory, generation.name,
                 len(offers), len(profiles))
        return cls(directory, generation, manifest, offers, profiles)


def _open_collection(generation: Path, kind: str, model: type[ModelT],
                     to_document: Callable[[ModelT], IndexedDoc],
                     factories: tuple[KeywordStoreFactory, VectorStoreFactory], dimension: int,
                     writable: bool = True) -> Collection[ModelT]:
    """Open one collection of a generation with its keyword and vector stores."""
    folder = generation / kind
    folder.mkdir(parents=True, exist_ok=True)
    keyword_factory, vector_factory = factories
    return Collection.open(kind, keyword_factory(folder, kind),
                           vector_factory(folder, kind, dimension, writable), to_document,
                           folder, model)


class IndexWriter:
    """Apply upserts and deletes to a copy of the live generation, then switch atomically.

    Use as a context manager and call ``commit()``; leaving the block without committing, or
    through an exception (Ctrl-C included), discards the copy and keeps the previous index.
    """

    def __init__(self, directory: Path, settings: Settings, encoder: Encoder, *,
                 rebuild: bool = False, synonyms: Sequence[str] = (),
                 profile_text: Callable[[Profile], str] = profile_embedding_text,
                 lock_wait_s: float = 0.0,
                 enricher: RecordEnricher | None = None,
                 ranking_model: str | None = None) -> None:
        """``profile_text`` is the text embedded for a profile (the matcher passes a
        gender-neutral one, :func:`matcher.queries.profile_index_text`); ``lock_wait_s`` is
        how long to wait for another writer's lock before :class:`IndexBusyError`;
        ``enricher`` reads each new or changed record into concepts before it is stored;
        ``ranking_model`` is the version of the ranking model recorded in the manifest
        (None keeps the recorded one)."""
        self.directory = directory
        self.ranking_model = ranking_model
        self.lock_wait_s = lock_wait_s
        self.enricher = enricher
        self._reading: RecordEnricher | None = None  # the enricher, or its process pool
        self._purged: set[str] = set()
        self._keyword_rebuilds: set[str] = set()
        self.profile_text = profile_text
        self.settings = settings
        self.encoder = encoder
        self.rebuild = rebuild
        self.synonyms = synonyms
        self.cache = EmbeddingCache(embedding_cache_path(directory))
        self._lock_handle: int | None = None
        self._work: Path | None = None
        self._manifest: Manifest | None = None
        self._offers: Collection[Offer] | None = None
        self._profiles: Collection[Profile] | None = None

    def __enter__(self) -> IndexWriter:
        self.directory.mkdir(parents=True, exist_ok=True)
        set_faiss_threads(self.settings.faiss_threads)
        self._acquire_lock()
        try:
            self._start()
        except BaseException:
            try:
                self._discard()  # the work folder, and any remote rebuild already begun
            finally:
                self._release_lock()
            raise
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        try:
            if self._work is not None:
                log.warning("index update not committed: the previous index stays live")
                self._discard()
        finally:
            try:
                self._stop_reading()
            finally:
                self._release_lock()

    def _stop_reading(self) -> None:
        """Stop the concept reading workers, if started (a later chunk starts them again)."""
        if isinstance(self._reading, ProcessPoolEnricher):
            self._reading.close()

    @property
    def offers(self) -> Collection[Offer]:
        """The offers of the generation being written."""
        if self._offers is None:
            raise RuntimeError("IndexWriter used outside its `with` block")
        return self._offers

    @property
    def profiles(self) -> Collection[Profile]:
        """The profiles of the generation being written."""
        if self._profiles is None:
            raise RuntimeError("IndexWriter used outside its `with` block")
        return self._profiles

    def upsert_offers(self, offers: Iterable[Offer]) -> int:
        """Add or replace offers, taken from ``offers`` (a list or a stream) a chunk at a
        time (embeddings come from the content-hash cache when known); return how many."""
        reading = self._reader_of_chunks()
        start = (None if reading is None
                 else reading.start_offers if isinstance(reading, ProcessPoolEnricher)
                 else functools.partial(Reading.later, reading.offers))
        return self._upsert(self.offers, offers, offer_embedding_text, start)

    def upsert_profiles(self, profiles: Iterable[Profile]) -> int:
        """Add or replace profiles, a chunk at a time; return how many."""
        reading = self._reader_of_chunks()
        start = (None if reading is None
                 else reading.start_profiles if isinstance(reading, ProcessPoolEnricher)
                 else functools.partial(Reading.later, reading.profiles))
        return self._upsert(self.profiles, profiles, self.profile_text, start)

    def _reader_of_chunks(self) -> RecordEnricher | None:
        """The enricher, spread over worker processes (one per core, or
        ``encode_processes``) when it is a concept reader and more than one is asked for:
        large chunks are then read in parallel, small ones here."""
        if self.enricher is None:
            return None
        if self._reading is None:
            processes = encode_processes(self.settings)
            self._reading = (ProcessPoolEnricher(self.enricher, self.settings, processes)
                             if isinstance(self.enricher, ConceptEnricher) and processes > 1
                             else self.enricher)
        return self._reading

    def delete_offers(self, ids: Iterable[str]) -> list[str]:
        """Remove offers; return the ids that existed."""
        return self.offers.delete(ids)

    def delete_profiles(self, ids: Iterable[str]) -> list[str]:
        """Remove profiles; return the ids that existed."""
        return self.profiles.delete(ids)

    def purge_profiles(self, ids: Iterable[str], earlier_versions: Sequence[Profile] = ()
                       ) -> list[str]:
        """Remove profiles and every copy of their data (an erasure): their cached vectors
        now (those of ``earlier_versions`` too, e.g. before a counsellor's edits), and at
        commit their dead record lines (the record file is rewritten); their keyword and
        vector entries go through the stores' ``purge``: an OpenSearch index is force-merged
        now until no deleted document is left, a local tantivy store (which cannot force a
        merge) is rebuilt without them at commit, not tomb-stoned. Return the ids that
        existed."""
        ids = list(dict.fromkeys(ids))
        stored = [p for p in (self.profiles.get(i) for i in ids) if p is not None]
        self.cache.forget([content_key(self.encoder.name, self.profile_text(p))
                           for p in [*stored, *earlier_versions]])
        self._purged.add(PROFILES)
        present, expunged = self.profiles.purge(ids)
        if not expunged:
            self._keyword_rebuilds.add(PROFILES)
        return present

    def commit(self, before_publish: Callable[[], None] | None = None) -> Path:
        """Persist the new generation and make it live; return its folder.

        ``before_publish`` runs once the generation is complete on disk and before it goes
        live (e.g. the database transaction that goes with the change): when it raises, the
        generation is discarded and the previous one stays live.
        """
        work, manifest = self._require_work()
        self._stop_reading()  # its workers hold a reader each: not needed to commit
        # the reading and encoding are over: the IVF switch and the recall check take the
        # cores they had (docs/performance.md, "Stop 45")
        set_faiss_threads(encode_processes(self.settings))
        try:
            self._persist_collections(work, manifest)
        finally:
            set_faiss_threads(self.settings.faiss_threads)
        if before_publish is not None:
            before_publish()
        final = self.directory / _next_generation_name(self.directory)
        os.rename(work, final)
        self._work = None
        write_text_atomic(self.directory / CURRENT_FILE, final.name + "\n")
        log.info("index %s: generation %s is live (%s)", self.directory, final.name,
                 ", ".join(f"{kind} {count}" for kind, count in manifest.counts.items()))
        self._remove_old_generations(keep=final.name)
        return final

    def _persist_collections(self, work: Path, manifest: Manifest) -> None:
        """Each collection's stores written to ``work`` (its vectors' recall checked), then
        the manifest."""
        for collection in (self.offers, self.profiles):
            folder = work / collection.kind
            if collection.kind in self._keyword_rebuilds:
                self._rebuild_keyword_store(collection, folder)
            vectors = collection.vectors
            if isinstance(vectors, RecallCheckedVectorStore):
                s = self.settings
                vectors.check_recall(s.ann_recall_target, s.ann_recall_sample,
                                     s.ann_max_probe_share, s.ann_flat_max_vectors,
                                     collection.kind)
            _persist(collection, folder, compact=collection.kind in self._purged)
            manifest.counts[collection.kind] = len(collection)
            if isinstance(vectors, PersistentVectorStore):
                manifest.vector_indexes[collection.kind] = vectors.describe()
        manifest.vector_index = manifest.vector_indexes.get(OFFERS, {}).get(
            "factory", manifest.vector_index)
        manifest.updated_at = utc_now_iso()
        manifest.write(work)

    def _rebuild_keyword_store(self, collection: Collection[Any], folder: Path) -> None:
        """Rebuild a collection's keyword store from its live records, for a store whose
        ``purge`` could not expunge the purged documents from its files (tantivy on disk:
        they would stay in its segments until a merge)."""
        if isinstance(collection.keyword, PersistentStore):
            collection.keyword.close()
        shutil.rmtree(folder / "keyword", ignore_errors=True)
        fresh = keyword_store_factory(self.settings, self.synonyms)(folder, collection.kind)
        ids = collection.ids()  # distinct: the new, empty store takes them as new
        write = fresh.add_new if isinstance(fresh, AppendableKeywordStore) else fresh.upsert
        for start in range(0, len(ids), ENCODE_CHUNK):
            write(doc for doc in (collection.document(i)
                                  for i in ids[start:start + ENCODE_CHUNK])
                  if doc is not None)
        collection.keyword = fresh
        log.info("%s: keyword store rebuilt without the purged records (%d kept)",
                 collection.kind, len(ids))

    def _upsert(self, collection: Collection[ModelT], records: Iterable[ModelT],
                text_of: Callable[[ModelT], str],
                start_reading: Callable[[list[ModelT]], Reading[ModelT]] | None) -> int:
        """Read into concepts (``start_reading``), encode (through the content-hash cache)
        and store ``records`` a chunk at a time, so memory stays bounded whether they come as
        a list or as a stream; records identical to the stored ones are skipped, and within
        a chunk a repeated id keeps its last record. The stages overlap: the reading pool's
        workers read the chunk after next while this thread stores this one (this thread then
        reads the batches of that chunk they have not taken), and the next one is encoded in
        a thread of its own (by the encoder pool's workers, where there is one). The garbage
        collector's full collections run between chunks (:mod:`indexer.collector`)."""
        total = len(records) if isinstance(records, Sized) else None
        done = skipped = 0
        started = time.monotonic()
        pending: tuple[list[ModelT], Future[npt.NDArray[np.float32]]] | None = None
        with (ThreadPoolExecutor(max_workers=1, thread_name_prefix="encode") as encoding,
              ChunkedCollections() as collections):
            changed = ((len(batch), [r for r in batch if not _unchanged(collection, r)])
                       for batch in _chunks(records, ENCODE_CHUNK))
            for size, chunk in _read_ahead(changed, start_reading):
                done += size
                skipped += size - len(chunk)
                encoded = (chunk, encoding.submit(self._encode, chunk, text_of)
                           ) if chunk else None
                if pending is not None:
                    collection.upsert(pending[0], pending[1].result())
                    collections.chunk_done()
                pending = encoded
                _log_progress(collection.kind, done, total, skipped,
                              time.monotonic() - started)
            if pending is not None:
                collection.upsert(pending[0], pending[1].result())
        return done

    def _encode(self, records: Sequence[ModelT], text_of: Callable[[ModelT], str]
                ) -> npt.NDArray[np.float32]:
        """The records' vectors, and their skill labels' vectors into the cache (the matcher
        compares labels to credit close skills, and reads them from there). An encoder
        faster than the cache (the static model) encodes the texts directly: nothing is
        looked up or stored (the matcher encodes labels with it directly too): a million
        GENERATED offers had left 4.6 GB in the index's cache (docs/performance.md, "Stop
        45")."""
        texts = [text_of(r) for r in records]
        if encodes_faster_than_cache(self.encoder):
            return self.encoder.encode_documents(texts)
        vectors = encode_documents_cached(self.encoder, texts, self.cache)
        encode_documents_cached(self.encoder, _skill_labels(records), self.cache)
        return vectors

    def _start(self) -> None:
        _remove_stale_work_folders(self.directory)
        work = self.directory / f".work-{uuid.uuid4().hex[:12]}"
        previous = None if self.rebuild else _live_or_none(self.directory)
        if previous is not None:
            manifest = Manifest.read(previous)
            manifest.check_compatible(self.encoder.name, self.encoder.dimension,
                                      self.settings.keyword_backend.value, self.directory,
                                      self.settings.vector_backend.value)
            manifest.check_reader(self._reader_version, self.directory)
            shutil.copytree(previous, work)
        else:
            work.mkdir(parents=True)
            manifest = Manifest(encoder=self.encoder.name, dimension=self.encoder.dimension,
                                keyword_backend=self.settings.keyword_backend.value,
                                vector_backend=self.settings.vector_backend.value)
        manifest.concept_reader = self._reader_version
        if self.ranking_model is not None:
            manifest.ranking_model = self.ranking_model
        self._work, self._manifest = work, manifest
        factories = (keyword_store_factory(self.settings, self.synonyms),
                     vector_store_factory(self.settings))
        self._offers = _open_collection(work, OFFERS, Offer, offer_document, factories,
                                        manifest.dimension)
        self._profiles = _open_collection(work, PROFILES, Profile, profile_document, factories,
                                          manifest.dimension)
        if self.rebuild:
            for collection in (self._offers, self._profiles):
                _begin_rebuild(collection.keyword)
                _begin_rebuild(collection.vectors)

    @property
    def _reader_version(self) -> str | None:
        return self.enricher.version if self.enricher is not None else None

    def _require_work(self) -> tuple[Path, Manifest]:
        if self._work is None or self._manifest is None:
            raise RuntimeError("nothing to commit: the writer is closed")
        return self._work, self._manifest

    def _discard(self) -> None:
        """Close every store (an unfinished remote rebuild deletes its half-built index)
        and delete the work folder."""
        for collection in (self._offers, self._profiles):
            if isinstance(collection, Collection):
                collection.close()
                for store in (collection.keyword, collection.vectors):
                    if isinstance(store, ClosableStore):
                        store.close()
        if self._work is not None:
            shutil.rmtree(self._work, ignore_errors=True)
            self._work = None

    def _remove_old_generations(self, keep: str) -> None:
        for folder in self.directory.glob("gen-*"):
            if folder.name != keep:
                shutil.rmtree(folder, ignore_errors=True)

    def _acquire_lock(self) -> None:
        handle = os.open(self.directory / ".lock", os.O_CREAT | os.O_RDWR, 0o600)
        started = time.monotonic()
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError as exc:
                waited = time.monotonic() - started
                if waited >= self.lock_wait_s:
                    os.close(handle)
                    raise IndexBusyError(self.directory, waited) from exc
                time.sleep(min(LOCK_POLL_S, self.lock_wait_s - waited))
        self._lock_handle = handle

    def _release_lock(self) -> None:
        if self._lock_handle is not None:
            fcntl.flock(self._lock_handle, fcntl.LOCK_UN)
            os.close(self._lock_handle)
            self._lock_handle = None


def _begin_rebuild(store: object) -> None:
    """Remote stores rebuild into a new index behind their alias (switched on ``save``);
    embedded ones start empty in the new generation anyway."""
    if isinstance(store, StagedRebuildStore):
        store.begin_rebuild()


def _unchanged(collection: Collection[Any], record: Any) -> bool:
    """Whether ``record`` is stored as it is (nothing to re-index): byte for byte, or
    followed by the concepts indexing read from it (``concepts`` is the models' last field,
    and the index's reader is checked when the writer starts)."""
    raw = collection.raw(str(record.id))
    if raw is None:
        return False
    given = record.model_dump_json(exclude_defaults=True).encode()
    return raw == given or (record.concepts is None
                            and raw.startswith(given[:-1] + b',"concepts":'))


def _skill_labels(records: Sequence[Offer | Profile] | Sequence[Any]) -> list[str]:
    """The distinct skill labels of offers or profiles."""
    return list(dict.fromkeys(tag.label for record in records for tag in record.matching_skills))


def _chunks(records: Iterable[ModelT], size: int) -> Iterator[list[ModelT]]:
    """``records`` ``size`` at a time; within a chunk, a repeated id keeps its last record
    (at that record's place)."""
    chunk: dict[str, ModelT] = {}
    for record in records:
        record_id = str(getattr(record, "id"))  # noqa: B009
        chunk.pop(record_id, None)
        chunk[record_id] = record
        if len(chunk) >= size:
            yield list(chunk.values())
            chunk = {}
    if chunk:
        yield list(chunk.values())


def _read_ahead(chunks: Iterable[tuple[int, list[ModelT]]],
                start_reading: Callable[[list[ModelT]], Reading[ModelT]] | None
                ) -> Iterator[tuple[int, list[ModelT]]]:
    """``chunks`` (each with the size of its batch) read into concepts, one chunk ahead:
    the next chunk's reading is started (``start_reading``: a pool's workers begin it) before
    this one's is finished and handed over, so the workers read it while the caller stores
    this one, and do not wait for the stores. Without ``start_reading``, the chunks as they
    are."""
    if start_reading is None:
        yield from chunks
        return
    ahead: tuple[int, Reading[ModelT]] | None = None
    for size, chunk in chunks:
        reading = start_reading(chunk) if chunk else Reading.later(list, chunk)
        if ahead is not None:
            yield ahead[0], ahead[1].result()
        ahead = (size, reading)
    if ahead is not None:
        yield ahead[0], ahead[1].result()


def _log_progress(kind: str, done: int, total: int | None, skipped: int,
                  elapsed_s: float) -> None:
    rate = done / elapsed_s if elapsed_s > 0 else float("inf")
    if total is None:  # a stream: its length is not known
        log.info("%s: %d indexed (%d unchanged; %.0f records/s)", kind, done, skipped, rate)
        return
    eta_s = (total - done) / rate if rate > 0 else 0.0
    log.info("%s: %d/%d indexed (%d unchanged; %.0f records/s, ETA %.0f s)", kind, done,
             total, skipped, rate, eta_s)


def _persist(collection: Collection[Any], folder: Path, compact: bool = False) -> None:
    """Save both stores (a remote rebuild switches its alias here), then the records."""
    if isinstance(collection.keyword, PersistentStore):
        collection.keyword.save()
        collection.keyword.close()
    vectors = collection.vectors
    if isinstance(vectors, PersistentVectorStore):
        vectors.save(folder / VECTORS_FOLDER)
    if isinstance(vectors, ClosableStore):
        vectors.close()
    collection.write_records(folder, compact=compact)
    collection.close()


def _live_or_none(directory: Path) -> Path | None:
    try:
        return live_generation(directory)
    except IndexNotFoundError:
        return None


def _next_generation_name(directory: Path) -> str:
    numbers = [int(folder.name.removeprefix("gen-")) for folder in directory.glob("gen-*")
               if folder.name.removeprefix("gen-").isdigit()]
    return f"gen-{max(numbers, default=0) + 1:06d}"


def _remove_stale_work_folders(directory: Path) -> None:
    for folder in directory.glob(".work-*"):
        log.warning("removing %s left by an interrupted update", folder)
        shutil.rmtree(folder, ignore_errors=True)


__all__ = ["IndexBusyError", "IndexMismatchError", "IndexNotFoundError", "IndexWriter",
           "SearchIndex", "live_generation"]
