"""Contact details only after the seeker accepts; export; erasure from database and index."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from indexer.models import Profile
from tests.conftest import FIXTURES
from tests.webapp.conftest import ACCOUNTS, AuthActions, pseudonym_of
from webapp.cli.indexing import build_index
from webapp.db import get_database
from webapp.erasure import erased_hashes, profile_id_hash
from webapp.index_sync import sync_index
from webapp.models import ContactRequest, TagEdit, User
from webapp.repositories import users


def _html(response: Any) -> str:
    return str(response.get_data(as_text=True))


def _request_contact(auth: AuthActions, engine: Any, profile_id: str = "P-VENDEUSE") -> Any:
    auth.login("employer")
    pseudonym = pseudonym_of(auth.client.application, "employer", profile_id)
    return auth.post("/employeur/contacts", {"offre": "OF-VENTE-1", "candidat": pseudonym,
                                             "message": "Bonjour, êtes-vous disponible ?"})


def test_contact_details_only_after_acceptance(client: FlaskClient, auth: AuthActions,
                                               engine: Any) -> None:
    assert _request_contact(auth, engine).status_code == 302
    page = _html(client.get("/employeur/contacts"))
    assert "en attente" in page and "camille.durand@example.org" not in page
    candidates = _html(client.get("/employeur?offre=OF-VENTE-1"))
    assert "Demande de contact : <strong>en attente</strong>" in candidates
    auth.login("seeker")
    inbox = _html(client.get("/chercheur/contacts"))
    assert "Employer —" in inbox and "Bonjour, êtes-vous disponible ?" in inbox
    response = auth.post("/chercheur/contacts/1", {"decision": "accepter"})
    assert response.status_code == 302
    auth.login("employer")
    page = _html(client.get("/employeur/contacts"))
    assert "acceptée" in page and "camille.durand@example.org" in page
    assert "Camille Durand" in page and "0639980001" in page
    auth.login("employer2")  # another employer never sees them
    assert "camille.durand@example.org" not in _html(client.get("/employeur/contacts"))


def test_declined_request_keeps_details_hidden(client: FlaskClient, auth: AuthActions,
                                               engine: Any) -> None:
    _request_contact(auth, engine)
    auth.login("seeker")
    auth.post("/chercheur/contacts/1", {"decision": "refuser"})
    auth.login("employer")
    page = _html(client.get("/employeur/contacts"))
    assert "refusée" in page and "camille.durand@example.org" not in page


def test_export_is_a_json_file(client: FlaskClient, auth: AuthActions, engine: Any) -> None:
    _request_contact(auth, engine)
    auth.login("seeker")
    response = client.get("/chercheur/donnees")
    assert response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.get_data(as_text=True))
    assert data["account"]["email"] == ACCOUNTS["seeker"].email
    assert data["profile"]["id"] == "P-VENDEUSE"
    assert data["contact_requests"][0]["message"].startswith("Bonjour")
    assert data["counsellors"] == ["Counsellor"]


def test_erasure_removes_database_rows_and_index_entries(app: Flask, client: FlaskClient,
                                                         auth: AuthActions, engine: Any,
                                                         profile: Profile) -> None:
    _request_contact(auth, engine)
    auth.login("counsellor")
    auth.post("/conseiller", {"profil": profile.id, "action": "enregistrer",
                              "remove": ["100011"], "raison": "test"})
    auth.login("seeker")
    assert auth.post("/chercheur/effacer", {"confirmation": "non"}).status_code == 400
    response = auth.post("/chercheur/effacer", {"confirmation": "effacer"})
    assert response.status_code == 302
    assert "Votre compte et votre profil sont effacés" in _html(client.get("/"))
    assert client.get("/chercheur").status_code == 302  # signed out
    assert auth.login("seeker").status_code == 401
    assert engine.profiles.get(profile.id) is None
    assert profile.id not in engine.profiles.ids()
    with get_database(app).sessions() as session:
        assert users.by_email(session, ACCOUNTS["seeker"].email) is None
        assert session.query(ContactRequest).count() == 0
        assert session.query(TagEdit).count() == 0
        assert session.query(User).count() == len(ACCOUNTS) - 1
    hashes = erased_hashes(engine.index.directory)
    assert hashes == {profile_id_hash(profile.id)}
    assert profile.id not in (engine.index.directory / "erased-profiles.txt").read_text()
    # the employer's candidates no longer include the seeker
    auth.login("employer")
    assert pseudonym_of(app, "employer", profile.id) not in _html(
        client.get("/employeur?offre=OF-VENTE-1&top=100"))


def test_reindexing_the_profile_file_does_not_bring_an_erased_seeker_back(
        client: FlaskClient, auth: AuthActions, engine: Any, profile: Profile) -> None:
    auth.login("seeker")
    auth.post("/chercheur/effacer", {"confirmation": "EFFACER"})
    outcome = build_index(engine.settings, (), (FIXTURES / "engine" / "profiles.jsonl",),
                          rebuild=False, report_path=None, taxonomy=engine.taxonomy)
    assert outcome.profiles == 3
    engine.reload()
    assert engine.profiles.get(profile.id) is None
    assert engine.profiles.get("P-VENDEUR") is not None


def test_sync_reapplies_tag_edits_after_reindexing(app: Flask, auth: AuthActions, engine: Any,
                                                   profile: Profile, tmp_path: Path) -> None:
    auth.login("counsellor")
    auth.post("/conseiller", {"profil": profile.id, "action": "enregistrer",
                              "remove": ["100011"], "raison": "test"})
    build_index(engine.settings, (), (FIXTURES / "engine" / "profiles.jsonl",),
                rebuild=False, report_path=None, taxonomy=engine.taxonomy)
    engine.reload()
    assert len(engine.profiles.get(profile.id).skills) == 2  # the file reset the edit
    with app.app_context(), get_database(app).sessions() as session:
        assert sync_index(session, engine) == (1, 0)
    assert [s.code for s in engine.profiles.get(profile.id).skills] == ["100010"]
