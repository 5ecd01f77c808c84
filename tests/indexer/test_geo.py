"""Gazetteer tests on a hand-written fixture of a few Ardèche communes."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from indexer.distance import haversine_km
from indexer.geo import FORMER_KIND, Commune, Gazetteer, fold
from indexer.models import GeoPoint, Place

GEO_MINI = Path(__file__).resolve().parent.parent / "fixtures" / "geo_mini"
REAL_GEO = Path(__file__).resolve().parents[3] / "shared" / "data" / "geo"


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return Gazetteer.load(GEO_MINI)


def test_commune_joins_cog_and_laposte(gazetteer: Gazetteer) -> None:
    aubenas = gazetteer.commune("07019")
    assert aubenas == Commune("07019", "Aubenas", "07", "84", ("07200",), 12416,
                              GeoPoint(lat=44.6102, lon=4.3964))
    assert gazetteer.commune("99999") is None


def test_several_laposte_rows_are_averaged(gazetteer: Gazetteer) -> None:
    privas = gazetteer.commune("07186")
    assert privas is not None and privas.point is not None
    assert privas.point.lat == pytest.approx(44.7225)
    assert privas.point.lon == pytest.approx(4.595)


def test_commune_nouvelle_takes_point_of_former_communes(gazetteer: Gazetteer) -> None:
    belsentes = gazetteer.commune("07165")
    assert belsentes is not None
    assert belsentes.name == "Belsentes" and belsentes.is_current
    assert belsentes.point == GeoPoint(lat=44.91, lon=4.53)


def test_communes_in_one_source_only_are_usable(gazetteer: Gazetteer) -> None:
    vallon = gazetteer.commune("07330")
    assert vallon is not None and vallon.point is None and vallon.population == 2403
    former = gazetteer.commune("07256")
    assert former is not None and former.kind == FORMER_KIND
    assert former.name == "St Julien Labrousse" and former.department == "07"
    assert former.population is None and former.point == GeoPoint(lat=44.91, lon=4.53)


def test_by_postcode_most_populous_first(gazetteer: Gazetteer) -> None:
    assert [c.code for c in gazetteer.by_postcode("07200")] == ["07019", "07229"]
    assert gazetteer.by_postcode("75001") == []


def test_search_is_accent_and_case_insensitive(gazetteer: Gazetteer) -> None:
    assert [c.code for c in gazetteer.search("st peray")] == ["07281"]
    assert [c.code for c in gazetteer.search("SAINT-PÉRAY")] == ["07281"]
    assert gazetteer.search("aubenas")[0].code == "07019"
    assert gazetteer.search("Aubenaz")[0].code == "07019"  # fuzzy
    assert gazetteer.search("") == []
    assert [c.code for c in gazetteer.search("vallon pont d'arc")] == ["07330"]


def test_fold() -> None:
    assert fold("Saint-Étienne-de-Fontbellon") == "st etienne de fontbellon"
    assert fold("L'Haÿ-les-Roses") == "l hay les roses"
    assert fold("Œuilly") == "oeuilly"


def test_departments(gazetteer: Gazetteer) -> None:
    assert gazetteer.departments() == {"07": "Ardèche", "26": "Drôme"}


def test_nearby_sorted_by_distance(gazetteer: Gazetteer) -> None:
    center = GeoPoint(lat=44.6102, lon=4.3964)
    found = gazetteer.nearby(center, 5.0)
    assert [c.code for c, _ in found] == ["07019", "07229"]
    assert found[0][1] == pytest.approx(0.0, abs=1e-6)
    assert found[1][1] == pytest.approx(haversine_km(center, GeoPoint(lat=44.6118, lon=4.4202)))
    assert len(gazetteer.nearby(center, 1000.0)) == 5  # current communes with a point


def test_resolve_place(gazetteer: Gazetteer) -> None:
    point = GeoPoint(lat=1.0, lon=2.0)
    assert gazetteer.resolve_place(Place(commune="07019", point=point)).point == point
    by_code = gazetteer.resolve_place(Place(commune="07281"))
    assert by_code.point == GeoPoint(lat=44.9411, lon=4.8246) and by_code.postcode == "07130"
    by_postcode = gazetteer.resolve_place(Place(postcode="07200"))
    assert by_postcode.commune == "07019"
    by_label = gazetteer.resolve_place(Place(label="07 - ST PERAY"))
    assert by_label.commune == "07281"
    unknown = Place(label="07 - Ardèche")
    assert gazetteer.resolve_place(unknown) == unknown


def test_cache_is_reused_and_keyed_by_content(tmp_path: Path) -> None:
    geo = tmp_path / "geo"
    geo.mkdir()
    for name in ("communes.json", "laposte_hexasmal.csv", "departements.json"):
        (geo / name).write_bytes((GEO_MINI / name).read_bytes())
    cache = tmp_path / "cache"
    first = Gazetteer.load(geo, cache_dir=cache)
    assert len(list(cache.glob("gazetteer-*.pickle"))) == 1
    again = Gazetteer.load(geo, cache_dir=cache)
    assert again.commune("07019") == first.commune("07019")
    csv_path = geo / "laposte_hexasmal.csv"
    csv_path.write_text(csv_path.read_text().replace("44.6102, 4.3964", "44.0, 4.0"))
    changed = Gazetteer.load(geo, cache_dir=cache)
    assert changed.commune("07019") is not None
    assert changed.commune("07019").point == GeoPoint(lat=44.0, lon=4.0)  # type: ignore[union-attr]
    assert len(list(cache.glob("gazetteer-*.pickle"))) == 2
    assert not list(cache.glob(".*.tmp"))


def test_corrupt_cache_is_rebuilt(tmp_path: Path) -> None:
    Gazetteer.load(GEO_MINI, cache_dir=tmp_path)
    (cache_file,) = tmp_path.glob("gazetteer-*.pickle")
    cache_file.write_bytes(b"not a pickle")
    assert Gazetteer.load(GEO_MINI, cache_dir=tmp_path).commune("07019") is not None


@pytest.mark.slow
@pytest.mark.skipif(not REAL_GEO.exists(), reason="real data not present")
def test_real_gazetteer_loads_fast_from_cache(tmp_path: Path) -> None:
    Gazetteer.load(REAL_GEO, cache_dir=tmp_path)
    start = time.perf_counter()
    gazetteer = Gazetteer.load(REAL_GEO, cache_dir=tmp_path)
    elapsed = time.perf_counter() - start
    assert elapsed < 1.0
    assert len(gazetteer) > 37_000
    saint_peray = gazetteer.commune("07281")
    assert saint_peray is not None and saint_peray.point is not None
    assert gazetteer.search("saint peray")[0].code == "07281"


def test_a_city_listed_by_arrondissement_gets_their_mean_point(tmp_path: Path) -> None:
    """La Poste lists Paris only by arrondissement (75101, 75102...): Paris 75056 takes the
    mean of their points, so an offer placed at "75056" can be found by distance."""
    communes = [
        {"code": "75056", "nom": "Paris", "departement": "75", "region": "11",
         "type": "commune-actuelle", "codesPostaux": ["75001", "75002"], "population": 2_100_000},
        {"code": "75101", "nom": "Paris 1er Arrondissement", "departement": "75",
         "type": "arrondissement-municipal", "commune": "75056", "codesPostaux": ["75001"]},
        {"code": "75102", "nom": "Paris 2e Arrondissement", "departement": "75",
         "type": "arrondissement-municipal", "commune": "75056", "codesPostaux": ["75002"]},
    ]
    (tmp_path / "communes.json").write_text(json.dumps(communes), encoding="utf-8")
    (tmp_path / "laposte_hexasmal.csv").write_text(
        "Code_commune_INSEE;Nom_commune;Code_postal;Libelle_acheminement;Ligne_5;"
        "coordonnees_gps\n"
        "75101;PARIS 01;75001;PARIS;;48.8600, 2.3400\n"
        "75102;PARIS 02;75002;PARIS;;48.8700, 2.3500\n", encoding="utf-8")
    paris = Gazetteer.load(tmp_path).commune("75056")
    assert paris is not None and paris.point == GeoPoint(lat=48.865, lon=2.345)


def test_a_label_naming_the_department_places_nothing() -> None:
    """France Travail writes "19 - Corrèze" for an offer anywhere in the department; the
    commune called Corrèze must not receive it. "19 - TULLE" is a commune."""
    gazetteer = Gazetteer.from_communes([
        Commune("19062", "Corrèze", "19", "75", ("19800",), 1_100,
                GeoPoint(lat=45.3655, lon=1.8709)),
        Commune("19272", "Tulle", "19", "75", ("19000",), 14_500,
                GeoPoint(lat=45.2671, lon=1.7706)),
    ], departments={"19": "Corrèze"})
    assert gazetteer.resolve_place(Place(label="19 - Corrèze")).point is None
    assert gazetteer.resolve_place(Place(label="19 - CORREZE")).point is None
    assert gazetteer.resolve_place(Place(label="19 - TULLE")).commune == "19272"
