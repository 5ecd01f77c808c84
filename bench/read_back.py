"""How a request reads back what its channels found, each way alternated on one built index:

- **keyword hits' ids**: by the ``key`` fast field through the map ``prepare_reads`` fills
  (:mod:`indexer.stores.id_keys`), or from tantivy's document store (what a store does before
  its reads are prepared, and what every store did before index format 6);
- **allowed vectors** (an allow-list short enough to be scored exactly,
  ``FaissVectorStore._exact_among``):
  in one gather from the memory-mapped lists (:mod:`indexer.stores.list_codes`), or one at a
  time through FAISS's direct map.

``--seekers`` stored seekers (drawn with a fixed seed) ask as the engine does
(``query_for_profile``): the keyword store unfiltered, top ``keyword_top_k``; the vector store
among the offers within 30 km of the seeker, top ``vector_top_k`` (the seekers whose radius
the store scores exactly). The ways alternate query by query, each first half the time, over
``--rounds`` rounds, on one thread; each gives the CPU time of the request thread
(p50, p90) and how often both ways returned the same hits: the same ids and scores for the
keyword store; for the allowed vectors the same ids, and in the same order (half-precision
codes are scored by FAISS's kernel one way and by NumPy after decoding the other: near ties
can change places). Prints one JSON object; ``--out`` also writes it.

::

    python -m bench.read_back --index-dir .cache/bench/w1m/n1000000/index \\
        --data-dir ../shared/data --cache-dir var/cache --out bench/results/read-back-1m.json
"""

from __future__ import annotations

import argparse
import gc
import logging
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bench.json_output import configure_logging, emit
from bench.run import _settings
from indexer.stores.faiss_store import FaissVectorStore
from indexer.stores.id_keys import IdsByKey
from indexer.stores.protocols import Filters, GeoFilter, Hit
from indexer.stores.tantivy_store import TantivyKeywordStore

log = logging.getLogger("bench.read_back")
RADIUS_KM = 30.0


def _cpu_ms(run: Callable[..., list[Hit]], *args: Any) -> tuple[float, list[Hit]]:
    started = time.thread_time()
    hits = run(*args)
    return (time.thread_time() - started) * 1000, hits


def _summary(times: dict[str, list[float]], same: int, asked: int) -> dict[str, Any]:
    return {**{way: {"p50_ms": round(statistics.median(values), 3),
                     "p90_ms": round(float(np.percentile(values, 90)), 3)}
               for way, values in times.items()},
            "same_hits": same, "asked": asked}


def keyword_ids(store: TantivyKeywordStore, queries: Sequence[Any], top_k: int,
                rounds: int) -> dict[str, Any]:
    """Keyword searches with the ids read by key, then from the document store, alternated."""
    # The bench swaps the store's id map (a private part) to time both ways on one store.
    by_key = store._ids
    unprepared = IdsByKey()
    times: dict[str, list[float]] = {"by_key": [], "document_store": []}
    same = 0
    ways = (("by_key", by_key), ("document_store", unprepared))
    for _ in range(rounds):
        for number, query in enumerate(queries):
            found: dict[str, list[Hit]] = {}
            for way, ids in ways if number % 2 else ways[::-1]:  # each first half the time
                store._ids = ids
                spent, found[way] = _cpu_ms(store.search, query.keyword, Filters(), top_k)
                times[way].append(spent)
            same += found["by_key"] == found["document_store"]
    store._ids = by_key
    return _summary(times, same, rounds * len(queries))


def allowed_vectors(store: FaissVectorStore, table: Any, encoder: Any,
                    queries: Sequence[Any], top_k: int, rounds: int) -> dict[str, Any]:
    """Exact scoring of the offers within 30 km, their vectors gathered from the mapped
    lists, then read through FAISS's direct map, alternated."""
    asked = []
    for query in queries:
        geo = query.filters.geo
        if geo is None:
            continue
        mask = table.allowed_mask(Filters(geo=GeoFilter(geo.center, RADIUS_KM)))
        labels = np.ascontiguousarray(table.labels(mask), dtype=np.int64)
        if len(labels) and store._exact_is_cheaper(len(labels), None):
            asked.append((encoder.encode_queries([query.embedding_text])[0], labels))
    # The bench swaps the store's mapped codes (a private part) to time both ways.
    mapped = store._list_codes()
    if mapped is None:
        raise SystemExit("the offers' vector store has no memory-mapped IVF lists")
    store._direct_mapped()
    times: dict[str, list[float]] = {"gathered": [], "direct_map": []}
    same = 0
    ways = (("gathered", mapped), ("direct_map", None))
    ways_names = [name for name, _ in ways]
    same_order = 0
    for _ in range(rounds):
        for number, (vector, labels) in enumerate(asked):
            found: dict[str, list[Hit]] = {}
            for way, codes in ways if number % 2 else ways[::-1]:
                store._mapped_codes = codes
                spent, found[way] = _cpu_ms(store._exact_among, vector, top_k, labels)
                times[way].append(spent)
            gathered, direct = ([hit.id for hit in found[way]] for way in ways_names)
            same += set(gathered) == set(direct)
            same_order += gathered == direct
    store._mapped_codes = mapped
    if not asked:
        return {"asked": 0}
    result = _summary(times, same, rounds * len(asked))
    result["same_order"] = same_order
    result["allowed_p50"] = int(statistics.median(len(labels) for _, labels in asked))
    return result


def measure(index_dir: Path, data_dir: Path, cache_dir: Path, seekers: int,
            rounds: int) -> dict[str, Any]:
    """Open the index, prepare its reads as a server does, and time both ways of each."""
    from indexer.catalog import SearchIndex
    from indexer.encoders.factory import create_encoder
    from matcher.queries import query_for_profile
    from skills_taxonomy import load_taxonomy

    settings = _settings(index_dir, data_dir, cache_dir)
    taxonomy = load_taxonomy(settings.rome_dir, settings.esco_dir, settings.cache_dir)
    encoder = create_encoder(settings, distil=False)
    index = SearchIndex.open(index_dir, settings, encoder)
    started = time.perf_counter()
    index.offers.prepare_reads()
    prepared_s = time.perf_counter() - started
    keyword, vectors = index.offers.keyword, index.offers.vectors
    if not isinstance(keyword, TantivyKeywordStore) or not isinstance(vectors,
                                                                      FaissVectorStore):
        raise SystemExit("the index's offers are not in the embedded stores")
    rng = np.random.default_rng(11)
    ids = index.profiles.ids()
    asking = [index.profiles.get(ids[i]) for i in
              rng.choice(len(ids), size=min(seekers, len(ids)), replace=False).tolist()]
    queries = [query_for_profile(p, taxonomy, RADIUS_KM, None, settings.matching)
               for p in asking if p is not None]
    matching = settings.matching
    for query in queries[:5]:  # warm the searcher and the term dictionaries
        keyword.search(query.keyword, Filters(), matching.keyword_top_k)
    gc.collect()
    gc.freeze()
    log.info("%d seekers, reads prepared in %.2f s", len(queries), prepared_s)
    return {"index": str(index_dir), "offers": len(index.offers), "seekers": len(queries),
            "rounds": rounds, "prepare_reads_s": round(prepared_s, 2),
            "keyword_ids": keyword_ids(keyword, queries, matching.keyword_top_k, rounds),
            "allowed_vectors": allowed_vectors(vectors, index.offers._table, encoder, queries,
                                               matching.vector_top_k, rounds),
            "vector_index": vectors.index_factory}


def main(argv: Sequence[str] | None = None) -> int:
    """Run :func:`measure` and print its JSON."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index-dir", type=Path, required=True,
                        help="an index built by emploi index or bench.run")
    parser.add_argument("--data-dir", type=Path, default=Path("../shared/data"))
    parser.add_argument("--cache-dir", type=Path, default=Path("var/cache"))
    parser.add_argument("--seekers", type=int, default=120, help="stored seekers asking")
    parser.add_argument("--rounds", type=int, default=3, help="passes over the seekers")
    parser.add_argument("--out", type=Path, help="also write the JSON here")
    args = parser.parse_args(argv)
    configure_logging()
    emit(measure(args.index_dir, args.data_dir, args.cache_dir, args.seekers, args.rounds),
         args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
