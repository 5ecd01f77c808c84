"""The one setting of cluster mode, without a node: ``backend=opensearch`` moves both stores,
contradicts an embedded keyword store, reads from the environment and the settings file, and an
index built for one backend refuses to open with the other, naming the fix. The factories pick
the stores (constructing an OpenSearch store does not connect)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from indexer.catalog import IndexWriter, SearchIndex, live_generation, vector_store_factory
from indexer.encoders import Encoder
from indexer.manifest import IndexMismatchError, Manifest
from indexer.models import Offer
from indexer.settings import Backend, KeywordBackend, OpenSearchSettings, Settings, load_settings
from indexer.stores.faiss_store import FaissVectorStore
from indexer.stores.protocols import (
    DocumentVectorStore,
    LabelledVectorStore,
    PersistentVectorStore,
    StagedRebuildStore,
    VectorStore,
)


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("EMPLOI_BACKEND", "EMPLOI_KEYWORD_BACKEND", "EMPLOI_CONFIG",
                 "EMPLOI_OPENSEARCH_URL", "EMPLOI_OPENSEARCH__URL"):
        monkeypatch.delenv(name, raising=False)


def test_backend_opensearch_moves_both_stores() -> None:
    settings = Settings(backend=Backend.OPENSEARCH)
    assert settings.keyword_backend is KeywordBackend.OPENSEARCH
    assert settings.vector_backend is Backend.OPENSEARCH
    default = Settings()
    assert default.keyword_backend is KeywordBackend.EMBEDDED
    assert default.vector_backend is Backend.EMBEDDED
    keyword_only = Settings(keyword_backend=KeywordBackend.OPENSEARCH)
    assert keyword_only.vector_backend is Backend.EMBEDDED


def test_from_the_environment_and_the_settings_file(monkeypatch: pytest.MonkeyPatch,
                                                    tmp_path: Path) -> None:
    monkeypatch.setenv("EMPLOI_BACKEND", "opensearch")
    monkeypatch.setenv("EMPLOI_OPENSEARCH_URL", "http://a:9200, http://b:9200,")
    settings = load_settings()
    assert settings.vector_backend is Backend.OPENSEARCH
    assert settings.keyword_backend is KeywordBackend.OPENSEARCH
    assert settings.opensearch.urls == ["http://a:9200", "http://b:9200"]
    monkeypatch.delenv("EMPLOI_BACKEND")
    config = tmp_path / "emploi.toml"
    config.write_text('backend = "opensearch"\n[opensearch]\nreplicas = 1\nshards = 3\n',
                      encoding="utf-8")
    settings = load_settings(config)
    assert settings.vector_backend is Backend.OPENSEARCH
    assert (settings.opensearch.shards, settings.opensearch.replicas) == (3, 1)


def test_an_embedded_keyword_store_contradicts_the_backend(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EMPLOI_BACKEND", "opensearch")
    monkeypatch.setenv("EMPLOI_KEYWORD_BACKEND", "embedded")
    with pytest.raises(ValidationError, match="remove EMPLOI_KEYWORD_BACKEND"):
        load_settings()


def test_with_backend_switches_both() -> None:
    cluster = Settings().with_backend(Backend.OPENSEARCH)
    assert (cluster.keyword_backend, cluster.vector_backend) == (
        KeywordBackend.OPENSEARCH, Backend.OPENSEARCH)
    back = cluster.with_backend(Backend.EMBEDDED)
    assert (back.keyword_backend, back.vector_backend) == (
        KeywordBackend.EMBEDDED, Backend.EMBEDDED)


def test_an_old_manifest_reads_as_embedded_vectors(tmp_path: Path) -> None:
    (tmp_path / "manifest.json").write_text(json.dumps(
        {"encoder": "use", "dimension": 512, "keyword_backend": "embedded"}), encoding="utf-8")
    assert Manifest.read(tmp_path).vector_backend == "embedded"


def test_an_embedded_index_refuses_cluster_settings_with_the_fix(
        tmp_path: Path, encoder: Encoder) -> None:
    settings = load_settings(index_dir=tmp_path / "index", cache_dir=tmp_path / "cache")
    with IndexWriter(settings.index_dir, settings, encoder) as writer:
        writer.upsert_offers([Offer(id="o1", title="Boulanger")])
        writer.commit()
    manifest = json.loads((live_generation(settings.index_dir) / "manifest.json").read_text())
    assert manifest["vector_backend"] == "embedded"
    cluster = settings.with_backend(Backend.OPENSEARCH)
    with pytest.raises(IndexMismatchError) as caught:
        SearchIndex.open(settings.index_dir, cluster, encoder)
    message = str(caught.value)
    assert "vector backend 'embedded'" in message and "keyword backend 'embedded'" in message
    assert "EMPLOI_BACKEND" in message
    assert f"emploi index --index-dir {settings.index_dir} --rebuild" in message
    with pytest.raises(IndexMismatchError, match="vector backend"), IndexWriter(
            settings.index_dir, cluster, encoder):
        pass


def test_the_factories_pick_the_stores(tmp_path: Path) -> None:
    embedded = vector_store_factory(Settings())(tmp_path, "offers", 8, True)
    assert isinstance(embedded, FaissVectorStore)
    assert isinstance(embedded, LabelledVectorStore)
    assert isinstance(embedded, PersistentVectorStore)
    assert not isinstance(embedded, DocumentVectorStore)
    assert not isinstance(embedded, StagedRebuildStore)
    settings = Settings(backend=Backend.OPENSEARCH,
                        opensearch=OpenSearchSettings(url="http://127.0.0.1:1", index_prefix="p"))
    remote = vector_store_factory(settings)(tmp_path, "profiles", 8, False)
    assert isinstance(remote, VectorStore)
    assert isinstance(remote, DocumentVectorStore)
    assert isinstance(remote, StagedRebuildStore)
    assert isinstance(remote, PersistentVectorStore)
    assert not isinstance(remote, LabelledVectorStore)
    assert getattr(remote, "alias") == "p-profiles-vectors"  # noqa: B009
    assert remote.dimension == 8
