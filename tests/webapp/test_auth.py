"""Logging in and out, sessions, cookies, CSRF and login throttling."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher, Type
from flask import Flask
from flask.testing import FlaskClient

from matcher.engine import Engine
from tests.webapp.conftest import ACCOUNTS, AuthActions, csrf_token
from webapp import create_app
from webapp.db import get_database
from webapp.models import User
from webapp.passwords import hash_password, token_hash, verify_password
from webapp.repositories import users


def _client_from(client: FlaskClient, address: str) -> FlaskClient:
    """Another client of the same app, from another address."""
    other = client.application.test_client()
    other.environ_base["REMOTE_ADDR"] = address
    return other


def test_login_lands_on_the_role_home(client: FlaskClient, auth: AuthActions) -> None:
    homes = {"seeker": "/chercheur", "employer": "/employeur", "counsellor": "/conseiller",
             "admin": "/admin/utilisateurs"}
    for name, home in homes.items():
        auth.logout()
        response = auth.login(name)
        assert response.status_code == 302, name
        assert response.headers["Location"] == home


def test_login_follows_a_local_next_only(client: FlaskClient, auth: AuthActions) -> None:
    response = client.post("/connexion?next=/chercheur/profil", data={
        "email": ACCOUNTS["seeker"].email, "password": ACCOUNTS["seeker"].password,
        "csrf_token": csrf_token(client)})
    assert response.headers["Location"] == "/chercheur/profil"
    auth.logout()
    response = client.post("/connexion?next=//evil.example/x", data={
        "email": ACCOUNTS["seeker"].email, "password": ACCOUNTS["seeker"].password,
        "csrf_token": csrf_token(client)})
    assert response.headers["Location"] == "/chercheur"


def test_anonymous_page_redirects_to_login(client: FlaskClient) -> None:
    response = client.get("/chercheur/profil")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/connexion?next=/chercheur/profil")


def test_wrong_password_is_refused_without_saying_which_part(client: FlaskClient,
                                                             auth: AuthActions) -> None:
    wrong = auth.login("seeker", password="pas-le-bon-mot-de-passe")
    unknown = client.post("/connexion", data={"email": "personne@test.example",
                                              "password": "x", "csrf_token": csrf_token(client)})
    assert wrong.status_code == unknown.status_code == 401
    assert "incorrect" in wrong.get_data(as_text=True)
    assert client.get("/chercheur").status_code == 302


def test_logout_ends_the_session(client: FlaskClient, auth: AuthActions) -> None:
    auth.login("seeker")
    assert client.get("/chercheur").status_code == 200
    auth.logout()
    assert client.get("/chercheur").status_code == 302


def test_throttling_after_five_failures_per_account(client: FlaskClient,
                                                    auth: AuthActions) -> None:
    for _ in range(5):
        assert auth.login("seeker", password="mauvais-mot-de-passe").status_code == 401
    blocked = auth.login("seeker")  # even the right password waits
    assert blocked.status_code == 429
    assert "Trop de tentatives" in blocked.get_data(as_text=True)
    assert "15 minutes" in blocked.get_data(as_text=True)


def test_throttling_per_address_across_accounts(client: FlaskClient, auth: AuthActions) -> None:
    for index in range(5):
        client.post("/connexion", data={"email": f"inconnu{index}@test.example",
                                        "password": "x", "csrf_token": csrf_token(client)})
    assert auth.login("employer").status_code == 429
    other = _client_from(client, "10.9.8.7")
    assert AuthActions(other).login("employer").status_code == 302


def test_throttling_window_expires(engine: Engine, database_url: str) -> None:
    app = create_app({"TESTING": True, "ENGINE": engine, "SECRET_KEY": "t",
                      "DATABASE_URL": database_url, "LOGIN_WINDOW": timedelta(seconds=0)})
    auth = AuthActions(app.test_client())
    for _ in range(6):
        auth.login("seeker", password="mauvais-mot-de-passe")
    assert auth.login("seeker").status_code == 302
    get_database(app).dispose()


def test_success_clears_the_account_failures(client: FlaskClient, auth: AuthActions) -> None:
    for _ in range(4):
        auth.login("seeker", password="mauvais-mot-de-passe")
    assert auth.login("seeker").status_code == 302
    auth.logout()
    other = _client_from(client, "10.1.1.1")
    for _ in range(4):
        AuthActions(other).login("seeker", password="mauvais-mot-de-passe")
    assert AuthActions(other).login("seeker").status_code == 302


def test_session_cookie_flags(engine: Engine, database_url: str) -> None:
    app = create_app({"ENGINE": engine, "SECRET_KEY": "t", "DATABASE_URL": database_url})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    client = app.test_client()
    response = client.get("/connexion")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie
    get_database(app).dispose()


def test_cookie_security_is_configurable(engine: Engine, database_url: str) -> None:
    app = create_app({"ENGINE": engine, "SECRET_KEY": "t", "DATABASE_URL": database_url,
                      "SESSION_COOKIE_SECURE": False})
    assert app.config["SESSION_COOKIE_SECURE"] is False
    get_database(app).dispose()


def test_post_without_csrf_token_is_refused(client: FlaskClient, auth: AuthActions) -> None:
    account = ACCOUNTS["seeker"]
    response = client.post("/connexion", data={"email": account.email,
                                               "password": account.password})
    assert response.status_code == 400
    assert "formulaire a expiré" in response.get_data(as_text=True)
    auth.login("counsellor")
    for url, data in [("/conseiller", {"profil": "P-VENDEUSE", "action": "enregistrer",
                                       "raison": "x", "nouvelle": "Accueil"}),
                      ("/deconnexion", {}), ("/compte/jetons", {"name": "x"})]:
        assert client.post(url, data=data).status_code == 400, url
        bad = client.post(url, data={**data, "csrf_token": "faux"})
        assert bad.status_code == 400, url
    assert client.get("/conseiller").status_code == 200  # still signed in


def test_api_post_with_session_needs_csrf_header(client: FlaskClient, auth: AuthActions) -> None:
    auth.login("counsellor")
    url = "/api/v1/profiles/P-VENDEUSE/preview"
    assert client.post(url, json={}).status_code == 400
    ok = client.post(url, json={}, headers={"X-CSRF-Token": csrf_token(client)})
    assert ok.status_code == 200


def test_password_change_ends_other_sessions(app: Flask, client: FlaskClient,
                                             auth: AuthActions) -> None:
    other = app.test_client()
    AuthActions(other).login("seeker")
    auth.login("seeker")
    response = auth.post("/compte/mot-de-passe", {"current": ACCOUNTS["seeker"].password,
                                                  "new": "un-nouveau-mot-de-passe"})
    assert response.status_code == 302
    assert client.get("/chercheur").status_code == 200
    assert other.get("/chercheur").status_code == 302


def test_password_change_checks_current_and_length(client: FlaskClient,
                                                   auth: AuthActions) -> None:
    auth.login("seeker")
    assert auth.post("/compte/mot-de-passe", {"current": "faux", "new": "x" * 20}
                     ).status_code == 400
    assert auth.post("/compte/mot-de-passe", {"current": ACCOUNTS["seeker"].password,
                                              "new": "court"}).status_code == 400


def test_deactivated_account_cannot_log_in(app: Flask, auth: AuthActions) -> None:
    with get_database(app).sessions() as session:
        user = users.by_email(session, ACCOUNTS["seeker2"].email)
        assert user is not None
        user.active = False
        session.commit()
    assert auth.login("seeker2").status_code == 401


def test_passwords_are_argon2id_hashes(app: Flask) -> None:
    with get_database(app).sessions() as session:
        user = session.query(User).filter_by(email=ACCOUNTS["admin"].email).one()
        assert user.password_hash.startswith("$argon2id$")
        assert ACCOUNTS["admin"].password not in user.password_hash
    production = PasswordHasher()
    assert production.type is Type.ID and production.memory_cost >= 64 * 1024
    hashed = hash_password("correct horse battery staple")
    assert verify_password(hashed, "correct horse battery staple")
    assert not verify_password(hashed, "wrong")
    assert not verify_password(None, "anything")
    assert not verify_password("not-a-hash", "anything")


def test_tokens_are_stored_hashed(app: Flask, client: FlaskClient, auth: AuthActions) -> None:
    auth.login("employer")
    html = auth.post("/compte/jetons", {"name": "mon script"}).get_data(as_text=True)
    token = html.split('<code class="token">')[1].split("</code>")[0]
    assert token.startswith("ie_")
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}
                      ).get_json()["role"] == "employer"
    with get_database(app).sessions() as session:
        user = users.by_email(session, ACCOUNTS["employer"].email)
        assert user is not None
        stored = users.active_tokens(session, user)
        assert [t.token_hash for t in stored] == [token_hash(token)]
        token_id = stored[0].id
    assert auth.post(f"/compte/jetons/{token_id}/revoquer").status_code == 302
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}
                      ).status_code == 401


def test_someone_elses_token_cannot_be_revoked(app: Flask, auth: AuthActions,
                                               token: dict[str, str]) -> None:
    auth.login("employer2")
    with get_database(app).sessions() as session:
        user = users.by_email(session, ACCOUNTS["employer"].email)
        assert user is not None
        token_id = users.active_tokens(session, user)[0].id
    assert auth.post(f"/compte/jetons/{token_id}/revoquer").status_code == 404


def test_token_use_is_recorded_to_the_minute(app: Flask, token: dict[str, str],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """A token's "last used" time is written on first use, then at most once a minute."""
    clock = [datetime(2026, 11, 28, 12, 0, tzinfo=UTC)]
    monkeypatch.setattr(users, "utc_now", lambda: clock[0])

    def last_used() -> datetime | None:
        with get_database(app).sessions() as session:
            user = users.by_email(session, ACCOUNTS["seeker"].email)
            assert user is not None
            moment = users.active_tokens(session, user)[0].last_used_at
            return None if moment is None else moment.replace(tzinfo=UTC)

    def use() -> None:
        with get_database(app).sessions() as session:
            assert users.user_for_token(session, token["seeker"]) is not None

    assert last_used() is None
    use()
    assert last_used() == clock[0]
    clock[0] += timedelta(seconds=30)
    use()
    assert last_used() == clock[0] - timedelta(seconds=30)  # not written again
    clock[0] += timedelta(seconds=31)
    use()
    assert last_used() == clock[0]
