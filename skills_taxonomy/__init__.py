"""ROME 4.0 / ESCO taxonomy: concepts, relations and label normalisation.

Usage::

    from skills_taxonomy import load_taxonomy
    tax = load_taxonomy(Path("../shared/data/rome4"), cache_dir=Path("var/cache"))
    tax.normalise_title("vendeuse prêt-à-porter")
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from skills_taxonomy.cache import load_cached, source_checksum, store_cached
from skills_taxonomy.errors import MissingColumnError, MissingFileError, TaxonomyError
from skills_taxonomy.esco_reader import esco_paths, read_esco
from skills_taxonomy.model import (
    Appellation,
    CrosswalkRow,
    EscoConcept,
    Item,
    LabelMatch,
    Occupation,
    OccupationItem,
)
from skills_taxonomy.rome_reader import read_rome, rome_paths
from skills_taxonomy.taxonomy import Taxonomy
from skills_taxonomy.text import fold

__all__ = [
    "Appellation",
    "CrosswalkRow",
    "EscoConcept",
    "Item",
    "LabelMatch",
    "MissingColumnError",
    "MissingFileError",
    "Occupation",
    "OccupationItem",
    "Taxonomy",
    "TaxonomyError",
    "fold",
    "load_taxonomy",
]

logger = logging.getLogger(__name__)


def load_taxonomy(
    rome_dir: Path, esco_dir: Path | None = None, cache_dir: Path | None = None
) -> Taxonomy:
    """Load the taxonomy from the ROME folder (and optionally ESCO), using a pickle cache.

    The cache entry is keyed by the SHA-256 of every source file, so any change to a
    source file rebuilds it. Raises :class:`MissingFileError` / :class:`MissingColumnError`
    naming the file (and column) when a source is incomplete.
    """
    started = time.perf_counter()
    rome_dir = Path(rome_dir)
    paths = list(rome_paths(rome_dir).values())
    if esco_dir is not None:
        paths += list(esco_paths(Path(esco_dir)).values())
    checksum = source_checksum(paths)
    if cache_dir is not None:
        cached = load_cached(Path(cache_dir), checksum)
        if cached is not None:
            logger.info("taxonomy cache hit in %.2f s", time.perf_counter() - started)
            return cached
    esco = read_esco(Path(esco_dir)) if esco_dir is not None else None
    taxonomy = Taxonomy(read_rome(rome_dir), esco, checksum)
    if cache_dir is not None:
        store_cached(Path(cache_dir), taxonomy)
    logger.info("taxonomy built in %.2f s", time.perf_counter() - started)
    return taxonomy
