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
    """Keeps the values of the ``size`` most recently used keys (``size`` 0 keeps none)."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._values: OrderedDict[K, V] = OrderedDict()
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
            self._values[key] = value
            self._values.move_to_end(key)
            while len(self._values) > self._size:
                self._values.popitem(last=False)

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
