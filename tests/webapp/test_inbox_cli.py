"""``emploi messages import`` and ``retrain``: bad files and messages are reported with the
file, the position and the reason, the good ones stored, nothing already stored lost; a
rerun skips what was imported; the demo seeds every demo counsellor's inbox."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from sqlalchemy import func, select

from tests.conftest import FIXTURES
from tests.webapp.conftest import ACCOUNTS, AuthActions
from webapp.cli import main
from webapp.db import get_database
from webapp.inbox import arrival, importing
from webapp.inbox.models import ClassifierVersion, InboxMessage

INBOX = FIXTURES / "inbox"


@pytest.fixture
def cli(app: Flask, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """The ``emploi`` command on the test app (tiny engine, this test's database)."""
    import webapp.cli.messages as messages

    monkeypatch.setattr(messages, "_app", lambda _ctx: app)
    return CliRunner()


def oversized(folder: Path) -> Path:
    """An .eml over 1 MiB (a forwarded thread with an attachment)."""
    path = folder / "gros.eml"
    path.write_text("From: x@example.org\nSubject: Pièce jointe\n\n" + "a" * (1024 * 1024 + 10),
                    encoding="utf-8")
    return path


def rows(app: Flask) -> list[tuple[str, str | None, int | None, str | None]]:
    """(subject, source file name, position, warning) of every stored message."""
    with get_database(app).sessions() as session:
        return [(m.subject, Path(m.source_file).name if m.source_file else None,
                 m.source_position, m.warning)
                for m in session.scalars(select(InboxMessage).order_by(InboxMessage.id))]


def test_import_reports_bad_input_and_keeps_the_rest(app: Flask, cli: CliRunner,
                                                     auth: AuthActions,
                                                     tmp_path: Path) -> None:
    auth.login("seeker")
    assert auth.post("/chercheur/messages", {"texte": "Déjà là avant l'import."}
                     ).status_code == 302
    report = tmp_path / "rejets.jsonl"
    big = oversized(tmp_path)
    result = cli.invoke(main, ["messages", "import", str(INBOX / "mailbox.mbox"),
                               str(INBOX / "absence.eml"), str(INBOX / "unknown_charset.eml"),
                               str(INBOX / "notes.mbox"), str(INBOX / "empty.eml"), str(big),
                               "--conseiller", ACCOUNTS["counsellor"].email,
                               "--report", str(report)])
    assert result.exit_code == 1, result.output
    output = result.output
    assert "mailbox.mbox, message 3 : ni objet ni texte" in output
    assert "notes.mbox : aucun message trouvé" in output
    assert "empty.eml : ni objet ni texte" in output
    assert "gros.eml : message trop volumineux" in output
    assert "mailbox.mbox, message 2 : encodage « x-unknown-charset » inconnu" in output
    assert "unknown_charset.eml : encodage « x-klingon-7 » inconnu" in output
    assert "5 stored" in output and "4 rejected" in output and "2 kept with a warning" in output
    stored = rows(app)
    assert stored[0][0] == "" and stored[0][1] is None  # the message stored before is kept
    assert [(s, f, p) for s, f, p, _w in stored[1:]] == [
        ("Demande de rendez-vous", "mailbox.mbox", 1), ("Formation", "mailbox.mbox", 2),
        ("Reprise", "mailbox.mbox", 4), ("Absence au rendez-vous", "absence.eml", None),
        ("Attestation", "unknown_charset.eml", None)]
    assert stored[2][3] is not None and "x-unknown-charset" in stored[2][3]
    lines = [json.loads(line) for line in report.read_text(encoding="utf-8").splitlines()]
    assert {(Path(r["path"]).name, r["position"], r["kept"]) for r in lines} == {
        ("mailbox.mbox", 3, False), ("notes.mbox", None, False), ("empty.eml", None, False),
        ("gros.eml", None, False), ("mailbox.mbox", 2, True),
        ("unknown_charset.eml", None, True)}
    again = cli.invoke(main, ["messages", "import", str(INBOX / "mailbox.mbox"),
                              "--conseiller", ACCOUNTS["counsellor"].email])
    assert again.exit_code == 1 and "0 stored, 3 already imported" in again.output
    assert len(rows(app)) == 6


def test_import_routes_by_link_and_reports_messages_nobody_receives(
        app: Flask, cli: CliRunner) -> None:
    """Camille Durand writes from her address: her counsellor receives it; the mailbox's
    strangers reach nobody and are reported, not lost silently."""
    result = cli.invoke(main, ["messages", "import", str(INBOX / "absence.eml"),
                               str(INBOX / "mailbox.mbox"), "--skip-invalid"])
    assert result.exit_code == 0, result.output
    assert "1 stored" in result.output
    assert "mailbox.mbox, message 1 : aucun conseiller destinataire" in result.output
    with get_database(app).sessions() as session:
        [message] = session.scalars(select(InboxMessage)).all()
        assert message.counsellor is not None
        assert message.counsellor.email == ACCOUNTS["counsellor"].email
        assert message.triage is not None and message.triage.link_id == "P-VENDEUSE"


def test_unknown_counsellor_and_missing_file_are_usage_errors(cli: CliRunner,
                                                              tmp_path: Path) -> None:
    unknown = cli.invoke(main, ["messages", "import", str(INBOX / "absence.eml"),
                                "--conseiller", "personne@example.org"])
    assert unknown.exit_code == 2 and "no counsellor account" in unknown.output
    missing = cli.invoke(main, ["messages", "import", str(tmp_path / "absent.mbox")])
    assert missing.exit_code == 2 and "does not exist" in missing.output


def test_a_failing_database_keeps_the_chunks_already_stored(
        app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    from webapp.engine_ext import get_engine
    from webapp.repositories.users import by_email

    calls = {"n": 0}
    real = arrival.receive

    def failing(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError("disk I/O error")
        return real(*args, **kwargs)

    monkeypatch.setattr(importing, "receive", failing)
    with app.app_context(), get_database(app).sessions() as session:
        counsellor = by_email(session, ACCOUNTS["counsellor"].email)
        with pytest.raises(OSError):
            importing.import_files(app, session, get_engine(), [INBOX / "mailbox.mbox"],
                                   counsellor, chunk=1)
    assert [subject for subject, *_rest in rows(app)] == ["Demande de rendez-vous"]


def test_messages_commands_have_help() -> None:
    for command in ("import", "retrain"):
        result = CliRunner().invoke(main, ["messages", command, "--help"])
        assert result.exit_code == 0 and "Usage" in result.output
    assert "--conseiller" in CliRunner().invoke(main, ["messages", "import", "--help"]).output


def test_retrain_command_saves_a_new_version(app: Flask, cli: CliRunner,
                                             auth: AuthActions) -> None:
    auth.login("seeker")
    auth.post("/chercheur/messages", {"texte": "Je voudrais une formation de comptable."})
    auth.login("counsellor")
    with get_database(app).sessions() as session:
        message_id = session.scalar(select(InboxMessage.id))
    auth.post(f"/conseiller/messages/{message_id}/tri", {
        "intention": "demande_formation", "urgence": "normale",
        "lien": "demandeur:P-VENDEUSE"})
    result = cli.invoke(main, ["messages", "retrain"])
    assert result.exit_code == 0, result.output
    assert "version 2 saved" in result.output and "(1 confirmed or corrected" in result.output
    with get_database(app).sessions() as session:
        assert session.scalar(select(func.max(ClassifierVersion.version))) == 2


def test_demo_seeds_every_demo_counsellors_inbox_once(app: Flask, engine: Any) -> None:
    from webapp.cli.demo_accounts import seed
    from webapp.inbox.access import followed_employers
    from webapp.repositories.users import by_email

    with app.app_context(), get_database(app).sessions() as session:
        seed(session, engine)
        first = session.scalar(select(func.count(InboxMessage.id)))
        seed(session, engine)  # a second start adds nothing
        assert session.scalar(select(func.count(InboxMessage.id))) == first
        for number in (1, 2):
            counsellor = by_email(session, f"conseiller{number}@demo.emploi.test")
            assert counsellor is not None and followed_employers(session, counsellor)
            messages = session.scalars(select(InboxMessage).where(
                InboxMessage.counsellor_id == counsellor.id)).all()
            assert len(messages) >= 3
            kinds = {m.triage.link_kind for m in messages if m.triage is not None}
            assert kinds <= {"demandeur", "offre", None}
            assert all(m.sender is not None and m.sender.email.endswith("@demo.emploi.test")
                       for m in messages)


def test_admin_link_makes_a_counsellor_follow_an_employer(app: Flask,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    import webapp.cli.admin as admin
    from webapp.inbox.access import followed_employers
    from webapp.repositories.users import by_email

    monkeypatch.setattr(admin, "_app", lambda _ctx: app)
    runner = CliRunner()
    result = runner.invoke(main, ["admin", "link", "--email", ACCOUNTS["counsellor2"].email,
                                  "--target", ACCOUNTS["employer"].email])
    assert result.exit_code == 0, result.output
    unknown = runner.invoke(main, ["admin", "link", "--email", ACCOUNTS["counsellor2"].email,
                                   "--target", ACCOUNTS["seeker"].email])
    assert unknown.exit_code == 2 and "no employer account" in unknown.output
    with get_database(app).sessions() as session:
        counsellor = by_email(session, ACCOUNTS["counsellor2"].email)
        assert counsellor is not None
        assert {e.email for e in followed_employers(session, counsellor)} == {
            ACCOUNTS["employer"].email, ACCOUNTS["employer2"].email}
