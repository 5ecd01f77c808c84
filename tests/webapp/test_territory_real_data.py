"""Slow: on the demo data (both real offer files, generated profiles), the three territory
views answer for every occupation of the Ardèche offers, as JSON and as pages."""

from __future__ import annotations

import shutil
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from indexer.models import Offer
from indexer.settings import load_settings
from matcher.analytics.pool import MAX_EVALUATED
from matcher.engine import Engine
from tests.webapp.conftest import ACCOUNTS, AuthActions, bearer
from webapp import create_app
from webapp.db import get_database
from webapp.repositories import ownership, users

pytestmark = pytest.mark.slow

API = "/api/v1/territoire"


@pytest.fixture(scope="module")
def real_engine(real_demo_index: tuple[Path, Path], real_data_dir: Path) -> Engine:
    """The demo index, built once per session through the CLI (tests/conftest.py)."""
    index_dir, cache_dir = real_demo_index
    return Engine.open(load_settings(data_dir=real_data_dir, index_dir=index_dir,
                                     cache_dir=cache_dir))


@pytest.fixture(scope="module")
def by_occupation(real_engine: Engine) -> dict[str, list[Offer]]:
    """The real offers of Ardèche (département 07, the one the views are asked about) by
    their given ROME code."""
    offers: dict[str, list[Offer]] = defaultdict(list)
    for offer in real_engine.offers:
        if offer.rome_code and _in_ardeche(offer):
            offers[offer.rome_code].append(offer)
    assert len(offers) > 100
    return offers


@pytest.fixture(scope="module")
def seekers(real_engine: Engine, by_occupation: dict[str, list[Offer]]) -> dict[str, str]:
    """One seeker per occupation of the offers, where a generated seeker targets it."""
    found: dict[str, str] = {}
    for profile in real_engine.profiles:
        for code in profile.rome_codes:
            if code in by_occupation:
                found.setdefault(code, profile.id)
    return found


@pytest.fixture(scope="module")
def real_app(real_engine: Engine, template_database: Path, seekers: dict[str, str],
             tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The app on the demo index; the ``counsellor`` account is assigned the chosen seekers."""
    path = tmp_path_factory.mktemp("territory-db") / "emploi.sqlite3"
    shutil.copyfile(template_database, path)
    app = create_app({"TESTING": True, "ENGINE": real_engine, "SECRET_KEY": "test",
                      "DATABASE_URL": f"sqlite:///{path}"})
    with get_database(app).sessions() as session:
        counsellor = users.by_email(session, ACCOUNTS["counsellor"].email)
        assert counsellor is not None
        for profile_id in sorted(set(seekers.values())):
            ownership.assign(session, counsellor, profile_id)
        session.commit()
    yield app
    get_database(app).dispose()


@pytest.fixture(scope="module")
def headers(real_app: Flask) -> dict[str, str]:
    """A counsellor's API token."""
    with get_database(real_app).sessions() as session:
        user = users.by_email(session, ACCOUNTS["counsellor"].email)
        assert user is not None
        _row, token = users.create_token(session, user, "territory")
        session.commit()
    return bearer(token)


def test_every_occupation_of_the_real_offers_is_answered(
        real_app: Flask, headers: dict[str, str], by_occupation: dict[str, list[Offer]],
        seekers: dict[str, str]) -> None:
    client = real_app.test_client()
    reconversions = 0
    for code, offers in sorted(by_occupation.items()):
        first = offers[0]
        body = _json(client, f"{API}/potentiel?metier={code}&departement=07", headers)
        assert body["offers"] == len(offers), code
        communes = [o.place.commune for o in offers if o.place and o.place.commune]
        if communes:
            around = _json(client, f"{API}/potentiel?metier={code}&commune={communes[0]}"
                                   "&rayon=30", headers)
            assert around["offers"] >= 1, code
            assert around["tension"] is None or around["tension"] >= 0
        pool = _json(client, f"{API}/offres/{first.id}/vivier", headers)
        assert pool["strong"] <= pool["candidates"], code
        hard = _json(client, f"{API}/difficiles?metier={code}&departement=07", headers)
        assert hard["offers_in_territory"] == len(offers), code
        assert hard["offers_considered"] == min(len(offers), MAX_EVALUATED), code
        if code in seekers:
            reconversion = _json(client, f"{API}/reconversion/{seekers[code]}", headers)
            assert all(s["score"] >= 0 for s in reconversion["suggestions"])
            reconversions += 1
    assert reconversions >= 50, "most occupations of the offers have a generated seeker"


def test_pages_answer_for_every_occupation(
        real_app: Flask, real_engine: Engine, by_occupation: dict[str, list[Offer]],
        seekers: dict[str, str]) -> None:
    client = real_app.test_client()
    AuthActions(client).login("counsellor")
    source = f"Calculé sur {len(real_engine.offers)} offres indexées"
    for code, offers in sorted(by_occupation.items()):
        _page(client, f"/territoire?metier={code}&territoire=departement&code=07", source)
        _page(client, f"/territoire/employeurs?offre={offers[0].id}", source)
        _page(client, f"/territoire/employeurs?metier={code}&territoire=departement&code=07",
              source)
        if code in seekers:
            _page(client, f"/territoire/reconversion?profil={seekers[code]}", source)


def _in_ardeche(offer: Offer) -> bool:
    """By its commune code, else by its France Travail label ("07 - PRIVAS")."""
    place = offer.place
    if place is None:
        return False
    if place.commune:
        return place.commune.startswith("07")
    return (place.label or "").startswith("07 -")


def _json(client: FlaskClient, url: str, headers: dict[str, str]) -> dict[str, Any]:
    response = client.get(url, headers=headers)
    assert response.status_code == 200, (url, response.get_json())
    body = response.get_json()
    assert isinstance(body, dict)
    return body


def _page(client: FlaskClient, url: str, source: str) -> None:
    response = client.get(url)
    assert response.status_code == 200, url
    assert source in response.get_data(as_text=True), url
