"""Shared fixtures: the real data folder, and a real engine built from hand-written fixtures."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from indexer.catalog import IndexWriter, SearchIndex
from indexer.encoders import Encoder, UseEncoder
from indexer.enrich import concept_enricher
from indexer.geo import Gazetteer
from indexer.readers import read_offers, read_profiles
from indexer.settings import EncoderKind, Settings, load_settings
from matcher.engine import Engine
from matcher.queries import profile_index_text
from skills_taxonomy import Taxonomy, load_taxonomy

FIXTURES = Path(__file__).parent / "fixtures"
IN_CI = os.environ.get("CI", "").lower() == "true"


def require(condition: bool, reason: str) -> None:
    """Skip when ``condition`` fails, except under CI=true, where it is a failure."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: this must not be skipped)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def real_data_dir() -> Path:
    """The real data folder (EMPLOI_DATA_DIR, else ../shared/data)."""
    data_dir = load_settings().data_dir
    require((data_dir / "rome4").is_dir(),
            f"real data not found in {data_dir}: set EMPLOI_DATA_DIR")
    return data_dir


@pytest.fixture(scope="session")
def encoder() -> Encoder:
    """The default encoder, loaded once per session (it is read-only)."""
    return UseEncoder()


@pytest.fixture(scope="session")
def mini_taxonomy() -> Taxonomy:
    """The hand-written mini ROME of tests/fixtures/rome4_mini."""
    return load_taxonomy(FIXTURES / "rome4_mini")


@pytest.fixture(scope="session")
def mini_gazetteer() -> Gazetteer:
    """A handful of real Ardèche communes, typed by hand."""
    return Gazetteer.load(FIXTURES / "geo_mini")


@pytest.fixture(scope="session")
def tiny_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings pointing at a fresh index folder and the fixtures."""
    root = tmp_path_factory.mktemp("tiny")
    # USE-m3, like the session's `encoder` that builds the tiny engine: code that takes its
    # encoder from the settings (indexing, Engine.open, the CLI) then agrees with the index
    return load_settings(data_dir=FIXTURES, index_dir=root / "index", cache_dir=root / "cache",
                         encoder=EncoderKind.USE)


@pytest.fixture(scope="session")
def tiny_engine(tiny_settings: Settings, encoder: Encoder, mini_taxonomy: Taxonomy,
                mini_gazetteer: Gazetteer) -> Iterator[Engine]:
    """A real engine over the hand-written offers and profiles of tests/fixtures/engine,
    built once per session: tests must treat it as read-only."""
    offers = read_offers(FIXTURES / "engine" / "offers.jsonl")
    profiles = read_profiles(FIXTURES / "engine" / "profiles.jsonl")
    assert not offers.rejections and not profiles.rejections
    with IndexWriter(tiny_settings.index_dir, tiny_settings, encoder,
                     profile_text=profile_index_text(mini_taxonomy),
                     enricher=concept_enricher(tiny_settings, mini_taxonomy, encoder)) as writer:
        writer.upsert_offers(offers.records)
        writer.upsert_profiles(profiles.records)
        writer.commit()
    index = SearchIndex.open(tiny_settings.index_dir, tiny_settings, encoder)
    yield Engine(tiny_settings, mini_taxonomy, mini_gazetteer, encoder, index)


def real_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The cache folder of the tests on the real data, one per session: the taxonomy pickle,
    the embedding cache and the static model distilled from the real data on first use (a
    few minutes) are built once, not once per test module."""
    path = tmp_path_factory.getbasetemp() / "real-cache"
    path.mkdir(exist_ok=True)
    return path


def real_static_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default static model of :func:`real_cache_dir` (there once an index was built)."""
    from indexer.encoders.static import default_model_dir

    return default_model_dir(real_cache_dir(tmp_path_factory))


@pytest.fixture(scope="session")
def real_demo_index(tmp_path_factory: pytest.TempPathFactory,
                    real_data_dir: Path) -> tuple[Path, Path]:
    """The demo index built once per session (:func:`build_real_index`); tests that use it
    only read it."""
    return build_real_index(tmp_path_factory, real_data_dir, "real")


def build_real_index(tmp_path_factory: pytest.TempPathFactory, data_dir: Path,
                     name: str) -> tuple[Path, Path]:
    """Index the demo data (1,672 real offers, 1,500 generated profiles) through the CLI, as a new
    user would, with the default settings; return the index and the (shared) cache folder."""
    from click.testing import CliRunner

    from webapp.cli import main

    index_dir = tmp_path_factory.mktemp(f"{name}-index")
    cache_dir = real_cache_dir(tmp_path_factory)
    result = CliRunner().invoke(
        main, ["--data-dir", str(data_dir), "index", "--index-dir", str(index_dir)],
        env={"EMPLOI_CACHE_DIR": str(cache_dir)})
    assert result.exit_code == 0, result.output
    assert "indexed 1672 offers and 1500 profiles" in result.output
    return index_dir, cache_dir
