"""The one least-recently-used map of the code base, thread-safe: the collections' record
cache, the matcher's query vectors and ranked lists, the concept reader's title rankings and
passage evidence. It lives in the lowest package so that every other can use it."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class LruCache(Generic[K, V]):
    """Keeps the values of the ``size`` most recently used keys (``size`` 0 keeps none).

    With ``second_sight`` > 0, a key's value is kept only when it is put a second time: the
    keys put once are remembered (by hash, up to ``second_sight`` of them, then all forgotten
    at once), so values that are seen once, the bulk of a stream of mostly distinct keys, do
    not push out the ones that recur (the "doorkeeper" of TinyLFU admission).
    """

    def __init__(self, size: int, *, second_sight: int = 0) -> None:
        self._size = size
        self._values: OrderedDict[K, V] = OrderedDict()
        self._second_sight = second_sight
        self._seen_once: set[int] = set()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: K) -> V | None:
        """The value kept for ``key`` (now the most recent), or None."""
        with self._lock:
            if key in self._values:
                self._values.move_to_end(key)
                self.hits += 1
                return self._values[key]
            self.misses += 1
            return None

    def put(self, key: K, value: V) -> None:
        """Keep ``value`` for ``key``, forgetting the least recently used beyond ``size``."""
        if self._size <= 0:
            return
        with self._lock:
            if self._second_sight and key not in self._values and self._first_sight(key):
                return
            self._values[key] = value
            self._values.move_to_end(key)
            while len(self._values) > self._size:
                self._values.popitem(last=False)

    def _first_sight(self, key: K) -> bool:
        """Whether ``key`` is put for the first time (remembering it if so); the caller
        holds the lock."""
        marker = hash(key)
        if marker in self._seen_once:
            self._seen_once.discard(marker)
            return False
        if len(self._seen_once) >= self._second_sight:
            self._seen_once.clear()
        self._seen_once.add(marker)
        return True

    def pop(self, key: K) -> V | None:
        """The value kept for ``key``, forgotten, or None."""
        with self._lock:
            return self._values.pop(key, None)

    def __contains__(self, key: object) -> bool:
        """Whether a value is kept for ``key`` (its recency unchanged)."""
        with self._lock:
            return key in self._values

    def discard(self, key: K) -> None:
        """Forget ``key`` if kept."""
        with self._lock:
            self._values.pop(key, None)

    def get_or_compute(self, key: K, compute: Callable[[], V]) -> V:
        """The value kept for ``key``, else ``compute()`` (outside the lock), kept."""
        with self._lock:
            if key in self._values:
                self._values.move_to_end(key)
                self.hits += 1
                return self._values[key]
            self.misses += 1
        value = compute()
        self.put(key, value)
        return value

    def __len__(self) -> int:
        return len(self._values)
