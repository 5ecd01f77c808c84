"""Fixtures for the web app tests, as in Flask's flaskr tutorial: ``app``, ``client``, ``runner``.

The app holds the real ``tiny_engine`` of ``tests/conftest.py`` (an index built from the
hand-written offers and profiles of ``tests/fixtures/engine``).
"""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from indexer.models import Offer, Profile
from matcher.engine import Engine
from webapp import create_app


@pytest.fixture
def engine(tiny_engine: Engine) -> Engine:
    """The engine the app under test holds."""
    return tiny_engine


@pytest.fixture
def app(engine: Engine) -> Flask:
    """The app in testing mode, holding ``engine``."""
    return create_app({"TESTING": True, "ENGINE": engine, "SECRET_KEY": "test"})


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client for ``app``."""
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    """A CLI runner for ``app``."""
    return app.test_cli_runner()


@pytest.fixture
def offer(engine: Engine) -> Offer:
    """An offer of the engine's collection, with a commune and skills."""
    offers = [o for o in engine.offers if o.place and o.place.commune and o.skills]
    assert offers, "the engine fixtures need an offer with a commune and skills"
    return offers[0]


@pytest.fixture
def profile(engine: Engine) -> Profile:
    """A profile of the engine's collection, with skills."""
    profiles = [p for p in engine.profiles if p.skills]
    assert profiles, "the engine fixtures need a profile with skills"
    return profiles[0]


@pytest.fixture
def personal_strings(engine: Engine) -> list[str]:
    """Every seeded name, email and phone number of the engine's profiles."""
    values: list[str] = []
    for profile in engine.profiles:
        if profile.personal is not None:
            personal = profile.personal
            values += [v for v in (personal.name, personal.email, personal.phone) if v]
    return values
