"""Where a from-scratch ``emploi index --rebuild`` spends its time, stage by stage.

Runs the CLI's own indexing path (:func:`webapp.cli.indexing.build_index`, rebuild) on the
first ``--limit`` offers of a JSONL file (a GENERATED corpus from ``bench.corpus``, or any
offers file the readers accept), with timers around each stage's entry point:

- ``concepts``: the concept reader (``ConceptEnricher.offers`` / ``.profiles``), main thread;
- ``encoding``: document and skill-label vectors (``IndexWriter._encode``), in the writer's
  background thread (it overlaps the main thread's work);
- ``keyword``: the keyword store's writes (``upsert`` or ``add_new``);
- ``vectors``: the vector store's writes;
- ``records``: the record file and the filter table (``Collection._write_records``);
- ``commit``: the generation's commit (tantivy commit, FAISS save, records, manifest);
- ``total``: the whole build (taxonomy and gazetteer loading, parsing included).

Each stage's figure is the wall time spent inside it and its records per second of that
time; the load average is recorded beside them. Pass ``--no-concepts`` to measure the
stores on more records than the concept reader can read in the time at hand, and, with an
encoder that goes through the embedding cache (not the static model, which is never cached),
fill the index folder's cache first (``bench.seed_vectors``) to measure the stores without
encoding::

    EMPLOI_ENCODER=use python -m bench.seed_vectors --kind offers \\
        --input .cache/bench/c20k/offers.GENERATED.jsonl --index-dir .cache/bench/stages
    EMPLOI_ENCODER=use python -m bench.index_stages \\
        --offers .cache/bench/c20k/offers.GENERATED.jsonl \\
        --limit 20000 --index-dir .cache/bench/stages --no-concepts --out stages.json
"""

from __future__ import annotations

import argparse
import functools
import itertools
import json
import logging
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from indexer.catalog import IndexWriter, embedding_cache_path
from indexer.collection import Collection
from indexer.enrich import ConceptEnricher
from indexer.settings import load_settings
from indexer.stores.faiss_store import FaissVectorStore
from indexer.stores.tantivy_store import TantivyKeywordStore

logger = logging.getLogger("bench.index_stages")


class StageClock:
    """Wall seconds and calls per stage, from any thread."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.calls: dict[str, int] = {}
        self._lock = threading.Lock()

    def add(self, stage: str, seconds: float) -> None:
        """Count ``seconds`` spent in ``stage``."""
        with self._lock:
            self.seconds[stage] = self.seconds.get(stage, 0.0) + seconds
            self.calls[stage] = self.calls.get(stage, 0) + 1


@contextmanager
def timed(clock: StageClock, stage: str, owner: type, name: str) -> Iterator[None]:
    """Time every call of ``owner.name`` as ``stage`` while the block runs."""
    original: Callable[..., Any] = getattr(owner, name)

    @functools.wraps(original)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            clock.add(stage, time.perf_counter() - started)

    setattr(owner, name, wrapper)
    try:
        yield
    finally:
        setattr(owner, name, original)


STAGES: tuple[tuple[str, type, str], ...] = (
    ("concepts", ConceptEnricher, "offers"),
    ("concepts", ConceptEnricher, "profiles"),
    ("encoding", IndexWriter, "_encode"),
    ("keyword", TantivyKeywordStore, "upsert"),
    ("keyword", TantivyKeywordStore, "add_new"),
    ("vectors", FaissVectorStore, "upsert"),
    ("records", Collection, "_write_records"),
    ("commit", IndexWriter, "commit"),
)


def first_lines(source: Path, limit: int, target: Path) -> int:
    """Copy the first ``limit`` non-blank lines of ``source`` to ``target``; return how many."""
    with source.open(encoding="utf-8") as stream, target.open("w", encoding="utf-8") as out:
        lines = list(itertools.islice((line for line in stream if line.strip()), limit))
        out.writelines(lines)
    return len(lines)


def measure(offers: Path, limit: int, index_dir: Path, concepts: bool,
            encode_processes: int = 1) -> dict[str, Any]:
    """Build ``index_dir`` from scratch from the first ``limit`` offers; the stage figures."""
    from webapp.cli.indexing import build_index

    keep = embedding_cache_path(index_dir)
    for entry in index_dir.iterdir() if index_dir.exists() else ():
        if entry != keep:  # the generations go; vectors seeded by bench.seed_vectors stay
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
    clock = StageClock()
    with tempfile.TemporaryDirectory() as scratch:
        subset = Path(scratch) / "offers.jsonl"
        count = first_lines(offers, limit, subset)
        settings = load_settings(index_dir=index_dir, encode_processes=encode_processes,
                                 concepts={"enabled": concepts})
        load_before = os.getloadavg()
        with ExitStack() as stack:
            for stage, owner, name in STAGES:
                if hasattr(owner, name):
                    stack.enter_context(timed(clock, stage, owner, name))
            started = time.perf_counter()
            outcome = build_index(settings, [subset], [], rebuild=True,
                                  report_path=Path(scratch) / "rejections.jsonl")
            total = time.perf_counter() - started
    stages = {stage: {"seconds": round(seconds, 4), "calls": clock.calls[stage],
                      "records_per_s": round(outcome.offers / seconds, 1) if seconds else None}
              for stage, seconds in clock.seconds.items()}
    return {"offers": count, "indexed": outcome.offers, "concepts": concepts,
            "encoder": settings.encoder.value, "encode_processes": encode_processes,
            "total_s": round(total, 2),
            "records_per_s": round(outcome.offers / total, 1), "stages": stages,
            "load_before": [round(v, 2) for v in load_before],
            "load_after": [round(v, 2) for v in os.getloadavg()]}


def main(argv: Sequence[str] | None = None) -> int:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--offers", type=Path, required=True)
    parser.add_argument("--limit", type=int, default=20_000)
    parser.add_argument("--index-dir", type=Path, required=True,
                        help="emptied (but for its embedding cache), then built from scratch")
    parser.add_argument("--no-concepts", action="store_true",
                        help="index without the concept reader (concepts.enabled off)")
    parser.add_argument("--encode-processes", type=int, default=1,
                        help="EMPLOI_ENCODE_PROCESSES of the run (default 1: encoding in the "
                             "writer's background thread; 0: one process per core)")
    parser.add_argument("--out", type=Path, help="also write the figures here (JSON)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    result = measure(args.offers, args.limit, args.index_dir, not args.no_concepts,
                     args.encode_processes)
    text = json.dumps(result, indent=2)
    logger.info("stages:\n%s", text)
    if args.out is not None:
        args.out.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
