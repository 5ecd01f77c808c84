"""Ranking metrics against values computed by hand (log2(3) ≈ 1.5849625)."""

from __future__ import annotations

import math

import pytest

from matcher.evaluation.metrics import (
    average_precision,
    dcg,
    evaluate_run,
    ndcg_at_k,
    recall_at_k,
    reciprocal_rank,
)

LOG2_3 = math.log2(3)

# Ranking d1, d2, d3 with grades 3, 0, 2; the judged relevances are {3, 2}.
RANKING = ["d1", "d2", "d3"]
JUDGED = {"d1": 3, "d3": 2}


def test_dcg_uses_linear_gain_and_log2_discount() -> None:
    # 3/log2(2) + 0/log2(3) + 2/log2(4) = 3 + 0 + 1 = 4
    assert dcg([3, 0, 2]) == pytest.approx(4.0)


def test_ndcg_graded() -> None:
    # DCG = 4 (above); ideal [3, 2]: 3/1 + 2/log2(3) = 3 + 1.2618595 = 4.2618595
    # nDCG = 4 / 4.2618595 = 0.9385578
    assert ndcg_at_k(RANKING, JUDGED) == pytest.approx(4 / (3 + 2 / LOG2_3))
    assert ndcg_at_k(RANKING, JUDGED) == pytest.approx(0.9385578, abs=1e-6)


def test_ndcg_perfect_order_is_one() -> None:
    # [b, a] with b=2, a=1 is the ideal order itself.
    assert ndcg_at_k(["b", "a"], {"a": 1, "b": 2}) == pytest.approx(1.0)


def test_ndcg_ideal_counts_relevant_documents_not_retrieved() -> None:
    # Ranking [x, a], judged {a: 1, b: 2}: DCG = 0 + 1/log2(3) = 0.6309298;
    # ideal [2, 1] = 2 + 1/log2(3) = 2.6309298; nDCG = 0.2398124
    value = ndcg_at_k(["x", "a"], {"a": 1, "b": 2})
    assert value == pytest.approx((1 / LOG2_3) / (2 + 1 / LOG2_3))
    assert value == pytest.approx(0.2398124, abs=1e-6)


def test_ndcg_cut_at_ten() -> None:
    # The only relevant document at rank 11 is beyond the cut: nDCG@10 = 0.
    ranking = [f"x{i}" for i in range(10)] + ["a"]
    assert ndcg_at_k(ranking, {"a": 3}) == 0.0
    # At rank 10: 3/log2(11) over the ideal 3/1 = 1/log2(11) = 0.2890648
    assert ndcg_at_k([*ranking[:9], "a"], {"a": 3}) == pytest.approx(1 / math.log2(11))


def test_average_precision_is_binary() -> None:
    # Relevant at ranks 1 and 3: (1/1 + 2/3) / 2 = 0.8333333, whatever the grades.
    assert average_precision(RANKING, JUDGED) == pytest.approx(5 / 6)
    assert average_precision(RANKING, {"d1": 1, "d3": 1}) == pytest.approx(5 / 6)


def test_average_precision_divides_by_all_relevant() -> None:
    # [x, a] with relevant {a, b}: precision 1/2 at a, b never found: (1/2) / 2 = 0.25
    assert average_precision(["x", "a"], {"a": 1, "b": 2}) == pytest.approx(0.25)


def test_zero_grades_are_not_relevant() -> None:
    # {a: 0} has no relevant document: every metric is 0.
    for metric in (ndcg_at_k, average_precision, reciprocal_rank, recall_at_k):
        assert metric(["a"], {"a": 0}) == 0.0


def test_reciprocal_rank() -> None:
    assert reciprocal_rank(RANKING, JUDGED) == 1.0  # d1 first
    assert reciprocal_rank(["x", "y", "a"], {"a": 1}) == pytest.approx(1 / 3)
    assert reciprocal_rank(["x", "y"], {"a": 1}) == 0.0


def test_recall_at_fifty() -> None:
    # a at rank 50 counts, b at rank 51 does not: 1 of 2 relevant = 0.5
    ranking = [f"x{i}" for i in range(49)] + ["a", "b"]
    assert recall_at_k(ranking, {"a": 1, "b": 3}) == pytest.approx(0.5)
    assert recall_at_k(["x", "a"], {"a": 1, "b": 2}) == pytest.approx(0.5)


def test_evaluate_run_means_over_judged_queries() -> None:
    qrels = {
        "q1": JUDGED,               # nDCG 0.9385578, AP 0.8333333, RR 1,   R@50 1
        "q2": {"a": 1, "b": 2},     # nDCG 0.2398124, AP 0.25,      RR 0.5, R@50 0.5
        "q3": {"z": 0},             # no relevant document: left out of the means
        "q4": {"a": 1},             # not in the run: 0 everywhere
    }
    run = {"q1": RANKING, "q2": ["x", "a"], "q3": ["z"], "q5": ["a"]}
    per_query, summary = evaluate_run(run, qrels)
    assert [q.query_id for q in per_query] == ["q1", "q2", "q4"]
    assert summary.queries == 3
    # nDCG (0.9385578 + 0.2398124 + 0) / 3 = 0.3927901
    assert summary.ndcg_10 == pytest.approx(0.3927901, abs=1e-6)
    # MAP (0.8333333 + 0.25 + 0) / 3 = 0.3611111
    assert summary.map == pytest.approx(0.3611111, abs=1e-6)
    # MRR (1 + 0.5 + 0) / 3 = 0.5 ; R@50 (1 + 0.5 + 0) / 3 = 0.5
    assert summary.mrr == pytest.approx(0.5)
    assert summary.recall_50 == pytest.approx(0.5)


def test_empty_run_and_qrels() -> None:
    per_query, summary = evaluate_run({}, {})
    assert per_query == [] and summary.queries == 0 and summary.ndcg_10 == 0.0
