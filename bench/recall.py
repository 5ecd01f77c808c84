"""The build-time recall check on real-encoded vectors: recall@10 of the IVF index before and
after ``indexer.stores.ann_recall`` tunes its nprobe, checked on another sample of stored
vectors and on offer titles encoded as queries, with the latency of one query at each nprobe.

The first ``--size`` offers of a GENERATED corpus (``bench.corpus``) are encoded for real with
the settings' encoder (``offer_embedding_text``, as ``emploi index`` does), stored in a FAISS
store that switches to IVF by size (or past ``--flat-max``), then checked with the settings'
target, sample and probe ceiling. Prints one JSON object; ``--out`` also writes it.

::

    python -m bench.corpus --offers 60000 --profiles 10 --out .cache/bench/corpus60k
    python -m bench.recall --corpus .cache/bench/corpus60k --size 60000
"""

from __future__ import annotations

import argparse
import logging
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bench.corpus import OFFERS_FILE
from bench.json_output import configure_logging, emit
from indexer.documents import offer_embedding_text
from indexer.encoders import create_encoder
from indexer.models import Offer
from indexer.settings import load_settings
from indexer.stores.ann_recall import TOP_K, ensure_recall, exact_scores, recall_of
from indexer.stores.faiss_store import FaissVectorStore

log = logging.getLogger("bench.recall")
TITLE_QUERIES = 300
OTHER_SAMPLE = 500
TIMED_QUERIES = 200


def _offers(corpus: Path, size: int) -> list[Offer]:
    offers: list[Offer] = []
    with (corpus / OFFERS_FILE).open(encoding="utf-8") as lines:
        for line in lines:
            offers.append(Offer.model_validate_json(line))
            if len(offers) >= size:
                break
    return offers


def _title_recall(store: FaissVectorStore, queries: np.ndarray, nprobe: int) -> float:
    exact = store.search_labels(queries, TOP_K, None, nprobe=store.nlist)
    ann = store.search_labels(queries, TOP_K, None, nprobe=nprobe)
    return float(np.mean([len({h.id for h in a} & {h.id for h in e}) / max(1, len(e))
                          for a, e in zip(ann, exact, strict=True)]))


def _ms_per_query(store: FaissVectorStore, queries: np.ndarray, nprobe: int) -> float:
    started = time.perf_counter()
    for row in range(TIMED_QUERIES):
        index = row % len(queries)
        store.search_labels(queries[index:index + 1], TOP_K, None, nprobe=nprobe)
    return round((time.perf_counter() - started) / TIMED_QUERIES * 1000, 3)


def measure(corpus: Path, size: int, flat_max: int | None) -> dict[str, Any]:
    """Encode, store, check and tune (see the module doc)."""
    settings = load_settings()
    encoder = create_encoder(settings)
    offers = _offers(corpus, size)
    started = time.perf_counter()
    vectors = encoder.encode_documents([offer_embedding_text(o) for o in offers])
    encode_s = time.perf_counter() - started
    store = FaissVectorStore(encoder.dimension)
    store.flat_max_vectors = flat_max
    store.upsert([o.id for o in offers], vectors)
    store.switch_index_if_needed()
    default = store.nprobe
    check = ensure_recall(store, settings.ann_recall_target, settings.ann_recall_sample,
                          settings.ann_max_probe_share, label="offers")
    result: dict[str, Any] = {"vectors": len(offers), "encoder": encoder.name,
                              "encode_s": round(encode_s, 1), "index": store.index_factory,
                              "check": None if check is None else check.to_dict()}
    if check is None:
        return result
    other = store.sample_stored_vectors(OTHER_SAMPLE, seed=99)
    truth = exact_scores(store, other)
    titles = encoder.encode_queries([o.title for o in offers[-TITLE_QUERIES:]])
    result["by_nprobe"] = {
        str(nprobe): {"recall_other_sample": round(recall_of(store, other, truth, nprobe), 4),
                      "recall_title_queries": round(_title_recall(store, titles, nprobe), 4),
                      "ms_per_query": _ms_per_query(store, titles, nprobe)}
        for nprobe in sorted({default, check.nprobe, store.nlist})}
    result["default_nprobe"] = default
    return result


def main(argv: Sequence[str] | None = None) -> int:
    """Run :func:`measure` and print its JSON."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, required=True, help="a bench.corpus folder")
    parser.add_argument("--size", type=int, default=60_000, help="offers to encode and store")
    parser.add_argument("--flat-max", type=int, default=None,
                        help="exact-search limit (default: the store's, 50,000)")
    parser.add_argument("--out", type=Path, help="also write the JSON here")
    args = parser.parse_args(argv)
    configure_logging()
    result = measure(args.corpus, args.size, args.flat_max)
    emit(result, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
