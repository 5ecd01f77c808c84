"""Error pages and JSON errors, including 503 when a backend is unavailable."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from indexer.models import Offer, Profile
from indexer.stores.errors import BackendUnavailable
from tests.webapp.conftest import AuthActions, bearer, csrf_token
from webapp import create_app
from webapp.db import get_database


def _unavailable(*args: Any, **kwargs: Any) -> Any:
    raise BackendUnavailable("OpenSearch ne répond pas")


def test_html_404_page(client: FlaskClient) -> None:
    response = client.get("/nulle-part")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "Page introuvable" in html and '<html lang="fr">' in html


def test_backend_unavailable_is_503(client: FlaskClient, auth: AuthActions,
                                    token: dict[str, str], engine: Any, profile: Profile,
                                    offer: Offer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "offers_for_profile", _unavailable)
    monkeypatch.setattr(engine, "candidates_for_offer", _unavailable)
    api = client.get(f"/api/v1/profiles/{profile.id}/offers", headers=bearer(token["seeker"]))
    assert api.status_code == 503 and api.is_json
    assert "indisponible" in api.get_json()["error"]
    assert api.headers["Retry-After"] == "30"
    auth.login("employer")
    page = client.get(f"/employeur?offre={offer.id}")
    assert page.status_code == 503
    assert "indisponible" in page.get_data(as_text=True)
    assert page.mimetype == "text/html"


def test_unhandled_error_is_500_without_details(engine: Any, database_url: str,
                                                token: dict[str, str],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(engine, "offers_for_profile", boom)
    app = create_app({"ENGINE": engine, "DATABASE_URL": database_url, "SECRET_KEY": "t",
                      "SESSION_COOKIE_SECURE": False})
    client = app.test_client()
    api = client.get("/api/v1/profiles/P-VENDEUSE/offers", headers=bearer(token["seeker"]))
    assert api.status_code == 500 and api.is_json
    assert "secret" not in api.get_data(as_text=True)
    AuthActions(client).login("seeker")
    page = client.get("/chercheur")
    assert page.status_code == 500
    assert "secret" not in page.get_data(as_text=True)
    assert "Erreur interne" in page.get_data(as_text=True)
    get_database(app).dispose()


def test_forbidden_page_is_french(client: FlaskClient, auth: AuthActions) -> None:
    auth.login("seeker")
    response = client.get("/employeur")
    assert response.status_code == 403
    assert "Accès refusé" in response.get_data(as_text=True)


HUGE_ID = 2**63


@pytest.mark.parametrize(("name", "method", "url"), [
    ("seeker", "post", f"/chercheur/contacts/{HUGE_ID}"),
    ("counsellor", "post", f"/conseiller/annuler/{HUGE_ID}"),
    ("employer", "post", f"/compte/jetons/{HUGE_ID}/revoquer"),
    ("admin", "post", f"/admin/utilisateurs/{HUGE_ID}/actif"),
    ("admin", "post", f"/admin/utilisateurs/{10**30}/lien"),
])
def test_ids_beyond_the_database_range_are_404(client: FlaskClient, auth: AuthActions,
                                               name: str, method: str, url: str) -> None:
    """Before: ``<int:…>`` ids ≥ 2**63 overflowed the database driver (500)."""
    auth.login(name)
    assert auth.post(url, {"profil": "P-VENDEUSE"}).status_code == 404


def test_api_ids_beyond_the_database_range_are_404(client: FlaskClient,
                                                   token: dict[str, str]) -> None:
    response = client.post(f"/api/v1/contact-requests/{HUGE_ID}/answer",
                           headers=bearer(token["seeker"]), json={"accept": True})
    assert response.status_code == 404 and response.is_json


def test_405_says_which_methods_are_allowed(client: FlaskClient) -> None:
    """Before: the error handler dropped the ``Allow`` header of a 405."""
    page = client.put("/connexion", headers={"X-CSRF-Token": csrf_token(client)})
    assert page.status_code == 405
    assert set(page.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}
    api = client.delete("/api/v1/search")
    assert api.status_code == 405 and api.is_json
    assert "GET" in api.headers["Allow"]


@pytest.mark.parametrize("body", ["[" * 100_000 + "]" * 100_000,
                                  '{"a":' * 50_000 + "1" + "}" * 50_000,
                                  '{"add_skills": ' + "[" * 40 + "]" * 40 + "}"])
def test_deeply_nested_json_is_a_clear_400(client: FlaskClient, token: dict[str, str],
                                           body: str) -> None:
    """Before: a 100,000-deep JSON body hit Python's recursion limit (500)."""
    response = client.post("/api/v1/profiles/P-VENDEUSE/preview", data=body,
                           content_type="application/json",
                           headers=bearer(token["counsellor"]))
    assert response.status_code == 400
    assert "imbriqué" in response.get_json()["error"]


def test_strings_with_brackets_are_not_nesting(client: FlaskClient,
                                               token: dict[str, str]) -> None:
    response = client.post("/api/v1/profiles/P-VENDEUSE/preview",
                           headers=bearer(token["counsellor"]),
                           json={"add_skills": [{"label": '[[{"\\' * 40}]})
    assert response.status_code == 200


def test_request_bodies_are_bounded(client: FlaskClient, token: dict[str, str]) -> None:
    response = client.post("/api/v1/profiles/P-VENDEUSE/preview",
                           data=b'{"remove_skills": ["' + b"x" * (2 * 1024 * 1024) + b'"]}',
                           content_type="application/json",
                           headers=bearer(token["counsellor"]))
    assert response.status_code == 413 and response.is_json


@pytest.mark.parametrize("email", ['x"><script>alert(1)</script>@demo.test', "a b@demo.test",
                                   "sans-arobase.demo.test", "a@b", "a@demo..test",
                                   "<a@demo.test>", "a@demo.test\nBcc: b@demo.test"])
def test_admin_refuses_malformed_emails(client: FlaskClient, auth: AuthActions,
                                        email: str) -> None:
    """Before: the admin form accepted ``x"><script>…@demo.test``."""
    auth.login("admin")
    response = auth.post("/admin/utilisateurs", {"email": email, "role": "employer"})
    assert response.status_code == 400
    assert "adresse électronique invalide" in response.get_data(as_text=True)
    assert "<script>alert(1)" not in response.get_data(as_text=True)
