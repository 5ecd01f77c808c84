"""The territory API on the hand-written fixtures: known answers, clear errors, access."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask.testing import FlaskClient

from indexer.catalog import IndexWriter, SearchIndex
from matcher.engine import Engine
from tests.webapp.conftest import bearer
from webapp import create_app

API = "/api/v1/territoire"


@pytest.fixture
def counsellor(token: dict[str, str]) -> dict[str, str]:
    """The Authorization header of the ``counsellor`` account (assigned P-VENDEUSE)."""
    return bearer(token["counsellor"])


def test_potential_json(client: FlaskClient) -> None:
    response = client.get(f"{API}/potentiel?metier=D1214&departement=07")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["offers"], body["seekers"], body["tension"]) == (2, 2, 1.0)
    assert body["territory"]["name"] == "Ardèche"
    assert body["reference_date"] == "2025-05-28"
    assert len(body["weeks"]) == 12
    assert body["data"]["computed_from"].startswith("Calculé sur 8 offres indexées")


def test_potential_around_a_commune_and_weeks(client: FlaskClient) -> None:
    body = client.get(f"{API}/potentiel?metier=D1214&commune=07019&rayon=10&semaines=4"
                      ).get_json()
    assert (body["offers"], body["seekers"], body["tension"]) == (1, 2, 0.5)
    assert len(body["weeks"]) == 4


def test_no_seeker_is_null_tension(client: FlaskClient) -> None:
    body = client.get(f"{API}/potentiel?metier=A1101&commune=07186&rayon=10").get_json()
    assert body["tension"] is None and body["experience_share"] is None
    assert body["better_nearby"][0]["code"] == "07281"


def test_bad_input_is_400_or_404_with_a_message(client: FlaskClient,
                                               counsellor: dict[str, str]) -> None:
    cases = [
        (f"{API}/potentiel?metier=Z9&departement=07", 400, "métier inconnu"),
        (f"{API}/potentiel?metier=B1234&departement=07", 404, "métier inconnu"),
        (f"{API}/potentiel?metier=vendeur&departement=07", 400, "vouliez-vous dire"),
        (f"{API}/potentiel?metier=D1214&commune=Zzzville", 400, "commune inconnue"),
        (f"{API}/potentiel?metier=D1214&commune=99999", 404, "commune inconnue"),
        (f"{API}/potentiel?metier=D1214&departement=75", 404, "département inconnu"),
        (f"{API}/potentiel?metier=D1214&commune=07019&rayon=abc", 400, "rayon"),
        (f"{API}/potentiel?metier=D1214&commune=07019&rayon=0", 400, "rayon"),
        (f"{API}/potentiel?metier=D1214", 400, "indiquez un territoire"),
        (f"{API}/potentiel?metier=D1214&departement=07&semaines=0", 400, "semaines"),
        (f"{API}/potentiel?departement=07", 400, "indiquez un métier"),
        (f"{API}/reconversion/NOPE", 404, "Profil inconnu"),
        (f"{API}/offres/NOPE/vivier", 404, "offre inconnue"),
        (f"{API}/difficiles?metier=D1214&departement=26", 404, "aucune offre"),
        (f"{API}/retour-emploi?metier=XX&departement=07", 400, "métier inconnu"),
    ]
    for url, status, message in cases:
        response = client.get(url, headers=counsellor)
        assert response.status_code == status, (url, response.get_json())
        assert message in response.get_json()["error"], url


def test_reconversion_json(client: FlaskClient, counsellor: dict[str, str]) -> None:
    body = client.get(f"{API}/reconversion/P-VENDEUSE", headers=counsellor).get_json()
    assert [s["code"] for s in body["suggestions"]] == ["D1211", "M1203", "I1601"]
    assert body["weights"] == {"coverage": 0.5, "potential": 0.3, "proximity": 0.2}
    assert body["suggestions"][1]["core_missing"] == [
        {"code": "100030", "label": "Établir un bilan comptable"}]


def test_pool_and_hard_to_fill_json(client: FlaskClient, counsellor: dict[str, str]) -> None:
    pool = client.get(f"{API}/offres/OF-VENTE-1/vivier", headers=counsellor).get_json()
    assert pool["threshold"] == 0.5 and pool["strong"] >= 2
    hard = client.get(f"{API}/difficiles?departement=07", headers=counsellor).get_json()
    assert hard["offers_considered"] == 7          # OF-SANS-LIEU is in no territory
    assert all(p["hard_to_fill"] for p in hard["ranked"])


def test_return_to_work_is_unavailable(client: FlaskClient) -> None:
    body = client.get(f"{API}/retour-emploi?metier=D1214&departement=07").get_json()
    assert body["available"] is False and "indisponible" in body["message"]


def test_occupations_list(client: FlaskClient) -> None:
    body = client.get(f"{API}/metiers").get_json()
    assert body[0] == {"code": "D1214", "label": "Vendeur / Vendeuse en prêt-à-porter",
                       "offers": 3}


def test_access(client: FlaskClient, token: dict[str, str]) -> None:
    assert client.get(f"{API}/reconversion/P-VENDEUSE").status_code == 401
    assert client.get(f"{API}/offres/OF-VENTE-1/vivier").status_code == 401
    seeker, other = bearer(token["seeker"]), bearer(token["seeker2"])
    assert client.get(f"{API}/reconversion/P-VENDEUSE", headers=seeker).status_code == 200
    assert client.get(f"{API}/reconversion/P-VENDEUSE", headers=other).status_code == 404
    assert client.get(f"{API}/reconversion/P-AGRI", headers=bearer(token["counsellor"])
                      ).status_code == 404                     # not assigned to them
    assert client.get(f"{API}/difficiles?departement=07",
                      headers=bearer(token["employer"])).status_code == 403


def test_an_empty_index_answers_clearly(tiny_engine: Engine, database_url: str,
                                        tmp_path: Path) -> None:
    settings = tiny_engine.settings.model_copy(update={"index_dir": tmp_path / "empty"})
    with IndexWriter(settings.index_dir, settings, tiny_engine.encoder) as writer:
        writer.commit()
    index = SearchIndex.open(settings.index_dir, settings, tiny_engine.encoder)
    empty = Engine(settings, tiny_engine.taxonomy, tiny_engine.gazetteer, tiny_engine.encoder,
                   index)
    app = create_app({"TESTING": True, "ENGINE": empty, "SECRET_KEY": "test",
                      "DATABASE_URL": database_url})
    client = app.test_client()
    response = client.get(f"{API}/potentiel?metier=D1214&departement=07")
    assert response.status_code == 404
    assert "aucune offre" in response.get_json()["error"]
    assert client.get(f"{API}/metiers").get_json() == []
    page = client.get("/territoire?metier=D1214&territoire=departement&code=07")
    assert page.status_code == 404 and "aucune offre" in page.get_data(as_text=True)
    assert client.get("/territoire").status_code == 200
