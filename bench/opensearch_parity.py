"""Parity of the two keyword stores on the real offers: embedded (tantivy) against OpenSearch.

Both stores get the same documents (``indexer.documents.offer_document`` of each offer) and
the same seeker queries, built exactly as the matcher builds them
(``indexer.demo_profiles.generate_profiles`` with a fixed seed, then
``matcher.queries.query_for_profile``: keyword query and hard filters), plus the same keyword
queries without filters. For each query the top-k lists are compared::

    python -m bench.opensearch_parity --opensearch-url http://127.0.0.1:9250 \\
        --out docs/opensearch-parity.md [--queries 60] [--seed 7]

or, to also measure the node's start-up time, let the script start and stop it::

    python -m bench.opensearch_parity --start-node --port 9250 \\
        --node-workdir .cache/opensearch --out docs/opensearch-parity.md

Measures (each in [0, 1], 1 = identical): overlap@k = |A∩B| / k (k = the longer list's
length when both lists are shorter than k, so two identical short lists score 1), Jaccard
|A∩B| / |A∪B|, Kendall's tau-b of the common documents' two orders (rescaled to [0, 1]: 1 =
same order), rank-biased overlap (RBO, p = 0.9, extrapolated), and whether the top-1 is the
same. The report shows the largest differences with both top-5 lists and, for each document
found by one store only, why (how each analyser stems the query words, which query words
match the document under each analyser, where the other store ranks it, ties).
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import logging
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from indexer.demo_profiles import generate_profiles
from indexer.documents import offer_document
from indexer.geo import Gazetteer
from indexer.models import Offer
from indexer.readers import read_offers
from indexer.settings import OpenSearchSettings, load_settings
from indexer.stores.opensearch_mapping import INDEX_ANALYZER, SEARCH_ANALYZER
from indexer.stores.opensearch_store import OpenSearchKeywordStore
from indexer.stores.protocols import Filters, Hit, IndexedDoc, KeywordQuery, KeywordStore
from indexer.stores.tantivy_store import TantivyKeywordStore, french_analyzer
from matcher.queries import query_for_profile
from skills_taxonomy import Taxonomy, load_taxonomy
from skills_taxonomy.gender import normalise_forms

logger = logging.getLogger("bench.opensearch_parity")

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OFFERS = Path("offers") / "offres_ardeche_cdi_2025.csv"
TOP_K = 10
DEEP_K = 100
RBO_P = 0.9
UNFILTERED_SHARE = 4
"""One query in ``UNFILTERED_SHARE`` is a profile's keyword query sent without filters."""
WORST_SHOWN = 6
SHOWN = 5


# --- measures -------------------------------------------------------------------------------


def overlap_at_k(a: Sequence[str], b: Sequence[str], k: int = TOP_K) -> float:
    """|A∩B| / k over the top-k; when both lists are shorter than k, over the longer one's
    length (two empty lists are identical: 1.0)."""
    a, b = list(a[:k]), list(b[:k])
    size = min(k, max(len(a), len(b)))
    return 1.0 if size == 0 else len(set(a) & set(b)) / size


def jaccard(a: Sequence[str], b: Sequence[str], k: int = TOP_K) -> float:
    """|A∩B| / |A∪B| over the top-k (two empty lists: 1.0)."""
    sa, sb = set(a[:k]), set(b[:k])
    union = sa | sb
    return 1.0 if not union else len(sa & sb) / len(union)


def kendall_tau_common(a: Sequence[str], b: Sequence[str], k: int = TOP_K) -> float | None:
    """Kendall's tau of the documents both top-k lists hold, in A's order against B's, in
    [-1, 1]; None with fewer than two common documents (nothing to order)."""
    common = [doc for doc in a[:k] if doc in set(b[:k])]
    if len(common) < 2:
        return None
    rank_b = {doc: i for i, doc in enumerate(b[:k])}
    concordant = discordant = 0
    for i in range(len(common)):
        for j in range(i + 1, len(common)):
            if rank_b[common[i]] < rank_b[common[j]]:
                concordant += 1
            else:
                discordant += 1
    return (concordant - discordant) / (concordant + discordant)


def rank_biased_overlap(a: Sequence[str], b: Sequence[str], p: float = RBO_P,
                        k: int = TOP_K) -> float:
    """Extrapolated rank-biased overlap (Webber, Moffat & Zobel 2010, eq. 32) of the top-k
    lists, for lists of possibly different lengths; identical lists (empty included) give 1."""
    a, b = list(a[:k]), list(b[:k])
    if not a and not b:
        return 1.0
    if not a or not b:
        return 0.0
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    s, length = len(short), len(long_)
    seen_short: set[str] = set()
    seen_long: set[str] = set()
    overlaps = [0] * (length + 1)
    for d in range(1, length + 1):
        seen_long.add(long_[d - 1])
        if d <= s:
            seen_short.add(short[d - 1])
        overlaps[d] = len(seen_short & seen_long)
    x_s, x_l = overlaps[s], overlaps[length]
    total = sum(overlaps[d] / d * p ** d for d in range(1, length + 1))
    total += sum(x_s * (d - s) / (s * d) * p ** d for d in range(s + 1, length + 1))
    score = (1 - p) / p * total + ((x_l - x_s) / length + x_s / s) * p ** length
    return min(1.0, max(0.0, score))


# --- queries -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QueryCase:
    """One seeker query: its keyword part and hard filters, as the matcher sends them."""

    id: str
    profile_id: str
    keyword: KeywordQuery
    filters: Filters
    filtered: bool

    def describe(self) -> str:
        """One line for the report: titles, codes and filters."""
        parts = [f"titles {list(self.keyword.titles)}", f"ROME {list(self.keyword.rome_codes)}",
                 f"{len(self.keyword.skill_codes)} skill codes"]
        if self.filters.geo is not None:
            parts.append(f"within {self.filters.geo.radius_km:g} km of "
                         f"({self.filters.geo.center.lat:.3f}, {self.filters.geo.center.lon:.3f})")
        if self.filters.contract_types:
            parts.append(f"contracts {sorted(self.filters.contract_types)}")
        if self.filters.is_empty():
            parts.append("no filters")
        return "; ".join(parts)


def generate_queries(taxonomy: Taxonomy, gazetteer: Gazetteer, offers: Sequence[Offer],
                     n: int, seed: int) -> list[QueryCase]:
    """``n`` seeker queries from GENERATED profiles (seeded): most with the profile's filters,
    one in ``UNFILTERED_SHARE`` the same kind of keyword query without any filter."""
    if n < 1:
        raise ValueError("at least one query is needed")
    profiles = generate_profiles(taxonomy, gazetteer, offers, n=n, seed=seed)
    cases: list[QueryCase] = []
    for i, profile in enumerate(profiles):
        match_query = query_for_profile(profile, taxonomy)
        filtered = (i + 1) % UNFILTERED_SHARE != 0
        filters = match_query.filters if filtered else Filters()
        cases.append(QueryCase(id=f"q{i + 1:03d}", profile_id=profile.id,
                               keyword=match_query.keyword, filters=filters, filtered=filtered))
    return cases


# --- comparing -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QueryComparison:
    """One query's two result lists (deep, best first) and the measures of their top-k."""

    case: QueryCase
    a: list[Hit]
    b: list[Hit]
    top_k: int
    overlap: float
    jaccard: float
    tau: float | None
    rbo: float
    same_top1: bool

    def ids_a(self, k: int | None = None) -> list[str]:
        """Store A's ids, top ``k`` (default: the compared top-k)."""
        return [hit.id for hit in self.a[:k or self.top_k]]

    def ids_b(self, k: int | None = None) -> list[str]:
        """Store B's ids, top ``k`` (default: the compared top-k)."""
        return [hit.id for hit in self.b[:k or self.top_k]]


@dataclass
class ParityReport:
    """Every query's comparison, and the means over them."""

    comparisons: list[QueryComparison]
    top_k: int
    name_a: str
    name_b: str
    seconds: dict[str, float] = field(default_factory=dict)

    def _mean(self, values: Sequence[float]) -> float:
        return sum(values) / len(values) if values else float("nan")

    @property
    def mean_overlap(self) -> float:
        """Mean overlap@k."""
        return self._mean([c.overlap for c in self.comparisons])

    @property
    def mean_jaccard(self) -> float:
        """Mean Jaccard of the top-k sets."""
        return self._mean([c.jaccard for c in self.comparisons])

    @property
    def mean_rbo(self) -> float:
        """Mean rank-biased overlap."""
        return self._mean([c.rbo for c in self.comparisons])

    @property
    def mean_tau(self) -> float:
        """Mean Kendall tau of the common documents (queries with ≥ 2 in common), in [-1, 1]."""
        return self._mean([c.tau for c in self.comparisons if c.tau is not None])

    @property
    def mean_tau_unit(self) -> float:
        """``mean_tau`` rescaled to [0, 1] ((tau + 1) / 2)."""
        return (self.mean_tau + 1) / 2

    @property
    def identical_top1(self) -> int:
        """How many queries have the same first result on both stores."""
        return sum(c.same_top1 for c in self.comparisons)

    @property
    def identical_lists(self) -> int:
        """How many queries have the same top-k, in the same order."""
        return sum(c.ids_a() == c.ids_b() for c in self.comparisons)

    def unit_measures(self) -> dict[str, float]:
        """The report's means that live in [0, 1]."""
        return {"overlap": self.mean_overlap, "jaccard": self.mean_jaccard,
                "rbo": self.mean_rbo, "tau_unit": self.mean_tau_unit,
                "identical_top1_share": self.identical_top1 / max(1, len(self.comparisons))}

    def worst(self, count: int = WORST_SHOWN) -> list[QueryComparison]:
        """The queries whose results differ most (lowest overlap, then RBO)."""
        differing = [c for c in self.comparisons if c.ids_a() != c.ids_b()]
        return sorted(differing, key=lambda c: (c.overlap, c.rbo, c.case.id))[:count]


def compare_stores(store_a: KeywordStore, store_b: KeywordStore, queries: Sequence[QueryCase],
                   top_k: int = TOP_K, deep_k: int = DEEP_K, name_a: str = "A",
                   name_b: str = "B") -> ParityReport:
    """Run every query on both stores (``deep_k`` deep, to see where a missing document went)
    and measure the two top-``top_k`` lists. The core of the benchmark."""
    comparisons: list[QueryComparison] = []
    seconds = {name_a: 0.0, name_b: 0.0}
    for case in queries:
        started = time.perf_counter()
        a = store_a.search(case.keyword, case.filters, deep_k)
        seconds[name_a] += time.perf_counter() - started
        started = time.perf_counter()
        b = store_b.search(case.keyword, case.filters, deep_k)
        seconds[name_b] += time.perf_counter() - started
        ids_a, ids_b = [h.id for h in a[:top_k]], [h.id for h in b[:top_k]]
        tau = kendall_tau_common(ids_a, ids_b, top_k)
        comparisons.append(QueryComparison(
            case=case, a=a, b=b, top_k=top_k, overlap=overlap_at_k(ids_a, ids_b, top_k),
            jaccard=jaccard(ids_a, ids_b, top_k), tau=tau,
            rbo=rank_biased_overlap(ids_a, ids_b, k=top_k),
            same_top1=ids_a[:1] == ids_b[:1]))
    return ParityReport(comparisons, top_k, name_a, name_b, seconds)


def unique_alias(prefix: str = "emploi-parity") -> str:
    """A fresh alias, so that a run never touches another run's index."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


@dataclass
class ParityRun:
    """What ``run_parity`` measured, with what the report's explanations need."""

    report: ParityReport
    docs: dict[str, IndexedDoc]
    explanations: dict[str, list[str]]
    opensearch_version: str
    index_seconds: dict[str, float]


def run_parity(docs: Sequence[IndexedDoc], queries: Sequence[QueryCase],
               settings: OpenSearchSettings, synonyms: Sequence[str] = (),
               top_k: int = TOP_K, explain: int = WORST_SHOWN) -> ParityRun:
    """Index ``docs`` into a temporary tantivy store and a fresh OpenSearch alias (with the
    job-title ``synonyms``), compare them on ``queries``, explain the ``explain`` largest
    differences, and delete the OpenSearch index."""
    index_seconds: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="parity-tantivy-") as folder:
        tantivy_store = TantivyKeywordStore(Path(folder) / "keyword")
        opensearch = OpenSearchKeywordStore(settings, unique_alias(), synonyms, refresh=False)
        try:
            started = time.perf_counter()
            tantivy_store.upsert(docs)
            tantivy_store.save()
            index_seconds["tantivy"] = time.perf_counter() - started
            started = time.perf_counter()
            opensearch.rebuild(docs)
            index_seconds["opensearch"] = time.perf_counter() - started
            counts = (tantivy_store.count(), opensearch.count())
            if counts != (len(docs), len(docs)):
                raise RuntimeError(f"indexed {counts} documents, expected {len(docs)} each")
            logger.info("indexed %d documents: tantivy %.2f s, OpenSearch %.2f s (%d synonym "
                        "rules)", len(docs), index_seconds["tantivy"],
                        index_seconds["opensearch"], len(opensearch.rules))
            report = compare_stores(tantivy_store, opensearch, queries, top_k,
                                    name_a="tantivy", name_b="OpenSearch")
            by_id = {doc.id: doc for doc in docs}
            explainer = Explainer(opensearch, by_id)
            explanations = {c.case.id: explainer.explain(c) for c in report.worst(explain)}
            version = str(opensearch.client.info()["version"]["number"])
        finally:
            opensearch.drop()
            opensearch.close()
            tantivy_store.close()
    return ParityRun(report, by_id, explanations, version, index_seconds)


# --- explaining differences ----------------------------------------------------------------


class Explainer:
    """Why a document is in one store's top-k and not the other's, from the analysers' view."""

    def __init__(self, opensearch: OpenSearchKeywordStore, docs: dict[str, IndexedDoc]) -> None:
        self.opensearch = opensearch
        self.docs = docs
        self.tantivy_analyzer = french_analyzer()
        self._doc_terms: dict[tuple[str, str], set[str]] = {}

    def tantivy_terms(self, text: str) -> list[str]:
        """The embedded store's analysis (plural stripping, then Snowball French)."""
        return [t for t in self.tantivy_analyzer.analyze(normalise_forms(text)) if t]

    def opensearch_terms(self, text: str, analyzer: str) -> list[str]:
        """OpenSearch's analysis of ``text`` by one of the index's analysers."""
        if not text.strip():
            return []
        response = self.opensearch.client.indices.analyze(
            index=self.opensearch.alias, body={"analyzer": analyzer, "text": text})
        return [str(token["token"]) for token in response.get("tokens", [])]

    def _doc_terms_of(self, doc_id: str, side: str) -> set[str]:
        key = (doc_id, side)
        if key not in self._doc_terms:
            doc = self.docs[doc_id]
            text = f"{doc.title}\n{doc.text}"
            terms = (self.tantivy_terms(text) if side == "tantivy"
                     else self.opensearch_terms(text, INDEX_ANALYZER))
            self._doc_terms[key] = set(terms)
        return self._doc_terms[key]

    def word_stems(self, text: str) -> list[tuple[str, list[str], list[str]]]:
        """Each distinct query word with its tantivy terms and its OpenSearch search terms."""
        words = dict.fromkeys(w for w in _words(text) if len(w) > 2)
        return [(w, self.tantivy_terms(w), self.opensearch_terms(w, SEARCH_ANALYZER))
                for w in words]

    def explain(self, comparison: QueryComparison) -> list[str]:
        """Markdown bullets: analyser disagreements on the query, then each document that
        only one store has in its top-k, with where the other store ranks it and why."""
        case, k = comparison.case, comparison.top_k
        query_text = " ".join([case.keyword.text, *case.keyword.titles])
        stems = self.word_stems(query_text)
        lines: list[str] = []
        conflated = _conflations(stems)
        if conflated:
            lines.append("analysers group the query words differently: " + "; ".join(conflated))
        searchable = {w for w, _, o_terms in stems if o_terms}
        repeated = [w for w, n in Counter(_words(case.keyword.text)).items()
                    if n > 1 and w in searchable]
        leaked = [w for w, t_terms, o_terms in stems if t_terms and not o_terms]
        if leaked:
            lines.append("words OpenSearch drops as stop words but tantivy searches (its "
                         "plural stripping runs before its stop-word filter): "
                         + ", ".join(f"`{w}`" for w in leaked[:8]))
        if repeated:
            lines.append("repeated query words (OpenSearch's `multi_match` scores each "
                         "occurrence, the embedded store each distinct term once): "
                         + ", ".join(f"`{w}`" for w in repeated[:8]))
        for side, mine, other, other_name in (
                ("tantivy", comparison.a, comparison.b, "OpenSearch"),
                ("OpenSearch", comparison.b, comparison.a, "tantivy")):
            other_ids = [h.id for h in other]
            for rank, hit in enumerate(mine[:k], start=1):
                if hit.id in other_ids[:k]:
                    continue
                where = (f"rank {other_ids.index(hit.id) + 1}" if hit.id in other_ids
                         else f"not in its top {len(other_ids)}")
                reasons = self._doc_reasons(hit.id, stems)
                lines.append(f"`{hit.id}` is #{rank} on {side} only ({other_name}: {where})"
                             + (f": {reasons}" if reasons else ""))
        for name, hits in (("tantivy", comparison.a), ("OpenSearch", comparison.b)):
            tied = _ties_at_cut(hits, k)
            if tied:
                lines.append(f"{name}: {tied} documents share the score at the top-{k} cut, "
                             "so the cut is decided by tie-breaking (tantivy: index order; "
                             "OpenSearch: `id` ascending)")
        return lines

    def _doc_reasons(self, doc_id: str, stems: list[tuple[str, list[str], list[str]]]) -> str:
        tantivy_doc = self._doc_terms_of(doc_id, "tantivy")
        opensearch_doc = self._doc_terms_of(doc_id, "opensearch")
        only_tantivy, only_opensearch = [], []
        for word, t_terms, o_terms in stems:
            t_match = bool(t_terms) and any(t in tantivy_doc for t in t_terms)
            o_match = bool(o_terms) and any(t in opensearch_doc for t in o_terms)
            if t_match and not o_match:
                only_tantivy.append(word)
            elif o_match and not t_match:
                only_opensearch.append(word)
        parts = []
        if only_tantivy:
            parts.append("query words matching it only under tantivy's analysis: "
                         + ", ".join(f"`{w}`" for w in only_tantivy[:8]))
        if only_opensearch:
            parts.append("query words matching it only under OpenSearch's analysis "
                         "(light_french, elision, synonyms): "
                         + ", ".join(f"`{w}`" for w in only_opensearch[:8]))
        if not parts:
            parts.append("the same query words match it under both analysers: a scoring "
                         "difference (IDF, code-field norms, repeated query words)")
        return "; ".join(parts)


def _words(text: str) -> list[str]:
    cleaned = "".join(c.lower() if c.isalnum() else " " for c in text)
    return cleaned.split()


def _conflations(stems: list[tuple[str, list[str], list[str]]]) -> list[str]:
    """Pairs of query words one analyser merges into one term and the other keeps apart."""
    notes: list[str] = []
    for i, (w1, t1, o1) in enumerate(stems):
        for w2, t2, o2 in stems[i + 1:]:
            same_t = bool(t1) and t1 == t2
            same_o = bool(o1) and bool(set(o1) & set(o2))
            if same_t != same_o:
                who = "tantivy" if same_t else "OpenSearch"
                notes.append(f"`{w1}`/`{w2}` are one term for {who} only "
                             f"(tantivy {t1}/{t2}, OpenSearch {o1}/{o2})")
    return notes[:6]


def _ties_at_cut(hits: Sequence[Hit], k: int) -> int:
    """How many hits share the score of the k-th hit, when that tie straddles the cut."""
    if len(hits) <= k:
        return 0
    score = hits[k - 1].score
    tied = [h for h in hits if math.isclose(h.score, score, rel_tol=1e-6)]
    return len(tied) if any(math.isclose(h.score, score, rel_tol=1e-6) for h in hits[k:]) else 0


# --- the report ----------------------------------------------------------------------------


@dataclass
class RunContext:
    """Where and how the benchmark ran, for the report."""

    command: str
    offers_path: Path
    seed: int
    query_count: int
    node: dict[str, Any] = field(default_factory=dict)


def machine_description() -> str:
    """CPU, cores, memory, OS and Python of this machine."""
    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = "?"
    try:
        for line in Path("/proc/meminfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.0f} GiB"
                break
    except OSError:
        pass
    return (f"{cpu}, {os.cpu_count()} logical CPUs, {memory} RAM, {platform.system()} "
            f"{platform.release()}, Python {platform.python_version()}")


def _fmt(value: float | None) -> str:
    return "n/a" if value is None or math.isnan(value) else f"{value:.3f}"


def _short(text: str, limit: int = 70) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _top_table(comparison: QueryComparison, docs: dict[str, IndexedDoc]) -> list[str]:
    lines = ["| # | tantivy | score | OpenSearch | score |", "|---|---|---|---|---|"]
    for i in range(SHOWN):
        cells: list[str] = []
        for hits in (comparison.a, comparison.b):
            if i < len(hits):
                doc = docs.get(hits[i].id)
                title = _short(doc.title, 55) if doc else "?"
                cells += [f"`{hits[i].id}` {title}", f"{hits[i].score:.2f}"]
            else:
                cells += ["—", ""]
        lines.append(f"| {i + 1} | " + " | ".join(cells) + " |")
    return lines


def render_markdown(run: ParityRun, context: RunContext) -> str:
    """The whole report, in Markdown."""
    report = run.report
    n = len(report.comparisons)
    filtered = sum(c.case.filtered for c in report.comparisons)
    with_tau = sum(c.tau is not None for c in report.comparisons)
    empty = sum(not c.a and not c.b for c in report.comparisons)
    lines = [
        "# Keyword-store parity: embedded (tantivy) vs OpenSearch",
        "",
        f"Generated by `bench/opensearch_parity.py` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.",
        "",
        f"**The {n} queries are generated**: seeker profiles are GENERATED "
        f"(`indexer.demo_profiles.generate_profiles`, seed {context.seed}; not real people) "
        "and turned into keyword queries and hard filters exactly as the matcher does "
        f"(`matcher.queries.query_for_profile`). {filtered} carry the profile's filters "
        f"(radius around the home commune, contract types); {n - filtered} are the same kind "
        "of query sent without any filter. The documents are the "
        f"{len(run.docs)} real offers of `{context.offers_path}` "
        "(`indexer.documents.offer_document`), indexed into both stores.",
        "",
        "## How it was run",
        "",
        "```",
        context.command,
        "```",
        "",
        f"- Machine: {machine_description()}",
        f"- OpenSearch {run.opensearch_version} (single node, `tools/opensearch_node.py`, "
        "one shard, 512 MiB heap); tantivy-py "
        f"{importlib.metadata.version('tantivy')}, opensearch-py "
        f"{importlib.metadata.version('opensearch-py')}",
    ]
    node = context.node
    if node.get("startup_s") is not None:
        lines.append(f"- Node start-up (`tools/opensearch_node.py start`, already built, until "
                     f"green): {node['startup_s']:.1f} s")
    if node.get("rss_start_mib") is not None:
        lines.append(f"- Node RSS: {node['rss_start_mib']:.0f} MiB when ready, "
                     f"{node.get('rss_end_mib') or 0:.0f} MiB after indexing and the queries")
    elif node.get("rss_end_mib") is not None:
        lines.append(f"- Node RSS after indexing and the queries: {node['rss_end_mib']:.0f} MiB")
    lines += [
        f"- Indexing {len(run.docs)} offers: tantivy {run.index_seconds.get('tantivy', 0):.2f} s, "
        f"OpenSearch {run.index_seconds.get('opensearch', 0):.2f} s (bulk + refresh); "
        f"{n} queries × {DEEP_K} deep: tantivy {report.seconds.get('tantivy', 0):.2f} s, "
        f"OpenSearch {report.seconds.get('OpenSearch', 0):.2f} s",
        "",
        f"## Results (top {report.top_k})",
        "",
        "| measure | value |",
        "|---|---|",
        f"| mean overlap@{report.top_k} (\\|A∩B\\|/{report.top_k}) | "
        f"{_fmt(report.mean_overlap)} |",
        f"| mean Jaccard (\\|A∩B\\|/\\|A∪B\\|) | {_fmt(report.mean_jaccard)} |",
        f"| mean Kendall tau on the intersection ({with_tau} queries with ≥ 2 in common; "
        f"[-1, 1]) | {_fmt(report.mean_tau)} |",
        f"| mean rank-biased overlap (p = {RBO_P}) | {_fmt(report.mean_rbo)} |",
        f"| identical top-1 | {report.identical_top1} / {n} |",
        f"| identical top-{report.top_k} (same order) | {report.identical_lists} / {n} |",
        f"| queries with no result on either store | {empty} / {n} |",
        "",
    ]
    for label, subset in (("with filters", [c for c in report.comparisons if c.case.filtered]),
                          ("without filters",
                           [c for c in report.comparisons if not c.case.filtered])):
        if subset:
            part = ParityReport(subset, report.top_k, report.name_a, report.name_b)
            lines.append(f"- {label} ({len(subset)}): overlap {_fmt(part.mean_overlap)}, "
                         f"Jaccard {_fmt(part.mean_jaccard)}, RBO {_fmt(part.mean_rbo)}, "
                         f"identical top-1 {part.identical_top1}/{len(subset)}")
    histogram = Counter(round(c.overlap, 1) for c in report.comparisons)
    lines += ["", "Overlap distribution: " + ", ".join(
        f"{value:.1f} × {count}" for value, count in sorted(histogram.items(), reverse=True)),
        "", "## The largest differences", ""]
    worst = report.worst(WORST_SHOWN)
    if not worst:
        lines.append("None: every query gives the same top list on both stores.")
    for comparison in worst:
        case = comparison.case
        lines += [
            f"### {case.id} (profile {case.profile_id}): overlap {comparison.overlap:.1f}, "
            f"RBO {comparison.rbo:.2f}",
            "",
            f"Query: {_short(case.describe(), 300)}.",
            f"Text: “{_short(case.keyword.text, 220)}”",
            "",
            *_top_table(comparison, run.docs),
            "",
            "Why:",
            "",
            *[f"- {line}" for line in run.explanations.get(case.id, [])],
            "",
        ]
    lines += WHY_SECTION
    return "\n".join(lines) + "\n"


WHY_SECTION = [
    "## Why the two stores differ",
    "",
    "Both stores build the same query shape (`text` on title ×2 and body, each title on the "
    "title field ×1.5 plus a phrase ×3 with slop 3, ROME codes ×1, skill codes ×0.5, all "
    "SHOULD; filters outside the score) and both score with BM25 (k1 = 1.2, b = 0.75, "
    "one-byte field norms). What differs:",
    "",
    "1. **Analysers.** tantivy: simple tokenizer, lower-case, French stop words, ASCII "
    "folding, a word-level pass that puts plurals in the singular and feminine job-title "
    "words in the masculine (`skills_taxonomy/gender.py`: `vendeuses` → `vendeur`), then "
    "the Snowball French stemmer. OpenSearch: punctuation char filter, standard tokenizer, "
    "elision (`l'`, `d'`…), lower-case, job-title synonyms (search side only), `_french_` "
    "stop words, ASCII folding, `light_french`. Snowball is aggressive on suffixes "
    "(`conseiller` → `conseil`), `light_french` mostly on inflection: a query word can match "
    "a document under one analyser and not the other, and the two stores disagree on "
    "document frequencies, hence IDF.",
    "2. **Stop words.** Both stores drop French stop words, from slightly different lists "
    "(tantivy's Snowball list, Lucene's `_french_`).",
    "3. **Synonyms.** OpenSearch expands every gendered appellation of the taxonomy "
    "(“vendeur en rayon, vendeuse en rayon”) at query time; the embedded store reaches the "
    "same effect for gendered words through its masculine pass, but has no multi-word "
    "synonym step.",
    "4. **Field norms of the code fields.** tantivy's raw `rome`/`skill` fields keep field "
    "norms: a document with many skill codes gets less per matching code. OpenSearch "
    "`keyword` fields have no norms: every matching code counts the same. Offers with long "
    "skill lists move between the two rankings when the query's codes decide.",
    "5. **Repeated query words.** The embedded store de-duplicates the query's terms; "
    "OpenSearch's `multi_match` keeps one clause per occurrence, so a word repeated across "
    "the titles, skill labels and summary weighs more there.",
    "6. **BM25 constants.** tantivy multiplies every BM25 term by (k1 + 1), Lucene does not. "
    "Every clause here is BM25, so this is one uniform factor: no effect on the order, but "
    "absolute scores are not comparable between the stores (nor is any score threshold).",
    "7. **Ties.** Offers with the same text (multi-post offers) get the same score; both "
    "stores order ties by `id` within their top-k, but which tied documents make the cut can "
    "still differ.",
    "",
    "The matcher only uses the keyword list as one of two retrievers (fused by RRF with the "
    "vector retriever, then re-scored by skills, occupation and distance), so a keyword "
    "overlap below 1 shows up much less in the final results; "
    "`tests/opensearch/test_engine_on_opensearch.py` checks the final results on the fixture "
    "index.",
]


# --- the command ---------------------------------------------------------------------------


def _node_status(port: int, workdir: Path) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "opensearch_node.py"), "status", "--port",
         str(port), "--workdir", str(workdir)],
        capture_output=True, text=True, check=False)
    try:
        status: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return {}
    return status


def _start_node(port: int, workdir: Path) -> tuple[str, float]:
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "opensearch_node.py"), "start", "--port",
         str(port), "--workdir", str(workdir)],
        capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(f"the node did not start: {result.stderr.strip()}")
    logger.info("%s", result.stderr.strip())
    return result.stdout.strip().splitlines()[-1], seconds


def _stop_node(workdir: Path) -> None:
    subprocess.run([sys.executable, str(ROOT / "tools" / "opensearch_node.py"), "stop",
                    "--workdir", str(workdir)], capture_output=True, text=True, check=False)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m bench.opensearch_parity",
                                     description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--opensearch-url", help="a running node (else --start-node)")
    parser.add_argument("--start-node", action="store_true",
                        help="start a node with tools/opensearch_node.py (timed) and stop it")
    parser.add_argument("--port", type=int, default=9250, help="the node's port (9250)")
    parser.add_argument("--node-workdir", type=Path,
                        help="the node's workdir, to read its RSS (and to start it)")
    parser.add_argument("--out", type=Path, required=True, help="the Markdown report")
    parser.add_argument("--queries", type=int, default=60, help="how many queries (60)")
    parser.add_argument("--seed", type=int, default=7, help="profile generation seed (7)")
    parser.add_argument("--top", type=int, default=TOP_K, help="top-k compared (10)")
    parser.add_argument("--data-dir", type=Path,
                        help="the real data (default: EMPLOI_DATA_DIR, else ../shared/data)")
    args = parser.parse_args(argv)
    if not args.opensearch_url and not args.start_node:
        parser.error("give --opensearch-url URL, or --start-node")
    if args.start_node and args.node_workdir is None:
        args.node_workdir = ROOT / ".cache" / "opensearch"
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and write the report."""
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    for noisy in ("opensearch", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    settings = load_settings(data_dir=args.data_dir)
    offers_path = settings.data_dir / DEFAULT_OFFERS
    node: dict[str, Any] = {}
    url: str = args.opensearch_url or ""
    started_here = False
    try:
        if args.start_node:
            url, node["startup_s"] = _start_node(args.port, args.node_workdir)
            started_here = True
            logger.info("node at %s ready in %.1f s", url, node["startup_s"])
        if args.node_workdir is not None:
            node["rss_start_mib"] = _node_status(args.port, args.node_workdir).get("rss_mib")
            logger.info("node RSS: %s MiB", node["rss_start_mib"])
        offers = read_offers(offers_path)
        logger.info("read %d offers from %s (%d rejected)", len(offers.records), offers_path,
                    len(offers.rejections))
        taxonomy = load_taxonomy(settings.rome_dir, None, settings.cache_dir)
        gazetteer = Gazetteer.load(settings.geo_dir, cache_dir=settings.cache_dir)
        queries = generate_queries(taxonomy, gazetteer, offers.records, args.queries, args.seed)
        docs = [offer_document(offer) for offer in offers.records]
        run = run_parity(docs, queries, OpenSearchSettings(url=url, timeout_s=60.0),
                         taxonomy.title_synonyms(), top_k=args.top)
        if args.node_workdir is not None:
            node["rss_end_mib"] = _node_status(args.port, args.node_workdir).get("rss_mib")
            logger.info("node RSS after the run: %s MiB", node["rss_end_mib"])
    finally:
        if started_here:
            _stop_node(args.node_workdir)
    command = "python -m bench.opensearch_parity " + " ".join(
        argv if argv is not None else sys.argv[1:])
    context = RunContext(command, offers_path, args.seed, len(queries), node)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(render_markdown(run, context), encoding="utf-8")
    report = run.report
    logger.info("%d queries: overlap@%d %.3f, Jaccard %.3f, tau %.3f, RBO %.3f, identical "
                "top-1 %d/%d; report: %s", len(report.comparisons), report.top_k,
                report.mean_overlap, report.mean_jaccard, report.mean_tau, report.mean_rbo,
                report.identical_top1, len(report.comparisons), args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
