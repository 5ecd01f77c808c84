"""The one home of each shared piece: UTC times, distances, the LRU map, atomic streams, and
settings read once (the FAISS thread count)."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import faiss
import numpy as np
import pytest

from indexer.atomic import atomic_writer, write_lines_atomic
from indexer.catalog import IndexWriter, SearchIndex
from indexer.distance import KM_PER_DEGREE, haversine_km, haversine_km_many
from indexer.encoders import Encoder
from indexer.models import GeoPoint
from indexer.settings import load_settings
from indexer.utc import as_utc, epoch_micros, epoch_seconds, from_epoch_seconds
from skills_taxonomy.lru import LruCache

PARIS = GeoPoint(lat=48.8566, lon=2.3522)
LYON = GeoPoint(lat=45.7640, lon=4.8357)


def test_naive_times_are_utc_everywhere() -> None:
    naive = datetime(2024, 12, 1, 8, 30, 0, 123456)
    aware = naive.replace(tzinfo=UTC)
    paris = aware.astimezone(timezone(timedelta(hours=1)))
    assert as_utc(naive) == aware == as_utc(paris)
    assert epoch_seconds(naive) == epoch_seconds(paris) == 1_733_041_800
    assert epoch_micros(naive) == 1_733_041_800_123_456  # exact, no float rounding
    assert from_epoch_seconds(1_733_041_800) == aware.replace(microsecond=0)


def test_haversine_one_and_many_agree() -> None:
    # Paris–Lyon great-circle distance: 391.5 km (about 3.52° of arc on a 6371 km sphere)
    assert haversine_km(PARIS, LYON) == pytest.approx(391.5, abs=0.5)
    assert haversine_km(PARIS, PARIS) == 0.0
    many = haversine_km_many(np.array([LYON.lat, np.nan]), np.array([LYON.lon, 0.0]), PARIS)
    assert many[0] == pytest.approx(haversine_km(PARIS, LYON)) and math.isnan(many[1])
    one_degree_north = GeoPoint(lat=PARIS.lat + 1.0, lon=PARIS.lon)
    assert haversine_km(PARIS, one_degree_north) == pytest.approx(KM_PER_DEGREE)


def test_lru_get_put_discard() -> None:
    cache: LruCache[str, int] = LruCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1          # now the most recent
    cache.put("c", 3)                   # evicts "b"
    assert (cache.get("b"), cache.get("c")) == (None, 3)
    cache.discard("c")
    assert cache.get("c") is None and len(cache) == 1
    nothing: LruCache[str, int] = LruCache(0)
    nothing.put("a", 1)
    assert nothing.get("a") is None


def test_lru_contains_without_touching_and_pop_forgets() -> None:
    cache: LruCache[str, int] = LruCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert "a" in cache and "z" not in cache  # "a" stays the least recent
    cache.put("c", 3)                           # so it is the one evicted
    assert "a" not in cache
    assert cache.pop("b") == 2 and cache.pop("b") is None and len(cache) == 1


def test_lru_second_sight_keeps_what_recurs() -> None:
    cache: LruCache[str, int] = LruCache(2, second_sight=3)
    cache.put("a", 1)                   # first sight: remembered, not kept
    assert cache.get("a") is None
    cache.put("a", 1)                   # second sight: kept
    for once in ("x", "y"):             # keys seen once push nothing out
        cache.put(once, 0)
    assert cache.get("a") == 1 and len(cache) == 1
    cache.put("b", 2)
    cache.put("b", 2)
    cache.put("b", 3)                   # a kept key is updated at once
    assert cache.get("b") == 3
    for once in ("p", "q", "r"):        # beyond 3 keys seen once, they are all forgotten
        cache.put(once, 0)
    cache.put("x", 0)                   # so "x" is at its first sight again
    assert "x" not in cache


def test_atomic_writer_streams_or_leaves_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "report.jsonl"
    write_lines_atomic(target, (str(n) for n in range(3)))
    assert target.read_text(encoding="utf-8") == "0\n1\n2\n"
    with pytest.raises(RuntimeError), atomic_writer(target) as stream:
        stream.write("half")
        raise RuntimeError("interrupted")
    assert target.read_text(encoding="utf-8") == "0\n1\n2\n"
    assert [p.name for p in tmp_path.iterdir()] == ["report.jsonl"]


def test_faiss_threads_come_from_the_settings(tmp_path: Path, encoder: Encoder,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EMPLOI_FAISS_THREADS", "2")
    settings = load_settings(index_dir=tmp_path / "index", cache_dir=tmp_path / "cache")
    assert settings.faiss_threads == 2
    try:
        with IndexWriter(settings.index_dir, settings, encoder) as writer:
            writer.commit()
        faiss.omp_set_num_threads(1)
        SearchIndex.open(settings.index_dir, settings, encoder)
        assert faiss.omp_get_max_threads() == 2
    finally:
        faiss.omp_set_num_threads(1)
