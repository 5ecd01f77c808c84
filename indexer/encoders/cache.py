"""A content-addressed embedding cache: sha256(encoder name, text) → vector, in SQLite.

Re-indexing the same texts with the same encoder then costs no model calls. One SQLite file
(WAL mode) is shared by index generations and safe across threads and processes.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import threading
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from indexer.encoders._common import FloatArray, batches
from indexer.encoders.protocol import Encoder, encodes_faster_than_cache

logger = logging.getLogger(__name__)

DB_NAME = "embeddings.sqlite3"
_SQLITE_MAX_VARIABLES = 900
_SCHEMA = """
CREATE TABLE IF NOT EXISTS embeddings (
    key TEXT PRIMARY KEY,
    dimension INTEGER NOT NULL,
    vector BLOB NOT NULL
) WITHOUT ROWID
"""


def content_key(encoder_name: str, text: str) -> str:
    """The cache key of ``text`` encoded by ``encoder_name``: a sha256 hex digest."""
    digest = hashlib.sha256(encoder_name.encode("utf-8"))
    digest.update(b"\x00")
    digest.update(text.encode("utf-8"))
    return digest.hexdigest()


class EmbeddingCache:
    """Vectors by content key, stored as float32 blobs in ``directory/embeddings.sqlite3``."""

    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / DB_NAME
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(_SCHEMA)

    def get_many(self, keys: Sequence[str]) -> dict[str, FloatArray]:
        """The cached vectors among ``keys`` (missing keys are absent from the result)."""
        found: dict[str, FloatArray] = {}
        with self._lock:
            for chunk in batches(list(dict.fromkeys(keys)), _SQLITE_MAX_VARIABLES):
                marks = ",".join("?" * len(chunk))
                rows = self._db.execute(
                    f"SELECT key, dimension, vector FROM embeddings WHERE key IN ({marks})",
                    list(chunk))
                for key, dimension, blob in rows:
                    found[key] = np.frombuffer(blob, dtype=np.float32).reshape(dimension)
        return found

    def put_many(self, keys: Sequence[str], vectors: FloatArray) -> None:
        """Store one vector (a row of ``vectors``) per key, replacing any previous one."""
        if len(keys) != len(vectors):
            raise ValueError(f"{len(keys)} keys for {len(vectors)} vectors")
        rows = ((key, int(row.shape[0]), np.ascontiguousarray(row, dtype=np.float32).tobytes())
                for key, row in zip(keys, vectors, strict=True))
        with self._lock:
            self._db.execute("BEGIN")
            try:
                self._db.executemany(
                    "INSERT OR REPLACE INTO embeddings (key, dimension, vector) VALUES (?, ?, ?)",
                    rows)
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def forget(self, keys: Sequence[str]) -> int:
        """Delete the vectors of ``keys`` for good (an erased person's text): the freed pages
        are zeroed (``secure_delete``) and the write-ahead log is checkpointed and truncated.
        Return how many were stored."""
        with self._lock:
            self._db.execute("PRAGMA secure_delete=ON")
            removed = 0
            for chunk in batches(list(dict.fromkeys(keys)), _SQLITE_MAX_VARIABLES):
                marks = ",".join("?" * len(chunk))
                removed += self._db.execute(f"DELETE FROM embeddings WHERE key IN ({marks})",
                                            list(chunk)).rowcount
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return removed

    def __len__(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM embeddings").fetchone()[0])

    def close(self) -> None:
        """Close the database connection."""
        with self._lock:
            self._db.close()


def encode_documents_cached(encoder: Encoder, texts: Sequence[str], cache: EmbeddingCache,
                            batch_size: int = 256) -> FloatArray:
    """``encoder.encode_documents(texts)``, encoding only the texts not in ``cache``
    (each distinct text once), in batches, logging progress; new vectors are cached."""
    keys = [content_key(encoder.name, text) for text in texts]
    vectors = cache.get_many(keys)
    misses = {key: text for key, text in zip(keys, texts, strict=True) if key not in vectors}
    if misses:
        logger.info("embeddings: %d cached, %d to encode with %s",
                    len(texts) - len(misses), len(misses), encoder.name)
        vectors.update(_encode_misses(encoder, misses, cache, batch_size))
    result = np.zeros((len(texts), encoder.dimension), dtype=np.float32)
    for row, key in enumerate(keys):
        result[row] = vectors[key]
    return result


def _encode_misses(encoder: Encoder, misses: dict[str, str], cache: EmbeddingCache,
                   batch_size: int) -> Iterable[tuple[str, FloatArray]]:
    keys = list(misses)
    started = time.monotonic()
    done = 0
    for chunk in batches(keys, batch_size):
        encoded = encoder.encode_documents([misses[key] for key in chunk])
        cache.put_many(chunk, encoded)
        done += len(chunk)
        _log_progress(done, len(keys), time.monotonic() - started)
        yield from zip(chunk, encoded, strict=True)


def _log_progress(done: int, total: int, elapsed_s: float) -> None:
    rate = done / elapsed_s if elapsed_s > 0 else float("inf")
    eta_s = (total - done) / rate if rate > 0 else 0.0
    logger.info("embeddings: %d/%d encoded (%.1f texts/s, ETA %.0f s)", done, total, rate, eta_s)


class CachedEncoder:
    """An encoder whose document vectors go through an :class:`EmbeddingCache`: what the
    taxonomy's concept reader is given, so label vectors are encoded once per encoder."""

    def __init__(self, encoder: Encoder, cache: EmbeddingCache) -> None:
        self._encoder = encoder
        self._cache = cache

    @property
    def name(self) -> str:
        """The wrapped encoder's name."""
        return self._encoder.name

    @property
    def dimension(self) -> int:
        """The wrapped encoder's dimension."""
        return self._encoder.dimension

    def encode_queries(self, texts: Sequence[str]) -> FloatArray:
        """Query vectors, straight from the wrapped encoder."""
        return self._encoder.encode_queries(texts)

    def encode_documents(self, texts: Sequence[str]) -> FloatArray:
        """Document vectors, read from the cache or encoded (and cached)."""
        return encode_documents_cached(self._encoder, texts, self._cache)


def cached_unless_faster(encoder: Encoder, cache_dir: Path) -> Encoder:
    """``encoder`` behind the embedding cache in ``cache_dir``, or ``encoder`` itself when it
    computes a vector faster than the cache finds one (a ``CacheFreeEncoder``, a static
    model): the same vectors, without a lookup, a hash and a stored row per text."""
    if encodes_faster_than_cache(encoder):
        return encoder
    return CachedEncoder(encoder, EmbeddingCache(cache_dir))
