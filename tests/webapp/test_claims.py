"""Administrators never reach a seeker's data: no seeker linking by the administrator, a
temporary password for the accounts they create, and one-time claim codes from counsellors."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from tests.webapp.conftest import AuthActions, csrf_token
from webapp.db import get_database
from webapp.models import ClaimCode
from webapp.repositories import ownership, users


def _html(response: object) -> str:
    return str(response.get_data(as_text=True))  # type: ignore[attr-defined]


def _create_account(auth: AuthActions, email: str, role: str) -> str:
    """Create an account on the admin page; return its temporary password."""
    auth.login("admin")
    html = _html(auth.post("/admin/utilisateurs", {"email": email, "role": role}))
    return html.split('<code class="token">')[1].split("</code>")[0]


def _sign_in(client: FlaskClient, email: str, password: str) -> int:
    return client.post("/connexion", data={"email": email, "password": password,
                                           "csrf_token": csrf_token(client)}).status_code


def test_an_admin_cannot_give_a_seeker_account_someones_profile(
        app: Flask, client: FlaskClient, auth: AuthActions) -> None:
    """Before: admin creates a seeker, links it to P-VENDEUSE (unclaimed after erasure or
    never claimed), signs in with the password they chose and downloads the person's data."""
    password = _create_account(auth, "espion@test.example", "seeker")
    with get_database(app).sessions() as session:
        spy = users.by_email(session, "espion@test.example")
        assert spy is not None
        spy_id = spy.id
    response = auth.post(f"/admin/utilisateurs/{spy_id}/lien", {"target": "P-COMPTA"})
    assert response.status_code == 400
    assert "code de rattachement" in _html(response)
    with get_database(app).sessions() as session:
        spy = users.by_email(session, "espion@test.example")
        assert spy is not None and ownership.profile_of(session, spy) is None
    auth.logout()
    assert _sign_in(client, "espion@test.example", password) == 302
    export = client.get("/chercheur/donnees")
    assert export.status_code == 302 and export.headers["Location"] == "/compte"


def test_a_counsellor_code_links_the_seeker_once(app: Flask, client: FlaskClient,
                                                 auth: AuthActions) -> None:
    password = _create_account(auth, "nouvelle@test.example", "seeker")
    auth.logout()
    auth.login("counsellor")  # follows P-COMPTA, which has no account
    page = _html(auth.post("/conseiller/code", {"profil": "P-COMPTA"}))
    code = re.search(r'<code class="token">([A-Z0-9-]+)</code>', page)
    assert code is not None and len(code.group(1)) == 14
    with get_database(app).sessions() as session:
        stored = session.query(ClaimCode).one()
        assert code.group(1).replace("-", "") not in stored.code_hash  # only a hash is kept
    auth.logout()
    assert _sign_in(client, "nouvelle@test.example", password) == 302
    auth.post("/compte/mot-de-passe", {"current": password, "new": "mon-mot-de-passe-a-moi"})
    wrong = auth.post("/chercheur/rattacher", {"code": "AAAA-BBBB-CCCC"})
    assert wrong.status_code == 400 and "Code inconnu" in _html(wrong)
    typed = code.group(1).lower().replace("-", " ")  # as a person may type it
    assert auth.post("/chercheur/rattacher", {"code": typed}).status_code == 302
    assert "P-COMPTA" in _html(client.get("/chercheur/donnees"))
    with get_database(app).sessions() as session:
        assert session.query(ClaimCode).count() == 0  # used up
    auth.logout()
    auth.login("counsellor")
    again = auth.post("/conseiller/code", {"profil": "P-COMPTA"})
    assert again.status_code == 409  # the profile has its account now


def test_claim_codes_are_only_for_assigned_profiles(client: FlaskClient,
                                                    auth: AuthActions) -> None:
    auth.login("counsellor2")
    assert auth.post("/conseiller/code", {"profil": "P-COMPTA"}).status_code == 404
    auth.login("admin")
    assert auth.post("/conseiller/code", {"profil": "P-COMPTA"}).status_code == 403


def test_guessing_claim_codes_is_throttled(client: FlaskClient, auth: AuthActions) -> None:
    password = _create_account(auth, "devine@test.example", "seeker")
    auth.logout()
    _sign_in(client, "devine@test.example", password)
    auth.post("/compte/mot-de-passe", {"current": password, "new": "mon-mot-de-passe-a-moi"})
    for _ in range(5):
        assert auth.post("/chercheur/rattacher", {"code": "ZZZZ-ZZZZ-ZZZZ"}).status_code == 400
    assert auth.post("/chercheur/rattacher", {"code": "ZZZZ-ZZZZ-ZZZZ"}).status_code == 429
