"""The inbox pages: seekers and employers write to their counsellor, the counsellor sees the
messages triaged and sorted, confirms or corrects in one click, answers with the filled
template (no e-mail sent), retrains, and opens both diagnoses; every route checks who asks."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, event, select

from matcher.inbox.classifier import InboxClassifier
from matcher.inbox.intents import Intent
from matcher.inbox.message import Message, SenderRole
from tests.webapp.conftest import ACCOUNTS, AuthActions
from webapp.db import get_database
from webapp.inbox import versions
from webapp.inbox.models import ClassifierVersion, InboxMessage, TriageCorrection
from webapp.models import CounsellorAssignment
from webapp.repositories import users

ABSENCE = ("Rendez-vous de demain",
           "Bonjour, je ne pourrai pas venir au rendez-vous de demain à 10 h, mon fils est "
           "malade. Pouvez-vous me proposer une autre date ? Camille Durand")
TRAINING = ("Formation", "Bonjour, je voudrais suivre une formation de comptable, est-ce que "
                         "mon CPF peut la financer ? Merci")


def write(auth: AuthActions, account: str, subject: str, body: str,
          **extra: str) -> Any:
    """Sign in as ``account`` and write to one's counsellor."""
    auth.login(account)
    url = "/chercheur/messages" if account.startswith("seeker") else "/employeur/messages"
    return auth.post(url, {"objet": subject, "texte": body, **extra})


def stored(app: Flask) -> list[InboxMessage]:
    """Every stored message, oldest first, with its triage loaded."""
    with get_database(app).sessions() as session:
        rows = list(session.scalars(select(InboxMessage).order_by(InboxMessage.id)))
        for row in rows:
            assert row.triage is not None
            _ = (row.replies, row.corrections, row.triage.proposals)
        return rows


def message_ids(html: str) -> list[int]:
    """The message ids in the order an inbox page lists them."""
    return [int(m) for m in re.findall(r'href="/conseiller/messages/(\d+)"', html)]


def test_a_seekers_message_lands_triaged_in_their_counsellors_inbox(
        app: Flask, client: FlaskClient, auth: AuthActions) -> None:
    response = write(auth, "seeker", *ABSENCE)
    assert response.status_code == 302
    assert "Message envoyé à Counsellor" in client.get("/chercheur/messages").get_data(
        as_text=True)
    [row] = stored(app)
    triage = row.triage
    assert triage is not None
    assert row.sender_role == SenderRole.SEEKER.value and row.source_file is None
    assert (triage.link_kind, triage.link_id) == ("demandeur", "P-VENDEUSE")
    assert triage.link_reason == "écrit depuis son compte"
    # the triage stored at arrival is the model's prediction on the message as sent
    model = InboxClassifier.load(versions.model_dir(app) / "inbox-classifier-v000001.json")
    [prediction] = model.predict([Message(ABSENCE[0], ABSENCE[1], SenderRole.SEEKER,
                                          ACCOUNTS["seeker"].email, "Seeker")])
    assert (triage.predicted_intent, triage.predicted_urgency) == (
        prediction.intent.value, prediction.urgency.value)
    assert triage.intent == triage.predicted_intent
    assert any(e["kind"] == "date" for e in triage.entities)
    auth.login("counsellor")
    html = client.get("/conseiller/messages").get_data(as_text=True)
    assert "Rendez-vous de demain" in html
    assert "Concerne : <strong>Camille Durand</strong>" in html  # by name for counsellors
    assert "Urgence" in html and "Date :" in html
    auth.login("counsellor2")  # another counsellor's inbox
    assert "Rendez-vous de demain" not in client.get("/conseiller/messages").get_data(
        as_text=True)
    assert client.get(f"/conseiller/messages/{row.id}").status_code == 404


def test_the_inbox_is_sorted_by_urgency_then_date_and_filtered(
        app: Flask, client: FlaskClient, auth: AuthActions) -> None:
    for number in range(3):
        assert write(auth, "seeker", f"Message {number}", f"Bonjour, question {number}."
                     ).status_code == 302
    first, second, third = (row.id for row in stored(app))
    auth.login("counsellor")
    for message_id, urgency in ((first, "haute"), (second, "basse"), (third, "normale")):
        assert auth.post(f"/conseiller/messages/{message_id}/tri",
                         {"intention": "autre", "urgence": urgency,
                          "lien": "demandeur:P-VENDEUSE"}).status_code == 302
    html = client.get("/conseiller/messages").get_data(as_text=True)
    assert message_ids(html) == [first, third, second]
    assert write(auth, "seeker", "Message 3", "Encore une question.").status_code == 302
    fourth = stored(app)[-1].id
    auth.login("counsellor")
    auth.post(f"/conseiller/messages/{fourth}/tri", {"intention": "autre", "urgence": "basse",
                                                     "lien": "demandeur:P-VENDEUSE"})
    html = client.get("/conseiller/messages").get_data(as_text=True)
    assert message_ids(html) == [first, third, fourth, second]  # newest first within basse
    urgent = client.get("/conseiller/messages?urgence=haute").get_data(as_text=True)
    assert message_ids(urgent) == [first]
    assert client.get("/conseiller/messages?urgence=rouge").status_code == 400
    assert client.get("/conseiller/messages?statut=perdu").status_code == 400


def test_message_page_fills_the_reply_and_marks_the_blanks(
        app: Flask, client: FlaskClient, auth: AuthActions) -> None:
    write(auth, "seeker", *ABSENCE)
    [row] = stored(app)
    auth.login("counsellor")
    auth.post(f"/conseiller/messages/{row.id}/tri", {"intention": "absence_rdv",
                                                     "urgence": "haute",
                                                     "lien": "demandeur:P-VENDEUSE"})
    html = client.get(f"/conseiller/messages/{row.id}").get_data(as_text=True)
    assert "Bonjour Camille Durand," in html  # the linked seeker's name
    assert "Bien cordialement,\nCounsellor" in html  # the counsellor's own name
    assert '<mark class="blank">[à compléter : nouvelle date proposée]</mark>' in html
    assert "Aucun courriel n&#39;est envoyé" in html
    assert 'href="/diagnostic/demandeur/P-VENDEUSE"' in html
    assert row.body in html.replace("&#39;", "'")  # the counsellor reads the whole message


def test_confirm_and_correct_in_one_click_are_kept(app: Flask, client: FlaskClient,
                                                   auth: AuthActions) -> None:
    write(auth, "seeker", *ABSENCE)
    [row] = stored(app)
    triage = row.triage
    assert triage is not None
    auth.login("counsellor")
    confirmed = auth.post(f"/conseiller/messages/{row.id}/tri", {
        "intention": triage.intent, "urgence": triage.urgency,
        "lien": "demandeur:P-VENDEUSE"}, follow_redirects=True)
    assert "Tri confirmé." in confirmed.get_data(as_text=True)
    other = next(i.value for i in Intent if i.value != triage.intent)
    corrected = auth.post(f"/conseiller/messages/{row.id}/tri", {
        "intention": other, "urgence": "basse", "lien": "demandeur:P-COMPTA"},
        follow_redirects=True)
    html = corrected.get_data(as_text=True)
    assert "Tri corrigé" in html and "Sophie Leroy" in html
    [after] = stored(app)
    assert after.triage is not None
    assert (after.triage.intent, after.triage.urgency, after.triage.link_id) == (
        other, "basse", "P-COMPTA")
    assert after.triage.predicted_intent == triage.predicted_intent  # what the model said
    assert [(c.intent, c.changed) for c in after.corrections] == [
        (triage.intent, triage.urgency != triage.predicted_urgency), (other, True)]


@pytest.mark.parametrize(("form", "message"), [
    ({"lien": "demandeur:P-AGRI"}, "pas suivi par vous"),     # another counsellor's seeker
    ({"lien": "offre:N-EXISTE-PAS"}, "offre inconnue"),
    ({"intention": "inconnue"}, "intention inconnue"),
])
def test_a_correction_may_only_name_ones_own_seekers_and_real_offers(
        app: Flask, auth: AuthActions, form: dict[str, str], message: str) -> None:
    write(auth, "seeker", *TRAINING)
    [row] = stored(app)
    auth.login("counsellor")
    response = auth.post(f"/conseiller/messages/{row.id}/tri",
                         {"intention": "autre", "urgence": "basse", **form})
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    [after] = stored(app)
    assert after.corrections == []


def test_reply_is_refused_while_a_blank_remains_then_stored_and_read_by_the_seeker(
        app: Flask, client: FlaskClient, auth: AuthActions) -> None:
    write(auth, "seeker", *ABSENCE)
    [row] = stored(app)
    auth.login("counsellor")
    draft = "Bonjour,\nje vous propose le [à compléter : nouvelle date proposée]."
    refused = auth.post(f"/conseiller/messages/{row.id}/reponse",
                        {"objet": "Re : rendez-vous", "texte": draft})
    assert refused.status_code == 400
    assert "Complétez ou retirez" in refused.get_data(as_text=True)
    assert draft.split("\n")[1] in refused.get_data(as_text=True)  # the draft is kept
    sent = auth.post(f"/conseiller/messages/{row.id}/reponse",
                     {"objet": "Re : rendez-vous",
                      "texte": "Bonjour,\nje vous propose jeudi 14 h à l'agence."})
    assert sent.status_code == 302
    [after] = stored(app)
    assert after.status == "repondu" and [r.body for r in after.replies] == [
        "Bonjour,\nje vous propose jeudi 14 h à l'agence."]
    assert message_ids(client.get("/conseiller/messages").get_data(as_text=True)) == []
    assert message_ids(client.get("/conseiller/messages?statut=repondu").get_data(
        as_text=True)) == [row.id]
    auth.login("seeker")
    mine = client.get("/chercheur/messages").get_data(as_text=True)
    assert "je vous propose jeudi 14 h" in mine and "Réponse de Counsellor" in mine


def test_an_employer_writes_about_an_offer_and_the_counsellor_opens_its_diagnosis(
        app: Flask, client: FlaskClient, auth: AuthActions) -> None:
    response = write(auth, "employer", "Candidats", "Avez-vous des candidats pour cette "
                     "offre ? Nous recevons jeudi.", offre="OF-VENTE-2")
    assert response.status_code == 302
    [row] = stored(app)
    assert row.triage is not None
    assert (row.triage.link_kind, row.triage.link_id) == ("offre", "OF-VENTE-2")
    assert write(auth, "employer", "x", "y", offre="OF-AGRI-1").status_code == 400
    auth.login("counsellor")
    html = client.get(f"/conseiller/messages/{row.id}").get_data(as_text=True)
    assert 'href="/diagnostic/offre/OF-VENTE-2"' in html
    assert client.get("/diagnostic/offre/OF-VENTE-2").status_code == 200
    auth.login("counsellor2")
    assert client.get(f"/conseiller/messages/{row.id}").status_code == 404


def test_who_may_write_to_whom(app: Flask, client: FlaskClient, auth: AuthActions) -> None:
    with get_database(app).sessions() as session:
        session.execute(delete(CounsellorAssignment)
                        .where(CounsellorAssignment.profile_id == "P-AGRI"))
        session.commit()
    auth.login("seeker2")
    assert "Aucun conseiller ne vous suit" in client.get("/chercheur/messages").get_data(
        as_text=True)
    refused = auth.post("/chercheur/messages", {"texte": "Bonjour"})
    assert refused.status_code == 400 and stored(app) == []
    assert write(auth, "seeker", "Objet", "").status_code == 400  # an empty message
    assert write(auth, "seeker", "Objet", "x" * 5001).status_code == 400


def test_a_reassigned_seekers_messages_leave_the_counsellors_inbox(
        app: Flask, client: FlaskClient, auth: AuthActions) -> None:
    write(auth, "seeker", *TRAINING)
    [row] = stored(app)
    with get_database(app).sessions() as session:
        session.execute(delete(CounsellorAssignment)
                        .where(CounsellorAssignment.profile_id == "P-VENDEUSE"))
        session.commit()
    auth.login("counsellor")
    assert client.get(f"/conseiller/messages/{row.id}").status_code == 404
    assert message_ids(client.get("/conseiller/messages?statut=tous").get_data(
        as_text=True)) == []


PAGES = [("counsellor", "/conseiller/messages"), ("counsellor", "/conseiller/employeurs"),
         ("seeker", "/chercheur/messages"), ("seeker", "/chercheur/diagnostic"),
         ("employer", "/employeur/messages")]


@pytest.mark.parametrize(("owner", "url"), PAGES)
def test_inbox_pages_of_other_roles_are_403(client: FlaskClient, auth: AuthActions,
                                            owner: str, url: str) -> None:
    assert client.get(url).status_code == 302  # anonymous: to the login form
    for role in ("seeker", "employer", "counsellor", "admin"):
        auth.login(role)
        status = client.get(url).status_code
        assert status in ((200, 302) if role == owner else (403,)), (role, url, status)
        auth.logout()


@pytest.mark.parametrize(("account", "url", "expected"), [
    ("seeker", "/diagnostic/demandeur/P-VENDEUSE", 200),
    ("seeker", "/diagnostic/demandeur/P-AGRI", 404),        # another seeker
    ("counsellor", "/diagnostic/demandeur/P-VENDEUSE", 200),
    ("counsellor2", "/diagnostic/demandeur/P-VENDEUSE", 404),  # not their seeker
    ("counsellor", "/diagnostic/demandeur/P-VENDEUR", 404),  # nobody's
    ("employer", "/diagnostic/demandeur/P-VENDEUSE", 403),
    ("employer", "/diagnostic/offre/OF-VENTE-1", 200),
    ("employer2", "/diagnostic/offre/OF-VENTE-1", 404),     # another employer's offer
    ("counsellor", "/diagnostic/offre/OF-VENTE-1", 200),    # follows its employer
    ("counsellor2", "/diagnostic/offre/OF-VENTE-1", 404),
    ("counsellor", "/diagnostic/offre/OF-SPORT-1", 404),     # an offer nobody owns
    ("seeker", "/diagnostic/offre/OF-VENTE-1", 403),
    ("admin", "/diagnostic/offre/OF-VENTE-1", 403),
])
def test_diagnosis_pages_authorization(client: FlaskClient, auth: AuthActions, account: str,
                                       url: str, expected: int) -> None:
    auth.login(account)
    assert client.get(url).status_code == expected


def test_forms_on_another_counsellors_message_are_404_and_need_csrf(
        app: Flask, client: FlaskClient, auth: AuthActions) -> None:
    write(auth, "seeker", *TRAINING)
    [row] = stored(app)
    auth.login("counsellor2")
    form = {"intention": "autre", "urgence": "basse", "objet": "x", "texte": "y"}
    assert auth.post(f"/conseiller/messages/{row.id}/tri", form).status_code == 404
    assert auth.post(f"/conseiller/messages/{row.id}/reponse", form).status_code == 404
    auth.login("employer")
    assert auth.post(f"/conseiller/messages/{row.id}/tri", form).status_code == 403
    assert auth.post("/conseiller/messages/reentrainer").status_code == 403
    auth.login("counsellor")
    assert client.post(f"/conseiller/messages/{row.id}/tri", data=form).status_code == 400
    assert client.post("/chercheur/messages", data={"texte": "x"}).status_code == 400
    [after] = stored(app)
    assert after.corrections == [] and after.replies == []


def test_seeker_diagnosis_page_renders_the_diagnosis(client: FlaskClient,
                                                     auth: AuthActions) -> None:
    auth.login("seeker")
    response = client.get("/chercheur/diagnostic", follow_redirects=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Mon diagnostic" in html
    assert "Vendeur en prêt-à-porter" in html or "D1214" in html
    assert "Les actions qui ouvriraient le plus d'offres" in html
    assert 'media="print"' in html and "print.js" in html
    auth.login("counsellor")
    html = client.get("/diagnostic/demandeur/P-VENDEUSE?rayon=50").get_data(as_text=True)
    assert "Diagnostic de Camille Durand" in html and "rayon de 50 km" in html
    assert client.get("/diagnostic/demandeur/P-VENDEUSE?rayon=-3").status_code == 400


def test_offer_diagnosis_highlights_the_flagged_passage(client: FlaskClient,
                                                        auth: AuthActions) -> None:
    auth.login("employer2")
    html = client.get("/diagnostic/offre/OF-AGRI-1").get_data(as_text=True)
    assert "Conformité de la rédaction" in html
    assert "<mark>Conducteur</mark>" in html and "À vérifier" in html
    assert "Proposition" in html and "Pourquoi" in html


def test_retraining_uses_the_corrections_and_the_next_message_gets_the_new_version(
        app: Flask, client: FlaskClient, auth: AuthActions) -> None:
    write(auth, "seeker", *TRAINING)
    [row] = stored(app)
    auth.login("counsellor")
    page = client.get("/conseiller/messages").get_data(as_text=True)
    assert "Rien de nouveau à apprendre" in page
    auth.post(f"/conseiller/messages/{row.id}/tri", {"intention": "demande_formation",
                                                     "urgence": "normale",
                                                     "lien": "demandeur:P-VENDEUSE"})
    response = auth.post("/conseiller/messages/reentrainer", follow_redirects=True)
    assert "Modèle n° 2 entraîné avec 1 message(s)" in response.get_data(as_text=True)
    with get_database(app).sessions() as session:
        latest = versions.latest(session)
        assert latest is not None and latest.version == 2 and latest.message_ids == [row.id]
        assert session.scalar(select(TriageCorrection.message_id)) == row.id
    assert (versions.model_dir(app) / latest.file_name).is_file()
    write(auth, "seeker", *ABSENCE)
    newest = stored(app)[-1]
    assert newest.triage is not None and newest.triage.model_version == 2


def test_the_inbox_of_hundreds_of_messages_is_paged_in_the_database(
        app: Flask, client: FlaskClient, auth: AuthActions) -> None:
    """The page reads one page of stored labels: its number of SQL statements does not grow
    with the inbox (the triage ran at arrival)."""
    from webapp.engine_ext import get_engine
    from webapp.inbox.arrival import Incoming, receive

    with app.app_context(), get_database(app).sessions() as session:
        counsellor = users.by_email(session, ACCOUNTS["counsellor"].email)
        assert counsellor is not None
        incoming = [Incoming(Message(f"Question {n}", f"Bonjour, une question n° {n} ?",
                                     sender=f"inconnu{n}@example.org"), counsellor=counsellor)
                    for n in range(300)]
        arrivals = receive(session, get_engine(), incoming)
        session.commit()
        assert sum(1 for a in arrivals if a.stored is not None) == 300
    auth.login("counsellor")
    statements: list[str] = []
    engine = get_database(app).engine
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        html = client.get("/conseiller/messages").get_data(as_text=True)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert "300 messages" in html and len(message_ids(html)) == 50
    assert "page 1 sur 6" in html
    assert len(statements) < 25, len(statements)
    assert len(message_ids(client.get("/conseiller/messages?page=6").get_data(
        as_text=True))) == 50
    with get_database(app).sessions() as session:
        assert session.scalar(select(ClassifierVersion.version)) == 1


def test_a_seekers_message_relinked_to_an_offer_still_leaves_with_the_seeker(
        app: Flask, client: FlaskClient, auth: AuthActions) -> None:
    write(auth, "seeker", *TRAINING)
    [row] = stored(app)
    auth.login("counsellor")
    auth.post(f"/conseiller/messages/{row.id}/tri", {"intention": "question_offre",
                                                     "urgence": "normale",
                                                     "lien": "offre:OF-VENTE-1"})
    assert client.get(f"/conseiller/messages/{row.id}").status_code == 200
    with get_database(app).sessions() as session:
        session.execute(delete(CounsellorAssignment)
                        .where(CounsellorAssignment.profile_id == "P-VENDEUSE"))
        session.commit()
    assert client.get(f"/conseiller/messages/{row.id}").status_code == 404


def test_an_unusable_model_file_is_replaced_by_a_new_version(app: Flask,
                                                             auth: AuthActions) -> None:
    """A model saved with another encoder or format (or damaged) is retrained from the dev
    set and the corrections, instead of failing every message."""
    from webapp.engine_ext import get_engine

    with app.app_context(), get_database(app).sessions() as session:
        row = versions.ensure_first(session, versions.model_dir(app), get_engine().encoder,
                                    versions.base_model(app))
        (versions.model_dir(app) / row.file_name).write_text('{"format": "autre"}')
    assert write(auth, "seeker", *TRAINING).status_code == 302
    [message] = stored(app)
    assert message.triage is not None and message.triage.model_version == 2
