"""A test client that signs in as whichever role a URL is for, for tests outside
``tests/webapp`` that walk the pages and the API of an engine (e.g. on OpenSearch).

It creates a throw-away SQLite database with a seeker linked to ``profile_id``, a counsellor
following it and an employer owning ``offer_id``; page URLs are fetched with the matching
signed-in session, API URLs with the matching bearer token.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from matcher.engine import Engine
from webapp import create_app
from webapp.db import get_database
from webapp.models import Role
from webapp.passwords import use_hasher
from webapp.repositories import ownership, users

PASSWORD = "mot-de-passe-de-test"
PAGE_ROLES = (("/chercheur", Role.SEEKER), ("/employeur", Role.EMPLOYER),
              ("/conseiller", Role.COUNSELLOR))


class RoleClient:
    """Routes each request to a client signed in with the role its URL needs."""

    def __init__(self, engine: Engine, profile_id: str, offer_id: str) -> None:
        use_hasher(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
        folder = Path(tempfile.mkdtemp(prefix="emploi-roles-"))
        self.app: Flask = create_app({"ENGINE": engine, "TESTING": True, "SECRET_KEY": "test",
                                      "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}"})
        self.tokens: dict[Role, str] = {}
        self.clients: dict[Role, FlaskClient] = {}
        with get_database(self.app).sessions() as session:
            for role in (Role.SEEKER, Role.EMPLOYER, Role.COUNSELLOR):
                user = users.create_user(session, f"{role.value}@test.example", role, PASSWORD)
                if role is Role.SEEKER:
                    ownership.link_seeker(session, user, profile_id)
                elif role is Role.EMPLOYER:
                    ownership.give_offer(session, user, offer_id)
                else:
                    ownership.assign(session, user, profile_id)
                _row, self.tokens[role] = users.create_token(session, user, "test")
            session.commit()
        self.anonymous = self.app.test_client()

    def _signed_in(self, role: Role) -> FlaskClient:
        if role not in self.clients:
            client = self.app.test_client()
            client.get("/connexion")
            with client.session_transaction() as session:
                token = session["csrf_token"]
            client.post("/connexion", data={"email": f"{role.value}@test.example",
                                            "password": PASSWORD, "csrf_token": token})
            self.clients[role] = client
        return self.clients[role]

    def _api_role(self, method: str, url: str) -> Role:
        if url.startswith("/api/v1/offers"):
            return Role.EMPLOYER
        if method == "POST" or url.startswith("/api/v1/taxonomy"):
            return Role.COUNSELLOR
        return Role.SEEKER

    def get(self, url: str) -> TestResponse:
        """GET ``url`` as the role it is for (public pages anonymously)."""
        if url.startswith("/api/"):
            return self.anonymous.get(url, headers=self._bearer("GET", url))
        for prefix, role in PAGE_ROLES:
            if url.startswith(prefix):
                return self._signed_in(role).get(url)
        return self.anonymous.get(url)

    def post(self, url: str, **kwargs: Any) -> TestResponse:
        """POST to ``url`` as the role it is for (forms get the CSRF token)."""
        if url.startswith("/api/"):
            return self.anonymous.post(url, headers=self._bearer("POST", url), **kwargs)
        role = next(role for prefix, role in PAGE_ROLES if url.startswith(prefix))
        client = self._signed_in(role)
        with client.session_transaction() as session:
            token = session["csrf_token"]
        data = {**kwargs.pop("data", {}), "csrf_token": token}
        return client.post(url, data=data, **kwargs)

    def _bearer(self, method: str, url: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[self._api_role(method, url)]}"}


def items(data: Any) -> list[Any]:
    """The rows of an API answer: a paginated page's ``items``, or the list itself."""
    if isinstance(data, dict) and "items" in data:
        return list(data["items"])
    return list(data)
