"""The embedded keyword store's search cost across stores written by different code (an
index format, a writer heap), the same seekers' searches alternated between them.

Each ``NAME=FOLDER`` is a tantivy store on disk, typically built by ``bench.geo_order`` from
a worktree at each commit compared (its ``--store``); it is searched with the schema stored
in it, so a store of an older format opens too. The first ``--seekers`` GENERATED seekers
(``bench.corpus``) ask every store in turn, as the engine does (``query_for_profile``, top
``keyword_top_k``), unfiltered and within ``--radius-km`` of their place, ``--rounds`` times:
CPU ms of each search (p50, p90, p99, max), the segments each store's searches read, and in how many
searches every store returned the same ids and scores. Prints one JSON object::

    python -m bench.geo_order --corpus .cache/bench/corpus1m --offers 1000000 \\
        --store .cache/bench/geo-head            # and the same from a worktree at the base
    python -m bench.keyword_ab --corpus .cache/bench/corpus1m \\
        base=.cache/bench/geo-base head=.cache/bench/geo-head
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import tantivy

from bench.geo_order import latency_summary, placed_queries
from bench.json_output import configure_logging, emit
from indexer.settings import load_settings
from indexer.stores.protocols import Filters, GeoFilter
from indexer.stores.tantivy_store import ANALYZER_NAME, TantivyKeywordStore, french_analyzer
from matcher.queries import MatchQuery

KINDS = ("none", "radius")


class StoredSchemaStore(TantivyKeywordStore):
    """The embedded store over an existing folder, with the schema stored in it (the
    product's class opens a folder with its own schema only, and refuses another)."""

    def __init__(self, directory: Path) -> None:
        if not (directory / "meta.json").is_file():
            raise SystemExit(f"{directory} holds no tantivy index: build it with "
                             "python -m bench.geo_order --store …")
        super().__init__(None)
        self._index = tantivy.Index.open(str(directory))
        self._index.register_tokenizer(ANALYZER_NAME, french_analyzer())
        self._schema = self._index.schema
        self.directory = directory


def _stores(specs: Sequence[str]) -> dict[str, StoredSchemaStore]:
    stores: dict[str, StoredSchemaStore] = {}
    for spec in specs:
        name, _, folder = spec.partition("=")
        if not name or not folder:
            raise SystemExit(f"expected NAME=FOLDER, not {spec!r}")
        stores[name] = StoredSchemaStore(Path(folder))
    return stores


def measure(stores: dict[str, StoredSchemaStore], queries: Sequence[MatchQuery],
            radius_km: float, rounds: int, top_k: int) -> dict[str, Any]:
    """Alternate every query over the stores, unfiltered then within ``radius_km``."""
    for store in stores.values():  # warm each searcher and its term dictionaries
        for query in queries[:10]:
            store.search(query.keyword, Filters(), top_k)
    times: dict[str, dict[str, list[float]]] = {name: {kind: [] for kind in KINDS}
                                                for name in stores}
    same = dict.fromkeys(KINDS, 0)
    for _ in range(rounds):
        for query in queries:
            assert query.filters.geo is not None
            radius = Filters(geo=GeoFilter(query.filters.geo.center, radius_km))
            for kind, filters in (("none", Filters()), ("radius", radius)):
                found = []
                for name, store in stores.items():
                    started = time.process_time()
                    hits = store.search(query.keyword, filters, top_k)
                    times[name][kind].append((time.process_time() - started) * 1000)
                    found.append([(hit.id, round(hit.score, 4)) for hit in hits])
                same[kind] += all(ranking == found[0] for ranking in found)
    return {"searches": rounds * len(queries), "top_k": top_k, "radius_km": radius_km,
            "same_ids_and_scores": same,
            "stores": {name: {"segments": store.segments(),
                              **{kind: latency_summary(times[name][kind]) for kind in KINDS}}
                       for name, store in stores.items()}}


def main(argv: Sequence[str] | None = None) -> int:
    """Open the stores, then print :func:`measure`'s JSON."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("stores", nargs="+", help="NAME=FOLDER, one per store compared")
    parser.add_argument("--corpus", type=Path, required=True, help="a bench.corpus folder")
    parser.add_argument("--seekers", type=int, default=200, help="GENERATED seekers asking")
    parser.add_argument("--radius-km", type=float, default=30.0, help="the radius asked")
    parser.add_argument("--rounds", type=int, default=3, help="alternated rounds")
    parser.add_argument("--out", type=Path, help="also write the JSON here")
    args = parser.parse_args(argv)
    configure_logging()
    stores = _stores(args.stores)
    queries = placed_queries(args.corpus, args.seekers, args.radius_km)
    result = {"stores_folders": dict(spec.partition("=")[::2] for spec in args.stores),
              **measure(stores, queries, args.radius_km, args.rounds,
                        load_settings().matching.keyword_top_k)}
    emit(result, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
