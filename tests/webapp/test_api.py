"""The JSON API under /api/v1."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask.testing import FlaskClient

from indexer.models import Offer, Profile

RESULT_KEYS = {"id", "score", "explanation"}


def _assert_results(data: Any) -> None:
    assert isinstance(data, list)
    for row in data:
        assert set(row) >= RESULT_KEYS
        keys = {"components", "matched_skills", "missing_skills", "distance_km", "filters"}
        assert keys <= set(row["explanation"])


def test_offers_for_profile(client: FlaskClient, profile: Profile) -> None:
    response = client.get(f"/api/v1/profiles/{profile.id}/offers?top=2&widen=1")
    assert response.status_code == 200
    data = response.get_json()
    _assert_results(data)
    assert 1 <= len(data) <= 2
    assert "title" in data[0]
    scores = [row["score"] for row in data]
    assert scores == sorted(scores, reverse=True)


def test_top_is_capped_at_100(client: FlaskClient, profile: Profile) -> None:
    response = client.get(f"/api/v1/profiles/{profile.id}/offers?top=100000")
    assert response.status_code == 200
    assert len(response.get_json()) <= 100


@pytest.mark.parametrize(("query", "name"), [
    ("top=abc", "top"), ("top=0", "top"), ("top=-5", "top"), ("widen=peut-etre", "widen")])
def test_offers_for_profile_bad_parameters(client: FlaskClient, profile: Profile, query: str,
                                           name: str) -> None:
    response = client.get(f"/api/v1/profiles/{profile.id}/offers?{query}")
    assert response.status_code == 400
    assert response.is_json
    assert f"« {name} »" in response.get_json()["error"]


def test_unknown_ids_are_json_404(client: FlaskClient) -> None:
    for url in ("/api/v1/profiles/nope/offers", "/api/v1/offers/nope/candidates",
                "/api/v1/nothing-here"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.is_json and "error" in response.get_json()
    response = client.post("/api/v1/profiles/nope/preview", json={})
    assert response.status_code == 404 and response.is_json


def test_candidates_are_pseudonymous(client: FlaskClient, offer: Offer,
                                     personal_strings: list[str]) -> None:
    response = client.get(f"/api/v1/offers/{offer.id}/candidates?top=100")
    assert response.status_code == 200
    data = response.get_json()
    _assert_results(data)
    assert data and all(row["pseudonym"].startswith("C-") for row in data)
    body = response.get_data(as_text=True)
    for value in personal_strings:
        assert value not in body
    for forbidden in ("personal", "email", "phone", "birth_year", "nationality", "summary"):
        assert all(forbidden not in row for row in data)


def test_candidates_bad_top(client: FlaskClient, offer: Offer) -> None:
    response = client.get(f"/api/v1/offers/{offer.id}/candidates?top=1.5")
    assert response.status_code == 400
    assert "top" in response.get_json()["error"]


def test_search(client: FlaskClient, engine: Any, offer: Offer) -> None:
    assert offer.place is not None and offer.place.commune
    response = client.get("/api/v1/search", query_string={
        "text": offer.title, "commune": offer.place.commune, "radius": "30",
        "contract": offer.contract_type or "", "top": "5"})
    assert response.status_code == 200
    data = response.get_json()
    _assert_results(data)
    assert len(data) <= 5


def test_search_by_commune_name(client: FlaskClient, engine: Any, offer: Offer) -> None:
    assert offer.place is not None and offer.place.commune
    name = engine.gazetteer.commune(offer.place.commune).name
    response = client.get("/api/v1/search", query_string={"text": offer.title, "commune": name})
    assert response.status_code == 200


@pytest.mark.parametrize(("query", "name"), [
    ("", "text"), ("text=x&radius=abc", "radius"), ("text=x&radius=0", "radius"),
    ("text=x&radius=nan", "radius"), ("text=x&contract=ZZZ", "contract"),
    ("text=x&commune=Xqzwvkj", "commune"), ("text=x&commune=99999", "commune"),
    ("text=x&top=many", "top")])
def test_search_bad_parameters(client: FlaskClient, query: str, name: str) -> None:
    response = client.get(f"/api/v1/search?{query}")
    assert response.status_code == 400
    assert f"« {name} »" in response.get_json()["error"]


def test_preview(client: FlaskClient, engine: Any, profile: Profile) -> None:
    add = [s for pid in engine.offers.ids() for s in engine.offers.get(pid).skills][-1]
    body = {"add_skills": [{"code": add.code, "label": add.label}],
            "remove_skills": [t.code or t.label for t in profile.skills]}
    response = client.post(f"/api/v1/profiles/{profile.id}/preview?top=20", json=body)
    assert response.status_code == 200
    data = response.get_json()
    assert set(data) == {"before", "after", "entered", "left"}
    _assert_results(data["before"])
    _assert_results(data["after"])
    after_ids = {row["id"] for row in data["after"]}
    before_ids = {row["id"] for row in data["before"]}
    assert set(data["entered"]) == after_ids - before_ids
    assert set(data["left"]) == before_ids - after_ids


@pytest.mark.parametrize(("body", "name"), [
    ("not json", "body"), ([], "body"), ({"add_skills": "x"}, "add_skills"),
    ({"add_skills": [{"code": "1"}]}, "add_skills.0.label"),
    ({"remove_skills": [1]}, "remove_skills.0"), ({"other": 1}, "other")])
def test_preview_bad_body(client: FlaskClient, profile: Profile, body: Any, name: str) -> None:
    data = body if isinstance(body, str) else json.dumps(body)
    response = client.post(f"/api/v1/profiles/{profile.id}/preview", data=data,
                           content_type="application/json")
    assert response.status_code == 400
    assert f"« {name} »" in response.get_json()["error"]


def test_suggest(client: FlaskClient, engine: Any, profile: Profile) -> None:
    label = profile.skills[0].label
    response = client.get("/api/v1/taxonomy/suggest", query_string={
        "q": label[:6], "kinds": "item", "top": "5"})
    assert response.status_code == 200
    data = response.get_json()
    assert isinstance(data, list) and len(data) <= 5
    assert all({"kind", "code", "label", "score"} <= set(row) for row in data)
    assert all(row["kind"] == "item" for row in data)


@pytest.mark.parametrize(("query", "name"), [("", "q"), ("q=pain&kinds=planet", "kinds"),
                                              ("q=pain&top=x", "top")])
def test_suggest_bad_parameters(client: FlaskClient, query: str, name: str) -> None:
    response = client.get(f"/api/v1/taxonomy/suggest?{query}")
    assert response.status_code == 400
    assert f"« {name} »" in response.get_json()["error"]


def test_method_not_allowed_is_json(client: FlaskClient, profile: Profile) -> None:
    response = client.get(f"/api/v1/profiles/{profile.id}/preview")
    assert response.status_code == 405
    assert response.is_json
