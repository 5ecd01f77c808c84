"""Erasing a seeker erases their messages and everything derived from them: their own and
imported messages, the triage, corrections and replies, the mentions of them in other people's
messages, and the classifier versions trained on any of those — no file keeps their name,
address or phone number."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from indexer.models import Profile
from matcher.engine import Engine
from tests.conftest import FIXTURES
from tests.webapp.conftest import ACCOUNTS, AuthActions
from webapp.db import get_database, sqlite_path
from webapp.inbox import importing, versions
from webapp.inbox.erasure import REDACTED, personal_pattern
from webapp.inbox.models import ClassifierVersion, InboxMessage, TriageCorrection
from webapp.repositories.users import by_email


def _traces(root_files: list[Path], needles: list[str]) -> list[tuple[str, str]]:
    found = []
    for path in root_files:
        data = path.read_bytes()
        for needle in needles:
            if needle.encode("utf-8") in data:
                found.append((path.name, needle))
    return found


def _files(*folders: Path) -> list[Path]:
    return [p for folder in folders for p in folder.rglob("*") if p.is_file()]


def test_erasure_removes_the_seekers_messages_and_everything_derived(
        app: Flask, client: FlaskClient, auth: AuthActions, engine: Engine,
        profile: Profile) -> None:
    assert profile.personal is not None and profile.personal.phone == "0639980001"
    auth.login("seeker")
    auth.post("/chercheur/messages", {"objet": "Nouveau numéro", "texte": (
        "Bonjour, mon nouveau numéro est le 06 39 98 00 01. Camille Durand")})
    auth.login("employer")
    auth.post("/employeur/messages", {"offre": "OF-VENTE-1", "objet": "Entretien", "texte": (
        "Nous avons reçu Camille Durand en entretien hier, elle commence lundi. "
        "Pouvez-vous fermer l'offre ? Boutique")})
    with app.app_context(), get_database(app).sessions() as session:  # her e-mail, imported
        from webapp.engine_ext import get_engine

        counsellor = by_email(session, ACCOUNTS["counsellor"].email)
        importing.import_files(app, session, get_engine(),
                               [FIXTURES / "inbox" / "absence.eml"], counsellor)
    with get_database(app).sessions() as session:
        ids = list(session.scalars(select(InboxMessage.id).order_by(InboxMessage.id)))
        assert len(ids) == 3
        employer_message = session.get(InboxMessage, ids[1])
        assert employer_message is not None and employer_message.triage is not None
        assert any(p["id"] == "P-VENDEUSE" for p in employer_message.triage.proposals)
    auth.login("counsellor")
    for message_id in ids:
        auth.post(f"/conseiller/messages/{message_id}/tri", {
            "intention": "autre", "urgence": "basse",
            "lien": "offre:OF-VENTE-1" if message_id == ids[1] else "demandeur:P-VENDEUSE"})
        auth.post(f"/conseiller/messages/{message_id}/reponse", {
            "objet": "Re", "texte": "Bonjour Camille Durand, c'est noté."})
    assert auth.post("/conseiller/messages/reentrainer").status_code == 302
    folder = versions.model_dir(app)
    with get_database(app).sessions() as session:
        trained = versions.latest(session)
        assert trained is not None and set(trained.message_ids) == set(ids)
        trained_file = folder / trained.file_name
    needles = ["Camille Durand", "camille.durand@example.org", "0639980001",
               "06 39 98 00 01", ACCOUNTS["seeker"].email, "P-VENDEUSE"]
    database = sqlite_path(get_database(app).url)
    assert database is not None
    db_files = [p for p in database.parent.glob(database.name + "*") if p.is_file()]
    assert _traces(db_files, needles)  # the test can fail

    auth.login("seeker")
    assert auth.post("/chercheur/effacer", {"confirmation": "EFFACER"}).status_code == 302

    with get_database(app).sessions() as session:
        [kept] = session.scalars(select(InboxMessage)).all()  # the employer's message
        assert kept.id == ids[1]
        assert REDACTED in kept.body and "Camille" not in kept.body
        assert "Camille" not in kept.replies[0].body
        assert kept.triage is not None
        assert all(p["id"] != "P-VENDEUSE" for p in kept.triage.proposals)
        text = f"{kept.subject}\n{kept.body}"  # entities index subject and body
        assert kept.triage.entities
        assert all(text[e["start"]:e["end"]] == e["text"] for e in kept.triage.entities)
        assert session.scalars(select(TriageCorrection.link_id)).all() == ["OF-VENTE-1"]
        remaining = session.scalars(select(ClassifierVersion.version)).all()
        assert remaining == [1]  # the version trained on her messages is gone
    assert not trained_file.exists()
    db_files = [p for p in database.parent.glob(database.name + "*") if p.is_file()]
    assert _traces(db_files + _files(folder, engine.index.directory), needles) == []
    auth.login("counsellor")
    html = client.get("/conseiller/messages?statut=tous").get_data(as_text=True)
    assert "Entretien" in html and "Camille" not in html


def test_personal_pattern_finds_a_phone_number_in_any_spacing() -> None:
    pattern = personal_pattern(["Camille Durand"], ["camille.durand@example.org"],
                               ["0639980001"])
    assert pattern is not None
    for written in ("06 39 98 00 01", "06.39.98.00.01", "+33 6 39 98 00 01", "0639980001",
                    "CAMILLE DURAND", "Camille.Durand@Example.org"):
        assert pattern.search(f"texte {written} texte"), written
    assert not pattern.search("06 39 98 00 02") and not pattern.search("Camille Martin")
