"""Concept reading spread over worker processes, for indexing on several cores.

Reading a record into concepts (:mod:`indexer.enrich`) is pure Python and costs tens of
milliseconds per offer, far more than encoding or storing it: on one core it is most of a
from-scratch ``emploi index`` (docs/performance.md, issue 13). The pool starts ``processes``
workers, each with its own concept reader for the same taxonomy and settings, and sends them
the records of a chunk in small batches; the records come back in order, read as the
indexing process would have read them (the same reader, version checked).

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

**The calling process reads too.** ``processes`` counts every process that reads: the pool
starts one worker fewer, and the calling process takes batches of the same chunk from its end
while the workers take them from its start (a batch not yet sent to a worker is cancelled and
read here), so the last worker's reader, and its memory, is spared. In ``emploi index`` the
indexing process also encodes and stores the previous chunk; taking batches only while none
is left keeps both cores busy whatever share that work takes: with one worker and the indexing
process reading, a million offers were read and indexed in the time two workers took, with
one reader less (docs/performance.md, "Stop 45").
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import ExitStack
from types import TracebackType

from threadpoolctl import ThreadpoolController

from indexer.encoders.factory import create_encoder
from indexer.encoders.pool import start_worker_process
from indexer.enrich import ConceptEnricher, RecordT, concept_reader
from indexer.models import Offer, Profile
from indexer.settings import ConceptSettings, Settings
from skills_taxonomy import Taxonomy

log = logging.getLogger(__name__)

POOL_BATCH = 32
"""Records per task: small enough to keep every worker busy to the end of a chunk."""
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


def _read_offers(offers: Sequence[Offer]) -> list[Offer]:
    if _worker_enricher is None:
        raise RuntimeError("reading worker not initialised")
    return _worker_enricher.read_offers(offers)


def _read_profiles(profiles: Sequence[Profile]) -> list[Profile]:
    if _worker_enricher is None:
        raise RuntimeError("reading worker not initialised")
    return _worker_enricher.read_profiles(profiles)


class ProcessPoolEnricher:
    """A :class:`~indexer.enrich.RecordEnricher` reading large chunks in ``processes``
    processes, this one and ``processes - 1`` workers (module doc), and small ones here
    with ``local``. Use as a context manager (or call
    :meth:`close`) so the workers stop."""

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
        if len(offers) < self._min_records or self._broken:
            return self.local.offers(offers)
        self.local.prepare_offers(offers)
        return (self._map("offers", _read_offers, self.local.read_offers, offers)
                or self.local.offers(offers))

    def profiles(self, profiles: Sequence[Profile]) -> list[Profile]:
        """Each profile with its concepts, as :meth:`ConceptEnricher.profiles` reads them."""
        if len(profiles) < self._min_records or self._broken:
            return self.local.profiles(profiles)
        self.local.prepare_profiles(profiles)
        return (self._map("profiles", _read_profiles, self.local.read_profiles, profiles)
                or self.local.profiles(profiles))

    def _map(self, kind: str, read_there: Callable[[list[RecordT]], list[RecordT]],
             read_here: Callable[[list[RecordT]], list[RecordT]],
             records: Sequence[RecordT]) -> list[RecordT]:
        """``records`` read in batches by the workers (``read_there``, from the first batch
        on) and here (``read_here``, from the last batch back, each one not yet sent to a
        worker); [] when the workers stopped."""
        pool = self._started()
        started = time.monotonic()
        batches = [list(records[i:i + self._batch_size])
                   for i in range(0, len(records), self._batch_size)]
        there = [pool.submit(read_there, batch) for batch in batches]
        here: dict[int, list[RecordT]] = {}
        out: list[RecordT] = []
        try:
            for number in reversed(range(len(batches))):
                if not there[number].cancel():  # a worker has it, and every one before
                    break
                here[number] = read_here(batches[number])
            for number, future in enumerate(there):
                out.extend(here[number] if number in here else future.result())
        except BrokenProcessPool as exc:  # e.g. a worker's reader is not this one
            log.warning("concept reading workers stopped (%s): reading in this process", exc)
            self._broken = True
            self.close()
            return []
        elapsed = time.monotonic() - started
        log.info("concepts: %d %s read in %d processes, %d here (%.1f/s)", len(out), kind,
                 self._processes, sum(map(len, here.values())),
                 len(out) / elapsed if elapsed > 0 else float("inf"))
        return out

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
