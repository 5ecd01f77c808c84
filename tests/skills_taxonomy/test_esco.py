"""Tests of the optional ESCO labels and the ESCO ↔ ROME crosswalk."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from skills_taxonomy import MissingFileError, Taxonomy, load_taxonomy
from skills_taxonomy.esco_reader import read_crosswalk

from .conftest import ESCO_MINI, ROME_MINI

VENDEUR_URI = "http://data.europa.eu/esco/occupation/vendeur-pap"


def test_crosswalk_skips_metadata_block() -> None:
    rows = read_crosswalk(ESCO_MINI / "mapping_esco_rome_v1.4.csv")
    assert len(rows) == 3
    assert (rows[1].esco_uri, rows[1].appellation_code, rows[1].relation) == (
        VENDEUR_URI,
        "20613",
        "skos:exactMatch",
    )


def test_esco_occupations_by_uri(tax_esco: Taxonomy) -> None:
    concept = tax_esco.esco_occupations[VENDEUR_URI]
    assert concept.alt_labels == ("vendeuse de vêtements", "vendeur de vêtements")
    assert len(tax_esco.esco_skills) == 2
    assert len(tax_esco.crosswalk) == 3


def test_esco_alt_label_maps_to_rome_by_best_relation(tax_esco: Taxonomy) -> None:
    first = tax_esco.search("vendeuse de vêtements", kinds=("esco_occupation",))[0]
    assert (first.code, first.rome_code, first.score) == (VENDEUR_URI, "D1214", 1.0)


def test_esco_unknown_appellation_gives_no_rome_code(tax_esco: Taxonomy) -> None:
    first = tax_esco.search("capitaine de yacht", kinds=("esco_occupation",))[0]
    assert first.code.endswith("/skipper")
    assert first.rome_code is None


def test_esco_skill_search(tax_esco: Taxonomy) -> None:
    first = tax_esco.search("tenir la caisse", kinds=("esco_skill",))[0]
    assert first.code.endswith("/encaisser")
    assert first.label == "encaisser des paiements"


def test_esco_labels_stay_out_of_default_search(tax_esco: Taxonomy) -> None:
    assert all(m.kind in {"occupation", "appellation", "item"} for m in tax_esco.search("vendeur"))


def test_missing_esco_file_is_named(tmp_path: Path) -> None:
    esco = tmp_path / "esco"
    shutil.copytree(ESCO_MINI, esco)
    (esco / "skills_fr.csv").unlink()
    with pytest.raises(MissingFileError, match=r"skills_fr\.csv"):
        load_taxonomy(ROME_MINI, esco_dir=esco)
