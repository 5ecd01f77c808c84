"""Bringing the index in line with the database when a server starts: the counsellors' tag
edits (and the seekers' own search wishes) are re-applied (a re-indexing from the demo file
resets them) and erased profiles are removed for good (and kept on the erasure list indexing
honours)."""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from indexer.models import Profile
from matcher.engine import Engine
from webapp.erasure import erased_hashes, profile_id_hash, remember_erased
from webapp.models import ErasedProfile
from webapp.repositories.tags import overrides, same_tags, with_tags

logger = logging.getLogger(__name__)


def sync_index(session: Session, engine: Engine, *, lock_wait_s: float = 0.0
               ) -> tuple[int, int]:
    """Re-apply tag overrides and erasures; return (profiles updated, profiles removed)."""
    directory = engine.index.directory
    in_database = set(session.scalars(select(ErasedProfile.id_hash)))
    if not in_database <= erased_hashes(directory):
        remember_erased(directory, in_database)
    erased = erased_hashes(directory)
    deletes = [pid for pid in engine.profiles.ids() if profile_id_hash(pid) in erased]
    upserts: list[Profile] = []
    for override in overrides(session):
        profile = engine.profiles.get(override.profile_id)
        if profile is not None and not same_tags(profile, override.tags):
            upserts.append(with_tags(profile, override.tags))
    engine.write_profiles(upserts=upserts, deletes=deletes, purge=True, lock_wait_s=lock_wait_s)
    if upserts or deletes:
        logger.info("index synchronised: %d profile(s) re-tagged, %d erased profile(s) removed",
                    len(upserts), len(deletes))
    return len(upserts), len(deletes)
