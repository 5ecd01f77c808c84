"""Concept reading alone: real offers read into occupations and skills, in this process or in
the indexing pool's worker processes, timed, with a digest of every reading so two commits can
be checked to read the same.

The reader is the one ``emploi index`` builds from the settings (``EMPLOI_*``): its state is
read from the cache folder when kept there, the offers' titles and passages are encoded in one
batch first when the encoder has an embedding cache (an encoder faster than the cache, the
static model, encodes as it reads), then the offers are read in batches as an index build
reads them: ``READ_BATCH`` at a time in this process (``--processes 1``), or ``POOL_BATCH``
per task by :class:`indexer.enrich_pool.ProcessPoolEnricher`. The pool's workers start on the
first ``processes × POOL_BATCH`` offers, at most half of them (``warm_up``: a cost an index build
pays once, whatever its size); the clock runs over the others, so ``offers_per_s`` is the
rate a large build reads at. The digest covers each offer's concepts as stored (occupations
with their matched forms and confidences, skills with theirs).

    python -m bench.concept_reading --offers ../shared/data/offers/offres_france_2019_2023.json
    python -m bench.concept_reading --processes 2 --out bench/results/concept-reading.json
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.json_output import configure_logging, emit
from indexer.encoders.factory import create_encoder
from indexer.enrich import READ_BATCH, concept_enricher
from indexer.enrich_pool import POOL_BATCH, ProcessPoolEnricher
from indexer.models import Offer
from indexer.readers import read_offers
from indexer.settings import Settings, load_settings
from skills_taxonomy import load_taxonomy

logger = logging.getLogger("bench.concept_reading")
DEFAULT_OFFERS = "../shared/data/offers/offres_france_2019_2023.json"


def readings_digest(offers: list[Offer]) -> str:
    """SHA-256 of the offers' concepts, in order (equal digests: equal readings)."""
    digest = hashlib.sha256()
    for offer in offers:
        concepts = offer.concepts.model_dump_json() if offer.concepts is not None else "-"
        digest.update(f"{offer.id}\n{concepts}\n".encode())
    return digest.hexdigest()


def measure(settings: Settings, offers_path: Path, limit: int, processes: int
            ) -> dict[str, Any]:
    """Read the first ``limit`` offers (all when 0) with ``processes`` processes; the figures
    and the readings' digest."""
    taxonomy = load_taxonomy(settings.rome_dir, settings.esco_dir, settings.cache_dir)
    encoder = create_encoder(settings) if settings.concepts.vectors else None
    local = concept_enricher(settings, taxonomy, encoder)
    if local is None:
        raise SystemExit("concept reading is off in these settings (EMPLOI_CONCEPTS__ENABLED)")
    offers = read_offers(offers_path).records
    offers = offers[:limit] if limit > 0 else offers
    started = time.perf_counter()
    local.prepare_offers(offers)
    prepared = time.perf_counter() - started
    if processes <= 1:
        warm_up: list[Offer] = []
        warm_up_s = 0.0
        timed, seconds = _timed(lambda: [read for start in range(0, len(offers), READ_BATCH)
                                         for read in local.read_offers(
                                             offers[start:start + READ_BATCH])])
    else:
        warm_up_size = min(processes * POOL_BATCH, len(offers) // 2)
        with ProcessPoolEnricher(local, settings, processes, min_records=1) as pool:
            warm_up, warm_up_s = _timed(lambda: pool.offers(offers[:warm_up_size]))
            timed, seconds = _timed(lambda: pool.offers(offers[len(warm_up):]))
    logger.info("%d offers read in %.1f s (%.1f/s) in %d process(es), after %d read in %.1f s "
                "while the processes started", len(timed), seconds, len(timed) / seconds,
                processes, len(warm_up), warm_up_s)
    return {"offers": len(warm_up) + len(timed), "processes": processes,
            "reader": local.version, "prepare_s": round(prepared, 2),
            "warm_up": {"offers": len(warm_up), "seconds": round(warm_up_s, 2)},
            "read_s": round(seconds, 2), "offers_per_s": round(len(timed) / seconds, 1),
            "readings_digest": readings_digest(warm_up + timed)}


def _timed(read: Callable[[], list[Offer]]) -> tuple[list[Offer], float]:
    started = time.perf_counter()
    offers = read()
    return offers, time.perf_counter() - started


def main(argv: list[str] | None = None) -> None:
    """Parse the arguments, measure, print the result as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--offers", type=Path, default=Path(DEFAULT_OFFERS),
                        help=f"offer file (default: {DEFAULT_OFFERS})")
    parser.add_argument("--limit", type=int, default=0, help="read the first N offers (0: all)")
    parser.add_argument("--processes", type=int, default=1,
                        help="1: read in this process; more: in the indexing pool's workers")
    parser.add_argument("--out", type=Path, help="also write the JSON result there")
    args = parser.parse_args(argv)
    configure_logging()
    emit(measure(load_settings(), args.offers, args.limit, args.processes), args.out)


if __name__ == "__main__":
    main()
