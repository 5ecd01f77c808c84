"""The inbox, message and diagnosis endpoints of the JSON API: same rules as the pages."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.webapp.conftest import bearer

ABSENCE = {"subject": "Rendez-vous de demain",
           "body": "Bonjour, je ne pourrai pas venir au rendez-vous de demain à 10 h. "
                   "Camille Durand, 06 39 98 00 01"}


def write(client: FlaskClient, token: str, data: dict[str, Any] | None = None) -> Any:
    return client.post("/api/v1/messages", json=data or ABSENCE, headers=bearer(token))


def test_a_seeker_writes_and_the_counsellor_reads_corrects_and_answers(
        client: FlaskClient, token: dict[str, str]) -> None:
    created = write(client, token["seeker"])
    assert created.status_code == 201, created.get_json()
    message_id = created.get_json()["id"]
    listed = client.get("/api/v1/inbox/messages", headers=bearer(token["counsellor"]))
    assert listed.status_code == 200
    page = listed.get_json()
    assert page["total"] == 1 and page["page"] == 1
    [item] = page["items"]
    assert item["id"] == message_id and item["link"]["label"] == "Camille Durand"
    assert "06 39 98 00 01" not in item["excerpt"]  # lists mask phone numbers
    detail = client.get(f"/api/v1/inbox/messages/{message_id}",
                        headers=bearer(token["counsellor"])).get_json()
    assert "06 39 98 00 01" in detail["body"]  # the recipient reads the whole message
    assert detail["suggested_reply"]["body"].startswith("Bonjour Camille Durand,")
    corrected = client.post(f"/api/v1/inbox/messages/{message_id}/triage",
                            json={"intent": "demande_rdv", "urgency": "haute",
                                  "link": {"kind": "demandeur", "id": "P-COMPTA"}},
                            headers=bearer(token["counsellor"]))
    assert corrected.status_code == 200
    data = corrected.get_json()
    assert (data["intent"], data["urgency"], data["link"]["id"]) == (
        "demande_rdv", "haute", "P-COMPTA")
    assert data["suggested_reply"]["subject"] == "Re : Votre demande de rendez-vous"
    assert data["corrections"][-1]["changed"] is True
    blank = client.post(f"/api/v1/inbox/messages/{message_id}/replies",
                        json={"subject": "Re", "body": data["suggested_reply"]["body"]},
                        headers=bearer(token["counsellor"]))
    assert blank.status_code == 400 and "compléter" in blank.get_json()["error"]
    sent = client.post(f"/api/v1/inbox/messages/{message_id}/replies",
                       json={"subject": "Re", "body": "Jeudi 14 h à l'agence ?"},
                       headers=bearer(token["counsellor"]))
    assert sent.status_code == 201 and sent.get_json()["email_sent"] is False
    mine = client.get("/api/v1/messages", headers=bearer(token["seeker"])).get_json()
    assert mine["items"][0]["replies"][0]["body"] == "Jeudi 14 h à l'agence ?"
    answered = client.get("/api/v1/inbox/messages?status=a_traiter",
                          headers=bearer(token["counsellor"])).get_json()
    assert answered["total"] == 0


def test_an_employer_writes_about_one_of_their_offers(client: FlaskClient,
                                                      token: dict[str, str]) -> None:
    body = {"subject": "Candidats", "body": "Des candidats pour jeudi ?",
            "offer_id": "OF-VENTE-1"}
    assert write(client, token["employer"], body).status_code == 201
    assert write(client, token["employer"], {**body, "offer_id": "OF-AGRI-1"}
                 ).status_code == 404
    [item] = client.get("/api/v1/inbox/messages", headers=bearer(token["counsellor"])
                        ).get_json()["items"]
    assert item["link"]["kind"] == "offre" and item["link"]["id"] == "OF-VENTE-1"
    assert client.get("/api/v1/inbox/messages", headers=bearer(token["counsellor2"])
                      ).get_json()["total"] == 0


def test_message_creation_checks_the_recipient(client: FlaskClient,
                                               token: dict[str, str]) -> None:
    assert write(client, token["seeker"], {**ABSENCE, "counsellor_id": 999_999}
                 ).status_code == 404
    assert write(client, token["seeker"], {"subject": "x", "body": ""}).status_code == 400
    assert write(client, token["seeker"], {**ABSENCE, "extra": 1}).status_code == 400
    assert write(client, token["counsellor"]).status_code == 403


INBOX = [("GET", "/api/v1/inbox/messages"), ("GET", "/api/v1/inbox/messages/{id}"),
         ("POST", "/api/v1/inbox/messages/{id}/triage"),
         ("POST", "/api/v1/inbox/messages/{id}/replies")]
BODIES = {"triage": {"intent": "autre", "urgency": "basse"},
          "replies": {"subject": "Re", "body": "Bien reçu."}}


@pytest.mark.parametrize(("method", "url"), INBOX)
def test_inbox_endpoints_roles_and_owners(client: FlaskClient, token: dict[str, str],
                                          method: str, url: str) -> None:
    message_id = write(client, token["seeker"]).get_json()["id"]
    url = url.format(id=message_id)
    body = BODIES.get(url.rsplit("/", 1)[-1])
    assert client.open(url, method=method, json=body).status_code == 401
    for name in ("seeker", "employer", "admin"):
        assert client.open(url, method=method, json=body,
                           headers=bearer(token[name])).status_code == 403
    other = client.open(url, method=method, json=body, headers=bearer(token["counsellor2"]))
    assert other.status_code == (200 if url.endswith("/messages") else 404)
    if url.endswith("/messages"):
        assert other.get_json()["total"] == 0
    assert client.open(url, method=method, json=body, headers=bearer(token["counsellor"])
                       ).status_code in (200, 201)


@pytest.mark.parametrize(("url", "allowed", "owner"), [
    ("/api/v1/diagnosis/seekers/P-VENDEUSE", ("seeker", "counsellor"),
     {"seeker", "counsellor"}),
    ("/api/v1/diagnosis/offers/OF-VENTE-1", ("employer", "counsellor"),
     {"employer", "counsellor"}),
])
def test_diagnosis_endpoints(client: FlaskClient, token: dict[str, str], url: str,
                             allowed: tuple[str, ...], owner: set[str]) -> None:
    assert client.get(url).status_code == 401
    for name in ("seeker", "seeker2", "employer", "employer2", "counsellor", "counsellor2",
                 "admin"):
        response = client.get(url, headers=bearer(token[name]))
        expected = 403 if name.rstrip("2") not in allowed else (200 if name in owner else 404)
        assert response.status_code == expected, (name, url, response.get_json())
        if expected == 200:
            data = response.get_json()
            assert data["sentences"] and isinstance(data["missing_data"], list)


def test_offer_diagnosis_json_holds_the_legality_flags(client: FlaskClient,
                                                       token: dict[str, str]) -> None:
    data = client.get("/api/v1/diagnosis/offers/OF-AGRI-1",
                      headers=bearer(token["employer2"])).get_json()
    [flag] = data["legality"]["flags"]
    assert (flag["field"], flag["passage"], flag["severity"]) == (
        "title", "Conducteur", "a_verifier")
    assert data["offer_id"] == "OF-AGRI-1"


def test_the_seekers_export_holds_their_messages_and_the_answers(
        client: FlaskClient, token: dict[str, str]) -> None:
    message_id = write(client, token["seeker"]).get_json()["id"]
    client.post(f"/api/v1/inbox/messages/{message_id}/replies",
                json={"subject": "Re", "body": "Bien reçu."},
                headers=bearer(token["counsellor"]))
    exported = client.get("/api/v1/me/export", headers=bearer(token["seeker"])).get_json()
    [message] = exported["messages"]
    assert message["body"] == ABSENCE["body"] and message["replies"][0]["body"] == "Bien reçu."
