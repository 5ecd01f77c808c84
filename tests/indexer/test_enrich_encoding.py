"""What concept reading encodes ahead of the readings: the titles and passages of a chunk go
into the embedding cache when the encoder has one (the pool's workers read them there), and
nothing is encoded ahead for an encoder faster than the cache (it encodes as it reads)."""

from __future__ import annotations

from pathlib import Path

from indexer.encoders import CachedEncoder, EmbeddingCache
from indexer.enrich import ConceptEnricher, concept_enricher
from indexer.models import Offer
from indexer.readers import read_offers
from indexer.settings import load_settings
from skills_taxonomy import Taxonomy
from tests.fake_encoders import ChecksumEncoder, FastChecksumEncoder

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def _enricher_and_offers(encoder: ChecksumEncoder, taxonomy: Taxonomy, cache: Path
                         ) -> tuple[ConceptEnricher, list[Offer]]:
    settings = load_settings(data_dir=FIXTURES, cache_dir=cache, index_dir=cache / "index")
    enricher = concept_enricher(settings, taxonomy, encoder)
    assert enricher is not None
    enricher.reader.prepare()  # the labels' vectors: encoded once, whatever the encoder
    return enricher, read_offers(FIXTURES / "engine" / "offers.jsonl").records


def test_a_cached_encoder_gets_the_chunk_encoded_ahead(mini_taxonomy: Taxonomy,
                                                       tmp_path: Path) -> None:
    encoder = ChecksumEncoder()
    enricher, offers = _enricher_and_offers(encoder, mini_taxonomy, tmp_path)
    assert isinstance(enricher.reader.encoder, CachedEncoder)
    before = len(encoder.encoded)
    enricher.prepare_offers(offers)
    ahead = encoder.encoded[before:]
    assert len(ahead) > len(offers)  # titles and passages
    assert len(EmbeddingCache(tmp_path)) >= len(set(encoder.encoded))
    enricher.offers(offers)  # read from the cache: no text encoded again
    assert len(encoder.encoded) == before + len(ahead)


def test_an_encoder_faster_than_the_cache_encodes_as_it_reads(mini_taxonomy: Taxonomy,
                                                              tmp_path: Path) -> None:
    encoder = FastChecksumEncoder()
    enricher, offers = _enricher_and_offers(encoder, mini_taxonomy, tmp_path)
    assert enricher.reader.encoder is encoder
    before = len(encoder.encoded)
    enricher.prepare_offers(offers)
    assert len(encoder.encoded) == before
    read = enricher.offers(offers)
    assert len(encoder.encoded) > before
    assert any(o.concepts is not None and o.concepts.skills for o in read)
    assert not (tmp_path / "embeddings.sqlite3").exists()
