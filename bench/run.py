"""The benchmark runner: indexing, matching latency, ANN recall, web API load, OpenSearch.

::

    python -m bench.run --sizes 10000,100000 [--with-1m] --out bench/results/
    make bench

For each size N it generates (or reuses) a GENERATED corpus (:mod:`bench.corpus`; the corpus
of N offers is a prefix of any larger one), builds an index through ``IndexWriter`` in a
child process (peak RSS per phase), reopens it in another child process and measures
single-thread matching latency split into query encoding, keyword, vector, fusion, record
reads and features (timed from outside by wrapping the collection and encoder calls: the
matcher is not modified and pays nothing when the benchmark is not running), ANN recall@10
against exhaustive search, serving RSS, and, for the largest size at most 100k, the web API
under concurrent load and the same keyword queries on a real OpenSearch node.

**Vectors.** By default (``--vectors real``) every document and query vector is encoded for
real with the default encoder (the static model, distilled once into ``--cache-dir`` before
the timing starts): the index holds N real vectors and ``vectors_derived`` is 0. The build
phase encodes the offers as ``emploi index`` does; document encoding throughput is also
measured on its own on a sample (``encoding``). ``--vectors derived`` reproduces the earlier
rounds: USE-m3 for queries, and document vectors from the content-hash cache filled by
:mod:`bench.encode` where the text was encoded there, otherwise *derived* (a real vector of
another text plus Gaussian noise, cosine ≈ 0.9 with it, renormalised); the count of each is
recorded. The GENERATED records carry their occupation and skill codes, so the build does not
read their texts into concepts (``--real-build`` times that path through ``emploi index``).

Results: ``OUT/results.json``, ``OUT/summary.md`` and ``OUT/plots/*.png``.
"""

from __future__ import annotations

import argparse
import gc
import http.client
import json
import logging
import os
import platform
import resource
import shutil
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from bench.corpus import OFFERS_FILE, PROFILES_FILE, load_generator, write_corpus
from bench.index_build import (
    build_environment,
    distilled_model,
    emploi_command,
    offers_prefix,
    timed_index_build,
)
from bench.process_tree import sample_process
from indexer.encoders.cache import content_key
from indexer.encoders.use import UseEncoder
from indexer.settings import Settings

logger = logging.getLogger("bench.run")

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = Settings().data_dir
NOISE_SIGMA = 0.02
"""Per-coordinate noise of derived vectors: cos(v, v + noise) ≈ 1/√(1 + 512σ²) ≈ 0.9."""
TOP_K = 10
F = TypeVar("F", bound=Callable[..., Any])
FloatArray = npt.NDArray[np.float32]


# --- helpers ----------------------------------------------------------------------------------


def load_avg() -> float:
    """The 1-minute load average (the machine is shared: every measure records it)."""
    return round(os.getloadavg()[0], 2)


def peak_rss_mib() -> float:
    """Peak resident set size of this process, MiB."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def current_rss_mib() -> float:
    """Current resident set size of this process, MiB."""
    with open("/proc/self/statm", encoding="ascii") as stream:
        pages = int(stream.read().split()[1])
    return round(pages * os.sysconf("SC_PAGE_SIZE") / 2**20, 1)


def du_mib(path: Path) -> float:
    """Size of the files under ``path``, MiB."""
    total = sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return round(total / 2**20, 1)


def percentiles(values: Sequence[float]) -> dict[str, float]:
    """p50/p95/p99/mean of milliseconds."""
    if not values:
        return {"n": 0}
    array = np.asarray(values)
    return {"n": len(values), "p50": round(float(np.percentile(array, 50)), 2),
            "p95": round(float(np.percentile(array, 95)), 2),
            "p99": round(float(np.percentile(array, 99)), 2),
            "mean": round(float(array.mean()), 2)}


class Timer:
    """Accumulates seconds per named bucket; ``wrap`` times a callable into a bucket."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    def wrap(self, bucket: str, function: F) -> F:
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.seconds[bucket] = (self.seconds.get(bucket, 0.0)
                                        + time.perf_counter() - started)
        return timed  # type: ignore[return-value]

    def reset(self) -> None:
        self.seconds = {}


class FullCollections:
    """The cyclic garbage collector's full (generation 2) collections while the block runs:
    each one's wall time, in ms (a full collection walks every live container, so it shows
    in a request's p99)."""

    def __init__(self) -> None:
        self.pauses_ms: list[float] = []
        self._started = 0.0

    def __enter__(self) -> FullCollections:
        gc.callbacks.append(self._observe)
        return self

    def __exit__(self, *_: object) -> None:
        gc.callbacks.remove(self._observe)

    def _observe(self, phase: str, info: dict[str, int]) -> None:
        if info["generation"] != 2:
            return
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.pauses_ms.append((time.perf_counter() - self._started) * 1000)

    def summary(self) -> dict[str, float]:
        """How many, the longest and the total (ms)."""
        return {"count": len(self.pauses_ms), "max_ms": round(max(self.pauses_ms, default=0), 1),
                "total_ms": round(sum(self.pauses_ms), 1)}


# --- vectors ----------------------------------------------------------------------------------


class PooledEncoder:
    """USE for queries; for documents, the vector cached by :mod:`bench.encode` when there is
    one, else a vector derived from a real one (see the module docstring). One-line texts are
    skill labels (a record's embedding text has a title line and a skills line): they are few,
    the matcher compares them to credit close skills, so they are encoded for real."""

    def __init__(self, real_cache: Path | None, pool_limit: int = 50_000) -> None:
        self.real = UseEncoder()
        self._db: sqlite3.Connection | None = None
        pool: list[FloatArray] = []
        db_path = None if real_cache is None else real_cache / "embeddings.sqlite3"
        if db_path is not None and db_path.exists():
            self._db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True,
                                       check_same_thread=False)
            for (blob,) in self._db.execute("SELECT vector FROM embeddings LIMIT ?",
                                            (pool_limit,)):
                pool.append(np.frombuffer(blob, dtype=np.float32))
        self.pool = np.stack(pool) if pool else np.zeros((0, 512), dtype=np.float32)
        self.real_hits = 0
        self.derived = 0
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        """The real encoder's name (so the index opens with the default settings)."""
        return self.real.name

    @property
    def dimension(self) -> int:
        """512."""
        return self.real.dimension

    def encode_queries(self, texts: Sequence[str]) -> FloatArray:
        """Real USE encoding."""
        return self.real.encode_queries(texts)

    encodes_labels = True
    """Whether one-line texts (skill labels) missing from the cache are encoded for real."""

    def encode_documents(self, texts: Sequence[str]) -> FloatArray:
        """Cached real vectors, or derived ones."""
        keys = [content_key(self.real.name, text) for text in texts]
        found = self._cached(keys)
        labels = [text for text, key in zip(texts, keys, strict=True)
                  if key not in found and "\n" not in text] if self.encodes_labels else []
        if labels:
            found.update(zip((content_key(self.real.name, t) for t in labels),
                             self.real.encode_documents(labels), strict=True))
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        for row, key in enumerate(keys):
            vector = found.get(key)
            if vector is not None:
                out[row] = vector
                self.real_hits += 1
            else:
                out[row] = self._derived(key)
                self.derived += 1
        return out

    def _cached(self, keys: Sequence[str]) -> dict[str, FloatArray]:
        """The cached real vectors of ``keys`` (those found)."""
        found: dict[str, FloatArray] = {}
        if self._db is None:
            return found
        with self._lock:
            for start in range(0, len(keys), 900):
                chunk = list(keys[start:start + 900])
                marks = ",".join("?" * len(chunk))
                for key, blob in self._db.execute(
                        f"SELECT key, vector FROM embeddings WHERE key IN ({marks})", chunk):
                    found[key] = np.frombuffer(blob, dtype=np.float32)
        return found

    def _derived(self, key: str) -> FloatArray:
        seed = int(key[:16], 16)
        rng = np.random.default_rng(seed)
        if len(self.pool):
            base = self.pool[seed % len(self.pool)]
        else:
            base = rng.standard_normal(self.dimension).astype(np.float32)
            base /= np.linalg.norm(base)
        vector = base + rng.normal(0.0, NOISE_SIGMA, self.dimension).astype(np.float32)
        unit: FloatArray = (vector / np.linalg.norm(vector)).astype(np.float32)
        return unit


def measure_encoder(encoder: Any, texts: Sequence[str]) -> dict[str, Any]:
    """Real document-encoding throughput of ``encoder`` on ``texts`` (after a warm-up)."""
    encoder.encode_documents(list(texts[:4]))
    started = time.perf_counter()
    encoder.encode_documents(list(texts))
    elapsed = time.perf_counter() - started
    return {"encoder": encoder.name, "texts": len(texts), "seconds": round(elapsed, 3),
            "docs_per_s": round(len(texts) / elapsed, 1),
            "mean_chars": round(sum(map(len, texts)) / max(len(texts), 1), 1),
            "load_avg": load_avg()}


# --- phases (each runs in its own process) ----------------------------------------------------


def _settings(index_dir: Path, data_dir: Path, cache_dir: Path) -> Any:
    from indexer.settings import load_settings

    os.environ["EMPLOI_DATA_DIR"] = str(data_dir)
    os.environ["EMPLOI_INDEX_DIR"] = str(index_dir)
    os.environ["EMPLOI_CACHE_DIR"] = str(cache_dir)
    return load_settings()


def bench_encoder(args: argparse.Namespace, settings: Any, *, documents: bool) -> Any:
    """The encoder of the run: the default one of ``settings`` (``--vectors real``), or USE-m3
    with cached-or-derived document vectors (``--vectors derived``; queries only when
    ``documents`` is false)."""
    if args.vectors == "real":
        from indexer.encoders.factory import create_encoder

        return create_encoder(settings, distil=False)
    if documents:
        return PooledEncoder(Path(args.real_cache) if args.real_cache else None)
    return UseEncoder()


def _read_jsonl(path: Path, model: type[Any], limit: int) -> list[Any]:
    return [record for chunk in _jsonl_chunks(path, model, limit, limit) for record in chunk]


READ_CHUNK = 50_000
"""Records parsed and handed to the writer at a time (the build's memory stays bounded)."""


def _jsonl_chunks(path: Path, model: type[Any], limit: int, size: int = READ_CHUNK
                  ) -> Iterator[list[Any]]:
    """The first ``limit`` records of a JSONL file, ``size`` at a time."""
    chunk: list[Any] = []
    with path.open(encoding="utf-8") as stream:
        for number, line in enumerate(stream):
            if number >= limit:
                break
            chunk.append(model.model_validate_json(line))
            if len(chunk) >= size:
                yield chunk
                chunk = []
    if chunk:
        yield chunk


def phase_build(args: argparse.Namespace) -> dict[str, Any]:
    """Build the index of ``args.size`` offers and ``args.profiles`` profiles, then re-index
    the unchanged offers; time each part."""
    from indexer.catalog import IndexWriter
    from indexer.documents import offer_embedding_text
    from indexer.models import Offer, Profile
    from matcher.queries import profile_index_text
    from skills_taxonomy import load_taxonomy

    index_dir = Path(args.index_dir)
    shutil.rmtree(index_dir, ignore_errors=True)
    settings = _settings(index_dir, Path(args.data_dir), Path(args.cache_dir))
    encoder = bench_encoder(args, settings, documents=True)
    timer = Timer()
    offers_file, profiles_file = Path(args.corpus) / OFFERS_FILE, Path(args.corpus) / PROFILES_FILE
    sample = [offer_embedding_text(o) for o in _read_jsonl(offers_file, Offer,
                                                            args.encode_sample)]
    encoding = measure_encoder(
        UseEncoder() if args.vectors == "derived" else encoder, sample)
    rss_before = current_rss_mib()
    started = time.perf_counter()
    taxonomy = load_taxonomy(settings.rome_dir, None, settings.cache_dir)
    with IndexWriter(index_dir, settings, encoder, rebuild=True,
                     profile_text=profile_index_text(taxonomy)) as writer:
        for collection in (writer.offers, writer.profiles):
            kind = collection.kind
            collection.keyword.upsert = timer.wrap(  # type: ignore[method-assign]
                f"{kind}.keyword", collection.keyword.upsert)
            collection.vectors.upsert = timer.wrap(  # type: ignore[method-assign]
                f"{kind}.vector", collection.vectors.upsert)
            collection.vectors.save = timer.wrap(  # type: ignore[attr-defined]
                f"{kind}.vector_save", collection.vectors.save)  # type: ignore[attr-defined]
            collection.keyword.save = timer.wrap(  # type: ignore[attr-defined]
                f"{kind}.keyword_commit", collection.keyword.save)  # type: ignore[attr-defined]
        encoder.encode_documents = timer.wrap(
            "vectors_lookup" if args.vectors == "derived" else "encoding",
            encoder.encode_documents)
        offers_s, read_s = _upsert_chunks(writer.upsert_offers, offers_file, Offer, args.size)
        profiles_s, read_profiles_s = _upsert_chunks(writer.upsert_profiles, profiles_file,
                                                     Profile, args.profiles)
        read_s += read_profiles_s
        t0 = time.perf_counter()
        generation = writer.commit()
        commit_s = time.perf_counter() - t0
    build_s = time.perf_counter() - started
    build_peak = peak_rss_mib()
    # re-index the same offers: unchanged records are skipped (content comparison)
    started = time.perf_counter()
    with IndexWriter(index_dir, settings, encoder) as writer:
        _upsert_chunks(writer.upsert_offers, offers_file, Offer, args.size)
        writer.commit()
    reindex_s = time.perf_counter() - started
    from indexer.manifest import Manifest

    manifest = Manifest.read(index_dir / (index_dir / "CURRENT").read_text().strip())
    store_offers_s = (timer.seconds.get("offers.keyword", 0) + timer.seconds.get(
        "offers.vector", 0) + timer.seconds.get("offers.keyword_commit", 0)
        + timer.seconds.get("offers.vector_save", 0))
    encode_projected_s = args.size / encoding["docs_per_s"]
    return {
        "size": args.size, "profiles": args.profiles, "read_corpus_s": round(read_s, 1),
        "encoding": encoding,
        "build_s": round(build_s, 1), "offers_upsert_s": round(offers_s, 1),
        "profiles_upsert_s": round(profiles_s, 1), "commit_s": round(commit_s, 1),
        "timers_s": {k: round(v, 2) for k, v in timer.seconds.items()},
        "offers_store_s": round(store_offers_s, 1),
        "offers_store_docs_per_s": round(args.size / max(store_offers_s, 1e-9), 1),
        "offers_from_scratch_projected_s": round(encode_projected_s + offers_s, 1),
        "reindex_unchanged_s": round(reindex_s, 1),
        "reindex_speedup_vs_projected_first_run": round(
            (encode_projected_s + offers_s) / max(reindex_s, 1e-9), 1),
        "reindex_speedup_vs_store_only_first_run": round(offers_s / max(reindex_s, 1e-9), 1),
        "vectors": args.vectors, "encoder": encoder.name,
        "vectors_real": getattr(encoder, "real_hits", None),
        "vectors_derived": getattr(encoder, "derived", 0),
        "peak_rss_mib": build_peak, "rss_before_build_mib": rss_before,
        "index_mib": du_mib(generation.parent / (index_dir / "CURRENT").read_text().strip()),
        "index_offers_mib": du_mib(index_dir / (index_dir / "CURRENT").read_text().strip()
                                   / "offers"),
        "vector_index": manifest.vector_index, "vector_indexes": manifest.vector_indexes,
        "load_avg": load_avg(),
    }


def _upsert_chunks(upsert: Callable[[list[Any]], object], path: Path, model: type[Any],
                   limit: int) -> tuple[float, float]:
    """Parse and upsert the first ``limit`` records a chunk at a time; return the seconds
    spent upserting and the seconds spent parsing."""
    upsert_s = read_s = 0.0
    started = time.perf_counter()
    for chunk in _jsonl_chunks(path, model, limit):
        read_s += time.perf_counter() - started
        started = time.perf_counter()
        upsert(chunk)
        upsert_s += time.perf_counter() - started
        started = time.perf_counter()
    return upsert_s, read_s


def _variants_for_profile(profile: Any, kind: str) -> Any:
    if kind == "none":
        return profile.model_copy(update={"place": None, "contract_types": []})
    if kind == "radius30":
        return profile.model_copy(update={"radius_km": 30.0, "contract_types": []})
    if kind == "contract":
        return profile.model_copy(update={"place": None, "contract_types": ["CDI"]})
    return profile.model_copy(update={"radius_km": 30.0, "contract_types": ["CDI"]})


def phase_serve(args: argparse.Namespace) -> dict[str, Any]:
    """Reopen the index, measure latency per filter variant and ANN recall@10."""
    import matcher.matcher as matcher_module
    from indexer.catalog import SearchIndex, embedding_cache_path
    from indexer.models import Offer, Profile
    from matcher.matcher import Matcher
    from matcher.queries import query_for_profile
    from matcher.related_skills import SkillNeighbours
    from skills_taxonomy import load_taxonomy

    index_dir = Path(args.index_dir)
    settings = _settings(index_dir, Path(args.data_dir), Path(args.cache_dir))
    taxonomy = load_taxonomy(settings.rome_dir, settings.esco_dir, settings.cache_dir)
    encoder = bench_encoder(args, settings, documents=False)
    encoder.encode_queries(["échauffement"])
    rss_start = current_rss_mib()
    started = time.perf_counter()
    index = SearchIndex.open(index_dir, settings, encoder)
    reopen_s = time.perf_counter() - started
    rss_open = current_rss_mib()
    started = time.perf_counter()
    for collection in (index.offers, index.profiles):  # as a server's background warm-up
        collection.prepare_reads()
    prepare_s = time.perf_counter() - started
    # the skill labels' vectors, shared by every matcher below as an engine's generations
    # share them, encoded ahead as the warm-up does (an encoder faster than a cache only)
    started = time.perf_counter()
    neighbours = SkillNeighbours(encoder, settings.matching.related_skill_similarity,
                                 embedding_cache_path(index_dir))
    labels_ahead = neighbours.prepare_taxonomy(taxonomy)
    labels_ahead_s = time.perf_counter() - started
    gc.freeze()  # as the warm-up ends
    labels_added = _complete_label_cache(index, encoder)
    rng = np.random.default_rng(11)
    n_queries = args.queries
    profile_ids = [f"GEN-P{i + 1:07d}" for i in
                   rng.choice(len(index.profiles), size=n_queries, replace=False)]
    offer_ids = [f"GEN-O{i + 1:07d}" for i in
                 rng.choice(len(index.offers), size=n_queries, replace=False)]
    profiles = [p for p in (index.profiles.get(i) for i in profile_ids) if isinstance(p, Profile)]
    offers = [o for o in (index.offers.get(i) for i in offer_ids) if isinstance(o, Offer)]

    timer = Timer()
    for collection in (index.offers, index.profiles):
        collection.keyword_search = timer.wrap(  # type: ignore[method-assign]
            "keyword", collection.keyword_search)
        collection.vector_search = timer.wrap(  # type: ignore[method-assign]
            "vector", collection.vector_search)
        collection.concept_search = timer.wrap(  # type: ignore[method-assign]
            "concept", collection.concept_search)
        collection.get = timer.wrap("records", collection.get)  # type: ignore[method-assign]
    encoder.encode_queries = timer.wrap(
        "query_encoding", encoder.encode_queries)
    original_fuse = matcher_module.fuse_candidates  # type: ignore[attr-defined]
    matcher_module.fuse_candidates = timer.wrap(  # type: ignore[attr-defined]
        "fusion", original_fuse)
    try:
        latency: dict[str, Any] = {}
        # every query encoded (no query-vector cache): the variants of one seeker share
        # their text, and a cache would make all but the first free
        cold = settings.matching.model_copy(update={"query_vector_cache": 0,
                                                    "result_cache": 0})
        matcher = Matcher(index.offers, index.profiles, taxonomy, encoder, cold,
                          skill_neighbours=neighbours)
        for variant in ("none", "radius30", "contract", "radius30+contract"):
            latency[f"seeker_offers.{variant}"] = _time_queries(
                timer, [_variants_for_profile(p, variant) for p in profiles],
                lambda p: matcher.offers_for_profile(p, TOP_K), matcher)
        # the stored seekers as they are (their own radius and contract wishes) asking again
        # (page view, API call, preview): the query vector is cached (the ranked-list cache
        # stays off: this row measures the matching itself)
        repeat = Matcher(index.offers, index.profiles, taxonomy, encoder,
                         cold.model_copy(update={"query_vector_cache": 4096}),
                         skill_neighbours=neighbours)
        for profile in profiles:
            repeat.offers_for_profile(profile, TOP_K)
        latency["seeker_offers.own-filters+repeat"] = _time_queries(
            timer, profiles, lambda p: repeat.offers_for_profile(p, TOP_K), repeat)
        for variant, radius in (("none", None), ("radius30", 30.0)):
            candidate_settings = cold.model_copy(update={"candidate_radius_km": radius})
            employer = Matcher(index.offers, index.profiles, taxonomy, encoder,
                               candidate_settings, skill_neighbours=neighbours)
            latency[f"offer_candidates.{variant}"] = _time_queries(
                timer, [o if radius else o.model_copy(update={"place": None}) for o in offers],
                lambda o, m=employer: m.candidates_for_offer(o, TOP_K),  # type: ignore[misc]
                employer)
    finally:
        matcher_module.fuse_candidates = original_fuse  # type: ignore[attr-defined]
    rss_serving = current_rss_mib()
    profile_text = _profile_hotspots(matcher, profiles[:30], Path(args.phase_out).parent)
    recall = _recall(index, encoder, [query_for_profile(_variants_for_profile(p, v), taxonomy,
                                                        settings.matching.default_radius_km)
                                      for p in profiles[:args.recall_queries]
                                      for v in ("none", "radius30")])
    return {"size": args.size, "reopen_s": round(reopen_s, 3),
            "prepare_reads_s": round(prepare_s, 3),
            "skill_labels_ahead": labels_ahead,
            "skill_labels_ahead_s": round(labels_ahead_s, 3),
            "rss_before_open_mib": rss_start, "rss_after_open_mib": rss_open,
            "rss_serving_mib": rss_serving, "peak_rss_mib": peak_rss_mib(),
            "latency_ms": latency, "recall": recall, "profile_top": profile_text,
            "vector_index": index.manifest.vector_index,
            "skill_labels_encoded_before_timing": labels_added, "load_avg": load_avg()}


def _complete_label_cache(index: Any, encoder: Any) -> int:
    """Encode the records' skill labels missing from the index's embedding cache, as an index
    built by this version holds them (an index from an older version does not); return how
    many were missing."""
    from indexer.catalog import embedding_cache_path
    from indexer.encoders import EmbeddingCache, encode_documents_cached

    labels = list(dict.fromkeys(tag.label for collection in (index.offers, index.profiles)
                                for record in collection for tag in record.skills))
    cache = EmbeddingCache(embedding_cache_path(index.directory))
    keys = [content_key(encoder.name, label) for label in labels]
    cached = cache.get_many(keys)
    missing = [label for label, key in zip(labels, keys, strict=True) if key not in cached]
    if missing:
        logger.info("encoding %d skill labels missing from the index cache", len(missing))
        encode_documents_cached(encoder, missing, cache)
    cache.close()
    return len(missing)


def _profile_hotspots(matcher: Any, profiles: Sequence[Any], folder: Path) -> list[str]:
    """cProfile of seeker → offers (no filter) on a few seekers: the top functions by
    cumulative time, written to ``profile.txt``."""
    import cProfile
    import io
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    for profile in profiles:
        matcher.offers_for_profile(_variants_for_profile(profile, "none"), TOP_K)
    profiler.disable()
    stream = io.StringIO()
    pstats.Stats(profiler, stream=stream).sort_stats("cumulative").print_stats(30)
    (folder / "profile.txt").write_text(stream.getvalue(), encoding="utf-8")
    stream = io.StringIO()
    pstats.Stats(profiler, stream=stream).sort_stats("tottime").print_stats(12)
    return [line for line in stream.getvalue().splitlines() if line.strip()][-14:]


def _time_queries(timer: Timer, items: Sequence[Any], run: Callable[[Any], Any],
                  matcher: Any) -> dict[str, Any]:
    """Latency of ``run`` on each item but the first (a warm-up of the code path), split
    into the timer's parts, with the number of candidates the matcher read and scored."""
    totals: list[float] = []
    cpu: list[float] = []
    scored: list[int] = []
    parts: dict[str, list[float]] = {}
    run(items[0])  # warm caches of the code path, not of the data
    with FullCollections() as collections:
        for item in items[1:]:
            timer.reset()
            started = time.perf_counter()
            cpu_started = time.thread_time()
            run(item)
            total = (time.perf_counter() - started) * 1000
            cpu.append((time.thread_time() - cpu_started) * 1000)
            totals.append(total)
            scored.append(matcher.last_scored)
            measured = {k: v * 1000 for k, v in timer.seconds.items()}
            measured["features"] = max(0.0, total - sum(measured.values()))
            for key, value in measured.items():
                parts.setdefault(key, []).append(value)
    return {"total": percentiles(totals), "cpu": percentiles(cpu),
            "gc_full": collections.summary(),
            "parts_p50": {k: round(float(np.percentile(v, 50)), 2) for k, v in parts.items()},
            "parts_mean": {k: round(float(np.mean(v)), 2) for k, v in parts.items()},
            "scored_mean": round(float(np.mean(scored)), 1), "load_avg": load_avg()}


def _recall(index: Any, encoder: Any, queries: Sequence[Any]) -> dict[str, Any]:
    """recall@10 of the configured search against exhaustive search (nprobe = nlist)."""
    from indexer.stores.faiss_store import FaissVectorStore

    store = index.offers.vectors
    if not isinstance(store, FaissVectorStore):
        return {}
    factory = store.index_factory
    nlist = int(factory[3:].split(",")[0]) if factory.startswith("IVF") else 0
    results: dict[str, list[float]] = {"unfiltered": [], "filtered": []}
    times: dict[str, list[float]] = {"ann": [], "exact": []}
    table = index.offers._table
    for query in queries:
        vector = encoder.encode_queries([query.embedding_text])
        mask = table.allowed_mask(query.filters)
        labels = None if mask is None else table.labels(mask)
        if labels is not None and len(labels) == 0:
            continue
        t0 = time.perf_counter()
        ann = store.search_labels(vector, TOP_K, labels)[0]
        t1 = time.perf_counter()
        exact = store.search_labels(vector, TOP_K, labels, nprobe=nlist or None)[0]
        t2 = time.perf_counter()
        times["ann"].append((t1 - t0) * 1000)
        times["exact"].append((t2 - t1) * 1000)
        truth = {hit.id for hit in exact}
        if truth:
            key = "unfiltered" if mask is None else "filtered"
            results[key].append(len(truth & {hit.id for hit in ann}) / len(truth))
    return {"index": factory, "nprobe": store.nprobe,
            "recall_at_10": {k: round(float(np.mean(v)), 4) if v else None
                             for k, v in results.items()},
            "queries": {k: len(v) for k, v in results.items()},
            "ann_ms": percentiles(times["ann"]), "exhaustive_ms": percentiles(times["exact"])}


# --- web API load -----------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _emploi(*arguments: str, env: dict[str, str], stdin: str | None = None,
            timeout_s: float = 120.0) -> subprocess.CompletedProcess[str]:
    return subprocess.run([emploi_command(), *arguments],
                          env=env, input=stdin, capture_output=True, text=True,
                          timeout=timeout_s, check=False)


def serving_environment(index_dir: Path, data_dir: Path | str, cache_dir: Path | str,
                        caches: bool) -> dict[str, str]:
    """This process's environment with what a server of the bench index reads: its index,
    data and cache folders, unbuffered logs, and with ``caches`` False the matcher's
    ranked-list and query-vector caches turned off (every request is matched)."""
    env = dict(os.environ, EMPLOI_INDEX_DIR=str(index_dir), EMPLOI_DATA_DIR=str(data_dir),
               EMPLOI_CACHE_DIR=str(cache_dir), PYTHONUNBUFFERED="1")
    if not caches:
        env.update(EMPLOI_MATCHING__RESULT_CACHE="0", EMPLOI_MATCHING__QUERY_VECTOR_CACHE="0")
    return env


def web_load(index_dir: Path, data_dir: Path, cache_dir: Path, n_profiles: int,
             n_offers: int, seconds: float, clients: int, threads: int,
             workers: int = 1, caches: bool = True) -> dict[str, Any]:
    """Serve the index with ``emploi serve`` (waitress, or gunicorn with ``workers`` > 1) and
    load it from ``clients`` threads for ``seconds`` with requests for a seeker's ten best
    offers (``/api/v1/profiles/ID/offers?top=10``) cycling over 200 seekers, authenticated
    with a counsellor's bearer token when the API asks for one. ``caches`` False turns the
    matcher's ranked-list and query-vector caches off: every request is matched."""
    port = _free_port()
    env = serving_environment(index_dir, data_dir, cache_dir, caches)
    log_path = index_dir.parent / "serve.log"
    with log_path.open("w") as log_stream:
        server = subprocess.Popen(
            [str(Path(sys.executable).parent / "emploi"), "serve", "--index-dir", str(index_dir),
             "--host", "127.0.0.1", "--port", str(port), "--threads", str(threads),
             "--workers", str(workers)],
            env=env, stdout=log_stream, stderr=subprocess.STDOUT)
    try:
        rng = np.random.default_rng(5)
        ids = [f"GEN-P{int(i) + 1:07d}" for i in
               rng.choice(n_profiles, size=min(200, n_profiles), replace=False)]
        headers = _auth_headers(env, ids)
        # a counsellor's token reaches the seekers assigned to them (not offers' candidates)
        paths = [f"/api/v1/profiles/{profile_id}/offers?top=10&per_page=10"
                 for profile_id in ids]
        status = _wait_ready(port, paths[0], headers, timeout_s=300)
        if status != 200:
            return {"error": f"server answers {status}, see {log_path}"}
        background_s = _wait_warmed_up(log_path, workers, timeout_s=1800)
        if background_s is None:
            return {"error": f"the server's background warm-up did not end, see {log_path}"}
        logger.info("web: the server's background warm-up ended after %.0f s", background_s)
        warm_up = _warm_up(port, paths, headers, clients, passes=3 if caches else 0)
        result = _hammer(port, paths, headers, seconds, clients)
        result["warm_up"] = warm_up
        result["background_warm_up_s"] = background_s
        result.update({"server_threads": threads, "server_workers": workers,
                       "caches": caches, "clients": clients,
                       "auth": "bearer token" if headers else "none",
                       "server_rss_mib": _rss_of(server.pid), "load_avg": load_avg()})
        return result
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


_LINK_SCRIPT = """
import sys
from webapp.cli import main
for target in sys.argv[2:]:
    main.main(["admin", "link", "--email", sys.argv[1], "--target", target],
              standalone_mode=False)
"""


def _auth_headers(env: dict[str, str], profile_ids: Sequence[str]) -> dict[str, str]:
    """A counsellor's bearer token, assigned ``profile_ids``, when the API asks for one
    (``emploi admin``); no header when the account cannot be made."""
    email = f"bench-{os.getpid()}-{int(time.time())}@example.org"
    created = _emploi("admin", "create-user", "--role", "counsellor", "--email", email,
                      "--password-stdin", env=env, stdin="bench-password-123456\n")
    if created.returncode != 0:
        logger.warning("web: no account (%s)", created.stderr.strip()[-300:])
        return {}
    linked = subprocess.run([sys.executable, "-c", _LINK_SCRIPT, email, *profile_ids],
                            env=env, capture_output=True, text=True, timeout=600, check=False)
    if linked.returncode != 0:
        logger.warning("web: profiles not assigned (%s)", linked.stderr.strip()[-300:])
    token = _emploi("admin", "create-token", "--email", email, "--name", "bench", env=env)
    if token.returncode != 0:
        return {}
    lines = [line.strip() for line in token.stdout.splitlines() if line.strip()]
    return {"Authorization": f"Bearer {lines[-1].split()[-1]}"} if lines else {}


def _get(port: int, path: str, headers: dict[str, str],
         connection: http.client.HTTPConnection | None = None) -> int:
    conn = connection or http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    response.read()
    if connection is None:
        conn.close()
    return response.status


def _wait_ready(port: int, path: str, headers: dict[str, str], timeout_s: float
                ) -> int | None:
    """The status of the first answer to ``path``, or None when the server never answered."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            status = _get(port, path, headers)
            logger.info("web: server answers %d", status)
            return status
        except OSError:
            time.sleep(1.0)
    return None


WARMED_UP = "candidate pools computed ahead: "
"""What each server process logs when its background warm-up (:mod:`webapp.warmup`: the
analytics snapshot, then the candidate pools of the latest offers) is done."""


def _wait_warmed_up(log_path: Path, workers: int, timeout_s: float) -> float | None:
    """Wait until every server process logged the end of its background warm-up, which
    competes with requests for the interpreter while it runs; the seconds waited, or None
    after ``timeout_s``."""
    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        lines = log_path.read_text(encoding="utf-8", errors="replace").splitlines()
        if sum(WARMED_UP in line and " offers in " in line for line in lines) >= workers:
            return round(time.monotonic() - started, 1)
        time.sleep(2.0)
    return None


def _warm_up(port: int, paths: Sequence[str], headers: dict[str, str], clients: int,
             passes: int) -> list[dict[str, Any]]:
    """Ask every path ``passes`` times (``clients`` at a time) before measuring: the steady
    state of seekers who come back, each of the server's processes having answered most of
    them once (each process has its own caches). Returns each pass's latencies."""
    from concurrent.futures import ThreadPoolExecutor

    def timed(path: str) -> float:
        started = time.perf_counter()
        _get(port, path, headers)
        return (time.perf_counter() - started) * 1000

    measured = []
    with ThreadPoolExecutor(max_workers=clients) as pool:
        for number in range(passes):
            started = time.perf_counter()
            latencies = percentiles(list(pool.map(timed, paths)))
            measured.append({"pass": number + 1,
                             "seconds": round(time.perf_counter() - started, 1),
                             "latency_ms": latencies})
            logger.info("web warm-up pass %d: p50 %.0f ms", number + 1, latencies["p50"])
    return measured


def _hammer(port: int, paths: Sequence[str], headers: dict[str, str], seconds: float,
            clients: int) -> dict[str, Any]:
    latencies: list[list[float]] = [[] for _ in range(clients)]
    statuses: list[dict[int, int]] = [{} for _ in range(clients)]
    stop = time.monotonic() + seconds

    def client(number: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        i = number
        while time.monotonic() < stop:
            started = time.perf_counter()
            try:
                status = _get(port, paths[i % len(paths)], headers, conn)
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                status = -1
            latencies[number].append((time.perf_counter() - started) * 1000)
            statuses[number][status] = statuses[number].get(status, 0) + 1
            i += clients
        conn.close()

    started = time.monotonic()
    workers = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = time.monotonic() - started
    merged = [value for values in latencies for value in values]
    counts: dict[str, int] = {}
    for per_client in statuses:
        for status, count in per_client.items():
            counts[str(status)] = counts.get(str(status), 0) + count
    return {"seconds": round(elapsed, 1), "requests": len(merged),
            "requests_per_s": round(len(merged) / elapsed, 1),
            "latency_ms": percentiles(merged), "statuses": counts}


def _rss_of(pid: int) -> float | None:
    sample = sample_process(pid)
    return None if sample is None else round(sample.rss_mib, 1)


# --- OpenSearch side by side --------------------------------------------------------------------


def real_build(corpus: Path, size: int, data_dir: Path, work: Path,
               processes: int, cache_dir: Path) -> dict[str, Any]:
    """Index the first ``size`` offers from scratch through ``emploi index``, encoding every
    text with the default (static) encoder and reading it into concepts (fresh index and
    embedding cache; the model distilled once beforehand, outside the timing) with
    ``processes`` encoding processes; the wall time is what a user waits, the peak RSS the
    whole process tree's (:func:`bench.index_build.timed_index_build`). Then time
    ``emploi search`` from a cold shell on that index (:func:`cold_searches`)."""
    folder = work / f"real-build-{size}-p{processes}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    offers = offers_prefix(corpus / OFFERS_FILE, size, folder)
    env = build_environment(folder, data_dir, distilled_model(data_dir, cache_dir), processes)
    logger.info("real build of %d offers with %d encoding process(es)", size, processes)
    done = timed_index_build(offers, folder, env, timeout_s=max(600.0, size / 5.0))
    searches = cold_searches(env) if done["returncode"] == 0 else []
    shutil.rmtree(folder, ignore_errors=True)
    if done["returncode"] != 0:
        return {"error": done["error"][-500:]}
    return {"offers": size, "processes": processes, "seconds": done["seconds"],
            "docs_per_s": round(size / done["seconds"], 1),
            "peak_tree_rss_mib": done["tree"]["peak_rss_mib"], "load_avg": load_avg(),
            "cold_search": searches}


COLD_SEARCHES = ("soudeur", "aide-soignante de nuit", "vendeur en boulangerie")


def cold_searches(env: dict[str, str]) -> list[dict[str, Any]]:
    """``emploi search`` in a new process per query, as from a cold shell (nothing of the
    index or the taxonomy in memory; the OS page cache is warm, as it is after any earlier
    command): its wall time and its CPU time (user + system, from the child's rusage)."""
    runs = []
    for text in COLD_SEARCHES:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        done = _emploi("search", "--text", text, "--top", "10", env=env)
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        runs.append({"text": text, "wall_s": round(wall, 2), "cpu_s": round(cpu, 2),
                     "ok": done.returncode == 0, "load_avg": load_avg()})
    return runs


def opensearch_compare(corpus: Path, size: int, data_dir: Path, cache_dir: Path, url: str,
                       index_dir: Path, n_queries: int) -> dict[str, Any]:
    """The same keyword queries (built as the matcher builds them) on the embedded tantivy
    store of the benchmark index and on a real OpenSearch node holding the same documents,
    timed after an untimed pass of every query on each (the node's JIT compiler and caches
    warm up as a serving node's have)."""
    from indexer.catalog import live_generation
    from indexer.documents import offer_document
    from indexer.models import Offer, Profile
    from indexer.settings import OpenSearchSettings
    from indexer.stores.opensearch_store import OpenSearchKeywordStore
    from indexer.stores.tantivy_store import TantivyKeywordStore
    from matcher.queries import query_for_profile
    from skills_taxonomy import load_taxonomy

    taxonomy = load_taxonomy(data_dir / "rome4", None, cache_dir)
    embedded = TantivyKeywordStore(live_generation(index_dir) / "offers" / "keyword")
    remote = OpenSearchKeywordStore(OpenSearchSettings(url=url), index=f"bench-{size}",
                                    refresh=False)
    started = time.perf_counter()
    offers = _read_jsonl(corpus / OFFERS_FILE, Offer, size)
    remote.rebuild(offer_document(o) for o in offers)
    load_s = time.perf_counter() - started
    del offers
    profiles = _read_jsonl(corpus / PROFILES_FILE, Profile, n_queries)
    queries = []
    for number, profile in enumerate(profiles):
        variant = "radius30" if number % 2 else "none"
        query = query_for_profile(_variants_for_profile(profile, variant), taxonomy, None)
        queries.append((query.keyword, query.filters))
    times: dict[str, list[float]] = {"embedded": [], "opensearch": []}
    overlap = []
    for store in (embedded, remote):  # every query once first: the node's JIT compiles
        for keyword, filters in queries:
            store.search(keyword, filters, TOP_K)
    for keyword, filters in queries:
        t0 = time.perf_counter()
        a = embedded.search(keyword, filters, TOP_K)
        t1 = time.perf_counter()
        b = remote.search(keyword, filters, TOP_K)
        t2 = time.perf_counter()
        times["embedded"].append((t1 - t0) * 1000)
        times["opensearch"].append((t2 - t1) * 1000)
        if a or b:
            overlap.append(len({h.id for h in a} & {h.id for h in b}) / max(len(a), len(b)))
    embedded_ms, remote_ms = percentiles(times["embedded"]), percentiles(times["opensearch"])
    return {"size": size, "queries": len(queries), "warm_up": "every query once, both stores",
            "opensearch_load_s": round(load_s, 1),
            "embedded_ms": embedded_ms, "opensearch_ms": remote_ms,
            "ratio_p50_opensearch_over_embedded": round(remote_ms["p50"] / embedded_ms["p50"], 2),
            "ratio_p99_opensearch_over_embedded": round(remote_ms["p99"] / embedded_ms["p99"], 2),
            "overlap_at_10": round(float(np.mean(overlap)), 3) if overlap else None,
            "load_avg": load_avg()}


# --- driver -----------------------------------------------------------------------------------


def _child(phase: str, args: argparse.Namespace, size: int, index_dir: Path, corpus: Path,
           profiles: int) -> dict[str, Any]:
    """Run one phase in a fresh interpreter (clean peak RSS) and return its JSON."""
    out = index_dir.parent / f"{phase}.json"
    command = [sys.executable, "-m", "bench.run", "--phase", phase, "--size", str(size),
               "--profiles", str(profiles), "--index-dir", str(index_dir),
               "--corpus", str(corpus), "--data-dir", str(args.data_dir),
               "--cache-dir", str(args.cache_dir), "--queries", str(args.queries),
               "--recall-queries", str(args.recall_queries),
               "--encode-sample", str(args.encode_sample), "--phase-out", str(out),
               "--vectors", args.vectors]
    if args.real_cache:
        command += ["--real-cache", str(args.real_cache)]
    logger.info("N=%d: phase %s (load %.2f)", size, phase, load_avg())
    subprocess.run(command, check=True)
    result: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return result


def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    import faiss
    import tantivy  # noqa: F401

    return {"cpus": os.cpu_count(), "cpu": cpu, "memory_gib": round(memory, 1),
            "python": platform.python_version(), "platform": platform.platform(),
            "faiss": faiss.__version__, "load_avg_start": load_avg(),
            "note": "other jobs on the machine are not controlled: each measure records the "
                    "load average beside it"}


def run(args: argparse.Namespace) -> dict[str, Any]:
    """All sizes, then plots and the summary."""
    out = Path(args.out)
    work = Path(args.work)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    if args.with_1m and 1_000_000 not in sizes:
        sizes.append(1_000_000)
    largest = max(sizes)
    corpus = Path(args.corpus) if args.corpus else work / "corpus"
    n_profiles = args.profiles
    if not _corpus_covers(corpus, largest, n_profiles):
        generator = load_generator(Path(args.data_dir), Path(args.cache_dir), args.seed)
        write_corpus(generator, corpus, largest, n_profiles)
    if args.vectors == "real":
        distilled_model(Path(args.data_dir), Path(args.cache_dir))  # outside the timing
    results: dict[str, Any] = {"GENERATED_corpus": True, "machine": machine(),
                               "vectors": args.vectors,
                               "started_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                               "sizes": {}}
    web_size = max((s for s in sizes if s <= 100_000), default=None)
    if args.real_build > 0:
        results["real_build"] = [real_build(corpus, args.real_build, Path(args.data_dir),
                                            work, processes, Path(args.cache_dir))
                                 for processes in (1, 2)]
        _write(out, results)
    for size in sizes:
        index_dir = work / f"n{size}" / "index"
        profiles = profiles_at(size, n_profiles, args.all_profiles)
        entry: dict[str, Any] = {}
        previous = index_dir.parent / "build.json"
        if args.reuse_index and index_dir.exists() and previous.exists():
            logger.info("N=%d: reusing the index built before (%s)", size, previous)
            entry["build"] = json.loads(previous.read_text(encoding="utf-8"))
            entry["build"]["reused"] = True
        else:
            entry["build"] = _child("build", args, size, index_dir, corpus, profiles)
        entry["serve"] = _child("serve", args, size, index_dir, corpus, profiles)
        if size == web_size and args.web_seconds > 0:
            logger.info("N=%d: web load for %.0f s", size, args.web_seconds)
            for key, caches in (("web", True), ("web_uncached", False)):
                entry[key] = web_load(index_dir, Path(args.data_dir), Path(args.cache_dir),
                                      profiles, size, args.web_seconds, args.web_clients,
                                      args.web_threads, args.web_workers, caches)
        if size == web_size and args.opensearch_url:
            try:
                entry["opensearch"] = opensearch_compare(
                    corpus, size, Path(args.data_dir), Path(args.cache_dir),
                    args.opensearch_url, index_dir, args.queries)
            except Exception as error:  # the node is optional
                logger.warning("OpenSearch comparison skipped: %s", error)
                entry["opensearch"] = {"error": str(error)}
        results["sizes"][str(size)] = entry
        _write(out, results)
    results["finished_at"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    _write(out, results)
    from bench.report import write_report

    write_report(results, out)
    return results


def profiles_at(size: int, profiles: int, all_profiles: bool) -> int:
    """How many profiles the run of ``size`` offers indexes: ``profiles``, capped at the
    number of offers unless ``all_profiles``."""
    return profiles if all_profiles else min(profiles, max(size, 1))


def _corpus_covers(corpus: Path, offers: int, profiles: int) -> bool:
    meta = corpus / "GENERATED.json"
    if not meta.exists():
        return False
    data = json.loads(meta.read_text(encoding="utf-8"))
    return bool(data.get("offers", 0) >= offers and data.get("profiles", 0) >= profiles)


def _write(out: Path, results: dict[str, Any]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n",
                                      encoding="utf-8")


def _default_workers() -> int:
    try:
        import gunicorn  # noqa: F401
    except ImportError:
        return 1
    return 2


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Command-line arguments."""
    parser = argparse.ArgumentParser(description="Benchmarks on a GENERATED corpus.")
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--with-1m", action="store_true", help="add N = 1,000,000")
    parser.add_argument("--profiles", type=int, default=100_000)
    parser.add_argument("--all-profiles", action="store_true",
                        help="index --profiles profiles at every size (by default a size "
                             "indexes at most as many profiles as offers); for offer → "
                             "candidates at a million profiles beside fewer offers")
    parser.add_argument("--out", default="bench/results")
    parser.add_argument("--work", default=".cache/bench/work")
    parser.add_argument("--corpus", default=None, help="an existing GENERATED corpus folder")
    parser.add_argument("--vectors", choices=("real", "derived"), default="real",
                        help="real: every vector encoded with the default encoder; derived: "
                             "USE-m3 queries, documents from --real-cache or derived (the "
                             "earlier rounds)")
    parser.add_argument("--real-cache", default=None,
                        help="with --vectors derived: embedding cache filled by bench.encode")
    parser.add_argument("--data-dir", default=str(DEFAULT_DATA))
    parser.add_argument("--cache-dir", default="var/cache")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--recall-queries", type=int, default=100)
    parser.add_argument("--encode-sample", type=int, default=2000)
    parser.add_argument("--reuse-index", action="store_true",
                        help="measure serving on an index a previous run built (its build "
                             "results are kept, marked reused)")
    parser.add_argument("--real-build", type=int, default=5000,
                        help="also index this many offers from scratch through `emploi index`, "
                             "encoding for real, with 1 and 2 encoding processes (0: skip)")
    parser.add_argument("--web-seconds", type=float, default=30.0)
    parser.add_argument("--web-clients", type=int, default=8)
    parser.add_argument("--web-threads", type=int, default=4)
    parser.add_argument("--web-workers", type=int, default=_default_workers(),
                        help="server processes (gunicorn when > 1; default 2 when gunicorn "
                             "is installed, else 1: waitress)")
    parser.add_argument("--opensearch-url", default=None,
                        help="a running node (tools/opensearch_node.py start --port 9250)")
    parser.add_argument("--phase", choices=("build", "serve"), default=None,
                        help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--index-dir", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--phase-out", default=None, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point."""
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("indexer").setLevel(logging.WARNING)
    if args.phase is not None:
        phase = phase_build if args.phase == "build" else phase_serve
        result = phase(args)
        Path(args.phase_out).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        return 0
    logger.info("benchmark on a GENERATED corpus: sizes %s", args.sizes)
    run(args)
    return 0



if __name__ == "__main__":
    raise SystemExit(main())
