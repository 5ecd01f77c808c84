"""Shared fixtures: the hand-written mini ROME / ESCO folders and a loaded taxonomy."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from skills_taxonomy import Taxonomy, load_taxonomy

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
ROME_MINI = FIXTURES / "rome4_mini"
ESCO_MINI = FIXTURES / "esco_mini"


@pytest.fixture(scope="session")
def tax() -> Taxonomy:
    """The mini ROME taxonomy, without ESCO and without cache."""
    return load_taxonomy(ROME_MINI)


@pytest.fixture(scope="session")
def tax_esco() -> Taxonomy:
    """The mini ROME taxonomy with the mini ESCO labels and crosswalk."""
    return load_taxonomy(ROME_MINI, esco_dir=ESCO_MINI)


@pytest.fixture()
def rome_copy(tmp_path: Path) -> Path:
    """A writable copy of the mini ROME folder."""
    target = tmp_path / "rome"
    shutil.copytree(ROME_MINI, target)
    return target
