"""Erasing a seeker everywhere, as one transaction-like sequence, and the erasure list.

:func:`erase_account` runs the erasure in this order, so that it is either done or not done:

1. the index writer takes the index lock (waiting ``INDEX_LOCK_WAIT_SECONDS`` for another
   writer, else :class:`~indexer.catalog.IndexBusyError` and nothing changed) and writes a new
   generation without the profile: records rewritten without its line, keyword store rebuilt
   without it, its vector removed, its cached embedding deleted;
2. just before that generation goes live, the database rows are deleted and committed (a
   failure here discards the generation: nothing changed);
3. the generation goes live and the older ones are deleted;
4. only then the erasure list is written (so ``emploi index`` never brings the person back),
   the database's write-ahead log is checkpointed and truncated (``secure_delete`` zeroed the
   freed cells), and the app's own files that held the person's record (the generated demo
   profiles, the rejection report) are rewritten without it.

The erasure list (``INDEX_DIR/erased-profiles.txt``) holds the SHA-256 of each erased profile
id, never the id itself.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable, Sequence
from pathlib import Path

from sqlalchemy import delete
from sqlalchemy.orm import Session

from indexer.atomic import atomic_path, write_text_atomic
from indexer.models import Profile
from indexer.settings import Settings
from matcher.engine import Engine
from webapp.db import Database, purge_deleted
from webapp.inbox import erasure as inbox_erasure
from webapp.inbox.versions import model_dir
from webapp.models import ErasedProfile, LoginAttempt, User
from webapp.repositories import claims, contacts, ownership, tags

logger = logging.getLogger(__name__)

ERASURE_FILE = "erased-profiles.txt"
REJECTIONS_FILE = "rejections.jsonl"
DEMO_PROFILES_GLOB = "demo_profiles_*.jsonl"


class ErasureError(RuntimeError):
    """The erasure could not be done; nothing was erased (the message is for the user)."""


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
    """Add hashes to the erasure list (kept sorted, written atomically, mode 0600)."""
    hashes = erased_hashes(index_dir) | set(id_hashes)
    write_text_atomic(index_dir / ERASURE_FILE, "".join(f"{h}\n" for h in sorted(hashes)))


def without_erased(index_dir: Path, profiles: Sequence[Profile]) -> list[Profile]:
    """The profiles that were not erased."""
    erased = erased_hashes(index_dir)
    kept = [p for p in profiles if profile_id_hash(p.id) not in erased]
    if len(kept) != len(profiles):
        logger.info("skipped %d erased profile(s)", len(profiles) - len(kept))
    return kept


def erase_account(session: Session, database: Database, engine: Engine, user: User, *,
                  lock_wait_s: float) -> None:
    """Delete ``user`` and everything about their profile from the index, the database and
    the app's files, before returning (see the module docstring for the order).

    Raises :class:`~indexer.catalog.IndexBusyError` when another writer holds the index
    longer than ``lock_wait_s`` and :class:`ErasureError` on any other failure before the
    change went live; in both cases nothing was erased.
    """
    profile_id = ownership.profile_of(session, user)
    email = user.email
    earlier = _earlier_versions(session, engine, profile_id) if profile_id else []
    profile = engine.profiles.get(profile_id) if profile_id else None
    inbox = inbox_erasure.InboxErasure()

    def forget_in_database() -> None:
        nonlocal inbox
        inbox = inbox_erasure.forget_seeker(session, user, profile_id,
                                            profile.personal if profile else None,
                                            lambda: model_dir())
        if profile_id is not None:
            contacts.forget_profile(session, profile_id)
            claims.forget_profile(session, profile_id)
            tags.forget_profile(session, profile_id)
            ownership.forget_profile(session, profile_id)
            session.merge(ErasedProfile(id_hash=profile_id_hash(profile_id)))
        session.execute(delete(LoginAttempt).where(LoginAttempt.key.contains(email,
                                                                          autoescape=True)))
        session.delete(user)  # sessions, API tokens and consents go with it (cascade)
        session.commit()

    from indexer.catalog import IndexBusyError

    try:
        if profile_id is None:
            forget_in_database()
        else:
            engine.erase_profiles([profile_id], earlier_versions=earlier,
                                  lock_wait_s=lock_wait_s, before_publish=forget_in_database)
    except IndexBusyError:
        session.rollback()
        raise
    except Exception as error:
        session.rollback()
        logger.exception("erasure of account %s failed; nothing was erased", user.id)
        raise ErasureError("L'effacement n'a pas pu aboutir ; rien n'a été effacé. "
                           "Réessayez dans quelques minutes.") from error
    inbox_erasure.delete_files(inbox)
    if profile_id is not None:
        remember_erased(engine.index.directory, [profile_id_hash(profile_id)])
        scrub_app_files(engine.settings, profile_id)
    purge_deleted(database)


def _earlier_versions(session: Session, engine: Engine, profile_id: str) -> list[Profile]:
    """The profile as it was before and after each counsellor edit (their embeddings may
    still be cached)."""
    current = engine.profiles.get(profile_id)
    if current is None:
        return []
    return [tags.with_tags(current, version) for entry in tags.history(session, profile_id)
            for version in (entry.before, entry.after)]


def scrub_app_files(settings: Settings, profile_id: str) -> None:
    """Rewrite, without the profile's record, the app's own files that may hold it: the
    generated demo profiles (cache folder) and the indexing rejection report."""
    paths = [*sorted(settings.cache_dir.glob(DEMO_PROFILES_GLOB)),
             settings.index_dir / REJECTIONS_FILE]
    for path in paths:
        if path.is_file():
            removed = drop_jsonl_records(path, profile_id)
            if removed:
                logger.info("removed %d line(s) of an erased profile from %s", removed, path)


def drop_jsonl_records(path: Path, record_id: str) -> int:
    """Rewrite a JSONL file (atomically, streaming) without the lines whose ``id`` or
    ``record_id`` is ``record_id``; return how many lines were dropped (0: file untouched)."""
    needle = json.dumps(record_id).encode("utf-8")
    with path.open("rb") as stream:
        if not any(needle in line and _is_record(line, record_id) for line in stream):
            return 0
    dropped = 0
    with atomic_path(path) as temporary, path.open("rb") as source, \
            temporary.open("wb") as target:
        for line in source:
            if needle in line and _is_record(line, record_id):
                dropped += 1
                continue
            target.write(line)
    return dropped


def _is_record(line: bytes, record_id: str) -> bool:
    try:
        data = json.loads(line)
    except (ValueError, RecursionError):
        return False
    return isinstance(data, dict) and record_id in (data.get("id"), data.get("record_id"))
