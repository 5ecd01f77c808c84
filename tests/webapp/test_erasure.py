"""Erasure leaves no trace in any file, is all-or-nothing, and web writes never lose an edit
or half-erase when another process holds the index (a real writer process, not a mock)."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient

from indexer.encoders import EmbeddingCache
from indexer.encoders.cache import content_key
from indexer.models import Profile
from matcher.engine import Engine
from matcher.queries import profile_index_text
from tests.conftest import FIXTURES
from tests.webapp.conftest import ACCOUNTS, AuthActions, bearer, pseudonym_of
from webapp import create_app
from webapp.cli.indexing import build_index
from webapp.db import get_database, sqlite_path
from webapp.erasure import ERASURE_FILE, erased_hashes
from webapp.models import TagEdit, User
from webapp.repositories import users


def _files(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()]


def _database_files(app: Flask) -> list[Path]:
    path = sqlite_path(get_database(app).url)
    assert path is not None
    return [p for p in path.parent.glob(path.name + "*") if p.is_file()]


def _holding(path: Path, value: bytes) -> list[Path]:
    return [p for p in path.parent.glob("*") if p.is_file() and value in p.read_bytes()]


def _traces(paths: list[Path], needles: list[str]) -> list[tuple[str, str]]:
    found = []
    for path in paths:
        data = path.read_bytes()
        for needle in needles:
            if needle.encode("utf-8") in data:
                found.append((str(path), needle))
    return found


def _personal(profile: Profile) -> list[str]:
    assert profile.personal is not None
    values = [profile.personal.name, profile.personal.email, profile.personal.phone]
    return [v for v in values if v]


def _erase(auth: AuthActions) -> Any:
    auth.login("seeker")
    return auth.post("/chercheur/effacer", {"confirmation": "EFFACER"})


def test_erasure_leaves_no_trace_in_the_index_or_the_database(
        app: Flask, client: FlaskClient, auth: AuthActions, engine: Engine,
        profile: Profile) -> None:
    """Before: the dead record line, the SQLite write-ahead log and the cached vector kept
    the erased seeker's name, e-mail and phone after the erasure answered."""
    engine.settings.cache_dir.mkdir(parents=True, exist_ok=True)
    demo_file = engine.settings.cache_dir / f"demo_profiles_test_{os.getpid()}.jsonl"
    demo_file.write_text((FIXTURES / "engine" / "profiles.jsonl").read_text())
    try:
        auth.login("seeker")  # a message to the counsellor, with her phone number
        assert profile.personal is not None
        auth.post("/chercheur/messages", {"texte": f"Mon numéro : {profile.personal.phone}"})
        auth.login("employer")  # a contact request, a tag edit, failed logins: rows to erase
        auth.post("/employeur/contacts", {"offre": "OF-VENTE-1", "message": "Bonjour",
                                          "candidat": pseudonym_of(app, "employer",
                                                                   profile.id)})
        auth.login("counsellor")
        auth.post("/conseiller", {"profil": profile.id, "action": "enregistrer",
                                  "remove": ["100011"], "raison": "essai"})
        edited = engine.profiles.get(profile.id)
        assert edited is not None
        auth.logout()
        auth.login("seeker", password="pas-le-bon")
        needles = [*_personal(profile), profile.id, ACCOUNTS["seeker"].email]
        index_dir = engine.index.directory
        assert _traces(_files(index_dir), _personal(profile))  # the test can fail
        cache = EmbeddingCache(index_dir / "embeddings")
        key = content_key(engine.encoder.name, profile_index_text(engine.taxonomy)(edited))
        assert cache.get_many([key])

        response = _erase(auth)

        assert response.status_code == 302
        assert _traces(_files(index_dir), needles) == []
        assert _traces(_database_files(app), needles) == []
        assert cache.get_many([key]) == {}
        assert profile.id not in demo_file.read_text()
        assert "P-VENDEUR" in demo_file.read_text()  # the others stay
        cache.close()
    finally:
        demo_file.unlink(missing_ok=True)


def test_erasure_list_is_written_only_when_the_erasure_succeeded(
        app: Flask, auth: AuthActions, engine: Engine, profile: Profile,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The database part fails: the new index generation is thrown away, nothing erased."""
    generation = engine.index.generation

    def broken(_session: Any, _profile_id: str) -> None:
        raise RuntimeError("disk full")

    from webapp.repositories import claims
    monkeypatch.setattr(claims, "forget_profile", broken)
    response = _erase(auth)
    assert response.status_code == 500
    assert "pas pu aboutir" in response.get_data(as_text=True)
    assert not (engine.index.directory / ERASURE_FILE).exists()
    assert engine.index.generation == generation
    assert engine.profiles.get(profile.id) is not None
    with get_database(app).sessions() as session:
        assert users.by_email(session, ACCOUNTS["seeker"].email) is not None


def test_index_failure_leaves_the_account_whole(app: Flask, auth: AuthActions,
                                                engine: Engine, profile: Profile,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """The index part fails: the account is not half deleted."""
    def broken(*_args: Any, **_kwargs: Any) -> None:
        raise OSError("no space left on device")

    monkeypatch.setattr(engine, "erase_profiles", broken)
    response = _erase(auth)
    assert response.status_code == 500
    assert erased_hashes(engine.index.directory) == set()
    with get_database(app).sessions() as session:
        user = users.by_email(session, ACCOUNTS["seeker"].email)
        assert user is not None
    assert auth.login("seeker").status_code == 302


@contextmanager
def index_held_by_another_process(index_dir: Path, seconds: float) -> Iterator[None]:
    """A separate process that takes the index folder's writer lock (the ``flock`` every
    ``IndexWriter`` takes) and holds it for ``seconds``, as a long ``emploi index`` does."""
    script = ("import fcntl, os, sys, time\n"
              "fd = os.open(sys.argv[1], os.O_CREAT | os.O_RDWR)\n"
              "fcntl.flock(fd, fcntl.LOCK_EX)\n"
              "print('locked', flush=True)\n"
              "time.sleep(float(sys.argv[2]))\n")
    process = subprocess.Popen([sys.executable, "-c", script, str(index_dir / ".lock"),
                                str(seconds)], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None and process.stdout.readline().strip() == "locked"
        yield
    finally:
        process.wait(timeout=seconds + 30)
        if process.stdout is not None:
            process.stdout.close()


@pytest.fixture
def impatient_app(engine: Engine, database_url: str) -> Iterator[Flask]:
    app = create_app({"TESTING": True, "ENGINE": engine, "SECRET_KEY": "test",
                      "DATABASE_URL": database_url, "INDEX_LOCK_WAIT_SECONDS": 0.5})
    yield app
    get_database(app).dispose()


def test_tag_save_answers_503_and_keeps_the_edit_while_the_index_is_busy(
        impatient_app: Flask, engine: Engine, profile: Profile) -> None:
    """Before: after 10 s the save answered 500 and the edit was lost."""
    auth = AuthActions(impatient_app.test_client())
    auth.login("counsellor")
    generation = engine.index.generation
    with index_held_by_another_process(engine.index.directory, 2):
        response = auth.post("/conseiller", {"profil": profile.id, "action": "enregistrer",
                                             "remove": ["100011"], "raison": "bilan du jour"})
        assert response.status_code == 503
        assert int(response.headers["Retry-After"]) > 0
        html = response.get_data(as_text=True)
        assert "autre traitement" in html
        assert "bilan du jour" in html  # the reason is still in the form
        assert 'value="100011" checked' in html  # and the removal too
    assert engine.index.generation == generation
    with get_database(impatient_app).sessions() as session:
        assert session.query(TagEdit).count() == 0


def test_api_tag_save_answers_503_while_the_index_is_busy(
        impatient_app: Flask, engine: Engine, profile: Profile) -> None:
    client = impatient_app.test_client()
    with get_database(impatient_app).sessions() as session:
        user = users.by_email(session, ACCOUNTS["counsellor"].email)
        assert user is not None
        _row, token = users.create_token(session, user, "t")
        session.commit()
    with index_held_by_another_process(engine.index.directory, 2):
        response = client.post(f"/api/v1/profiles/{profile.id}/tags", headers=bearer(token),
                               json={"remove_skills": ["100011"], "reason": "essai"})
    assert response.status_code == 503 and response.is_json
    assert "Retry-After" in response.headers


def test_erasure_answers_503_and_erases_nothing_while_the_index_is_busy(
        impatient_app: Flask, engine: Engine, profile: Profile) -> None:
    """Before: the erasure list was written, then the erasure gave up half done."""
    auth = AuthActions(impatient_app.test_client())
    with index_held_by_another_process(engine.index.directory, 2):
        response = _erase(auth)
    assert response.status_code == 503 and "Retry-After" in response.headers
    assert not (engine.index.directory / ERASURE_FILE).exists()
    assert engine.profiles.get(profile.id) is not None
    with get_database(impatient_app).sessions() as session:
        assert session.query(User).filter_by(email=ACCOUNTS["seeker"].email).count() == 1


def test_web_writes_wait_for_a_short_writer(engine: Engine, database_url: str,
                                            profile: Profile) -> None:
    app = create_app({"TESTING": True, "ENGINE": engine, "SECRET_KEY": "test",
                      "DATABASE_URL": database_url, "INDEX_LOCK_WAIT_SECONDS": 30})
    auth = AuthActions(app.test_client())
    auth.login("counsellor")
    with index_held_by_another_process(engine.index.directory, 1.5):
        started = time.monotonic()
        response = auth.post("/conseiller", {"profil": profile.id, "action": "enregistrer",
                                             "remove": ["100011"], "raison": "essai"})
        waited = time.monotonic() - started
    assert response.status_code == 302
    assert waited >= 0.5  # it waited for the other writer instead of failing
    saved = engine.profiles.get(profile.id)
    assert saved is not None and [s.code for s in saved.skills] == ["100010"]
    get_database(app).dispose()


def test_indexing_writes_private_files(engine: Engine, tmp_path: Path) -> None:
    """Before: the index files (names, e-mails, phones) were world-readable (0644)."""
    settings = engine.settings.model_copy(update={"index_dir": tmp_path / "index"})
    previous = os.umask(0o022)  # a careless environment
    try:
        build_index(settings, (FIXTURES / "engine" / "offers.jsonl",),
                    (FIXTURES / "engine" / "profiles.jsonl",), rebuild=False,
                    report_path=None, taxonomy=engine.taxonomy)
    finally:
        os.umask(previous)
    loose = [(str(p), oct(stat.S_IMODE(p.stat().st_mode)))
             for p in [tmp_path / "index", *(tmp_path / "index").rglob("*")]
             if stat.S_IMODE(p.stat().st_mode) & 0o077]
    assert loose == []


def test_the_command_line_creates_private_files() -> None:
    from webapp.cli import main

    previous = os.umask(0o022)
    try:
        assert CliRunner().invoke(main, ["admin", "--help"]).exit_code == 0
        assert os.umask(0o022) == 0o077
    finally:
        os.umask(previous)


def test_erased_profile_lines_leave_the_rejection_report(app: Flask, auth: AuthActions,
                                                         engine: Engine,
                                                         profile: Profile) -> None:
    report = engine.index.directory / "rejections.jsonl"
    report.write_text(json.dumps({"path": "x.jsonl", "line": 3, "record_id": profile.id,
                                  "field": "personal.email", "reason": "bad"}) + "\n"
                      + json.dumps({"path": "x.jsonl", "line": 4, "record_id": "P-AUTRE",
                                    "field": "id", "reason": "bad"}) + "\n")
    assert _erase(auth).status_code == 302
    assert profile.id not in report.read_text() and "P-AUTRE" in report.read_text()
