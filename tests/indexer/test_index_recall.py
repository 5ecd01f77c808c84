"""A written generation records the measured recall of its IVF vector index, serving uses the
tuned nprobe, and ``emploi index-info`` shows both."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from indexer.catalog import IndexWriter, SearchIndex
from indexer.encoders import Encoder
from indexer.models import Offer
from indexer.settings import Settings, load_settings
from webapp.cli import main

JOBS = ["Boulanger", "Électricien du bâtiment", "Aide-soignant", "Comptable", "Maçon",
        "Serveur en restauration", "Développeur web", "Chauffeur poids lourd",
        "Vendeur en magasin", "Infirmier", "Plombier chauffagiste", "Agent d'entretien"]
PLACES = ["Aubenas", "Privas", "Lyon", "Valence", "Annonay", "Montélimar", "Grenoble",
          "Marseille", "Nîmes", "Avignon"]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    # 120 offers: past the (lowered) exact-search limit, so the offers get an IVF index
    return load_settings(index_dir=tmp_path / "index", cache_dir=tmp_path / "cache",
                         ann_flat_max_vectors=50, ann_recall_sample=100)


def _offers() -> list[Offer]:
    return [Offer(id=f"o{j}-{p}", title=f"{job} à {place}",
                  description=f"Poste de {job.lower()} à {place}, équipe de {p + 2} personnes.")
            for j, job in enumerate(JOBS) for p, place in enumerate(PLACES)]


def test_a_built_index_records_its_measured_recall(settings: Settings, encoder: Encoder
                                                   ) -> None:
    with IndexWriter(settings.index_dir, settings, encoder) as writer:
        writer.upsert_offers(_offers())
        generation = writer.commit()
    entry = json.loads((generation / "manifest.json").read_text())["vector_indexes"]["offers"]
    assert entry["factory"].startswith("IVF")
    recall = entry["recall"]
    assert recall["sample"] == 100 and recall["count"] == 120
    assert recall["target"] == settings.ann_recall_target
    assert 0.0 <= recall["recall_at_10"] <= 1.0 and recall["nprobe"] == entry["nprobe"]
    assert recall["factory"] == entry["factory"]

    index = SearchIndex.open(settings.index_dir, settings, encoder)
    assert index.manifest.recall("offers") is not None
    assert index.offers.vectors.nprobe == entry["nprobe"]  # serving uses the tuned nprobe

    result = CliRunner().invoke(main, ["index-info", "--index-dir", str(settings.index_dir)])
    assert result.exit_code == 0, result.output
    assert f"offers: 120 records; vectors {entry['factory']}, nprobe {entry['nprobe']}" \
        in result.output
    assert f"recall@10 {recall['recall_at_10']:.3f}" in result.output
    as_json = CliRunner().invoke(main, ["index-info", "--index-dir",
                                        str(settings.index_dir), "--json"])
    assert json.loads(as_json.output)["vector_indexes"]["offers"]["recall"] == recall


def test_index_info_says_when_recall_was_never_measured(tmp_path: Path) -> None:
    generation = tmp_path / "gen-000001"
    generation.mkdir()
    (tmp_path / "CURRENT").write_text("gen-000001\n")
    (generation / "manifest.json").write_text(json.dumps({
        "encoder": "use-m3", "dimension": 512, "keyword_backend": "embedded",
        "vector_index": "IVF256,Flat", "counts": {"offers": 70000, "profiles": 10},
        "vector_indexes": {"offers": {"factory": "IVF256,Flat", "nprobe": 16},
                           "profiles": {"factory": "Flat", "nprobe": 0}}}))
    result = CliRunner().invoke(main, ["index-info", "--index-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "offers: 70,000 records; vectors IVF256,Flat, nprobe 16; recall not measured" \
        in result.output
    assert "profiles: 10 records; vectors Flat (exact search)" in result.output


def test_index_info_without_an_index_names_the_command(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["index-info", "--index-dir", str(tmp_path)])
    assert result.exit_code == 4 and "emploi index --index-dir" in result.output
