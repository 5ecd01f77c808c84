"""End-to-end tests on the real ROME 4.0 files in ../shared/data (marked slow)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from skills_taxonomy import Taxonomy, load_taxonomy

DATA = Path(
    os.environ.get("EMPLOI_DATA_DIR", Path(__file__).resolve().parents[3] / "shared" / "data")
)
ROME = DATA / "rome4"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not ROME.is_dir(), reason=f"real ROME data not found in {ROME}"),
]


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("taxonomy-cache")


@pytest.fixture(scope="module")
def real(cache_dir: Path) -> Taxonomy:
    return load_taxonomy(ROME, cache_dir=cache_dir)


def test_real_counts(real: Taxonomy) -> None:
    assert len(real.occupations) == 1584
    assert len(real.appellations) == 13120
    assert real.occupation("D1214").label == "Vendeur / Vendeuse en prêt-à-porter"
    assert real.appellations["20613"].forms == (
        "Vendeur en prêt-à-porter",
        "Vendeuse en prêt-à-porter",
    )


def test_real_fuzzy_title(real: Taxonomy) -> None:
    first = real.normalise_title("vendeuse pret a porter")[0]
    assert (first.kind, first.rome_code) == ("appellation", "D1214")
    assert real.search("vendeur prêt-à-porter")[:3] == real.search("vendeuse prêt-à-porter")[:3]


def test_real_relations(real: Taxonomy) -> None:
    assert real.mobility_targets("A1101")[0] == ("A1414", 1)
    assert real.parent_of("A1102") == "A1101"
    assert any(link.core for link in real.items_of("A1101"))


def test_real_cache_hit_is_faster_and_identical(real: Taxonomy, cache_dir: Path) -> None:
    started = time.perf_counter()
    cold = load_taxonomy(ROME)
    cold_s = time.perf_counter() - started
    started = time.perf_counter()
    warm = load_taxonomy(ROME, cache_dir=cache_dir)
    warm_s = time.perf_counter() - started
    assert warm_s < cold_s
    assert warm.checksum == cold.checksum == real.checksum
    assert dict(warm.appellations) == dict(cold.appellations)
    assert warm.normalise_title("aide-soignante") == cold.normalise_title("aide-soignante")
