"""Measure encoders side by side on the real offers' embedding texts: documents per second
(one process, and a pool of worker processes as ``emploi index`` uses) and the time to encode
one seeker query. Quality is measured by ``emploi eval`` (docs/evaluation.md)::

    python -m indexer.encoders.measure --encoder use --encoder static --processes 1 \\
        --processes 2 --limit 400

CPU seconds are reported beside wall seconds for one process: on a shared machine the wall
clock measures the neighbours as much as the encoder (a pool's workers report wall time only).
``--description-chars`` cuts the offers' descriptions before their embedding texts are made
(0: title and skills only), to measure shorter texts; ``--repeat`` encodes the texts several
times, for encoders too fast to time on a few hundred.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import time
from collections.abc import Sequence
from typing import Any

from indexer.documents import offer_embedding_text
from indexer.encoders.distill import offer_files
from indexer.encoders.factory import create_encoder
from indexer.encoders.pool import ProcessPoolEncoder
from indexer.models import Offer
from indexer.readers import read_offers
from indexer.settings import EncoderKind, Settings, load_settings

logger = logging.getLogger(__name__)
QUERIES = 200


def real_offers(settings: Settings) -> list[Offer]:
    """Every offer of the settings' offer files, in file order."""
    offers: list[Offer] = []
    for path in offer_files(settings.offers_dir):
        offers.extend(read_offers(path).records)
    return offers


def shorten(offer: Offer, description_chars: int | None) -> Offer:
    """``offer`` with its description cut at a word boundary near ``description_chars``."""
    if description_chars is None or len(offer.description) <= description_chars:
        return offer
    cut = offer.description[:description_chars]
    space = cut.rfind(" ")
    return offer.model_copy(update={"description": cut[:space] if space > 0 else cut})


def seeker_query(offer: Offer) -> str:
    """A seeker-like query text from an offer: its job title and up to four skills."""
    skills = ", ".join(skill.label for skill in offer.skills[:4])
    title = offer.appellation or offer.title
    return f"{title}\nCompétences : {skills}" if skills else title


def measure(settings: Settings, texts: Sequence[str], queries: Sequence[str],
            processes: int) -> dict[str, Any]:
    """Throughput on ``texts`` with ``processes`` processes and single-query latency."""
    encoder = create_encoder(settings)
    encoder.encode_documents(list(texts[:2]))  # load (and build) the model first
    result: dict[str, Any] = {"encoder": encoder.name, "dimension": encoder.dimension,
                              "processes": processes, "texts": len(texts),
                              "mean_chars": round(statistics.mean(map(len, texts)))}
    if processes <= 1:
        cpu, wall = time.process_time(), time.perf_counter()
        encoder.encode_documents(texts)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    else:  # the workers' CPU time cannot be read while they run: wall time only
        pool = ProcessPoolEncoder(settings, processes)
        pool.encode_documents(list(texts[:processes * 8]))  # workers load their model
        wall = time.perf_counter()
        pool.encode_documents(texts)
        wall = time.perf_counter() - wall
        pool.close()
        cpu = 0.0
    result.update(texts_per_s=round(len(texts) / wall, 1),
                  texts_per_cpu_s=round(len(texts) / cpu, 1) if cpu else None)
    walls, cpus = [], []
    for query in queries:
        started_cpu, started = time.process_time(), time.perf_counter()
        encoder.encode_queries([query])
        walls.append(1000 * (time.perf_counter() - started))
        cpus.append(1000 * (time.process_time() - started_cpu))
    walls.sort()
    result.update(query_p50_ms=round(walls[len(walls) // 2], 3),
                  query_p99_ms=round(walls[int(len(walls) * 0.99)], 3),
                  query_cpu_p50_ms=round(sorted(cpus)[len(cpus) // 2], 3),
                  load_1min=round(os.getloadavg()[0], 1))
    return result


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: one JSON line per (encoder, processes), then a Markdown table."""
    parser = argparse.ArgumentParser(prog="python -m indexer.encoders.measure",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--encoder", action="append", choices=[k.value for k in EncoderKind],
                        help="encoder kind (repeatable; default: use and static)")
    parser.add_argument("--processes", action="append", type=int,
                        help="encoding processes (repeatable; default: 1)")
    parser.add_argument("--limit", type=int, default=400, help="offer texts to encode")
    parser.add_argument("--repeat", type=int, default=1,
                        help="encode the texts this many times (a fast encoder needs more work "
                             "than --limit offers to be timed)")
    parser.add_argument("--description-chars", type=int, default=None,
                        help="cut descriptions to this length first (0: title and skills)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(message)s")
    base = load_settings()
    offers = real_offers(base)
    texts = [offer_embedding_text(shorten(offer, args.description_chars))
             for offer in offers[:args.limit]] * args.repeat
    queries = [seeker_query(offer) for offer in offers[:QUERIES]]
    rows = []
    for kind in args.encoder or ["use", "static"]:
        settings = base.model_copy(update={"encoder": EncoderKind(kind)})
        for processes in args.processes or [1]:
            row = measure(settings, texts, queries, processes)
            print(json.dumps(row), flush=True)
            rows.append(row)
    print("\n| encoder | processes | texts/s | texts/CPU-s | query p50 ms | query CPU p50 ms "
          "| load |\n|---|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        print(f"| {row['encoder']} | {row['processes']} | {row['texts_per_s']} | "
              f"{row['texts_per_cpu_s']} | {row['query_p50_ms']} | {row['query_cpu_p50_ms']} | "
              f"{row['load_1min']} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
