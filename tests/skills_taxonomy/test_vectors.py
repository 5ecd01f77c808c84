"""Exact top-k over a small matrix: the best rows first, ties by row, whatever the partition
picks first."""

from __future__ import annotations

import numpy as np
import pytest

from skills_taxonomy.vectors import top_rows, unit_rows


def _sorted_reference(matrix: np.ndarray, vector: np.ndarray, k: int) -> list[int]:
    scores = [float(score) for score in matrix @ vector]
    return sorted(range(len(scores)), key=lambda row: (-scores[row], row))[:k]


@pytest.mark.parametrize("k", [1, 3, 50, 299, 400])
def test_top_rows_are_the_best_first_with_ties_by_row(k: int) -> None:
    rng = np.random.default_rng(5)
    matrix = unit_rows(np.round(rng.normal(size=(300, 6)), 1))  # many equal scores
    matrix[[40, 7, 250]] = matrix[120]
    for query in (matrix[120], matrix[3], unit_rows(rng.normal(size=(1, 6)))[0]):
        rows, scores = top_rows(matrix, query, k)
        assert rows.tolist() == _sorted_reference(matrix, query, k)
        np.testing.assert_array_equal(scores, (matrix @ query)[rows])


def test_top_rows_of_nothing() -> None:
    rows, scores = top_rows(np.zeros((0, 4), dtype=np.float32), np.ones(4, np.float32), 5)
    assert rows.size == 0 and scores.size == 0
    rows, _ = top_rows(np.eye(4, dtype=np.float32), np.ones(4, np.float32), 0)
    assert rows.size == 0
