"""Error pages and JSON errors, including 503 when a backend is unavailable."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from indexer.models import Offer, Profile
from indexer.stores.errors import BackendUnavailable
from tests.webapp.conftest import AuthActions, bearer
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
