"""The static encoder: distillation from the real USE-m3 teacher on hand-written texts and on
the hand-written fixture data, determinism, the model folder's checks, gendered forms,
unknown words, and the default model built on first use."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from indexer.encoders import CacheFreeEncoder, Encoder, UseEncoder, create_encoder
from indexer.encoders.distill import (
    DistillConfig,
    SparseRows,
    build_model,
    distill,
    main,
)
from indexer.encoders.static import (
    MANIFEST_FILE,
    MODEL_FILE,
    StaticEncoder,
    StaticModel,
    StaticModelError,
    default_model_dir,
    file_sha256,
)
from indexer.encoders.static_text import char_ngrams, content_bigrams, fold_words
from indexer.settings import EncoderKind, Settings
from tests.conftest import FIXTURES
from tests.indexer.conftest import (
    SMALL_CONFIG,
    STATIC_CORPUS,
    STATIC_DOCUMENTS,
    STATIC_FEMININE,
    STATIC_LABELS,
)

LABELS, DOCUMENTS, FEMININE = STATIC_LABELS, STATIC_DOCUMENTS, STATIC_FEMININE
CORPUS, SMALL = STATIC_CORPUS, SMALL_CONFIG


@pytest.fixture(scope="module")
def teacher(use_teacher: UseEncoder) -> UseEncoder:
    return use_teacher


@pytest.fixture(scope="module")
def small_model(small_static_model: StaticModel) -> StaticModel:
    return small_static_model


@pytest.fixture(scope="module")
def model_dir(small_static_dir: Path) -> Path:
    return small_static_dir


@pytest.fixture
def static(model_dir: Path) -> StaticEncoder:
    return StaticEncoder(model_dir)


def _copy(model_dir: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "copy"
    shutil.copytree(model_dir, copy)
    return copy


# --- text pieces --------------------------------------------------------------------------------

def test_fold_words_folds_case_accents_markers_and_feminine_forms() -> None:
    assert fold_words("Vendeuse en Prêt-à-porter (H/F) 35h", FEMININE) == [
        "vendeur", "en", "pret", "a", "porter", "35h"]
    assert fold_words("Vendeur / Vendeuse", FEMININE) == ["vendeur"]
    assert fold_words("vendeur·se, boulanger(ère)", FEMININE) == ["vendeur", "boulanger"]
    assert fold_words("Cœur de métier : 2 ans", {}) == ["coeur", "de", "metier", "ans"]


@pytest.mark.parametrize("text", [
    "Vendeur / Vendeuse en prêt-à-porter (H/F)", "Aide-soignante de nuit F/H",
    "Conducteur·rice d'engins agricoles", "Boulanger(ère) — Pâtissier.e", "ŒNOLOGUE ﬁnancier",
    "Agent / Agente de sécurité agent de sécurité", "Technicien(ne) de maintenance industrielle",
])
def test_fold_words_agrees_with_the_taxonomys_fold(text: str) -> None:
    """The static encoder sees a title as the taxonomy's label index does."""
    from skills_taxonomy.text import fold

    assert " ".join(fold_words(text, FEMININE)) == fold(text, FEMININE)


def test_bigrams_skip_function_words_and_ngrams_mark_boundaries() -> None:
    assert list(content_bigrams(["aide", "soignant", "de", "nuit", "en", "ehpad"])) == [
        "aide soignant"]
    assert char_ngrams("pain", 3, 4) == ["<pa", "pai", "ain", "in>", "<pai", "pain", "ain>"]
    assert char_ngrams("a", 3, 5) == ["<a>"]


def test_sparse_rows_products_match_dense() -> None:
    rng = np.random.default_rng(0)
    dense = np.zeros((5, 7), dtype=np.float32)
    for row in range(5):
        columns = rng.choice(7, size=1 + row % 3, replace=False)
        dense[row, columns] = rng.random(len(columns)).astype(np.float32) + 0.1
    ids = [int(c) for row in dense for c in np.flatnonzero(row)]
    values = [float(v) for row in dense for v in row[row != 0]]
    starts = np.concatenate([[0], np.cumsum((dense != 0).sum(axis=1))])
    sparse = SparseRows(np.asarray(ids, dtype=np.int64), np.asarray(values, dtype=np.float32),
                        starts.astype(np.int64), 7)
    table = rng.random((7, 3)).astype(np.float32)
    grads = rng.random((5, 3)).astype(np.float32)
    np.testing.assert_allclose(sparse.dot(table), dense @ table, rtol=1e-5)
    np.testing.assert_allclose(sparse.tdot(grads), dense.T @ grads, rtol=1e-5)


# --- the protocol and what the vectors mean -------------------------------------------------------

def test_static_encoder_name_carries_teacher_dimension_and_checksum(
        static: StaticEncoder, small_model: StaticModel) -> None:
    assert static.name == f"static-use-m3-32d-{small_model.manifest['model_sha256'][:10]}"


def test_static_encoder_is_faster_than_the_cache(static: StaticEncoder) -> None:
    assert isinstance(static, CacheFreeEncoder) and static.faster_than_cache


def test_similar_texts_are_close(static: StaticEncoder) -> None:
    documents = static.encode_documents(list(DOCUMENTS))
    queries = static.encode_queries(["je cherche un emploi de boulanger",
                                     "programmation d'applications web en python",
                                     "soins aux personnes âgées en EHPAD"])
    assert (queries @ documents.T).argmax(axis=1).tolist() == [0, 1, 2]


def test_gendered_and_inclusive_forms_give_the_same_vector(static: StaticEncoder) -> None:
    forms = ["Vendeur en prêt-à-porter", "Vendeuse en prêt-à-porter",
             "Vendeur / Vendeuse en prêt-à-porter (H/F)", "vendeur·se en prêt-à-porter",
             "VENDEUR(SE) EN PRET A PORTER F/H"]
    vectors = static.encode_queries(forms)
    for vector in vectors[1:]:
        np.testing.assert_allclose(vector, vectors[0], atol=1e-6)


def test_unknown_words_fall_back_to_their_character_ngrams(static: StaticEncoder) -> None:
    known, misspelt, other, empty = static.encode_queries(
        ["boulanger", "boulangr", "comptable", "!!!"])
    assert misspelt @ known > misspelt @ other
    assert not np.allclose(misspelt, empty)
    np.testing.assert_allclose(np.linalg.norm(empty), 1.0, atol=1e-5)


def test_the_table_is_held_in_half_precision_and_vectors_sum_its_rows_widened(
        tmp_path: Path) -> None:
    table = np.array([[0.1, 0.2, 0.3], [1.0 / 3, -0.7, 0.05], [0.9, 0.11, -0.4],
                      [0.2, 0.2, 0.2], [-0.3, 0.6, 0.1]], dtype=np.float32)
    model = StaticModel(("", "boulanger", "pain"), table, np.array([1.0, 2.0, 0.5],
                        dtype=np.float32), 2, (3, 4), 0.5, {}, {"teacher": "hand-made"})
    assert model.table.dtype == np.float16
    rows = table.astype(np.float16).astype(np.float32)  # the values it holds, widened
    expected = 2.0 * rows[1] + 0.5 * rows[2]
    np.testing.assert_array_equal(model.vector("Boulanger, pain"), expected)
    np.testing.assert_array_equal(model.encode(["boulanger pain"])[0],
                                  expected / np.linalg.norm(expected))
    model.save(tmp_path / "model")
    with np.load(tmp_path / "model" / MODEL_FILE) as saved:
        np.testing.assert_array_equal(saved["table"], model.table)


# --- distillation ---------------------------------------------------------------------------------

def test_distillation_is_deterministic_for_a_seed(teacher: UseEncoder, model_dir: Path,
                                                  tmp_path: Path) -> None:
    again = distill(CORPUS, teacher, SMALL)
    again.save(tmp_path / "again")
    assert file_sha256(tmp_path / "again" / MODEL_FILE) == file_sha256(model_dir / MODEL_FILE)
    other = distill(CORPUS, teacher, DistillConfig(**{**SMALL.__dict__, "seed": 6}))
    other.save(tmp_path / "other")
    assert file_sha256(tmp_path / "other" / MODEL_FILE) != file_sha256(model_dir / MODEL_FILE)


def test_manifest_records_teacher_sizes_seed_and_checksums(model_dir: Path) -> None:
    manifest = json.loads((model_dir / MANIFEST_FILE).read_text(encoding="utf-8"))
    assert manifest["teacher"] == "use-m3"
    assert manifest["dimension"] == 32
    assert manifest["seed"] == 5
    assert manifest["inputs"]["sha256"] == CORPUS.checksum()
    assert manifest["inputs"]["labels"] == len(LABELS)
    assert manifest["model_sha256"] == file_sha256(model_dir / MODEL_FILE)
    assert manifest["vocabulary_size"] == 1 + manifest["words"] + manifest["bigrams"]
    stats = manifest["stats"]
    assert stats["heldout_cosine_after"] > stats["heldout_cosine_before"] - 0.05


def test_fine_tuning_brings_texts_closer_to_the_teacher(teacher: UseEncoder) -> None:
    """Trained and measured on the same texts: the loss it minimises must go down."""
    config = DistillConfig(**{**SMALL.__dict__, "holdout": 0.0, "epochs": 0})
    tuned = DistillConfig(**{**config.__dict__, "epochs": 30})
    texts = list(LABELS + DOCUMENTS)
    target = teacher.encode_documents(texts)

    def agreement(model: StaticModel) -> float:
        vectors = model.encode(texts)
        return float(np.corrcoef((vectors @ vectors.T).ravel(),
                                 (target @ target.T).ravel())[0, 1])

    assert agreement(distill(CORPUS, teacher, tuned)) > agreement(
        distill(CORPUS, teacher, config))


# --- the model folder -----------------------------------------------------------------------------

def test_a_missing_model_names_the_folder_and_the_command(tmp_path: Path) -> None:
    with pytest.raises(StaticModelError, match=r"python -m indexer\.encoders\.distill --out"):
        StaticEncoder(tmp_path / "nowhere").encode_queries(["boulanger"])


def test_a_model_from_another_teacher_is_refused(model_dir: Path, tmp_path: Path) -> None:
    copy = _copy(model_dir, tmp_path)
    manifest = json.loads((copy / MANIFEST_FILE).read_text(encoding="utf-8"))
    manifest["teacher"] = "multilingual-e5-small-q4"
    (copy / MANIFEST_FILE).write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(StaticModelError, match=r"distilled from 'multilingual-e5-small-q4'.*"
                                               r"expect one distilled from 'use-m3'"):
        StaticEncoder(copy, teacher="use-m3").encode_queries(["boulanger"])
    assert StaticEncoder(copy).dimension == 32  # no teacher asked: any teacher will do


def test_a_damaged_model_or_another_format_is_refused(model_dir: Path, tmp_path: Path) -> None:
    copy = _copy(model_dir, tmp_path)
    with (copy / MODEL_FILE).open("ab") as stream:
        stream.write(b"\0")
    with pytest.raises(StaticModelError, match="does not match its manifest"):
        StaticModel.load(copy)
    shutil.copy(model_dir / MODEL_FILE, copy / MODEL_FILE)
    manifest = json.loads((copy / MANIFEST_FILE).read_text(encoding="utf-8"))
    manifest["format_version"] = 0
    (copy / MANIFEST_FILE).write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(StaticModelError, match="format version 0"):
        StaticModel.load(copy)


def test_factory_uses_the_model_setting(model_dir: Path, tmp_path: Path) -> None:
    encoder = create_encoder(Settings(encoder=EncoderKind.STATIC, model=str(model_dir),
                                      cache_dir=tmp_path))
    assert isinstance(encoder, StaticEncoder)
    assert encoder.directory == model_dir
    assert not (tmp_path / "encoders").exists()


def test_indexing_encodes_with_the_static_model_in_this_process(model_dir: Path,
                                                              tmp_path: Path) -> None:
    # faster than sending the texts to workers: no encoding pool, even when one is asked for
    from indexer.encoders.pool import ProcessPoolEncoder, indexing_encoder

    settings = Settings(encoder=EncoderKind.STATIC, model=str(model_dir), cache_dir=tmp_path,
                        encode_processes=2)
    with indexing_encoder(settings) as encoder:
        assert isinstance(encoder, StaticEncoder)
        assert not isinstance(encoder, ProcessPoolEncoder)


def test_indexing_with_the_static_model_stores_nothing_in_the_embedding_cache(
        static: StaticEncoder, tmp_path: Path) -> None:
    # it encodes faster than the cache finds a vector: the records' vectors are the model's
    # own, and neither they nor the skill labels' are looked up or kept
    from indexer.catalog import IndexWriter, SearchIndex, embedding_cache_path
    from indexer.documents import offer_embedding_text
    from indexer.encoders import EmbeddingCache
    from indexer.models import Offer, SkillTag

    offers = [Offer(id="o1", title="Boulangère", description="Pain au levain, viennoiseries.",
                    skills=[SkillTag(code="100", label="Façonner des pâtons")]),
              Offer(id="o2", title="Électricien", description="Câblage de tableaux.")]
    settings = Settings(encoder=EncoderKind.STATIC, model=str(static.directory),
                        index_dir=tmp_path / "index", cache_dir=tmp_path / "cache",
                        encode_processes=1)
    with IndexWriter(settings.index_dir, settings, static) as writer:
        writer.upsert_offers(offers)
        writer.commit()
    cache = EmbeddingCache(embedding_cache_path(settings.index_dir))
    assert len(cache) == 0
    cache.close()
    index = SearchIndex.open(settings.index_dir, settings, static)
    for offer in offers:
        query = static.encode_documents([offer_embedding_text(offer)])
        [[best, *_]] = index.offers.vectors.search(query, 2)
        assert best.id == offer.id
        assert best.score == pytest.approx(1.0, abs=1e-3)


@pytest.fixture(scope="module")
def fixture_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder of the hand-written fixtures: mini ROME, mini ESCO, fixture offers."""
    data = tmp_path_factory.mktemp("data")
    for name, fixture in (("rome4", "rome4_mini"), ("esco_fr", "esco_mini"),
                          ("offers", "offers"), ("geo", "geo_mini")):
        (data / name).symlink_to(FIXTURES / fixture, target_is_directory=True)
    return data


def test_default_model_is_distilled_on_first_use_from_the_data(fixture_data: Path,
                                                              tmp_path: Path) -> None:
    settings = Settings(encoder=EncoderKind.STATIC, data_dir=fixture_data, cache_dir=tmp_path,
                        encode_processes=1)  # the teacher's pool is tested in test_encoders
    encoder = create_encoder(settings)
    assert isinstance(encoder, StaticEncoder)
    assert encoder.directory == default_model_dir(tmp_path)
    vectors = encoder.encode_documents(["Vendeuse en prêt-à-porter",
                                        "Vendeur en prêt-à-porter"])
    np.testing.assert_allclose(vectors[0], vectors[1], atol=1e-6)
    manifest = json.loads((default_model_dir(tmp_path) / MANIFEST_FILE).read_text("utf-8"))
    assert manifest["teacher"] == "use-m3"
    assert manifest["inputs"]["documents"] > 0
    assert encoder.name.startswith("static-use-m3-256d-")


def test_command_refuses_to_overwrite_without_force(model_dir: Path) -> None:
    with pytest.raises(SystemExit):
        main(["--out", str(model_dir)])


def test_build_model_keeps_an_existing_model(fixture_data: Path, tmp_path: Path,
                                             model_dir: Path) -> None:
    target = _copy(model_dir, tmp_path)
    before = file_sha256(target / MODEL_FILE)
    settings = Settings(data_dir=fixture_data, cache_dir=tmp_path / "cache", encode_processes=1)
    build_model(settings, target, config=DistillConfig(dimension=16, epochs=1,
                                                       bucket_epochs=1, buckets=64))
    assert file_sha256(target / MODEL_FILE) == before
    build_model(settings, target, config=DistillConfig(dimension=16, epochs=1,
                                                       bucket_epochs=1, buckets=64),
                replace=True)
    assert StaticModel.load(target).dimension == 16


# --- changing the default encoder: an existing index is refused with its fix --------------------

def test_an_index_built_with_use_is_refused_by_the_static_encoder(
        encoder: Encoder, small_static_dir: Path, fixture_data: Path, tmp_path: Path) -> None:
    """``encoder`` is the session's USE-m3: the index an older default built."""
    from click.testing import CliRunner

    from indexer.catalog import IndexWriter, SearchIndex
    from indexer.manifest import IndexMismatchError
    from indexer.models import Offer
    from webapp.cli import main as cli_main

    settings = Settings(data_dir=fixture_data, index_dir=tmp_path / "index",
                        cache_dir=tmp_path / "cache", model=str(small_static_dir))
    with IndexWriter(settings.index_dir, settings, encoder) as writer:
        writer.upsert_offers([Offer(id="o1", title="Vendeur en prêt-à-porter")])
        writer.commit()
    static = create_encoder(settings)
    with pytest.raises(IndexMismatchError, match=r"encoder 'use-m3' \(512-d\), but the settings "
                                                 r"select 'static-use-m3-32d-.*' \(32-d\).*"
                                                 r"emploi index --index-dir .* --rebuild"):
        SearchIndex.open(settings.index_dir, settings, static)
    result = CliRunner().invoke(
        cli_main, ["search", "--index-dir", str(settings.index_dir), "--text", "vendeur"],
        env={"EMPLOI_DATA_DIR": str(fixture_data), "EMPLOI_CACHE_DIR": str(tmp_path / "cache"),
             "EMPLOI_MODEL": str(small_static_dir), "EMPLOI_ENCODER": None})
    assert result.exit_code != 0
    assert "--rebuild" in result.output
