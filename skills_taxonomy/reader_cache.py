"""The concept reader's built state on disk, so a new process reads it instead of building it.

Building a :class:`skills_taxonomy.concepts.ConceptReader` (the 40k title forms and their
vectors, the label indexes of 34k ROME items and 17k ESCO skills, the occupation documents,
the spelling table) takes about 20 s, which a cold ``emploi search`` would pay before its first
answer. The built state is pickled once per **key**: the taxonomy's source checksum, the
reader's version (reader, encoder, crosswalk switch), its settings and weights, and the digest
of this package's source files, so that any change to one of them names another file and a
stale state is never read. Loading it takes a fraction of a second.

Like the taxonomy cache, the folder must be trusted: pickles run code when loaded. A missing,
unreadable or mismatched file only means the state is built again. A state takes about 100 MB
for the full ROME and ESCO (two label matrices); the folder keeps the :data:`KEEP_STATES` most
recently written ones (a code upgrade or another encoder names a new key), older ones are
removed when a new one is written.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

from skills_taxonomy.normaliser import NormaliserState
from skills_taxonomy.occupation_text import OccupationTextIndex
from skills_taxonomy.pickling import read_pickle_file, write_pickle_file
from skills_taxonomy.skill_reader import SkillReaderState

log = logging.getLogger(__name__)

CACHE_FORMAT = "concept-reader-state-1"
KEEP_STATES = 4
_PATTERN = "concept-reader-*.pickle"
_PACKAGE = Path(__file__).resolve().parent


@dataclass(frozen=True, slots=True)
class ReaderState:
    """Everything building a concept reader computes, under the key it was built for."""

    key: str
    spelling: dict[str, str]
    normaliser: NormaliserState
    skills: SkillReaderState
    occupation_texts: OccupationTextIndex


def _digest_of_sources() -> str:
    digest = hashlib.sha256()
    for path in sorted(_PACKAGE.glob("*.py")):
        digest.update(f"\n{path.name}\n".encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


_SOURCE_DIGEST = _digest_of_sources()  # when the package is imported, with the code in use


def source_digest() -> str:
    """SHA-256 of this package's Python sources as they were when it was imported: the code
    that builds the state (a file edited later does not change the key of this process)."""
    return _SOURCE_DIGEST


def state_key(taxonomy_checksum: str, reader_version: str, settings: str) -> str:
    """The key of a reader's state: what it was built from (module doc)."""
    digest = hashlib.sha256(CACHE_FORMAT.encode())
    for part in (taxonomy_checksum, reader_version, settings, source_digest()):
        digest.update(f"\n{part}".encode())
    return digest.hexdigest()


def state_path(cache_dir: Path, key: str) -> Path:
    """Where the state of ``key`` is kept."""
    return cache_dir / _PATTERN.replace("*", key[:32])


def load_state(cache_dir: Path, key: str) -> ReaderState | None:
    """The state kept for ``key``, or None when there is none (or it cannot be used)."""
    path = state_path(cache_dir, key)
    state = read_pickle_file(path, "concept reader state")
    if state is None:
        return None
    if not isinstance(state, ReaderState) or state.key != key:
        log.warning("ignoring concept reader state %s: built for another key", path)
        return None
    return state


def store_state(cache_dir: Path, state: ReaderState) -> Path:
    """Write ``state`` atomically (temporary file, then ``os.replace``); return its path."""
    target = state_path(cache_dir, state.key)
    write_pickle_file(target, state)
    log.info("concept reader state kept in %s", target)
    _remove_old_states(cache_dir, keep=target)
    return target


def _remove_old_states(cache_dir: Path, keep: Path) -> None:
    """Remove the states beyond the :data:`KEEP_STATES` most recently written (never
    ``keep``)."""
    states = sorted(cache_dir.glob(_PATTERN), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in [p for p in states if p != keep][KEEP_STATES - 1:]:
        old.unlink(missing_ok=True)
        log.info("removed the old concept reader state %s", old)
