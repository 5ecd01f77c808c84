"""Fill an embedding cache with the vectors of a (GENERATED) corpus, measuring the encoder.

Encoding dominates indexing (USE on one core: about 55–150 texts/s), so the benchmark can
encode a corpus once, in a separate process per file, into the content-hash cache that
``IndexWriter`` reads (``INDEX_DIR/embeddings``). The throughput measured here is what the
benchmark reports as the encoding cost of indexing from scratch::

    python -m bench.encode --kind offers --input bench/results/corpus/offers.GENERATED.jsonl \\
        --cache bench/results/cache --stats bench/results/encode-offers.json
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from indexer.documents import offer_embedding_text, profile_embedding_text
from indexer.encoders import EmbeddingCache, encode_documents_cached
from indexer.encoders.use import UseEncoder
from indexer.models import Offer, Profile

logger = logging.getLogger("bench.encode")
CHUNK = 2048


def embedding_texts(path: Path, kind: str, limit: int | None = None) -> Iterator[str]:
    """The embedding text of each record of a JSONL file (offers or profiles)."""
    with path.open(encoding="utf-8") as stream:
        for number, line in enumerate(stream):
            if limit is not None and number >= limit:
                return
            if kind == "offers":
                yield offer_embedding_text(Offer.model_validate_json(line))
            else:
                yield profile_embedding_text(Profile.model_validate_json(line))


def encode_file(path: Path, kind: str, cache_dir: Path, limit: int | None = None
                ) -> dict[str, float]:
    """Encode every text of ``path`` not yet in the cache; return counts and rates."""
    encoder = UseEncoder()
    cache = EmbeddingCache(cache_dir)
    started = time.perf_counter()
    encode_s = 0.0
    total = chars = 0
    chunk: list[str] = []

    def flush(texts: Sequence[str]) -> float:
        begin = time.perf_counter()
        encode_documents_cached(encoder, texts, cache)
        return time.perf_counter() - begin

    for text in embedding_texts(path, kind, limit):
        chunk.append(text)
        total += 1
        chars += len(text)
        if len(chunk) >= CHUNK:
            encode_s += flush(chunk)
            chunk = []
            logger.info("%s: %d texts, %.1f texts/s (load %.2f)", kind, total,
                        total / encode_s, os.getloadavg()[0])
    if chunk:
        encode_s += flush(chunk)
    cache.close()
    return {"texts": total, "mean_chars": chars / max(total, 1), "encode_s": encode_s,
            "texts_per_s": total / encode_s if encode_s else 0.0,
            "wall_s": time.perf_counter() - started, "load_avg_end": os.getloadavg()[0]}


def main(argv: Sequence[str] | None = None) -> int:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--kind", choices=("offers", "profiles"), required=True)
    parser.add_argument("--input", type=Path, required=True)
    parser.add_argument("--cache", type=Path, required=True)
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--stats", type=Path, default=None)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    stats = encode_file(args.input, args.kind, args.cache, args.limit)
    logger.info("%s encoded: %s", args.kind, stats)
    if args.stats is not None:
        args.stats.parent.mkdir(parents=True, exist_ok=True)
        args.stats.write_text(json.dumps(stats, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
