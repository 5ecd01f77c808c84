"""Fixtures for the web app tests, as in Flask's flaskr tutorial: ``app``, ``client``,
``runner`` and an ``auth`` helper (:class:`AuthActions`).

Each test gets its own copy of the tiny index (``tests/conftest.py``'s ``tiny_engine``), so
that tag edits and erasures can write to it, and its own copy of a database holding one
account per role (created once per session: argon2 hashing is deliberately slow).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from werkzeug.test import TestResponse

from indexer.catalog import SearchIndex
from indexer.models import Offer, Profile
from matcher.engine import Engine
from matcher.inbox.classifier import ClassifierConfig, InboxClassifier
from matcher.inbox.devset import load_dev_set
from webapp import create_app
from webapp.db import get_database
from webapp.inbox.access import follow_employer
from webapp.models import Role
from webapp.passwords import use_hasher
from webapp.repositories import ownership, users

# argon2 with its production cost takes about half a second per hash here: the tests use a
# cheap one (test_auth checks the production parameters).
use_hasher(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@dataclass(frozen=True, slots=True)
class Account:
    """A test account: its email, password and what it is linked to."""

    role: Role
    email: str
    password: str
    links: tuple[str, ...] = ()


ACCOUNTS: dict[str, Account] = {
    "seeker": Account(Role.SEEKER, "vendeuse@test.example", "mot-de-passe-vendeuse",
                      ("P-VENDEUSE",)),
    "seeker2": Account(Role.SEEKER, "agri@test.example", "mot-de-passe-agriculteur",
                       ("P-AGRI",)),
    "employer": Account(Role.EMPLOYER, "boutique@test.example", "mot-de-passe-boutique",
                        ("OF-VENTE-1", "OF-VENTE-2", "OF-COMPTA-1")),
    "employer2": Account(Role.EMPLOYER, "ferme@test.example", "mot-de-passe-ferme",
                         ("OF-AGRI-1",)),
    "counsellor": Account(Role.COUNSELLOR, "conseil@test.example", "mot-de-passe-conseil",
                          ("P-VENDEUSE", "P-COMPTA")),
    "counsellor2": Account(Role.COUNSELLOR, "conseil2@test.example", "mot-de-passe-conseil2",
                           ("P-AGRI",)),
    "admin": Account(Role.ADMIN, "admin@test.example", "mot-de-passe-admin"),
}
FOLLOWS = (("counsellor", "employer"), ("counsellor2", "employer2"))


@pytest.fixture(scope="session")
def template_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite database with the :data:`ACCOUNTS`, built once."""
    path = tmp_path_factory.mktemp("db") / "template.sqlite3"
    app = create_app({"TESTING": True, "SECRET_KEY": "test",
                      "DATABASE_URL": f"sqlite:///{path}"})
    database = get_database(app)
    with database.sessions() as session:
        for name, account in ACCOUNTS.items():
            user = users.create_user(session, account.email, account.role, account.password,
                                     name.capitalize())
            for target in account.links:
                if account.role is Role.SEEKER:
                    ownership.link_seeker(session, user, target)
                elif account.role is Role.EMPLOYER:
                    ownership.give_offer(session, user, target)
                else:
                    ownership.assign(session, user, target)
        for counsellor, employer in FOLLOWS:  # counsellors receive these employers' messages
            follower = users.by_email(session, ACCOUNTS[counsellor].email)
            followed = users.by_email(session, ACCOUNTS[employer].email)
            assert follower is not None and followed is not None
            follow_employer(session, follower, followed)
        session.commit()
    database.dispose()
    return path


@pytest.fixture
def engine(tiny_engine: Engine, tmp_path: Path) -> Engine:
    """An engine over this test's own copy of the tiny index (writable)."""
    index_dir = tmp_path / "index"
    shutil.copytree(tiny_engine.index.directory, index_dir,
                    ignore=shutil.ignore_patterns(".lock", "embeddings"))
    settings = tiny_engine.settings.model_copy(update={"index_dir": index_dir})
    index = SearchIndex.open(index_dir, settings, tiny_engine.encoder)
    return Engine(settings, tiny_engine.taxonomy, tiny_engine.gazetteer, tiny_engine.encoder,
                  index)


@pytest.fixture
def database_url(template_database: Path, tmp_path: Path) -> str:
    """This test's copy of the template database."""
    path = tmp_path / "emploi.sqlite3"
    shutil.copyfile(template_database, path)
    return f"sqlite:///{path}"


FAST_CLASSIFIER = ClassifierConfig(epochs=40, learning_rate=0.1)


@pytest.fixture(scope="session")
def inbox_base_model(tmp_path_factory: pytest.TempPathFactory) -> Callable[[], Path]:
    """A fast inbox classifier trained on the dev set once per session, on first use (the
    app copies it as its first version instead of training the slower default)."""
    path = tmp_path_factory.mktemp("inbox-model") / "base.json"

    def trained() -> Path:
        if not path.exists():
            items = load_dev_set()
            InboxClassifier(FAST_CLASSIFIER).fit(
                [i.message for i in items], [i.intent for i in items],
                [i.urgency for i in items]).save(path)
        return path

    return trained


@pytest.fixture
def app(engine: Engine, database_url: str, inbox_base_model: Callable[[], Path],
        tmp_path: Path) -> Iterator[Flask]:
    """The app in testing mode, holding ``engine`` and this test's database."""
    app = create_app({"TESTING": True, "ENGINE": engine, "SECRET_KEY": "test",
                      "DATABASE_URL": database_url, "INBOX_MODEL_DIR": tmp_path / "inbox",
                      "INBOX_BASE_MODEL": inbox_base_model,
                      "INBOX_CLASSIFIER_CONFIG": FAST_CLASSIFIER,
                      "INBOX_RETRAIN_IN_BACKGROUND": False})
    yield app
    get_database(app).dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client for ``app``."""
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    """A CLI runner for ``app``."""
    return app.test_cli_runner()


def csrf_token(client: FlaskClient) -> str:
    """The CSRF token of the client's session (a page is fetched to create one if needed)."""
    with client.session_transaction() as session:
        token = session.get("csrf_token")
    if not isinstance(token, str):
        client.get("/connexion")
        with client.session_transaction() as session:
            token = session["csrf_token"]
    assert isinstance(token, str)
    return token


class AuthActions:
    """Log in and out through the real login form, and post forms with the CSRF token."""

    def __init__(self, client: FlaskClient) -> None:
        self._client = client

    @property
    def client(self) -> FlaskClient:
        """The test client these actions drive."""
        return self._client

    def login(self, name: str = "seeker", password: str | None = None) -> TestResponse:
        """Sign in as the :data:`ACCOUNTS` entry ``name``."""
        account = ACCOUNTS[name]
        return self._client.post("/connexion", data={
            "email": account.email, "password": password or account.password,
            "csrf_token": csrf_token(self._client)})

    def logout(self) -> TestResponse:
        """Sign out."""
        return self._client.post("/deconnexion", data={"csrf_token": csrf_token(self._client)})

    def post(self, url: str, data: Mapping[str, object] | None = None, *,
             follow_redirects: bool = False) -> TestResponse:
        """POST a form with the session's CSRF token."""
        return self._client.post(url, data={**(data or {}),
                                            "csrf_token": csrf_token(self._client)},
                                 follow_redirects=follow_redirects)


@pytest.fixture
def auth(client: FlaskClient) -> AuthActions:
    """The :class:`AuthActions` of ``client``."""
    return AuthActions(client)


@pytest.fixture
def token(app: Flask) -> dict[str, str]:
    """An API token per account name (created in this test's database)."""
    tokens: dict[str, str] = {}
    with get_database(app).sessions() as session:
        for name, account in ACCOUNTS.items():
            user = users.by_email(session, account.email)
            assert user is not None
            _row, tokens[name] = users.create_token(session, user, "test")
        session.commit()
    return tokens


def bearer(token: str) -> dict[str, str]:
    """The Authorization header for ``token``."""
    return {"Authorization": f"Bearer {token}"}


def pseudonym_of(app: Flask, employer: str, profile_id: str) -> str:
    """The pseudonym the :data:`ACCOUNTS` employer ``employer`` sees for ``profile_id``,
    computed here from the app's key and the employer's id (not by the code under test)."""
    import hashlib
    import hmac

    with get_database(app).sessions() as session:
        user = users.by_email(session, ACCOUNTS[employer].email)
        assert user is not None
        employer_id = user.id
    secret = str(app.config["SECRET_KEY"]).encode()
    key = hmac.new(secret, b"emploi-pseudonym-key-v1", hashlib.sha256).digest()
    digest = hmac.new(key, f"{employer_id}\x00{profile_id}".encode(), hashlib.sha256)
    return "C-" + digest.hexdigest()[:10].upper()


@pytest.fixture
def offer(engine: Engine) -> Offer:
    """An offer owned by the ``employer`` account, with a commune and skills."""
    found = engine.offers.get("OF-VENTE-1")
    assert found is not None and found.place is not None and found.skills
    return found


@pytest.fixture
def profile(engine: Engine) -> Profile:
    """The ``seeker`` account's profile, assigned to ``counsellor``."""
    found = engine.profiles.get("P-VENDEUSE")
    assert found is not None and found.skills
    return found


@pytest.fixture
def personal_strings(engine: Engine) -> list[str]:
    """Every seeded name, email and phone number of the engine's profiles."""
    values: list[str] = []
    for item in engine.profiles:
        if item.personal is not None:
            personal = item.personal
            values += [v for v in (personal.name, personal.email, personal.phone) if v]
    return values


def count_offer_reads(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The ids of the offers ``engine`` reads through its collection from now on."""
    reads: list[str] = []
    get = engine.offers.get

    def counting_get(record_id: str) -> Offer | None:
        reads.append(record_id)
        return get(record_id)

    monkeypatch.setattr(engine.offers, "get", counting_get)
    return reads
