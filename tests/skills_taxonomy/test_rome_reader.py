"""Tests of :mod:`skills_taxonomy.rome_reader` on the hand-written mini ROME files."""

from __future__ import annotations

from pathlib import Path

import pytest

from skills_taxonomy.errors import BadValueError, MissingColumnError, MissingFileError
from skills_taxonomy.rome_reader import read_rome, split_gendered

from .conftest import ROME_MINI


@pytest.mark.parametrize(
    ("label", "forms"),
    [
        (
            "Vendeur / Vendeuse en prêt-à-porter",
            ("Vendeur en prêt-à-porter", "Vendeuse en prêt-à-porter"),
        ),
        (
            "Conducteur / Conductrice d'engins agricoles",
            ("Conducteur d'engins agricoles", "Conductrice d'engins agricoles"),
        ),
        (
            "Accastilleur-gréeur / Accastilleuse-gréeuse",
            ("Accastilleur-gréeur", "Accastilleuse-gréeuse"),
        ),
        (
            "Agent administratif / Agente administrative de banque",
            ("Agent administratif de banque", "Agente administrative de banque"),
        ),
        ("Artiste plasticien / Plasticienne", ("Artiste plasticien", "Artiste Plasticienne")),
        ("Comptable", ("Comptable",)),
        (
            "Responsable d'atelier en chimie/pharmacie",
            ("Responsable d'atelier en chimie/pharmacie",),
        ),
    ],
)
def test_split_gendered(label: str, forms: tuple[str, ...]) -> None:
    assert split_gendered(label) == forms


def test_read_counts_and_fields() -> None:
    data = read_rome(ROME_MINI)
    assert len(data.occupations) == 6
    assert len(data.appellations) == 11
    assert len(data.items) == 16
    occupation = data.occupations["A1102"]
    assert (occupation.parent_code, occupation.ogr_code) == ("A1101", "403950")
    app = data.appellations["10202"]
    assert app.short_label == "Accastilleur(se)-monteur(se) électronique de marine"
    assert app.forms == (
        "Accastilleur-monteur électronique de marine",
        "Accastilleuse-monteuse électronique de marine",
    )
    assert app.rome_code == "I1601"


def test_items_have_kind_and_categories() -> None:
    items = read_rome(ROME_MINI).items
    assert items["100013"].kind == "skill"
    assert (items["100013"].category, items["100013"].subcategory) == (
        "Savoir-être professionnel",
        "Transverse",
    )
    assert items["200002"].kind == "knowledge"
    assert items["200002"].category == "Techniques professionnelles"


def test_links_skip_work_contexts_and_mark_core() -> None:
    links = dict(read_rome(ROME_MINI).links["A1101"])
    assert links == {"100001": True, "100002": False, "200001": True}


def test_mobility_is_sorted_by_rank() -> None:
    assert read_rome(ROME_MINI).mobility["D1214"] == (("D1211", 1), ("M1203", 2), ("I1601", 3))


def test_missing_file_names_the_file(rome_copy: Path) -> None:
    (rome_copy / "unix_rubrique_mobilite_v460_utf8.csv").unlink()
    with pytest.raises(MissingFileError, match="unix_rubrique_mobilite"):
        read_rome(rome_copy)


def test_missing_column_names_file_and_column(rome_copy: Path) -> None:
    path = rome_copy / "unix_coherence_item_v460_utf8.csv"
    path.write_text('"code_rome","code_ogr"\n"A1101","100001"\n', encoding="utf-8")
    with pytest.raises(
        MissingColumnError, match=r"unix_coherence_item_v460_utf8\.csv.*'coeur_metier'"
    ):
        read_rome(rome_copy)


def test_non_numeric_rank_is_reported(rome_copy: Path) -> None:
    path = rome_copy / "unix_rubrique_mobilite_v460_utf8.csv"
    path.write_text('"code_rome","code_rome_cible","numero_ordre"\n"A1101","A1102","x"\n', "utf-8")
    with pytest.raises(BadValueError, match="numero_ordre"):
        read_rome(rome_copy)


def test_highest_version_file_is_used(rome_copy: Path) -> None:
    newer = rome_copy / "unix_referentiel_code_rome_v461_utf8.csv"
    newer.write_text(
        '"code_rome","code_ogr","libelle_rome","code_rome_parent"\n"Z9999","1","Métier","Z9999"\n',
        encoding="utf-8",
    )
    assert list(read_rome(rome_copy).occupations) == ["Z9999"]
