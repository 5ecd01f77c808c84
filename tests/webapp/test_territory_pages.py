"""The territory pages on the hand-written fixtures: they answer, charts and sources show,
bad input is a French message on the page (400/404), never a 500."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from matcher.engine import Engine
from tests.webapp.conftest import AuthActions, count_offer_reads
from webapp import create_app
from webapp.db import get_database
from webapp.models import TagEdit
from webapp.repositories import tags


def _text(client: FlaskClient, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, url
    return response.get_data(as_text=True)


def test_potential_page(client: FlaskClient) -> None:
    html = _text(client, "/territoire?metier=D1214&territoire=departement&code=07")
    assert "Vendeur / Vendeuse en prêt-à-porter — Ardèche</h2>" in html
    assert "(D1214)" not in html and "(07)" not in html
    assert html.count('class="territory-chart"') == 2       # weekly series + départements
    assert "Calculé sur 8 offres indexées" in html
    assert "Estimation indisponible" in html
    assert "les données de démonstration sont figées" in html
    for jargon in ("docs/", "EMPLOI_", "n/a", "÷", "Kaplan"):
        assert jargon not in html, jargon


def test_potential_page_takes_names(client: FlaskClient) -> None:
    by_name = _text(client, "/territoire?metier=vendeur+en+pr%C3%AAt-%C3%A0-porter"
                            "&territoire=departement&lieu=Ard%C3%A8che")
    assert "Vendeur / Vendeuse en prêt-à-porter — Ardèche</h2>" in by_name
    around = _text(client, "/territoire?metier=Comptable&territoire=commune&lieu=Aubenas"
                           "&rayon=20")
    assert "Comptable — Aubenas et 20 km autour</h2>" in around
    region = _text(client, "/territoire?metier=D1214&territoire=region&lieu=84")
    assert "— Région 84</h2>" in region          # the fixtures have no region names file


def test_potential_page_asks_did_you_mean(client: FlaskClient) -> None:
    html = _text(client, "/territoire?metier=vendeur&territoire=departement&lieu=07", 400)
    assert "Vouliez-vous dire" in html and 'aria-invalid="true"' in html
    assert 'id="metier"' in html.split('aria-invalid="true"')[0].rsplit("<input", 1)[1]
    assert "metier_code=D1214" in html                       # a link that answers the page
    html = _text(client, "/territoire?metier=D1214&territoire=commune&lieu=Zzzville", 400)
    assert "Nous ne trouvons pas « Zzzville »" in html
    html = _text(client, "/territoire?metier=D1214&territoire=departement&lieu=Ardech", 400)
    assert "Nous ne trouvons pas « Ardech »" in html and "code=07" in html


def test_empty_form_and_errors(client: FlaskClient) -> None:
    assert "Calculer le potentiel" in _text(client, "/territoire")
    assert "Nous ne trouvons pas « B1234 »" in _text(
        client, "/territoire?metier=B1234&territoire=departement&code=07", 404)
    assert "Nous ne trouvons pas « 00000 »" in _text(
        client, "/territoire?metier=D1214&territoire=commune&code=00000", 404)
    assert "type de territoire inconnu" in _text(
        client, "/territoire?metier=D1214&territoire=pays&code=FR", 400)
    assert "non calculable" in _text(client, "/territoire?metier=A1101&territoire=commune"
                                             "&code=07186&rayon=10")


def test_reconversion_page(client: FlaskClient, auth: AuthActions) -> None:
    auth.login("counsellor")
    html = _text(client, "/territoire/reconversion?profil=P-VENDEUSE")
    assert "Vendeur / Vendeuse en articles de sport</h3>" in html and "(D1211)" not in html
    assert "Évolution possible depuis « Vendeur / Vendeuse en prêt-à-porter »" in html
    assert "score" not in html.lower().split("<main")[1]
    assert "Établir un bilan comptable" in html               # M1203's skill gap
    assert "Ajouter aux métiers visés" in html
    assert "Profil inconnu" in _text(client, "/territoire/reconversion?profil=NOPE", 404)
    assert "Profil inconnu" in _text(client, "/territoire/reconversion?profil=P-AGRI", 404)


def test_employer_page(client: FlaskClient, auth: AuthActions) -> None:
    auth.login("counsellor")
    html = _text(client, "/territoire/employeurs?offre=OF-VENTE-1")
    assert "Vivier de" in html and "correspondent fortement" in html
    html = _text(client, "/territoire/employeurs?territoire=departement&code=07")
    assert "difficile" in html
    assert "Offre inconnue" in _text(client, "/territoire/employeurs?offre=NOPE", 404)
    assert "Aucune offre indexée" in _text(
        client, "/territoire/employeurs?territoire=departement&code=26", 404)


def test_employer_page_lists_every_offer_without_reading_the_collection(
        client: FlaskClient, auth: AuthActions, engine: Engine,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The offer picker comes from the analytics snapshot, which holds the offers decoded: a
    page that read them from the collection decoded up to a thousand records each time, more
    than the collection keeps (60 s of the real-data page test)."""
    auth.login("counsellor")
    _text(client, "/territoire/employeurs")                   # builds the snapshot
    reads = count_offer_reads(engine, monkeypatch)
    html = _text(client, "/territoire/employeurs")
    assert reads == []
    picker = html.split('<select id="offre"', 1)[1].split("</select>", 1)[0]
    for offer_id in engine.offers.ids():
        assert f'<option value="{offer_id}">' in picker, offer_id
    chosen = _text(client, "/territoire/employeurs?offre=OF-VENTE-1")
    assert reads == ["OF-VENTE-1"]                            # the chosen offer alone
    assert '<option value="OF-VENTE-1" selected>' in chosen


def test_access(client: FlaskClient, auth: AuthActions) -> None:
    assert client.get("/territoire/reconversion").status_code == 302      # to the login form
    assert client.get("/territoire/employeurs").status_code == 302
    auth.login("employer")
    assert client.get("/territoire/employeurs").status_code == 403
    auth.logout()
    auth.login("seeker")                                                  # own profile only
    html = _text(client, "/territoire/reconversion")
    assert "Vendeur / Vendeuse en articles de sport" in html
    assert "Ajouter aux métiers visés" not in html


def test_counsellor_adds_a_suggested_occupation_with_audit(
        client: FlaskClient, auth: AuthActions, app: Flask) -> None:
    auth.login("counsellor")
    _text(client, "/territoire/reconversion?profil=P-VENDEUSE")      # holds the CSRF token
    response = auth.post("/territoire/reconversion/ajouter",
                         {"profil": "P-VENDEUSE", "metier": "D1211", "raison": "Piste sport"})
    assert response.status_code == 302
    [entry] = _history(app)
    assert entry.reason == "Piste sport"
    assert entry.after["rome_codes"] == ["D1214", "D1211"]
    body = client.get("/api/v1/territoire/reconversion/P-VENDEUSE").get_json()
    assert [o["code"] for o in body["origins"]] == ["D1214", "D1211"]   # the snapshot followed
    assert "D1211" not in [s["code"] for s in body["suggestions"]]
    again = auth.post("/territoire/reconversion/ajouter",
                      {"profil": "P-VENDEUSE", "metier": "D1211"}, follow_redirects=True)
    assert "fait déjà partie des métiers visés" in again.get_data(as_text=True)
    refused = auth.post("/territoire/reconversion/ajouter",
                        {"profil": "P-AGRI", "metier": "A1102"})
    assert refused.status_code == 404                                    # not assigned


def _history(app: Flask) -> list[TagEdit]:
    with get_database(app).sessions() as session:
        entries = list(tags.history(session, "P-VENDEUSE"))
        session.expunge_all()
        return entries


def test_return_to_work_with_an_outcomes_file(engine: Engine, database_url: str,
                                              tmp_path: Path) -> None:
    # 20 D1214 spells in Aubenas: 10 back to work after 30 days, 10 open and censored at the
    # extraction date (30 days too) → S(30) = 1 − 10/20 = 0.5, median 30 days.
    rows = [f"S{i},D1214,07019,2025-01-01,2025-01-31,emploi" for i in range(10)]
    rows += [f"T{i},D1214,07019,2025-01-01,," for i in range(10)]
    path = tmp_path / "spells.csv"
    path.write_text("seeker_id,rome_code,commune,start_date,end_date,exit_reason\n"
                    + "\n".join(rows) + "\n", encoding="utf-8")
    app = create_app({"TESTING": True, "ENGINE": engine, "SECRET_KEY": "test",
                      "DATABASE_URL": database_url, "OUTCOMES_FILE": str(path)})
    html = _text(app.test_client(), "/territoire?metier=D1214&territoire=departement&code=07")
    assert "Estimé sur 20 périodes de chômage de ce métier dans ce territoire, dont 10" in html
    assert "Médiane : 30 jours" in html
