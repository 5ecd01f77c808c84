"""Ranking metrics over graded judgements (qrels), per query and averaged.

Conventions (those of ``trec_eval`` / BEIR):

- a *ranking* is the list of returned document ids, best first; a *judgement* maps a document
  id to its graded relevance (an int, 0 = not relevant); unjudged documents count as 0;
- nDCG@k uses the linear gain ``rel`` and the discount ``1 / log2(rank + 1)``; the ideal DCG is
  computed from *all* judged relevances of the query, not only those retrieved;
- MAP, MRR and Recall are binary: a document is relevant when its grade is > 0;
- a query without any relevant judged document is left out of the means (its metrics are
  undefined), and a judged query absent from the run scores 0 everywhere.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass

#: Judgements: query id → document id → graded relevance.
Qrels = Mapping[str, Mapping[str, int]]
#: A run: query id → ranked document ids, best first.
Run = Mapping[str, Sequence[str]]

NDCG_CUTOFF = 10
RECALL_CUTOFF = 50


def dcg(gains: Sequence[float]) -> float:
    """Discounted cumulative gain of gains listed in rank order (rank 1 first)."""
    return sum(gain / math.log2(rank + 1) for rank, gain in enumerate(gains, start=1))


def ndcg_at_k(ranking: Sequence[str], judgement: Mapping[str, int],
              k: int = NDCG_CUTOFF) -> float:
    """nDCG@k with graded gains; 0 when the query has no relevant document."""
    ideal = dcg(sorted((g for g in judgement.values() if g > 0), reverse=True)[:k])
    if ideal <= 0:
        return 0.0
    return dcg([max(judgement.get(doc, 0), 0) for doc in ranking[:k]]) / ideal


def average_precision(ranking: Sequence[str], judgement: Mapping[str, int]) -> float:
    """Mean of precision@rank at each relevant document retrieved, over all relevant ones."""
    relevant = sum(1 for g in judgement.values() if g > 0)
    if relevant == 0:
        return 0.0
    hits = 0
    total = 0.0
    for rank, doc in enumerate(ranking, start=1):
        if judgement.get(doc, 0) > 0:
            hits += 1
            total += hits / rank
    return total / relevant


def reciprocal_rank(ranking: Sequence[str], judgement: Mapping[str, int]) -> float:
    """1 / rank of the first relevant document; 0 when none is retrieved."""
    for rank, doc in enumerate(ranking, start=1):
        if judgement.get(doc, 0) > 0:
            return 1.0 / rank
    return 0.0


def recall_at_k(ranking: Sequence[str], judgement: Mapping[str, int],
                k: int = RECALL_CUTOFF) -> float:
    """Share of the relevant documents found in the first ``k``."""
    relevant = {doc for doc, g in judgement.items() if g > 0}
    if not relevant:
        return 0.0
    return len(relevant.intersection(ranking[:k])) / len(relevant)


@dataclass(frozen=True, slots=True)
class QueryMetrics:
    """The four metrics of one query."""

    query_id: str
    ndcg_10: float
    ap: float
    rr: float
    recall_50: float


@dataclass(frozen=True, slots=True)
class MetricSummary:
    """Means over the evaluated queries: nDCG@10, MAP, MRR, Recall@50."""

    ndcg_10: float
    map: float
    mrr: float
    recall_50: float
    queries: int

    def as_dict(self) -> dict[str, float | int]:
        """A JSON-ready dict."""
        return asdict(self)


def query_metrics(query_id: str, ranking: Sequence[str],
                  judgement: Mapping[str, int]) -> QueryMetrics:
    """All four metrics of one query."""
    return QueryMetrics(query_id, ndcg_at_k(ranking, judgement),
                        average_precision(ranking, judgement),
                        reciprocal_rank(ranking, judgement), recall_at_k(ranking, judgement))


def evaluate_run(run: Run, qrels: Qrels) -> tuple[list[QueryMetrics], MetricSummary]:
    """Per-query metrics (judged queries with a relevant document, sorted by id) and means."""
    per_query = [query_metrics(qid, run.get(qid, ()), judgement)
                 for qid, judgement in sorted(qrels.items())
                 if any(g > 0 for g in judgement.values())]
    return per_query, summarise(per_query)


def summarise(per_query: Sequence[QueryMetrics]) -> MetricSummary:
    """Means of per-query metrics; all 0 for no query."""
    n = len(per_query)
    if n == 0:
        return MetricSummary(0.0, 0.0, 0.0, 0.0, 0)
    return MetricSummary(
        ndcg_10=sum(q.ndcg_10 for q in per_query) / n,
        map=sum(q.ap for q in per_query) / n,
        mrr=sum(q.rr for q in per_query) / n,
        recall_50=sum(q.recall_50 for q in per_query) / n,
        queries=n,
    )
