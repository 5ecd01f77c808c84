"""The cyclic garbage collector while records are indexed in chunks: full collections one
every few chunks, not whenever CPython's heuristic asks for one.

CPython runs a full collection when the objects that survived its two younger generations
outnumber a quarter of the long-lived ones. While a build streams its records, those
survivors are the chunks in flight (thousands of records, ≈ 75 objects for each offer read
into concepts), which reference counting frees when the chunk is stored: each full
collection walks them all and finds nothing to free. At 30,000 GENERATED offers the indexing
process ran 13 full collections of 0.47–1.12 s each (≈ 10 s of its ≈ 100), and each one
stalled the reading worker as well, whose next batch and last result wait for this
process's interpreter lock (docs/performance.md, "Stop 47").

:class:`ChunkedCollections` keeps the two younger generations as they are (they are cheap and
free the short-lived cycles) and runs a full collection every ``every`` chunks instead, so
a cycle that outlives them is still freed. The thresholds are process-wide: the first
indexing thread to enter sets them, the last to leave puts them back.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from types import TracebackType

log = logging.getLogger(__name__)

FULL_COLLECTION_EVERY = 32
"""Chunks between two full collections while indexing (131,072 records of 4,096)."""
_NEVER = 1 << 30
"""A third threshold no count of younger collections reaches."""

_lock = threading.Lock()
_holders = 0
_saved: tuple[int, int, int] | None = None


class ChunkedCollections:
    """A context in which automatic full collections are off and :meth:`chunk_done` runs
    one every ``every`` chunks (module doc)."""

    def __init__(self, every: int = FULL_COLLECTION_EVERY) -> None:
        if every < 1:
            raise ValueError(f"a full collection every {every} chunks: need 1 or more")
        self.every = every
        self.chunks = 0

    @property
    def collections(self) -> int:
        """The full collections :meth:`chunk_done` has run so far."""
        return self.chunks // self.every

    def chunk_done(self) -> None:
        """Count a stored chunk; collect every generation at each ``every``-th."""
        self.chunks += 1
        if self.chunks % self.every == 0:
            started = time.perf_counter()
            found = gc.collect()
            log.debug("full collection after %d chunks: %d objects freed in %.3f s",
                      self.chunks, found, time.perf_counter() - started)

    def __enter__(self) -> ChunkedCollections:
        global _holders, _saved
        with _lock:
            if _holders == 0:
                _saved = gc.get_threshold()
                gc.set_threshold(_saved[0], _saved[1], _NEVER)
            _holders += 1
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        global _holders, _saved
        with _lock:
            _holders -= 1
            if _holders == 0 and _saved is not None:
                gc.set_threshold(*_saved)
                _saved = None
