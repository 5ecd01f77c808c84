"""Writing the web app's changes into the search index, and the erasure list indexing honours.

A counsellor's tag edit and a seeker's erasure go through :class:`indexer.catalog.IndexWriter`
(a new generation, switched atomically), then :meth:`matcher.engine.Engine.reload` swaps the
running engine onto it. Writes from this process are serialised; a writer in another process
(``emploi index``) is waited for a few seconds.

The erasure list (``INDEX_DIR/erased-profiles.txt``) holds the SHA-256 of each erased profile
id, never the id itself; ``emploi index`` and ``emploi demo`` skip those profiles, so the demo
profile file cannot bring an erased seeker back.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

from indexer.catalog import IndexWriter
from indexer.models import Profile
from matcher.engine import Engine
from matcher.queries import profile_index_text

logger = logging.getLogger(__name__)

ERASURE_FILE = "erased-profiles.txt"
_write_lock = threading.Lock()
WRITER_RETRIES = 20
WRITER_RETRY_SECONDS = 0.5


def profile_id_hash(profile_id: str) -> str:
    """How an erased profile id is remembered."""
    return hashlib.sha256(f"emploi-erased:{profile_id}".encode()).hexdigest()


def erased_hashes(index_dir: Path) -> set[str]:
    """The hashes of the erased profile ids of an index folder."""
    path = index_dir / ERASURE_FILE
    if not path.exists():
        return set()
    return {line.strip() for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()}


def remember_erased(index_dir: Path, id_hashes: Iterable[str]) -> None:
    """Add hashes to the erasure list (kept sorted, written atomically)."""
    hashes = erased_hashes(index_dir) | set(id_hashes)
    index_dir.mkdir(parents=True, exist_ok=True)
    temporary = index_dir / f".{ERASURE_FILE}.tmp"
    temporary.write_text("".join(f"{h}\n" for h in sorted(hashes)), encoding="utf-8")
    temporary.replace(index_dir / ERASURE_FILE)


def without_erased(index_dir: Path, profiles: Sequence[Profile]) -> list[Profile]:
    """The profiles that were not erased."""
    erased = erased_hashes(index_dir)
    kept = [p for p in profiles if profile_id_hash(p.id) not in erased]
    if len(kept) != len(profiles):
        logger.info("skipped %d erased profile(s)", len(profiles) - len(kept))
    return kept


def write_profiles(engine: Engine, upserts: Sequence[Profile] = (),
                   deletes: Sequence[str] = ()) -> None:
    """Apply profile upserts and deletes to the index, then reload the engine."""
    if not upserts and not deletes:
        return
    with _write_lock:
        for attempt in range(WRITER_RETRIES):
            try:
                with IndexWriter(engine.index.directory, engine.settings, engine.encoder,
                                 profile_text=profile_index_text(engine.taxonomy),
                                 enricher=engine.enricher) as writer:
                    if upserts:
                        writer.upsert_profiles(list(upserts))
                    if deletes:
                        writer.delete_profiles(deletes)
                    writer.commit()
                break
            except RuntimeError as error:
                if "another process" not in str(error) or attempt == WRITER_RETRIES - 1:
                    raise
                time.sleep(WRITER_RETRY_SECONDS)
        engine.reload()
