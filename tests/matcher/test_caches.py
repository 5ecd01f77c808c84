"""The matcher's per-process caches: query vectors by text, ranked lists by request."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pytest

from indexer.models import Profile, SkillTag
from matcher.engine import Engine
from matcher.matcher import Matcher
from matcher.query_vectors import QueryVectorCache
from skills_taxonomy.lru import LruCache


def test_lru_keeps_the_most_recently_used() -> None:
    cache: LruCache[str, int] = LruCache(2)
    calls: list[str] = []

    def compute(key: str) -> int:
        calls.append(key)
        return len(calls)

    assert cache.get_or_compute("a", lambda: compute("a")) == 1
    assert cache.get_or_compute("b", lambda: compute("b")) == 2
    assert cache.get_or_compute("a", lambda: compute("a")) == 1  # hit, and now most recent
    assert cache.get_or_compute("c", lambda: compute("c")) == 3  # evicts "b"
    assert cache.get_or_compute("b", lambda: compute("b")) == 4
    assert calls == ["a", "b", "c", "b"] and len(cache) == 2
    assert (cache.hits, cache.misses) == (1, 4)


def test_size_zero_keeps_nothing() -> None:
    cache: LruCache[str, int] = LruCache(0)
    assert [cache.get_or_compute("a", lambda n=n: n) for n in range(3)] == [0, 1, 2]  # type: ignore[misc]
    assert len(cache) == 0


class _Counting:
    """An encoder that counts the queries it encodes."""

    name, dimension = "counting", 3

    def __init__(self) -> None:
        self.queries = 0

    def encode_queries(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        self.queries += len(texts)
        return np.ones((len(texts), 3), dtype=np.float32)

    def encode_documents(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        return np.ones((len(texts), 3), dtype=np.float32)


def test_query_vectors_are_encoded_once_per_text_and_read_only() -> None:
    encoder = _Counting()
    cache = QueryVectorCache(encoder, size=8)
    first = cache.vector("vendeur")
    assert cache.vector("vendeur") is first and encoder.queries == 1
    cache.vector("boulanger")
    assert encoder.queries == 2
    with pytest.raises(ValueError):
        first[0] = 2.0


def test_ranked_lists_are_cached_per_profile_content(tiny_engine: Engine) -> None:
    settings = tiny_engine.settings.matching
    matcher = Matcher(tiny_engine.offers, tiny_engine.profiles, tiny_engine.taxonomy,
                      tiny_engine.encoder, settings, tiny_engine.normaliser)
    uncached = Matcher(tiny_engine.offers, tiny_engine.profiles, tiny_engine.taxonomy,
                       tiny_engine.encoder, settings.model_copy(update={"result_cache": 0}),
                       tiny_engine.normaliser)
    profile = tiny_engine.profiles.get("P-VENDEUSE")
    assert isinstance(profile, Profile)
    first = matcher.offers_for_profile(profile, top_k=5)
    assert matcher.offers_for_profile(profile, top_k=5) == first
    assert matcher._results.hits == 1
    edited = profile.model_copy(update={"skills": [
        *profile.skills, SkillTag(code="100010", label="Accueillir un client")]})
    assert matcher.offers_for_profile(edited, top_k=5) == uncached.offers_for_profile(
        edited, top_k=5)
    assert matcher._results.hits == 1  # an edited profile is another request
    assert matcher.offers_for_profile(profile, top_k=3) == first[:3]
