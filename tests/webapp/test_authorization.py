"""Every route checks who asks: each role tries the others' pages and objects, page and API."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.webapp.conftest import AuthActions, bearer

# (role allowed, URL). Everyone else must get 403 (other role) or 404 (other owner).
PAGES = [
    ("seeker", "/chercheur"), ("seeker", "/chercheur/profil"), ("seeker", "/chercheur/contacts"),
    ("seeker", "/chercheur/donnees"), ("seeker", "/chercheur/effacer"),
    ("employer", "/employeur"), ("employer", "/employeur/contacts"),
    ("employer", "/employeur?offre=OF-VENTE-1"),
    ("counsellor", "/conseiller"), ("counsellor", "/conseiller?profil=P-VENDEUSE"),
    ("admin", "/admin/utilisateurs"),
    ("seeker", "/chercheur/messages"), ("employer", "/employeur/messages"),
    ("counsellor", "/conseiller/messages"), ("counsellor", "/conseiller/employeurs"),
]
ROLES = ("seeker", "employer", "counsellor", "admin")


def test_every_view_declares_who_may_use_it(app: Flask) -> None:
    undeclared = []
    for endpoint, view in app.view_functions.items():
        if endpoint == "static":
            continue
        if not (getattr(view, "public", False) or hasattr(view, "allowed_roles")):
            undeclared.append(endpoint)
    assert undeclared == []


@pytest.mark.parametrize(("owner", "url"), PAGES)
def test_pages_of_other_roles_are_403(client: FlaskClient, auth: AuthActions, owner: str,
                                      url: str) -> None:
    assert client.get(url).status_code == 302  # anonymous: to the login page
    for role in ROLES:
        auth.login(role)
        status = client.get(url).status_code
        assert status == (200 if role == owner else 403), (role, url, status)
        auth.logout()


@pytest.mark.parametrize(("name", "url"), [
    ("employer2", "/employeur?offre=OF-VENTE-1"),
    ("counsellor2", "/conseiller?profil=P-VENDEUSE"),
    ("counsellor", "/conseiller?profil=P-AGRI"),
    ("counsellor", "/conseiller?profil=P-VENDEUR"),  # exists, assigned to nobody
])
def test_objects_of_another_owner_are_404(client: FlaskClient, auth: AuthActions, name: str,
                                          url: str) -> None:
    auth.login(name)
    assert client.get(url).status_code == 404


def test_forms_on_objects_of_another_owner_are_404(client: FlaskClient,
                                                   auth: AuthActions) -> None:
    auth.login("employer")
    pseudonym_form = {"offre": "OF-VENTE-1", "candidat": "C-00000000"}
    assert auth.post("/employeur/contacts", pseudonym_form).status_code == 404
    auth.login("employer2")
    assert auth.post("/employeur/contacts", {**pseudonym_form, "candidat": "x"}
                     ).status_code == 404
    auth.login("counsellor2")
    assert auth.post("/conseiller", {"profil": "P-VENDEUSE", "action": "enregistrer",
                                     "raison": "x", "nouvelle": "Accueil"}).status_code == 404
    assert auth.post("/conseiller/annuler/1", {"profil": "P-VENDEUSE"}).status_code == 404
    auth.login("seeker2")
    assert auth.post("/chercheur/contacts/1", {"decision": "accepter"}).status_code == 404


def test_admin_actions_are_admin_only(client: FlaskClient, auth: AuthActions) -> None:
    for role in ("seeker", "employer", "counsellor"):
        auth.login(role)
        assert auth.post("/admin/utilisateurs", {"email": "x@y.z", "role": "admin"}
                         ).status_code == 403
        assert auth.post("/admin/utilisateurs/1/actif").status_code == 403


API = [  # (roles allowed, method, URL, JSON body)
    (("seeker", "counsellor"), "GET", "/api/v1/profiles/P-VENDEUSE", None),
    (("seeker", "counsellor"), "GET", "/api/v1/profiles/P-VENDEUSE/offers", None),
    (("seeker", "counsellor"), "GET", "/api/v1/profiles/P-VENDEUSE/tag-edits", None),
    (("counsellor",), "POST", "/api/v1/profiles/P-VENDEUSE/preview", {}),
    (("counsellor",), "POST", "/api/v1/profiles/P-VENDEUSE/tags",
     {"reason": "test", "weights": {"100010": 2}}),
    (("employer",), "GET", "/api/v1/offers", None),
    (("employer",), "GET", "/api/v1/offers/OF-VENTE-1/candidates", None),
    (("employer", "seeker"), "GET", "/api/v1/contact-requests", None),
    (("seeker",), "GET", "/api/v1/me/export", None),
    (("admin",), "GET", "/api/v1/users", None),
    (("counsellor",), "GET", "/api/v1/inbox/messages", None),
    (("seeker", "employer"), "GET", "/api/v1/messages", None),
    (("seeker", "counsellor"), "GET", "/api/v1/diagnosis/seekers/P-VENDEUSE", None),
    (("employer", "counsellor"), "GET", "/api/v1/diagnosis/offers/OF-VENTE-1", None),
]
API_ROLES = ("seeker", "seeker2", "employer", "employer2", "counsellor", "counsellor2", "admin")
OWNERS = {"seeker", "employer", "counsellor", "admin"}


@pytest.mark.parametrize(("allowed", "method", "url", "body"), API)
def test_api_objects_and_roles(client: FlaskClient, token: dict[str, str],
                               allowed: tuple[str, ...], method: str, url: str,
                               body: object) -> None:
    assert client.open(url, method=method, json=body).status_code == 401
    for name in API_ROLES:
        role = name.rstrip("2")
        response = client.open(url, method=method, json=body, headers=bearer(token[name]))
        if role not in allowed:
            expected = {403}
        elif name in OWNERS or url in ("/api/v1/offers", "/api/v1/contact-requests",
                                       "/api/v1/me/export", "/api/v1/inbox/messages",
                                       "/api/v1/messages"):
            expected = {200, 201}
        else:
            expected = {404}  # same role, other owner
        assert response.status_code in expected, (name, url, response.get_json())


def test_api_objects_of_another_owner(client: FlaskClient, token: dict[str, str]) -> None:
    assert client.get("/api/v1/offers/OF-AGRI-1/candidates",
                      headers=bearer(token["employer"])).status_code == 404
    assert client.get("/api/v1/profiles/P-AGRI", headers=bearer(token["seeker"])
                      ).status_code == 404
    assert client.post("/api/v1/profiles/P-AGRI/tag-edits/1/undo",
                       headers=bearer(token["counsellor"])).status_code == 404
    assert client.post("/api/v1/contact-requests/1/answer", json={"accept": True},
                       headers=bearer(token["seeker"])).status_code == 404


def test_undeclared_views_default_to_counsellors(app: Flask, client: FlaskClient,
                                                 auth: AuthActions) -> None:
    @app.get("/non-declaree/<profile_id>")
    def undeclared(profile_id: str) -> str:
        return "ok"

    assert client.get("/non-declaree/P-VENDEUSE").status_code == 302
    auth.login("employer")
    assert client.get("/non-declaree/P-VENDEUSE").status_code == 403
    auth.login("counsellor")
    assert client.get("/non-declaree/P-VENDEUSE").status_code == 200
    assert client.get("/non-declaree/P-AGRI").status_code == 404
