"""Reading records in batches (titles prefetched together, as an index build reads them)
reads every record as reading it alone does, whatever the batch."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from indexer.enrich import ConceptEnricher, concept_enricher
from indexer.readers import read_offers, read_profiles
from indexer.settings import load_settings
from skills_taxonomy import Taxonomy
from skills_taxonomy.vectors import IntegerRows
from tests.fake_encoders import FastChecksumEncoder

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def _enricher(taxonomy: Taxonomy, cache: Path) -> ConceptEnricher:
    settings = load_settings(data_dir=FIXTURES, cache_dir=cache, index_dir=cache / "index")
    enricher = concept_enricher(settings, taxonomy, FastChecksumEncoder())
    assert enricher is not None
    return enricher


def test_offers_and_profiles_read_in_batches_as_alone(mini_taxonomy: Taxonomy, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    offers = read_offers(FIXTURES / "engine" / "offers.jsonl").records
    profiles = read_profiles(FIXTURES / "engine" / "profiles.jsonl").records
    alone = _enricher(mini_taxonomy, tmp_path)
    expected_offers = [alone.offer(offer) for offer in offers]
    expected_profiles = [alone.profile(profile) for profile in profiles]
    assert any(o.concepts is not None and o.concepts.occupations for o in expected_offers)

    batch_sizes: list[int] = []
    top_rows = IntegerRows.top_rows

    def counted(self: IntegerRows, queries: np.ndarray, k: int
                ) -> list[tuple[np.ndarray, np.ndarray]]:
        batch_sizes.append(len(np.atleast_2d(queries)))
        return top_rows(self, queries, k)

    monkeypatch.setattr(IntegerRows, "top_rows", counted)
    assert _enricher(mini_taxonomy, tmp_path).offers(offers) == expected_offers
    assert max(batch_sizes) > 1  # the titles' closest forms were found together
    backwards = _enricher(mini_taxonomy, tmp_path).read_offers(offers[::-1])
    assert backwards[::-1] == expected_offers
    assert _enricher(mini_taxonomy, tmp_path).profiles(profiles) == expected_profiles
