"""The ``VectorStore`` conformance suite, shared by every vector backend.

A backend's test module subclasses :class:`VectorStoreConformance` and overrides one fixture,
``make_store``: a callable taking a dimension and returning a new, EMPTY store. Backends that
persist also override ``reload`` (save, then open again from disk); the default skips. A
remote backend overrides ``assert_no_copy`` to check that a purge left nothing in its files.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from indexer.stores.protocols import Hit, VectorStore

MakeVectorStore = Callable[[int], VectorStore]
VectorNoCopyCheck = Callable[[VectorStore, str], None]
ReloadVectorStore = Callable[[VectorStore, Path], VectorStore]
FloatArray = npt.NDArray[np.float32]

# Hand-written unit vectors in 3 dimensions.
X = [1.0, 0.0, 0.0]
Y = [0.0, 1.0, 0.0]
Z = [0.0, 0.0, 1.0]
XY = [0.6, 0.8, 0.0]


def _rows(*vectors: list[float]) -> FloatArray:
    return np.asarray(vectors, dtype=np.float32)


def _unit(count: int, dimension: int, seed: int) -> FloatArray:
    matrix = np.random.default_rng(seed).standard_normal((count, dimension)).astype(np.float32)
    unit: FloatArray = matrix / np.linalg.norm(matrix, axis=1, keepdims=True)
    return unit


def _ids(hits: list[Hit]) -> list[str]:
    return [hit.id for hit in hits]


def _brute_force(ids: list[str], matrix: FloatArray, query: FloatArray, k: int) -> list[str]:
    scores = matrix @ query
    order = sorted(range(len(ids)), key=lambda i: (-float(scores[i]), i))
    return [ids[i] for i in order[:k]]


class VectorStoreConformance:
    """Behaviour every ``VectorStore`` must have. Subclasses override ``make_store``."""

    @pytest.fixture
    def make_store(self) -> MakeVectorStore:
        """A callable returning a new, empty store of a given dimension."""
        raise NotImplementedError("override the make_store fixture in the backend's tests")

    @pytest.fixture
    def assert_no_copy(self) -> VectorNoCopyCheck:
        """Fails when the store's files still hold the purged id (a local store writes its
        files whole at save: nothing to check before)."""
        return lambda _store, _needle: None

    @pytest.fixture
    def reload(self) -> ReloadVectorStore:
        """Save a store into a folder and open it again; backends without files skip."""
        pytest.skip("this backend does not persist to a folder")

    @pytest.fixture
    def xyz(self, make_store: MakeVectorStore) -> VectorStore:
        """A 3-dimensional store holding x, y, z and xy."""
        store = make_store(3)
        store.upsert(["x", "y", "z", "xy"], _rows(X, Y, Z, XY))
        return store

    def test_satisfies_protocol(self, make_store: MakeVectorStore) -> None:
        assert isinstance(make_store(3), VectorStore)

    def test_empty_store(self, make_store: MakeVectorStore) -> None:
        store = make_store(3)
        assert store.count() == 0
        assert store.dimension == 3
        assert store.search(_rows(X), 5) == [[]]

    def test_nearest_first_with_inner_product_scores(self, xyz: VectorStore) -> None:
        [hits] = xyz.search(_rows(X), 2)
        assert _ids(hits) == ["x", "xy"]
        assert [hit.score for hit in hits] == pytest.approx([1.0, 0.6])

    def test_top_k_larger_than_count_returns_all_without_padding(self, xyz: VectorStore) -> None:
        [hits] = xyz.search(_rows(Y), 10)
        assert _ids(hits) == ["y", "xy", "x", "z"] or _ids(hits) == ["y", "xy", "z", "x"]
        assert len(hits) == 4

    @pytest.mark.parametrize("top_k", [0, -3])
    def test_non_positive_top_k(self, xyz: VectorStore, top_k: int) -> None:
        assert xyz.search(_rows(X, Y), top_k) == [[], []]

    def test_several_queries(self, xyz: VectorStore) -> None:
        results = xyz.search(_rows(Z, XY), 1)
        assert [_ids(hits) for hits in results] == [["z"], ["xy"]]

    def test_exact_against_brute_force(self, make_store: MakeVectorStore) -> None:
        matrix = _unit(500, 16, seed=7)
        ids = [f"doc-{i}" for i in range(500)]
        store = make_store(16)
        store.upsert(ids, matrix)
        queries = _unit(5, 16, seed=8)
        for query, hits in zip(queries, store.search(queries, 10), strict=True):
            assert _ids(hits) == _brute_force(ids, matrix, query, 10)
            expected = np.sort(matrix @ query)[::-1][:10]
            assert [hit.score for hit in hits] == pytest.approx(expected.tolist(), abs=1e-5)

    def test_upsert_replaces(self, xyz: VectorStore) -> None:
        xyz.upsert(["x"], _rows(Z))
        assert xyz.count() == 4
        [hits] = xyz.search(_rows(X), 1)
        assert _ids(hits) == ["xy"]
        [hits] = xyz.search(_rows(Z), 2)
        assert sorted(_ids(hits)) == ["x", "z"]

    def test_duplicate_ids_in_one_batch_keep_the_last(self, make_store: MakeVectorStore) -> None:
        store = make_store(3)
        store.upsert(["a", "a"], _rows(X, Y))
        assert store.count() == 1
        assert _ids(store.search(_rows(Y), 5)[0]) == ["a"]
        assert store.search(_rows(Y), 5)[0][0].score == pytest.approx(1.0)

    def test_delete(self, xyz: VectorStore) -> None:
        xyz.delete(["x", "unknown"])
        assert xyz.count() == 3
        [hits] = xyz.search(_rows(X), 10)
        assert "x" not in _ids(hits)
        assert _ids(hits)[0] == "xy"

    def test_purge(self, xyz: VectorStore, assert_no_copy: VectorNoCopyCheck) -> None:
        gone = f"gone-{uuid.uuid4().hex[:12]}"
        xyz.upsert([gone], _rows(X))
        xyz.purge([gone, "unknown"])
        assert xyz.count() == 4
        assert gone not in _ids(xyz.search(_rows(X), 10)[0])
        assert_no_copy(xyz, gone)

    def test_delete_then_upsert_again(self, xyz: VectorStore) -> None:
        xyz.delete(["x"])
        xyz.upsert(["x"], _rows(X))
        assert xyz.count() == 4
        assert _ids(xyz.search(_rows(X), 1)[0]) == ["x"]

    def test_allowed_restricts_before_top_k(self, xyz: VectorStore) -> None:
        [hits] = xyz.search(_rows(X), 1, allowed={"z", "y"})
        assert len(hits) == 1 and hits[0].id in {"y", "z"}
        [hits] = xyz.search(_rows(X), 5, allowed=["z", "xy", "unknown"])
        assert _ids(hits) == ["xy", "z"]

    def test_allowed_empty_or_unknown(self, xyz: VectorStore) -> None:
        assert xyz.search(_rows(X), 5, allowed=set()) == [[]]
        assert xyz.search(_rows(X), 5, allowed={"nope"}) == [[]]

    def test_allowed_is_exact_against_brute_force(self, make_store: MakeVectorStore) -> None:
        matrix = _unit(400, 8, seed=3)
        ids = [f"doc-{i}" for i in range(400)]
        store = make_store(8)
        store.upsert(ids, matrix)
        keep = [i for i in range(400) if i % 7 == 0]
        query = _unit(1, 8, seed=4)
        [hits] = store.search(query, 5, allowed={ids[i] for i in keep})
        expected = _brute_force([ids[i] for i in keep], matrix[keep], query[0], 5)
        assert _ids(hits) == expected

    def test_allowed_skips_deleted_ids(self, xyz: VectorStore) -> None:
        xyz.delete(["xy"])
        assert _ids(xyz.search(_rows(XY), 5, allowed={"xy", "z"})[0]) == ["z"]

    @pytest.mark.parametrize("shape", [(1, 4), (1, 2), (3,), (1, 3, 1)])
    def test_wrong_query_shape_names_the_dimension(self, xyz: VectorStore,
                                                    shape: tuple[int, ...]) -> None:
        with pytest.raises(ValueError, match="3"):
            xyz.search(np.zeros(shape, dtype=np.float32), 1)

    def test_wrong_vector_dimension_on_upsert(self, xyz: VectorStore) -> None:
        with pytest.raises(ValueError, match=r"\(n, 3\)"):
            xyz.upsert(["w"], np.ones((1, 4), dtype=np.float32))
        assert xyz.count() == 4

    def test_ids_and_vectors_must_pair(self, xyz: VectorStore) -> None:
        with pytest.raises(ValueError):
            xyz.upsert(["a", "b"], _rows(X))

    def test_save_and_load_round_trip(self, xyz: VectorStore, reload: ReloadVectorStore,
                                      tmp_path: Path) -> None:
        xyz.delete(["z"])
        loaded = reload(xyz, tmp_path / "vectors")
        assert loaded.count() == 3
        assert loaded.dimension == 3
        assert _ids(loaded.search(_rows(Y), 3)[0]) == ["y", "xy", "x"]
        loaded.upsert(["z", "w"], _rows(Z, X))
        assert loaded.count() == 5
        assert _ids(loaded.search(_rows(Z), 1)[0]) == ["z"]
        assert sorted(_ids(loaded.search(_rows(X), 2)[0])) == ["w", "x"]
