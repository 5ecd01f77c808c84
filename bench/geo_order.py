"""The embedded keyword store's radius filter at scale: geographic cells against the lat/lon
range box, in a store written in curve order (``add_new``'s sorted blocks) or arrival order.

Why: a radius filter intersects tantivy's disjunction with its clauses (which tantivy
scores whole in any case: its Python binding never prunes with block-max WAND, stop 40), and
tantivy's buffered union refills windows of 4,096 documents; when the documents that pass
the filter are spread over every window (arrival order), the union visits them all. Written
in curve order (``indexer.geo_cells.curve_key``), a region's documents sit together and the
union only visits their windows; a term set of cells is gathered from short posting lists,
where a range clause is a scan of fast-field columns that tantivy does not take as the
intersection's leader. Stop 32 measured this as an experiment; stop 33 adopted it
(``TantivyKeywordStore``, index format 4), and this script now measures the product's store.

A store of the first ``--offers`` GENERATED offers (``bench.corpus``) is built at ``--store``
through ``add_new`` with blocks of ``--sort-block`` documents (1: arrival order; the
product's default is ``SORT_BLOCK``), with the build's wall time, peak RSS and the
segments a search reads. Then the first
``--seekers`` seekers ask it, as the engine does, within ``--radius-km`` of their place:
unfiltered, with the range box (what the store did before) and with the cells (what it does
now), alternated ``--rounds`` times; CPU ms of each search (p50, p90, p99, max), and whether
box and cells returned the same ids. Prints one JSON object::

    python -m bench.corpus --offers 1000000 --profiles 1000 --out .cache/bench/corpus1m
    python -m bench.geo_order --corpus .cache/bench/corpus1m --offers 1000000 \\
        --store .cache/bench/geo-sorted
"""

from __future__ import annotations

import argparse
import itertools
import logging
import statistics
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import tantivy

from bench.corpus import OFFERS_FILE, PROFILES_FILE, read_lines
from bench.json_output import configure_logging, emit
from bench.run import peak_rss_mib
from indexer import geo_cells
from indexer.documents import offer_document
from indexer.models import Offer, Profile
from indexer.settings import load_settings
from indexer.stores.protocols import Filters, GeoFilter
from indexer.stores.tantivy_store import SORT_BLOCK, TantivyKeywordStore
from matcher.queries import MatchQuery, query_for_profile
from skills_taxonomy import load_taxonomy

log = logging.getLogger("bench.geo_order")
BATCH = 50_000


class BoxOrCellsStore(TantivyKeywordStore):
    """The embedded store, filtering a radius by the lat/lon range box when ``use_box`` (what
    it did before the cells) and by its covering cells otherwise (what it does)."""

    use_box = False

    def _geo_clauses(self, geo: GeoFilter) -> list[tantivy.Query]:
        return self._bounding_box(geo) if self.use_box else super()._geo_clauses(geo)


def build(corpus: Path, offers: int, folder: Path, sort_block: int) -> dict[str, Any]:
    """Store the corpus's first ``offers`` offers at ``folder`` through ``add_new`` (unless
    it holds them already); the build's wall seconds and peak RSS."""
    store = BoxOrCellsStore(folder, sort_block=sort_block)
    if store.count() == offers:
        return {"built": False}
    started = time.perf_counter()
    lines = read_lines(corpus / OFFERS_FILE, offers)
    done = 0
    while batch := list(itertools.islice(lines, BATCH)):
        store.add_new(offer_document(Offer.model_validate_json(line)) for line in batch)
        done += len(batch)
        log.info("read %d / %d offers (%.0f s)", done, offers, time.perf_counter() - started)
    store.close()
    return {"built": True, "build_s": round(time.perf_counter() - started, 1),
            "peak_rss_mib": peak_rss_mib()}


def latency_summary(times: list[float]) -> dict[str, float]:
    """p50, p90, p99 and max of ``times`` (ms), rounded to 0.01."""
    ordered = sorted(times)
    return {"p50_ms": round(statistics.median(ordered), 2),
            **{f"p{share}_ms": round(ordered[min(len(ordered) - 1,
                                                  int(share / 100 * len(ordered)))], 2)
               for share in (90, 99)},
            "max_ms": round(ordered[-1], 2)}


def placed_queries(corpus: Path, seekers: int, radius_km: float) -> list[MatchQuery]:
    """The queries of the corpus's first ``seekers`` GENERATED seekers, as the engine makes
    them (within ``radius_km``), for those with a place (a radius needs one)."""
    settings = load_settings()
    taxonomy = load_taxonomy(settings.rome_dir, None, settings.cache_dir)
    profiles = [Profile.model_validate_json(line)
                for line in read_lines(corpus / PROFILES_FILE, seekers)]
    return [query for query in (query_for_profile(p, taxonomy, radius_km,
                                                  settings=settings.matching)
                                for p in profiles) if query.filters.geo is not None]


def measure(store: BoxOrCellsStore, corpus: Path, seekers: int, radius_km: float,
            rounds: int) -> dict[str, Any]:
    """Time each seeker's keyword search unfiltered and within ``radius_km``, box and cells
    alternated."""
    queries = placed_queries(corpus, seekers, radius_km)
    top_k = load_settings().matching.keyword_top_k
    for query in queries[:10]:
        store.search(query.keyword, Filters(), top_k)
    times: dict[str, list[float]] = {"none": [], "box": [], "cells": []}
    same = 0
    for _ in range(rounds):
        for query in queries:
            assert query.filters.geo is not None
            geo = Filters(geo=GeoFilter(query.filters.geo.center, radius_km))
            found: dict[str, list[str]] = {}
            for kind, filters in (("none", Filters()), ("box", geo), ("cells", geo)):
                store.use_box = kind == "box"
                started = time.process_time()
                hits = store.search(query.keyword, filters, top_k)
                times[kind].append((time.process_time() - started) * 1000)
                found[kind] = [hit.id for hit in hits]
            same += found["box"] == found["cells"]
    return {"seekers": len(queries), "rounds": rounds, "radius_km": radius_km,
            "top_k": top_k, "same_ids": same, "searches": len(queries) * rounds,
            **{kind: latency_summary(values) for kind, values in times.items()}}


def main(argv: Sequence[str] | None = None) -> int:
    """Build or open the store, then print :func:`measure`'s JSON."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, required=True, help="a bench.corpus folder")
    parser.add_argument("--offers", type=int, default=100_000, help="offers to store")
    parser.add_argument("--sort-block", type=int, default=SORT_BLOCK,
                        help=f"documents sorted by place per block (1: arrival order; "
                             f"default {SORT_BLOCK}, the product's)")
    parser.add_argument("--store", type=Path, required=True,
                        help="the store's folder (built when empty, reused after)")
    parser.add_argument("--seekers", type=int, default=200, help="GENERATED seekers asking")
    parser.add_argument("--radius-km", type=float, default=30.0, help="the radius asked")
    parser.add_argument("--rounds", type=int, default=2, help="alternated rounds")
    parser.add_argument("--out", type=Path, help="also write the JSON here")
    args = parser.parse_args(argv)
    configure_logging()
    built = build(args.corpus, args.offers, args.store, args.sort_block)
    store = BoxOrCellsStore(args.store)
    result = {"offers": args.offers, "sort_block": args.sort_block, **built,
              "segments": store.segments(),
              "cell_degrees": list(geo_cells.CELL_DEGREES),
              "max_cover_cells": geo_cells.MAX_COVER_CELLS,
              **measure(store, args.corpus, args.seekers, args.radius_km, args.rounds)}
    emit(result, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
