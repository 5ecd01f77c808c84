"""The diagnoses as the pages and the API compute them: :mod:`matcher.diagnosis` with the
app's legality checker (built once per taxonomy) and a short cache (each seeker diagnosis runs
the matcher about ten times; the same one is asked for again when a counsellor goes back and
forth between a message and the diagnosis)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

from flask import current_app

from indexer.models import Offer, Profile
from matcher.diagnosis.legality import LegalityChecker
from matcher.diagnosis.offer import OfferDiagnosis, diagnose_offer
from matcher.diagnosis.seeker import SeekerDiagnosis, diagnose_seeker
from matcher.engine import Engine
from skills_taxonomy.lru import LruCache

T = TypeVar("T")
CACHE_SECONDS = 600.0
CHECKER_KEY = "emploi_legality_checker"
_cache: LruCache[tuple[Any, ...], tuple[float, Any]] = LruCache(128)


def _cached(key: tuple[Any, ...], compute: Callable[[], T]) -> T:
    """``compute()`` at most once per ``CACHE_SECONDS`` for the same key (keys hold the index
    generation: a tag edit or a re-index gives a new diagnosis)."""
    now = time.monotonic()
    found = _cache.get(key)
    if found is not None and now - found[0] < CACHE_SECONDS:
        value: T = found[1]
        return value
    value = compute()
    _cache.put(key, (now, value))
    return value


def legality_checker(engine: Engine) -> LegalityChecker:
    """The app's legality checker (built once per taxonomy)."""
    extensions = current_app.extensions
    found = extensions.get(CHECKER_KEY)
    if found is None or found[0] is not engine.taxonomy:
        found = (engine.taxonomy, LegalityChecker(engine.taxonomy.feminine_to_masculine))
        extensions[CHECKER_KEY] = found
    checker: LegalityChecker = found[1]
    return checker


def seeker_diagnosis(engine: Engine, profile: Profile,
                     radius_km: float | None = None) -> SeekerDiagnosis:
    """:func:`matcher.diagnosis.seeker.diagnose_seeker`, cached."""
    return _cached(("seeker", str(engine.index.directory), str(engine.index.generation),
                    profile.id, radius_km),
                   lambda: diagnose_seeker(engine, profile, radius_km))


def offer_diagnosis(engine: Engine, offer: Offer) -> OfferDiagnosis:
    """:func:`matcher.diagnosis.offer.diagnose_offer`, cached."""
    return _cached(("offer", str(engine.index.directory), str(engine.index.generation),
                    offer.id),
                   lambda: diagnose_offer(engine, offer, legality=legality_checker(engine)))
