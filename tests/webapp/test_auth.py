"""Logging in and out, sessions, cookies, CSRF and login throttling."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Literal

import pytest
from argon2 import PasswordHasher, Type
from flask import Flask
from flask.testing import FlaskClient

from matcher.engine import Engine
from tests.webapp.conftest import ACCOUNTS, AuthActions, bearer, csrf_token
from webapp import create_app
from webapp.db import get_database
from webapp.models import LoginAttempt, Role, User
from webapp.passwords import hash_password, hasher, token_hash, use_hasher, verify_password
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


WRONG = "mauvais-mot-de-passe"


def test_throttling_after_five_failures_per_account_and_address(client: FlaskClient,
                                                                auth: AuthActions) -> None:
    for _ in range(5):
        assert auth.login("seeker", password=WRONG).status_code == 401
    blocked = auth.login("seeker")  # even the right password waits, from this address
    assert blocked.status_code == 429
    assert "Trop de tentatives" in blocked.get_data(as_text=True)
    assert "30 secondes" in blocked.get_data(as_text=True)
    assert 0 < int(blocked.headers["Retry-After"]) <= 30


def test_one_address_cannot_lock_a_real_user_out(client: FlaskClient) -> None:
    """Before: 5 failures from an attacker's address locked the account everywhere."""
    attacker = _client_from(client, "203.0.113.66")
    for _ in range(20):
        AuthActions(attacker).login("seeker", password=WRONG)
    assert AuthActions(attacker).login("seeker").status_code == 429
    owner = _client_from(client, "198.51.100.7")
    assert AuthActions(owner).login("seeker").status_code == 302


def test_backoff_doubles_and_ends(app: Flask, client: FlaskClient, auth: AuthActions) -> None:
    for _ in range(5):
        auth.login("seeker", password=WRONG)
    assert auth.login("seeker").status_code == 429

    def age_counters(seconds: int) -> None:
        with get_database(app).sessions() as session:
            for row in session.query(LoginAttempt):
                row.last_at = row.last_at - timedelta(seconds=seconds)
            session.commit()

    age_counters(31)  # the 30 s backoff is over: one more try is checked
    assert auth.login("seeker", password=WRONG).status_code == 401
    blocked = auth.login("seeker")
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) > 30  # 60 s now
    age_counters(61)
    assert auth.login("seeker").status_code == 302  # never locked for good


def test_throttling_per_address_across_accounts(engine: Engine, database_url: str) -> None:
    app = create_app({"TESTING": True, "ENGINE": engine, "SECRET_KEY": "t",
                      "DATABASE_URL": database_url, "LOGIN_ADDRESS_MAX_FAILURES": 8})
    client = app.test_client()
    for index in range(8):
        assert client.post("/connexion", data={
            "email": f"inconnu{index}@test.example", "password": "x",
            "csrf_token": csrf_token(client)}).status_code == 401
    assert AuthActions(client).login("employer").status_code == 429
    other = _client_from(client, "10.9.8.7")
    assert AuthActions(other).login("employer").status_code == 302
    get_database(app).dispose()


def test_throttling_window_expires(engine: Engine, database_url: str) -> None:
    app = create_app({"TESTING": True, "ENGINE": engine, "SECRET_KEY": "t",
                      "DATABASE_URL": database_url, "LOGIN_WINDOW": timedelta(seconds=0)})
    auth = AuthActions(app.test_client())
    for _ in range(6):
        auth.login("seeker", password=WRONG)
    assert auth.login("seeker").status_code == 302
    get_database(app).dispose()


def test_success_clears_the_account_failures(client: FlaskClient, auth: AuthActions) -> None:
    for _ in range(4):
        auth.login("seeker", password=WRONG)
    assert auth.login("seeker").status_code == 302
    auth.logout()
    for _ in range(4):
        auth.login("seeker", password=WRONG)
    assert auth.login("seeker").status_code == 302


def test_concurrent_wrong_passwords_check_exactly_the_limit(app: Flask) -> None:
    """Before: 40 concurrent wrong passwords got 12 checked (limit 5): counting raced."""
    clients = [app.test_client() for _ in range(40)]
    tokens = [csrf_token(c) for c in clients]
    barrier = threading.Barrier(len(clients))

    def attempt(index: int) -> int:
        barrier.wait()
        return clients[index].post("/connexion", data={
            "email": ACCOUNTS["seeker"].email, "password": WRONG,
            "csrf_token": tokens[index]}).status_code

    with ThreadPoolExecutor(max_workers=len(clients)) as pool:
        statuses = list(pool.map(attempt, range(len(clients))))
    assert statuses.count(401) == 5, statuses
    assert statuses.count(429) == 35, statuses


class CountingHasher(PasswordHasher):
    """A cheap argon2 hasher that counts verifications."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=1024, parallelism=1)
        self.verifications = 0

    def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
        self.verifications += 1
        return super().verify(hash, password)


def test_every_checked_login_costs_one_argon2_verification(client: FlaskClient) -> None:
    """Before: an unknown address answered at once (5 ms), a known one after argon2 (300-500
    ms), which told who has an account."""
    previous = hasher()
    counting = CountingHasher()
    use_hasher(counting)
    try:
        for email in ("personne@test.example", ACCOUNTS["seeker"].email,
                      ACCOUNTS["seeker2"].email):
            before = counting.verifications
            response = client.post("/connexion", data={
                "email": email, "password": WRONG, "csrf_token": csrf_token(client)})
            assert response.status_code == 401
            assert counting.verifications - before == 1, email
    finally:
        use_hasher(previous)


def test_forwarded_for_is_ignored_unless_proxies_are_trusted(engine: Engine,
                                                             database_url: str) -> None:
    def failures_then_login(app: Flask) -> int:
        client = app.test_client()
        for _ in range(5):
            client.post("/connexion", headers={"X-Forwarded-For": "192.0.2.1"}, data={
                "email": ACCOUNTS["seeker"].email, "password": WRONG,
                "csrf_token": csrf_token(client)})
        return int(client.post("/connexion", headers={"X-Forwarded-For": "192.0.2.2"}, data={
            "email": ACCOUNTS["seeker"].email, "password": ACCOUNTS["seeker"].password,
            "csrf_token": csrf_token(client)}).status_code)

    untrusted = create_app({"TESTING": True, "ENGINE": engine, "SECRET_KEY": "t",
                            "DATABASE_URL": database_url})
    assert failures_then_login(untrusted) == 429  # a client cannot pick its address
    get_database(untrusted).dispose()
    trusted = create_app({"TESTING": True, "ENGINE": engine, "SECRET_KEY": "t",
                          "DATABASE_URL": database_url, "TRUSTED_PROXIES": 1})
    with get_database(trusted).sessions() as session:
        session.query(LoginAttempt).delete()
        session.commit()
    assert failures_then_login(trusted) == 302  # behind one proxy: the real client address
    get_database(trusted).dispose()


@pytest.mark.parametrize("target", ["/\t/evil.test", "//evil.test", "/\\evil.test",
                                    "/\n/x", "https://evil.test", " /x",
                                    "/x\r\nSet-Cookie: a=b", "/%09/evil.test", "/%0A/x"])
def test_next_never_leaves_the_site(client: FlaskClient, target: str) -> None:
    """Before: next=/%09/evil.test (a tab once decoded) answered Location: //evil.test and
    next=/%0A/x (a newline) a 500. A percent-encoded target stays a path of this site."""
    def leaves_the_site(location: str) -> bool:
        cleaned = "".join(c for c in location if c not in "\t\n\r")  # as browsers do
        return (cleaned.startswith(("//", "/\\")) or "://" in cleaned
                or any(ord(c) < 32 for c in location))

    response = client.post("/connexion", query_string={"next": target}, data={
        "email": ACCOUNTS["seeker"].email, "password": ACCOUNTS["seeker"].password,
        "csrf_token": csrf_token(client)})
    assert response.status_code == 302
    assert not leaves_the_site(response.headers["Location"]), response.headers["Location"]
    again = client.get("/connexion", query_string={"next": target})  # signed in already
    assert again.status_code == 302
    assert not leaves_the_site(again.headers["Location"])


def test_a_copied_session_cookie_dies_with_the_logout(client: FlaskClient,
                                                      auth: AuthActions) -> None:
    """Before: a cookie copied before logout still opened the pages after it."""
    auth.login("seeker")
    copied = client.get_cookie("session")
    assert copied is not None
    auth.logout()
    thief = client.application.test_client()
    thief.set_cookie("session", copied.value)
    assert thief.get("/chercheur").status_code == 302  # to the login page


def test_password_change_revokes_api_tokens(client: FlaskClient, auth: AuthActions,
                                           token: dict[str, str]) -> None:
    """Before: API tokens survived a password change."""
    assert client.get("/api/v1/me", headers=bearer(token["seeker"])).status_code == 200
    auth.login("seeker")
    copied = client.get_cookie("session")
    assert copied is not None
    page = client.get("/compte").get_data(as_text=True)
    assert "révoque tous vos jetons" in page
    response = auth.post("/compte/mot-de-passe", {"current": ACCOUNTS["seeker"].password,
                                                  "new": "un-nouveau-mot-de-passe"},
                         follow_redirects=True)
    assert "vos 1 jeton(s)" in response.get_data(as_text=True)
    assert client.get("/api/v1/me", headers=bearer(token["seeker"])).status_code == 401
    old = client.application.test_client()
    old.set_cookie("session", copied.value)
    assert old.get("/chercheur").status_code == 302
    assert client.get("/chercheur").status_code == 200  # this browser goes on


def test_a_junk_bearer_header_does_not_skip_the_csrf_check(client: FlaskClient,
                                                           auth: AuthActions) -> None:
    """Before: ``Authorization: Bearer junk`` exempted page forms from the CSRF check."""
    auth.login("seeker")
    response = client.post("/compte/jetons", data={"name": "x"},
                           headers={"Authorization": "Bearer junk"})
    assert response.status_code == 400
    assert "formulaire a expiré" in response.get_data(as_text=True)
    api = client.post("/api/v1/profiles/P-VENDEUSE/preview", json={},
                      headers={"Authorization": "Bearer junk"})
    assert api.status_code == 401  # on the API, only a valid token is a credential


def test_a_temporary_password_must_be_replaced_first(app: Flask, client: FlaskClient) -> None:
    with get_database(app).sessions() as session:
        users.create_user(session, "nouveau@test.example", Role.EMPLOYER,
                          "mot-de-passe-provisoire", temporary=True)
        session.commit()
    response = client.post("/connexion", data={
        "email": "nouveau@test.example", "password": "mot-de-passe-provisoire",
        "csrf_token": csrf_token(client)})
    assert response.status_code == 302
    assert client.get("/employeur").headers["Location"] == "/compte"
    assert client.get("/api/v1/me", headers={"X-CSRF-Token": csrf_token(client)}
                      ).status_code == 403
    auth = AuthActions(client)
    assert auth.post("/compte/jetons", {"name": "x"}).status_code == 302  # held on /compte
    assert auth.post("/compte/mot-de-passe", {"current": "mot-de-passe-provisoire",
                                              "new": "mon-propre-mot-de-passe"}
                     ).status_code == 302
    assert client.get("/employeur").status_code == 200


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
