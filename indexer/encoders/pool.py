"""Document encoding spread over worker processes, for indexing on several cores.

The default encoder runs on one BLAS thread (more threads made single queries slower on a busy
machine), so indexing on one process leaves the other cores idle while encoding dominates. The
pool starts ``processes`` workers, each with its own encoder built from the same settings, and
sends them batches of documents; vectors come back in order. Queries are still encoded in the
calling process (they are single texts, and latency matters there). An encoder faster than
the embedding cache (the static model) gets no pool: :func:`indexing_encoder` returns it.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import select
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from types import TracebackType

import numpy as np
import numpy.typing as npt
from threadpoolctl import threadpool_limits

from indexer.encoders._common import clip_texts
from indexer.encoders.factory import create_encoder
from indexer.encoders.protocol import Encoder, encodes_faster_than_cache
from indexer.settings import Settings

logger = logging.getLogger(__name__)
FloatArray = npt.NDArray[np.float32]
POOL_BATCH = 64
"""Documents per task: small enough to keep every worker busy to the end of a chunk."""

_worker_encoder: Encoder | None = None


def _start_worker(settings: Settings, parent_pid: int) -> None:
    global _worker_encoder  # one encoder per worker process, built once
    start_worker_process(parent_pid)
    _worker_encoder = create_encoder(settings)


def start_worker_process(parent_pid: int) -> None:
    """What a worker of an indexing pool does first: end with its parent
    (:func:`watch_parent`), and run BLAS on one thread. The pools start one worker per core;
    a BLAS pool of one thread per core in each worker oversubscribes the cores, and its
    threads spin while they wait: two concept reading workers read 43–48 real offers/s
    together with them, 77–83 without (docs/performance.md, stop 27)."""
    watch_parent(parent_pid)
    threadpool_limits(limits=1, user_api="blas")


def watch_parent(parent_pid: int, poll_s: float = 1.0) -> threading.Thread:
    """End this process as soon as ``parent_pid`` dies, even by ``kill -9`` (when nothing
    could tell the workers to stop): a daemon thread waits on a pidfd of the parent (Linux),
    else polls the parent's pid. (``PR_SET_PDEATHSIG`` is not used: it fires when the
    *thread* that started the worker ends, and the pool starts workers from whichever
    thread submits first.)"""
    def wait_then_exit() -> None:
        try:
            descriptor = os.pidfd_open(parent_pid)
        except (AttributeError, OSError):
            descriptor = None
        if descriptor is not None and os.getppid() == parent_pid:
            poller = select.poll()
            poller.register(descriptor, select.POLLIN)
            poller.poll()
        else:
            while os.getppid() == parent_pid:
                time.sleep(poll_s)
        os._exit(1)  # the parent is gone: nobody will read our results

    watcher = threading.Thread(target=wait_then_exit, name="parent-watch", daemon=True)
    watcher.start()
    return watcher


def _encode_in_worker(texts: Sequence[str]) -> FloatArray:
    if _worker_encoder is None:
        raise RuntimeError("encoder worker not initialised")
    return _worker_encoder.encode_documents(texts)


def encode_processes(settings: Settings) -> int:
    """How many processes should encode documents: the setting, or one per CPU core."""
    return settings.encode_processes or os.cpu_count() or 1


class ProcessPoolEncoder:
    """An :class:`Encoder` whose ``encode_documents`` runs in ``processes`` worker processes.

    Use as a context manager (or call :meth:`close`) so the workers stop.
    """

    def __init__(self, settings: Settings, processes: int, batch_size: int = POOL_BATCH,
                 local: Encoder | None = None) -> None:
        """``local``: the settings' encoder, already made (queries are encoded with it)."""
        self._local = local if local is not None else create_encoder(settings)
        # a static model missing from its default folder is distilled here, once, not by
        # every worker at once (the other encoders' names cost nothing)
        logger.debug("worker processes encode with %s", self._local.name)
        self._batch_size = batch_size
        self._processes = processes
        self._pool = ProcessPoolExecutor(
            max_workers=processes, mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker, initargs=(settings, os.getpid()))
        logger.info("encoding documents in %d worker processes", processes)

    @property
    def name(self) -> str:
        """The workers' model identifier (the same model as the local encoder)."""
        return self._local.name

    @property
    def dimension(self) -> int:
        """The vectors' dimension."""
        return self._local.dimension

    def encode_queries(self, texts: Sequence[str]) -> FloatArray:
        """Encode queries in this process."""
        return self._local.encode_queries(texts)

    def encode_documents(self, texts: Sequence[str]) -> FloatArray:
        """Encode documents in the workers, a batch per task, in order."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        texts = clip_texts(texts)  # the workers' encoders cut too; this bounds what is sent
        batches = [list(texts[i:i + self._batch_size])
                   for i in range(0, len(texts), self._batch_size)]
        return np.vstack(list(self._pool.map(_encode_in_worker, batches)))

    def close(self) -> None:
        """Stop the workers."""
        self._pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> ProcessPoolEncoder:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()


@contextmanager
def indexing_encoder(settings: Settings) -> Iterator[Encoder]:
    """The encoder to index with: a process pool when more than one process is asked for
    (``encode_processes``, default one per core), else the settings' encoder. An encoder
    faster than the embedding cache (a ``CacheFreeEncoder``, the static model: ≈ 5,000
    offer texts/s on one core) encodes in this process whatever the setting: sending the
    texts to workers would cost more than encoding them, and the cores read concepts."""
    processes = encode_processes(settings)
    local = create_encoder(settings)
    if processes <= 1 or encodes_faster_than_cache(local):
        yield local
        return
    with ProcessPoolEncoder(settings, processes, local=local) as pool:
        yield pool
