"""Concept reading in worker processes reads every record as the indexing process does, the
indexing process reads the batches no worker has taken, and small chunks never start the
workers."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest
from threadpoolctl import threadpool_info

from indexer.enrich import concept_enricher
from indexer.enrich_pool import ProcessPoolEnricher
from indexer.models import Offer
from indexer.readers import read_offers, read_profiles
from indexer.settings import load_settings
from skills_taxonomy import Taxonomy

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def test_workers_read_offers_and_profiles_as_this_process_does(
        mini_taxonomy: Taxonomy, tmp_path: Path) -> None:
    settings = load_settings(data_dir=FIXTURES, cache_dir=tmp_path / "cache",
                             index_dir=tmp_path / "index", concepts={"vectors": False})
    local = concept_enricher(settings, mini_taxonomy, None)
    assert local is not None
    offers = read_offers(FIXTURES / "engine" / "offers.jsonl").records
    profiles = read_profiles(FIXTURES / "engine" / "profiles.jsonl").records
    expected_offers, expected_profiles = local.offers(offers), local.profiles(profiles)
    assert any(o.concepts is not None and o.concepts.skills for o in expected_offers)

    with ProcessPoolEnricher(local, settings, processes=2, min_records=1, batch_size=3) as pool:
        assert pool.offers(offers) == expected_offers
        assert pool.profiles(profiles) == expected_profiles
        assert pool.workers_started


def test_this_process_reads_the_batches_no_worker_has_taken(
        mini_taxonomy: Taxonomy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # one worker for two processes: it takes batches from the start, this process from the
    # end, and the records come back in order, read as one reader reads them
    settings = load_settings(data_dir=FIXTURES, cache_dir=tmp_path / "cache",
                             index_dir=tmp_path / "index", concepts={"vectors": False})
    local = concept_enricher(settings, mini_taxonomy, None)
    assert local is not None
    offers = read_offers(FIXTURES / "engine" / "offers.jsonl").records
    expected = local.offers(offers)
    read_here: list[str] = []
    read_offers_here = local.read_offers

    def counted(batch: Sequence[Offer]) -> list[Offer]:
        read_here.extend(o.id for o in batch)
        return read_offers_here(batch)

    monkeypatch.setattr(local, "read_offers", counted)
    blas_before = _blas_threads()
    with ProcessPoolEnricher(local, settings, processes=2, min_records=1, batch_size=2) as pool:
        assert pool.offers(offers) == expected
        assert len(pool._started()._processes) == 1  # one worker, and this process
        assert _blas_threads() == {1}  # this process reads as the workers do
    assert _blas_threads() == blas_before
    ids = [o.id for o in offers]
    assert read_here, "this process read no batch"
    assert ids[0] not in read_here  # the first batch went to the worker
    assert sorted(read_here) == sorted(ids[-len(read_here):])  # the last ones came here


def test_a_pool_needs_two_reading_processes(mini_taxonomy: Taxonomy, tmp_path: Path) -> None:
    settings = load_settings(data_dir=FIXTURES, cache_dir=tmp_path / "cache",
                             index_dir=tmp_path / "index", concepts={"vectors": False})
    local = concept_enricher(settings, mini_taxonomy, None)
    assert local is not None
    with pytest.raises(ValueError, match="2 processes or more"):
        ProcessPoolEnricher(local, settings, processes=1)


def test_a_small_chunk_is_read_here_without_workers(mini_taxonomy: Taxonomy,
                                                    tmp_path: Path) -> None:
    settings = load_settings(data_dir=FIXTURES, cache_dir=tmp_path / "cache",
                             index_dir=tmp_path / "index", concepts={"vectors": False})
    local = concept_enricher(settings, mini_taxonomy, None)
    assert local is not None
    offers = read_offers(FIXTURES / "engine" / "offers.jsonl").records[:3]
    with ProcessPoolEnricher(local, settings, processes=2, min_records=10) as pool:
        assert pool.offers(offers) == local.offers(offers)
        assert not pool.workers_started


def test_reading_workers_run_blas_on_one_thread(mini_taxonomy: Taxonomy, tmp_path: Path
                                                ) -> None:
    # one worker per core, each with a BLAS pool of one thread per core, oversubscribed the
    # cores (the pool read half as fast as it does with one BLAS thread per worker)
    settings = load_settings(data_dir=FIXTURES, cache_dir=tmp_path / "cache",
                             index_dir=tmp_path / "index", concepts={"vectors": False})
    local = concept_enricher(settings, mini_taxonomy, None)
    assert local is not None
    offers = read_offers(FIXTURES / "engine" / "offers.jsonl").records
    with ProcessPoolEnricher(local, settings, processes=2, min_records=1) as pool:
        pool.offers(offers)
        workers = pool._started()
        blas = [p for p in workers.submit(threadpool_info).result() if p["user_api"] == "blas"]
    here = [p for p in threadpool_info() if p["user_api"] == "blas"]
    assert blas and here, "numpy's BLAS is not visible to threadpoolctl"
    assert {p["num_threads"] for p in blas} == {1}


def _blas_threads() -> set[int]:
    return {p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"}
