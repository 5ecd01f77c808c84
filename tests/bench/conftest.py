"""Fixtures of the benchmark tests."""

from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder laid out like ../shared/data, over the mini fixtures."""
    root = tmp_path_factory.mktemp("data")
    (root / "rome4").symlink_to(FIXTURES / "rome4_mini")
    (root / "esco_fr").symlink_to(FIXTURES / "esco_mini")
    (root / "geo").symlink_to(FIXTURES / "geo_mini")
    (root / "offers").mkdir()
    (root / "offers" / "offres_ardeche_cdi_2025.csv").symlink_to(
        FIXTURES / "offers" / "offers_flat.csv")
    return root
