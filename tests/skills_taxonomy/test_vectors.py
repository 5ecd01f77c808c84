"""Exact top-k over a small matrix: the best rows first, ties by row, whatever the partition
picks first; and integer rows, whose cosines are the same for one query or a batch."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from skills_taxonomy.vectors import IntegerRows, best_of, unit_rows


def _sorted_reference(matrix: np.ndarray, vector: np.ndarray, k: int) -> list[int]:
    scores = [float(score) for score in matrix @ vector]
    return sorted(range(len(scores)), key=lambda row: (-scores[row], row))[:k]


@pytest.mark.parametrize("k", [1, 3, 50, 299, 400])
def test_best_of_is_the_best_first_with_ties_by_row(k: int) -> None:
    rng = np.random.default_rng(5)
    matrix = unit_rows(np.round(rng.normal(size=(300, 6)), 1))  # many equal scores
    matrix[[40, 7, 250]] = matrix[120]
    for query in (matrix[120], matrix[3], unit_rows(rng.normal(size=(1, 6)))[0]):
        rows, scores = best_of(matrix @ query, k)
        assert rows.tolist() == _sorted_reference(matrix, query, k)
        np.testing.assert_array_equal(scores, (matrix @ query)[rows])


def test_best_of_nothing() -> None:
    rows, scores = best_of(np.zeros(0, dtype=np.float32), 5)
    assert rows.size == 0 and scores.size == 0
    rows, _ = best_of(np.ones(4, np.float32), 0)
    assert rows.size == 0
    assert all(found.size == 0 for found, _ in IntegerRows(np.eye(4)).top_rows(np.eye(4), 0))


@pytest.mark.parametrize("dimension", [8, 256, 512, 1024])
def test_integer_rows_give_one_query_and_a_batch_the_same_cosines(dimension: int) -> None:
    # BLAS sums a matrix-vector and a matrix-matrix product in different orders: float32
    # cosines would differ in their last bits, integer ones cannot
    rng = np.random.default_rng(dimension)
    matrix = rng.normal(size=(500, dimension))
    rows = IntegerRows(matrix)
    queries = np.vstack([unit_rows(rng.normal(size=(70, dimension))), unit_rows(matrix[:5])])
    together = rows.cosines(queries)
    one_by_one = np.vstack([rows.cosines(query) for query in queries])
    in_halves = np.vstack([rows.cosines(queries[:33]), rows.cosines(queries[33:])])
    np.testing.assert_array_equal(together, one_by_one)
    np.testing.assert_array_equal(together, in_halves)
    np.testing.assert_allclose(together, queries @ unit_rows(matrix).T, atol=2e-3)


@pytest.mark.parametrize("dimension", [8, 256, 1024])
def test_integer_products_stay_exact_in_float32(dimension: int) -> None:
    # the worst case for the bound: a query equal to a row, with every component equal
    flat = np.ones((1, dimension))
    spiky = np.zeros((1, dimension))
    spiky[0, 0] = 1.0
    rows = IntegerRows(np.vstack([flat, spiky]))
    scale = IntegerRows.scale(dimension)
    for vector in (flat[0], spiky[0]):
        integers = np.rint(unit_rows(vector[np.newaxis]).astype(np.float64) * np.float32(scale))
        # Σ|aᵢbᵢ| ≤ ‖a‖₁‖b‖∞ for the query against itself and the other row
        assert np.abs(integers).sum() * np.abs(integers).max() < 2 ** 24
        exact = (np.rint(unit_rows(np.vstack([flat, spiky])) * np.float32(scale)).astype(np.int64)
                 @ integers[0].astype(np.int64))
        # below 2**24 the int64 products are float32 values: BLAS must have found them
        square = np.float32(scale) * np.float32(scale)
        np.testing.assert_array_equal(rows.cosines(vector)[0],
                                      exact.astype(np.float32) / square)


def test_integer_rows_top_rows_are_the_best_cosines_first_with_ties_by_row() -> None:
    rng = np.random.default_rng(3)
    matrix = unit_rows(rng.normal(size=(300, 16)))
    matrix[[40, 7, 250]] = matrix[120]
    rows = IntegerRows(matrix)
    queries = np.vstack([matrix[120], unit_rows(rng.normal(size=(4, 16)))])
    for (found, scores), cosines in zip(rows.top_rows(queries, 20), rows.cosines(queries),
                                        strict=True):
        expected = sorted(range(len(cosines)), key=lambda row: (-cosines[row], row))[:20]
        assert found.tolist() == expected
        np.testing.assert_array_equal(scores, cosines[found])
    assert rows.top_rows(queries[0], 3)[0][0][:4].tolist() == [7, 40, 120]


def test_integer_rows_pickle_as_16_bit_integers() -> None:
    rng = np.random.default_rng(4)
    rows = IntegerRows(rng.normal(size=(50, 32)))
    stored = rows.__getstate__()["rows"]
    assert isinstance(stored, np.ndarray) and stored.dtype == np.int16
    again = pickle.loads(pickle.dumps(rows))
    query = unit_rows(rng.normal(size=(1, 32)))
    np.testing.assert_array_equal(again.cosines(query), rows.cosines(query))
    assert len(again) == 50
