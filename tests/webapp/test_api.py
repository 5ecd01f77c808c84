"""The JSON API under /api/v1: tokens, pagination, matching, tags, contacts."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event

from indexer.models import Offer, Profile
from matcher.engine import Engine
from tests.webapp.conftest import bearer, count_offer_reads, pseudonym_of
from webapp.db import get_database

RESULT_KEYS = {"score", "explanation"}
PAGE_KEYS = {"items", "page", "per_page", "total", "pages", "links"}


def _assert_results(data: Any) -> None:
    assert isinstance(data, list)
    for row in data:
        assert set(row) >= RESULT_KEYS
        keys = {"components", "matched_skills", "missing_skills", "distance_km", "filters"}
        assert keys <= set(row["explanation"])


def _page(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.get_data(as_text=True)
    data: dict[str, Any] = response.get_json()
    assert set(data) == PAGE_KEYS
    _assert_results(data["items"]) if data["items"] and "score" in data["items"][0] else None
    return data


def test_missing_or_bad_token_is_401(client: FlaskClient) -> None:
    for headers in ({}, bearer("ie_faux"), {"Authorization": "Basic eDp5"}):
        response = client.get("/api/v1/me", headers=headers)
        assert response.status_code == 401, headers
        assert response.is_json and "error" in response.get_json()
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_me(client: FlaskClient, token: dict[str, str]) -> None:
    data = client.get("/api/v1/me", headers=bearer(token["seeker"])).get_json()
    assert data["role"] == "seeker" and data["profile_id"] == "P-VENDEUSE"
    assert "password_hash" not in data


def test_offers_for_own_profile_paginated(client: FlaskClient, token: dict[str, str],
                                          profile: Profile) -> None:
    url = f"/api/v1/profiles/{profile.id}/offers"
    data = _page(client.get(url, query_string={"widen": "1", "per_page": "2"},
                            headers=bearer(token["seeker"])))
    assert 1 <= len(data["items"]) <= 2 and data["per_page"] == 2
    scores = [row["score"] for row in data["items"]]
    assert scores == sorted(scores, reverse=True)
    assert data["total"] >= len(data["items"])
    assert data["links"]["first"].endswith("page=1&per_page=2") or "page=1" in data["links"][
        "first"]
    if data["total"] > 2:
        assert data["links"]["next"] is not None
        second = _page(client.get(data["links"]["next"], headers=bearer(token["seeker"])))
        assert second["page"] == 2
        assert not {r["id"] for r in second["items"]} & {r["id"] for r in data["items"]}
    assert data["links"]["prev"] is None


def test_top_ranks_fewer_offers_and_keeps_their_order(client: FlaskClient,
                                                     token: dict[str, str],
                                                     profile: Profile) -> None:
    url = f"/api/v1/profiles/{profile.id}/offers"
    every = _page(client.get(url, headers=bearer(token["seeker"])))
    one = _page(client.get(url, query_string={"top": "1"}, headers=bearer(token["seeker"])))
    assert every["total"] >= 2 and one["total"] == 1
    assert [r["id"] for r in one["items"]] == [r["id"] for r in every["items"][:1]]
    assert all(r["level"] in ("très proche", "proche", "piste à explorer")
               for r in every["items"])  # only matches: nothing below the floor


def test_a_ranking_shown_again_reads_no_offer(client: FlaskClient, token: dict[str, str],
                                             profile: Profile, engine: Engine,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """The ranking comes from the matcher's cache and the summaries from the collection's
    views: the second request decodes no offer (it decoded every shown offer before)."""
    url = f"/api/v1/profiles/{profile.id}/offers"
    first = _page(client.get(url, headers=bearer(token["seeker"])))
    assert first["items"]
    reads = count_offer_reads(engine, monkeypatch)
    assert _page(client.get(url, headers=bearer(token["seeker"]))) == first
    assert reads == []


def test_a_token_request_reads_the_account_once(app: Flask, client: FlaskClient,
                                                token: dict[str, str],
                                                profile: Profile) -> None:
    """The token and its account come in one query, the profile's access in another: no
    lazy load of the account (a query per API request)."""
    url = f"/api/v1/profiles/{profile.id}/offers"
    _page(client.get(url, headers=bearer(token["seeker"])))  # token marked used: a write
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    engine = get_database(app).engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        _page(client.get(url, headers=bearer(token["seeker"])))
    finally:
        event.remove(engine, "before_cursor_execute", record)
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 2, selects
    assert "api_tokens" in selects[0] and "users" in selects[0]


def test_page_past_the_end_is_empty(client: FlaskClient, token: dict[str, str],
                                    profile: Profile) -> None:
    data = _page(client.get(f"/api/v1/profiles/{profile.id}/offers?page=500",
                            headers=bearer(token["seeker"])))
    assert data["items"] == [] and data["links"]["next"] is None


@pytest.mark.parametrize(("query", "name"), [
    ("page=0", "page"), ("page=x", "page"), ("per_page=101", "per_page"),
    ("per_page=0", "per_page"), ("widen=peut-etre", "widen"), ("top=0", "top"),
    ("top=x", "top")])
def test_bad_parameters(client: FlaskClient, token: dict[str, str], profile: Profile,
                        query: str, name: str) -> None:
    response = client.get(f"/api/v1/profiles/{profile.id}/offers?{query}",
                          headers=bearer(token["seeker"]))
    assert response.status_code == 400
    assert f"« {name} »" in response.get_json()["error"]


def test_unknown_ids_are_json_404(client: FlaskClient, token: dict[str, str]) -> None:
    for name, url in (("seeker", "/api/v1/profiles/nope/offers"),
                      ("employer", "/api/v1/offers/nope/candidates"),
                      ("seeker", "/api/v1/nothing-here")):
        response = client.get(url, headers=bearer(token[name]))
        assert response.status_code == 404, url
        assert response.is_json and "error" in response.get_json()
    response = client.post("/api/v1/profiles/nope/preview", json={},
                           headers=bearer(token["counsellor"]))
    assert response.status_code == 404 and response.is_json


def test_candidates_are_pseudonymous(client: FlaskClient, token: dict[str, str], offer: Offer,
                                     personal_strings: list[str], engine: Any) -> None:
    response = client.get(f"/api/v1/offers/{offer.id}/candidates?per_page=100",
                          headers=bearer(token["employer"]))
    data = _page(response)["items"]
    assert data and all(row["pseudonym"].startswith("C-") for row in data)
    body = response.get_data(as_text=True)
    for value in [*personal_strings, *engine.profiles.ids()]:
        assert value not in body
    for forbidden in ("id", "personal", "email", "phone", "birth_year", "nationality",
                      "summary"):
        assert all(forbidden not in row for row in data)
    assert all("experience_years" in row for row in data)


def test_own_offers(client: FlaskClient, token: dict[str, str]) -> None:
    data = _page(client.get("/api/v1/offers", headers=bearer(token["employer"])))
    assert {row["id"] for row in data["items"]} == {"OF-VENTE-1", "OF-VENTE-2", "OF-COMPTA-1"}


def test_search_is_public_and_paginated(client: FlaskClient, engine: Any, offer: Offer) -> None:
    assert offer.place is not None and offer.place.commune
    response = client.get("/api/v1/search", query_string={
        "text": offer.title, "commune": offer.place.commune, "radius": "30",
        "contract": offer.contract_type or "", "per_page": "5"})
    data = _page(response)
    assert len(data["items"]) <= 5
    name = engine.gazetteer.commune(offer.place.commune).name
    assert client.get("/api/v1/search", query_string={"text": offer.title,
                                                      "commune": name}).status_code == 200


@pytest.mark.parametrize(("query", "name"), [
    ("", "text"), ("text=x&radius=abc", "radius"), ("text=x&radius=0", "radius"),
    ("text=x&radius=nan", "radius"), ("text=x&contract=ZZZ", "contract"),
    ("text=x&commune=Xqzwvkj", "commune"), ("text=x&commune=99999", "commune"),
    ("text=x&per_page=many", "per_page")])
def test_search_bad_parameters(client: FlaskClient, query: str, name: str) -> None:
    response = client.get(f"/api/v1/search?{query}")
    assert response.status_code == 400
    assert f"« {name} »" in response.get_json()["error"]


def test_preview(client: FlaskClient, token: dict[str, str], engine: Any,
                 profile: Profile) -> None:
    add = engine.offers.get("OF-COMPTA-1").skills[0]
    body = {"add_skills": [{"code": add.code, "label": add.label}],
            "remove_skills": [t.code or t.label for t in profile.skills],
            "add_occupations": ["M1203"], "remove_occupations": ["D1214"]}
    response = client.post(f"/api/v1/profiles/{profile.id}/preview?top=2", json=body,
                           headers=bearer(token["counsellor"]))
    assert response.status_code == 200
    data = response.get_json()
    assert set(data) == {"before", "after", "entered", "left", "moved", "notes"}
    _assert_results(data["before"])
    _assert_results(data["after"])
    after_ids = {row["id"] for row in data["after"]}
    before_ids = {row["id"] for row in data["before"]}
    assert set(data["entered"]) == after_ids - before_ids
    assert set(data["left"]) == before_ids - after_ids
    assert "OF-COMPTA-1" in data["entered"]


@pytest.mark.parametrize(("body", "name"), [
    ("not json", "body"), ([], "body"), ({"add_skills": "x"}, "add_skills"),
    ({"add_skills": [{"code": "1"}]}, "add_skills.0.label"),
    ({"remove_skills": [1]}, "remove_skills.0"), ({"other": 1}, "other"),
    ({"weights": {"100010": 9}}, "weights"), ({"add_occupations": ["Z9999"]},
                                              "add_occupations")])
def test_preview_bad_body(client: FlaskClient, token: dict[str, str], profile: Profile,
                          body: Any, name: str) -> None:
    data = body if isinstance(body, str) else json.dumps(body)
    response = client.post(f"/api/v1/profiles/{profile.id}/preview", data=data,
                           content_type="application/json", headers=bearer(token["counsellor"]))
    assert response.status_code == 400
    assert f"« {name} »" in response.get_json()["error"]


def test_save_and_undo_tags(client: FlaskClient, token: dict[str, str], engine: Any,
                            profile: Profile) -> None:
    headers = bearer(token["counsellor"])
    url = f"/api/v1/profiles/{profile.id}"
    saved = client.post(f"{url}/tags", headers=headers, json={
        "add_skills": [{"code": "100030", "label": "Établir un bilan comptable"}],
        "weights": {"100010": 2.0}, "reason": "Formation en comptabilité"})
    assert saved.status_code == 201, saved.get_json()
    entry = saved.get_json()
    assert entry["author"] == "Counsellor" and entry["reason"] == "Formation en comptabilité"
    current = client.get(url, headers=headers).get_json()
    assert "100030" in [s["code"] for s in current["skills"]]
    assert engine.profiles.get(profile.id).skills[0].weight == 2.0  # the index follows
    edits = _page(client.get(f"{url}/tag-edits", headers=bearer(token["seeker"])))
    assert [e["id"] for e in edits["items"]] == [entry["id"]]
    undone = client.post(f"{url}/tag-edits/{entry['id']}/undo", headers=headers)
    assert undone.status_code == 201
    assert undone.get_json()["undo_of"] == entry["id"]
    restored = client.get(url, headers=headers).get_json()
    assert [s["code"] for s in restored["skills"]] == [s.code for s in profile.skills]
    assert [s["weight"] for s in restored["skills"]] == [1.0, 1.0]
    again = client.post(f"{url}/tag-edits/{entry['id']}/undo", headers=headers)
    assert again.status_code == 409


def test_save_without_change_is_409(client: FlaskClient, token: dict[str, str],
                                    profile: Profile) -> None:
    response = client.post(f"/api/v1/profiles/{profile.id}/tags",
                           headers=bearer(token["counsellor"]), json={"reason": "rien"})
    assert response.status_code == 409


def test_suggest_includes_esco_kinds(client: FlaskClient, token: dict[str, str],
                                     profile: Profile) -> None:
    label = profile.skills[0].label
    response = client.get("/api/v1/taxonomy/suggest", headers=bearer(token["counsellor"]),
                          query_string={"q": label[:6], "kinds": "item,esco_skill", "top": "5"})
    assert response.status_code == 200
    data = response.get_json()
    assert isinstance(data, list) and 1 <= len(data) <= 5
    assert all({"kind", "code", "label", "score"} <= set(row) for row in data)
    assert all(row["kind"] in ("item", "esco_skill") for row in data)


@pytest.mark.parametrize(("query", "name"), [("", "q"), ("q=pain&kinds=planet", "kinds"),
                                              ("q=pain&top=x", "top")])
def test_suggest_bad_parameters(client: FlaskClient, token: dict[str, str], query: str,
                                name: str) -> None:
    response = client.get(f"/api/v1/taxonomy/suggest?{query}",
                          headers=bearer(token["counsellor"]))
    assert response.status_code == 400
    assert f"« {name} »" in response.get_json()["error"]


def test_contact_request_flow(app: Flask, client: FlaskClient, token: dict[str, str],
                              engine: Any, offer: Offer) -> None:
    pseudonym = pseudonym_of(app, "employer", "P-VENDEUSE")
    created = client.post("/api/v1/contact-requests", headers=bearer(token["employer"]),
                          json={"offer_id": offer.id, "pseudonym": pseudonym,
                                "message": "Bonjour"})
    assert created.status_code == 201
    request_id = created.get_json()["id"]
    assert created.get_json()["contact"] is None
    received = _page(client.get("/api/v1/contact-requests", headers=bearer(token["seeker"])))
    assert [r["id"] for r in received["items"]] == [request_id]
    assert "pseudonym" not in received["items"][0]
    other = client.post(f"/api/v1/contact-requests/{request_id}/answer",
                        headers=bearer(token["seeker2"]), json={"accept": True})
    assert other.status_code == 404
    answered = client.post(f"/api/v1/contact-requests/{request_id}/answer",
                           headers=bearer(token["seeker"]), json={"accept": True})
    assert answered.get_json()["status"] == "accepted"
    sent = _page(client.get("/api/v1/contact-requests", headers=bearer(token["employer"])))
    assert sent["items"][0]["contact"]["email"] == "camille.durand@example.org"
    assert _page(client.get("/api/v1/contact-requests", headers=bearer(token["employer2"])
                            ))["items"] == []


def test_contact_request_needs_a_candidate_of_ones_offer(app: Flask, client: FlaskClient,
                                                         token: dict[str, str],
                                                         engine: Any) -> None:
    pseudonym = pseudonym_of(app, "employer2", "P-VENDEUSE")
    not_mine = client.post("/api/v1/contact-requests", headers=bearer(token["employer2"]),
                           json={"offer_id": "OF-VENTE-1", "pseudonym": pseudonym})
    assert not_mine.status_code == 404
    unknown = client.post("/api/v1/contact-requests", headers=bearer(token["employer"]),
                          json={"offer_id": "OF-VENTE-1", "pseudonym": "C-00000000"})
    assert unknown.status_code == 404


def test_export_and_erase(client: FlaskClient, token: dict[str, str], engine: Any) -> None:
    exported = client.get("/api/v1/me/export", headers=bearer(token["seeker"])).get_json()
    assert exported["account"]["email"] == "vendeuse@test.example"
    assert exported["profile"]["personal"]["name"] == "Camille Durand"
    assert client.delete("/api/v1/me", headers=bearer(token["seeker"])).status_code == 204
    assert engine.profiles.get("P-VENDEUSE") is None
    assert client.get("/api/v1/me", headers=bearer(token["seeker"])).status_code == 401


def test_users_for_admin_only(client: FlaskClient, token: dict[str, str]) -> None:
    data = _page(client.get("/api/v1/users?per_page=100", headers=bearer(token["admin"])))
    assert data["total"] == 7
    assert client.get("/api/v1/users", headers=bearer(token["counsellor"])).status_code == 403


def test_openapi_document(client: FlaskClient) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"].startswith("3.")
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    routes = {rule.rule.removeprefix("/api/v1").replace("<", "{").replace(">", "}")
              .replace("{int:", "{") for rule in client.application.url_map.iter_rules()
              if rule.rule.startswith("/api/v1")}  # the territory API included
    assert routes == set(document["paths"])


def test_method_not_allowed_is_json(client: FlaskClient, token: dict[str, str],
                                    profile: Profile) -> None:
    response = client.get(f"/api/v1/profiles/{profile.id}/preview",
                          headers=bearer(token["counsellor"]))
    assert response.status_code == 405
    assert response.is_json
