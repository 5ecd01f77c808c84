"""Pickle cache of a built :class:`Taxonomy`, keyed by the source files' contents.

The cache folder must be trusted: pickles run code when loaded.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from pathlib import Path

from skills_taxonomy.pickling import read_pickle_file, write_pickle_file
from skills_taxonomy.taxonomy import Taxonomy

logger = logging.getLogger(__name__)

CACHE_FORMAT = "skills_taxonomy-cache-4"
_CHUNK = 1 << 20


def file_digest(path: Path) -> str:
    """SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def source_checksum(paths: Iterable[Path]) -> str:
    """SHA-256 over the cache format and each source file's name and content digest."""
    digest = hashlib.sha256(CACHE_FORMAT.encode())
    for path in sorted(paths, key=lambda p: p.name):
        digest.update(f"\n{path.name}:{file_digest(path)}".encode())
    return digest.hexdigest()


def cache_path(cache_dir: Path, checksum: str) -> Path:
    """Where the taxonomy built from sources with ``checksum`` is cached."""
    return cache_dir / f"taxonomy-{checksum[:32]}.pickle"


def load_cached(cache_dir: Path, checksum: str) -> Taxonomy | None:
    """Return the cached taxonomy for ``checksum``, or ``None`` if absent or unreadable."""
    path = cache_path(cache_dir, checksum)
    cached = read_pickle_file(path, "taxonomy cache")
    if cached is None:
        return None
    if not isinstance(cached, Taxonomy) or cached.checksum != checksum:
        logger.warning("ignoring taxonomy cache %s: checksum mismatch", path)
        return None
    logger.info("taxonomy loaded from cache %s", path)
    return cached


def store_cached(cache_dir: Path, taxonomy: Taxonomy) -> Path:
    """Write the taxonomy to the cache atomically (temporary file, then ``os.replace``)."""
    target = cache_path(cache_dir, taxonomy.checksum)
    write_pickle_file(target, taxonomy)
    logger.info("taxonomy cached in %s", target)
    return target
