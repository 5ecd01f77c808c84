"""Fill an index folder's embedding cache with GENERATED vectors, so that ``emploi index``
finds every text already encoded and its run measures reading and storing alone.

Encoding 200,000 offers with USE on two cores takes about half an hour; the memory of
``emploi index`` is what streaming input bounds, and it does not depend on the vectors. This
writes one pseudo-random unit vector per embedding text and per skill label of a JSONL file
(offers or profiles) into ``INDEX_DIR/embeddings``, keyed for the settings' encoder
(``EMPLOI_ENCODER``) exactly as :func:`indexer.encoders.encode_documents_cached` keys them,
streaming the file. Only an encoder that goes through the cache can be seeded: the static
model encodes faster than the cache finds a vector, so ``emploi index`` never looks there for
it (it costs ≈ 0.3 ms an offer anyway), and this command refuses it::

    python -m bench.seed_vectors --kind offers --input .cache/bench/corpus/offers.GENERATED.jsonl \\
        --index-dir .cache/bench/rss-index

The vectors carry no meaning: an index built on them is for measuring memory and speed, never
for measuring quality.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from indexer.catalog import embedding_cache_path
from indexer.documents import offer_embedding_text, profile_embedding_text
from indexer.encoders import (
    EmbeddingCache,
    content_key,
    create_encoder,
    encodes_faster_than_cache,
)
from indexer.models import Offer, Profile
from indexer.settings import load_settings

logger = logging.getLogger("bench.seed_vectors")
CHUNK = 10_000


def _texts(path: Path, kind: str) -> Iterator[list[str]]:
    """The embedding text and skill labels of each record, one list per record."""
    with path.open(encoding="utf-8") as stream:
        for line in stream:
            if not line.strip():
                continue
            record: Offer | Profile
            if kind == "offers":
                record = Offer.model_validate_json(line)
                text = offer_embedding_text(record)
            else:
                record = Profile.model_validate_json(line)
                text = profile_embedding_text(record)
            yield [text, *(tag.label for tag in record.skills)]


def seed(path: Path, kind: str, index_dir: Path, encoder_name: str, dimension: int,
         seed_value: int = 7) -> int:
    """Write a vector for every text of ``path`` not yet cached; return how many."""
    cache = EmbeddingCache(embedding_cache_path(index_dir))
    rng = np.random.default_rng(seed_value)
    written = 0
    pending: dict[str, None] = {}

    def flush() -> int:
        keys = [content_key(encoder_name, text) for text in pending]
        known = cache.get_many(keys)
        keys = [key for key in keys if key not in known]
        if keys:
            vectors = rng.standard_normal((len(keys), dimension)).astype(np.float32)
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
            cache.put_many(keys, vectors)
        pending.clear()
        return len(keys)

    for texts in _texts(path, kind):
        pending.update(dict.fromkeys(texts))
        if len(pending) >= CHUNK:
            written += flush()
            logger.info("%s: %d GENERATED vectors written", kind, written)
    written += flush()
    cache.close()
    return written


def main(argv: Sequence[str] | None = None) -> int:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kind", choices=("offers", "profiles"), required=True)
    parser.add_argument("--input", type=Path, required=True)
    parser.add_argument("--index-dir", type=Path, required=True)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    encoder = create_encoder(load_settings())  # the settings' encoder: its name and dimension
    if encodes_faster_than_cache(encoder):
        logger.error("%s is never read from the embedding cache (it encodes faster than the "
                     "cache finds a vector): nothing to seed; set EMPLOI_ENCODER to a cached "
                     "encoder (e.g. use) to seed its vectors", encoder.name)
        return 2
    count = seed(args.input, args.kind, args.index_dir, encoder.name, encoder.dimension)
    logger.info("%d GENERATED vectors in %s", count, embedding_cache_path(args.index_dir))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
