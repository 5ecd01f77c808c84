"""Tests of the pickle cache used by :func:`skills_taxonomy.load_taxonomy`."""

from __future__ import annotations

from pathlib import Path

from skills_taxonomy import load_taxonomy
from skills_taxonomy.cache import cache_path

from .conftest import ESCO_MINI


def test_cache_is_written_then_hit(rome_copy: Path, tmp_path: Path) -> None:
    cache_dir = tmp_path / "cache"
    built = load_taxonomy(rome_copy, cache_dir=cache_dir)
    assert cache_path(cache_dir, built.checksum).is_file()
    assert [p.name for p in cache_dir.iterdir() if p.name.startswith(".")] == []
    cached = load_taxonomy(rome_copy, cache_dir=cache_dir)
    assert cached is not built
    assert cached.checksum == built.checksum
    assert dict(cached.occupations) == dict(built.occupations)
    assert cached.items_of("D1214") == built.items_of("D1214")
    assert cached.search("vendeuse") == built.search("vendeuse")


def test_changed_source_invalidates_cache(rome_copy: Path, tmp_path: Path) -> None:
    cache_dir = tmp_path / "cache"
    before = load_taxonomy(rome_copy, cache_dir=cache_dir)
    path = rome_copy / "unix_rubrique_mobilite_v460_utf8.csv"
    path.write_text(path.read_text(encoding="utf-8") + '"M1203","D1214","1"\n', encoding="utf-8")
    after = load_taxonomy(rome_copy, cache_dir=cache_dir)
    assert after.checksum != before.checksum
    assert after.mobility_targets("M1203") == [("D1214", 1)]


def test_esco_changes_the_checksum(rome_copy: Path) -> None:
    assert load_taxonomy(rome_copy).checksum != load_taxonomy(rome_copy, ESCO_MINI).checksum


def test_corrupt_cache_is_rebuilt(rome_copy: Path, tmp_path: Path) -> None:
    cache_dir = tmp_path / "cache"
    built = load_taxonomy(rome_copy, cache_dir=cache_dir)
    target = cache_path(cache_dir, built.checksum)
    target.write_bytes(b"not a pickle")
    again = load_taxonomy(rome_copy, cache_dir=cache_dir)
    assert again.occupation("D1214").label == "Vendeur / Vendeuse en prêt-à-porter"
    assert target.read_bytes() != b"not a pickle"
