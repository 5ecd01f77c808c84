"""Concept reading spread over worker processes, for indexing on several cores.

Reading a record into concepts (:mod:`indexer.enrich`) is pure Python and costs tens of
milliseconds per offer, far more than encoding or storing it: on one core it is most of a
from-scratch ``emploi index`` (docs/performance.md, issue 13). The pool reads in
``processes`` processes: this one and ``processes - 1`` workers, each with its own concept
reader for the same taxonomy and settings; it sends them the records of a chunk in small
batches, and the records come back in order, read as the indexing process would have read
them (the same reader, version checked). Only their concepts travel back, set on the
records kept here: half the bytes of the read records.

The indexing process first prepares its reader, which keeps the built state in the cache
folder (:mod:`skills_taxonomy.reader_cache`), so each worker reads that state in a fraction of
a second instead of building it; and, when the encoder has an embedding cache, it encodes
what the chunk's readings need (``prepare_batch``: titles and passages, in batches), so the
workers find every vector there. An encoder faster than the cache (the static model) is not
cached at all: each worker encodes its passages as it reads them. On the 2 shared cores here,
the 1,373 France-wide offers are read at ≈ 98 offers/s in two workers once they have started
(≈ 4 s), against ≈ 65–70 in the indexing process (``python -m bench.concept_reading``).
Chunks smaller than ``min_records`` are read in the calling process: a web write of a few
records never starts the pool, which starts on the first chunk that is large enough.

**The calling process reads too.** A reading is started
(:meth:`ProcessPoolEnricher.start_offers`: its batches queued for the workers, which take
them from the start) and finished when its result is asked for (:meth:`Reading.result`: the
calling thread takes the batches no worker has taken yet from the end, cancelled in the pool
and read here, until the two meet), so one worker's reader, and its memory, is spared.
``emploi index`` starts the next chunk's reading before it finishes this one's and stores the
one before: the worker reads while the indexing process stores, and the indexing process
reads only what is left when it is done storing. 60,000 GENERATED offers indexed from
scratch with one worker: as fast as with two (262 against 257 s), 0.5 GB less at the peak;
started ahead: 270 against 277 s the same hour (docs/performance.md, "Stop 45").
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import ExitStack
from types import TracebackType
from typing import Generic, TypeVar

from threadpoolctl import ThreadpoolController

from indexer.encoders.factory import create_encoder
from indexer.encoders.pool import start_worker_process
from indexer.enrich import ConceptEnricher, RecordT, concept_reader, with_concepts
from indexer.models import Concepts, Offer, Profile
from indexer.settings import ConceptSettings, Settings
from skills_taxonomy import Taxonomy

log = logging.getLogger(__name__)
T = TypeVar("T")

POOL_BATCH = 16
"""Records per task: small enough to keep every worker busy to the end of a chunk, and for
their concepts to fit in a pipe's buffer (≈ 37 KB for 16 GENERATED offers, against 64 KB),
so that a worker's send does not wait for this process to read the one before."""
MIN_RECORDS = 512
"""Chunks below this are read in the calling process."""

_worker_enricher: ConceptEnricher | None = None


def _start_worker(settings: Settings, taxonomy: Taxonomy, concepts: ConceptSettings,
                  with_vectors: bool, version: str, parent_pid: int) -> None:
    global _worker_enricher  # one reader per worker process, built once
    start_worker_process(parent_pid)
    encoder = create_encoder(settings, distil=False) if with_vectors else None
    enricher = ConceptEnricher(concept_reader(settings, taxonomy, encoder), concepts)
    if enricher.version != version:
        raise RuntimeError(f"a reading worker built reader {enricher.version!r}, "
                           f"the indexing process reads with {version!r}")
    _worker_enricher = enricher


def _worker_reader() -> ConceptEnricher:
    if _worker_enricher is None:
        raise RuntimeError("reading worker not initialised")
    return _worker_enricher


def _read_offers(offers: Sequence[Offer]) -> list[Concepts | None]:
    """What a worker sends back: the concepts of each offer, not the offer (half the bytes
    through the pipe, and less for the indexing process to unpickle)."""
    return [offer.concepts for offer in _worker_reader().read_offers(offers)]


def _read_profiles(profiles: Sequence[Profile]) -> list[Concepts | None]:
    """The concepts of each profile, read in a worker."""
    return [profile.concepts for profile in _worker_reader().read_profiles(profiles)]


class Reading(Generic[T]):
    """Records being read into concepts: :meth:`result` finishes the reading (in the calling
    thread) and returns them in order."""

    def __init__(self, finish: Callable[[], list[T]]) -> None:
        self._finish = finish
        self._records: list[T] | None = None

    @classmethod
    def later(cls, read: Callable[[Sequence[T]], list[T]],
              records: Sequence[T]) -> Reading[T]:
        """A reading done all at once by ``read``, when its result is asked for."""
        return cls(lambda: read(records))

    def result(self) -> list[T]:
        """The records read (read once, the first time this is called)."""
        if self._records is None:
            self._records = self._finish()
        return self._records


def _gathered(batches: Sequence[list[RecordT]],
              there: Sequence[Future[list[Concepts | None]]],
              read_here: Callable[[list[RecordT]], list[RecordT]]
              ) -> tuple[list[RecordT], int]:
    """Every batch read, in order: by the workers (``there``: their concepts), or here from
    the last one back, each one no worker has taken yet (cancelled in the pool, then
    ``read_here``); and how many records were read here."""
    here: dict[int, list[RecordT]] = {}
    for number in reversed(range(len(batches))):
        if not there[number].cancel():  # a worker has it, and every one before
            break
        here[number] = read_here(batches[number])
    out: list[RecordT] = []
    for number, future in enumerate(there):
        out.extend(here[number] if number in here else
                   [with_concepts(record, read) for record, read
                    in zip(batches[number], future.result(), strict=True)])
    return out, sum(map(len, here.values()))


class ProcessPoolEnricher:
    """A :class:`~indexer.enrich.RecordEnricher` reading large chunks in ``processes``
    processes, this one and ``processes - 1`` workers (module doc), and small ones here
    with ``local``. Use as a context manager (or call :meth:`close`) so the workers stop."""

    def __init__(self, local: ConceptEnricher, settings: Settings, processes: int, *,
                 min_records: int = MIN_RECORDS, batch_size: int = POOL_BATCH) -> None:
        if processes < 2:
            raise ValueError(f"a reading pool needs 2 processes or more, not {processes}")
        self.local = local
        self._settings = settings
        self._processes = processes
        self._blas = ThreadpoolController()
        self._while_started = ExitStack()  # what closing the pool undoes
        self._min_records = min_records
        self._batch_size = batch_size
        self._pool: ProcessPoolExecutor | None = None
        self._broken = False  # the workers could not start: read here from then on

    @property
    def version(self) -> str:
        """The reader's version (the workers' is checked against it)."""
        return self.local.version

    def offers(self, offers: Sequence[Offer]) -> list[Offer]:
        """Each offer with its concepts, as :meth:`ConceptEnricher.offers` reads them."""
        return self.start_offers(offers).result()

    def profiles(self, profiles: Sequence[Profile]) -> list[Profile]:
        """Each profile with its concepts, as :meth:`ConceptEnricher.profiles` reads them."""
        return self.start_profiles(profiles).result()

    def start_offers(self, offers: Sequence[Offer]) -> Reading[Offer]:
        """The reading of ``offers``, begun: the workers read from its first batches on, and
        its :meth:`~Reading.result` reads here the ones they have not taken."""
        if len(offers) < self._min_records or self._broken:
            return Reading.later(self.local.offers, offers)
        self.local.prepare_offers(offers)
        return self._start("offers", _read_offers, self.local.read_offers, self.local.offers,
                           offers)

    def start_profiles(self, profiles: Sequence[Profile]) -> Reading[Profile]:
        """The reading of ``profiles``, begun (as :meth:`start_offers`)."""
        if len(profiles) < self._min_records or self._broken:
            return Reading.later(self.local.profiles, profiles)
        self.local.prepare_profiles(profiles)
        return self._start("profiles", _read_profiles, self.local.read_profiles,
                           self.local.profiles, profiles)

    def _start(self, kind: str, read_there: Callable[[list[RecordT]], list[Concepts | None]],
               read_here: Callable[[list[RecordT]], list[RecordT]],
               read_all_here: Callable[[Sequence[RecordT]], list[RecordT]],
               records: Sequence[RecordT]) -> Reading[RecordT]:
        batches = [list(records[i:i + self._batch_size])
                   for i in range(0, len(records), self._batch_size)]
        try:
            pool = self._started()
            there = [pool.submit(read_there, batch) for batch in batches]
        except BrokenProcessPool as exc:
            self._stopped(exc)
            return Reading.later(read_all_here, records)

        def finish() -> list[RecordT]:
            started = time.monotonic()
            try:
                out, here = _gathered(batches, there, read_here)
            except BrokenProcessPool as exc:  # e.g. a worker's reader is not this one
                self._stopped(exc)
                return read_all_here(records)
            elapsed = time.monotonic() - started
            log.info("concepts: %d %s read in %d processes, %d here (%.1f/s once asked for)",
                     len(out), kind, self._processes, here,
                     len(out) / elapsed if elapsed > 0 else float("inf"))
            return out

        return Reading(finish)

    def _stopped(self, reason: BaseException) -> None:
        log.warning("concept reading workers stopped (%s): reading in this process", reason)
        self._broken = True
        self.close()

    def _started(self) -> ProcessPoolExecutor:
        if self._pool is None:
            reader = self.local.reader
            # this process reads too: with one BLAS thread, as the workers (until close)
            self._while_started.enter_context(self._blas.limit(limits=1, user_api="blas"))
            self._pool = ProcessPoolExecutor(
                max_workers=self._processes - 1, mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_worker,
                initargs=(self._settings, reader.taxonomy, self.local.settings,
                          reader.encoder is not None, self.local.version, os.getpid()))
            log.info("reading concepts in %d processes: this one and %d worker%s",
                     self._processes, self._processes - 1, "s" if self._processes > 2 else "")
        return self._pool

    @property
    def workers_started(self) -> bool:
        """Whether the worker processes are running (a large enough chunk started them)."""
        return self._pool is not None

    def close(self) -> None:
        """Stop the workers (if they were started)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        self._while_started.close()

    def __enter__(self) -> ProcessPoolEnricher:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()
