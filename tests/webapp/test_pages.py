"""The HTML pages: home, seeker, employer, counsellor, offer detail."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask.testing import FlaskClient
from markupsafe import escape

from indexer.models import Offer, Profile


def _html(response: Any) -> str:
    return str(response.get_data(as_text=True))


def _explained_results(html: str) -> int:
    """How many results carry an explanation chart."""
    return html.count('class="score-chart"')


def test_home_presents_the_three_roles(client: FlaskClient) -> None:
    response = client.get("/")
    html = _html(response)
    assert response.status_code == 200
    assert '<html lang="fr">' in html
    for href in ("/chercheur", "/employeur", "/conseiller"):
        assert f'href="{href}"' in html


def test_every_input_has_a_label(client: FlaskClient, profile: Profile) -> None:
    pages = ["/chercheur", "/employeur", f"/conseiller?profil={profile.id}"]
    for page in pages:
        html = _html(client.get(page))
        ids = re.findall(r'<(?:input|select|textarea)(?![^>]*type="hidden")[^>]*\bid="([^"]+)"',
                         html)
        assert ids, page
        for element_id in ids:
            assert f'for="{element_id}"' in html, (page, element_id)


def test_seeker_form_lists_profiles_by_id_and_title(client: FlaskClient, engine: Any,
                                                    personal_strings: list[str]) -> None:
    html = _html(client.get("/chercheur"))
    for pid in engine.profiles.ids():
        assert f'value="{pid}"' in html
    for value in personal_strings:
        assert value not in html


def test_seeker_offers_for_a_profile(client: FlaskClient, profile: Profile) -> None:
    response = client.get("/chercheur", query_string={"profil": profile.id, "widen": "1"})
    html = _html(response)
    assert response.status_code == 200
    assert _explained_results(html) >= 1
    assert "Compétences en commun" in html and "Distance" in html
    assert "/offres/" in html


def test_seeker_unknown_profile_is_404(client: FlaskClient) -> None:
    response = client.get("/chercheur?profil=inconnu-42")
    assert response.status_code == 404
    assert "Profil inconnu" in _html(response)


def test_seeker_typed_search(client: FlaskClient, engine: Any, offer: Offer) -> None:
    assert offer.place is not None and offer.place.commune
    commune = engine.gazetteer.commune(offer.place.commune)
    response = client.get("/chercheur", query_string={
        "titles": offer.title, "skills": ", ".join(s.label for s in offer.skills),
        "commune": commune.name, "radius": "50"})
    assert response.status_code == 200
    assert _explained_results(_html(response)) >= 1


@pytest.mark.parametrize(("params", "name"), [
    ({"titles": "boulanger", "radius": "loin"}, "radius"),
    ({"titles": "boulanger", "radius": "-3"}, "radius"),
    ({"titles": "boulanger", "contract": "XYZ"}, "contract"),
    ({"titles": "boulanger", "commune": "Xqzwvkj"}, "commune"),
    ({"titles": "boulanger", "top": "dix"}, "top"),
])
def test_seeker_bad_parameters_are_400(client: FlaskClient, params: dict[str, str],
                                       name: str) -> None:
    response = client.get("/chercheur", query_string=params)
    assert response.status_code == 400
    assert f"« {name} »" in _html(response)


def test_employer_page_lists_offers(client: FlaskClient, offer: Offer) -> None:
    response = client.get("/employeur")
    assert response.status_code == 200
    assert f'value="{offer.id}"' in _html(response)


def test_employer_candidates_are_pseudonymous(client: FlaskClient, engine: Any, offer: Offer,
                                              personal_strings: list[str]) -> None:
    response = client.get("/employeur", query_string={"offre": offer.id, "top": "100"})
    html = _html(response)
    assert response.status_code == 200
    assert personal_strings, "the fixtures must seed personal data for this test to mean much"
    for value in personal_strings:
        assert value not in html
    pseudonyms = {engine.profiles.get(pid).pseudonym for pid in engine.profiles.ids()}
    assert any(p in html for p in pseudonyms)
    assert _explained_results(html) >= 1
    for pid in engine.profiles.ids():  # ids are not shown either
        assert f">{pid}<" not in html


def test_employer_unknown_offer_is_404(client: FlaskClient) -> None:
    response = client.get("/employeur?offre=inconnue-42")
    assert response.status_code == 404
    assert "Offre inconnue" in _html(response)


def test_offer_detail(client: FlaskClient, offer: Offer) -> None:
    response = client.get(f"/offres/{offer.id}")
    assert response.status_code == 200
    assert str(escape(offer.title)) in _html(response)


def test_offer_description_is_escaped(client: FlaskClient, engine: Any, offer: Offer,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    hostile = offer.model_copy(update={"description": "Avant <script>alert(1)</script> après"})
    original = engine.offers.get
    monkeypatch.setattr(engine.offers, "get",
                        lambda oid: hostile if oid == offer.id else original(oid))
    html = _html(client.get(f"/offres/{offer.id}"))
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_offer_detail_unknown_is_404_with_message(client: FlaskClient) -> None:
    response = client.get("/offres/inconnue-42")
    assert response.status_code == 404
    assert "inconnue-42" in _html(response)
    assert response.mimetype == "text/html"


def test_counsellor_search_form(client: FlaskClient) -> None:
    response = client.get("/conseiller")
    assert response.status_code == 200
    assert 'name="profil"' in _html(response)


def test_counsellor_opens_a_profile_with_remove_checkboxes(client: FlaskClient,
                                                           profile: Profile) -> None:
    html = _html(client.get("/conseiller", query_string={"profil": profile.id}))
    for tag in profile.skills:
        assert f'name="remove" value="{tag.code or tag.label}"' in html
    assert 'data-suggest-url="/api/v1/taxonomy/suggest"' in html
    assert "suggest.js" in html


def test_counsellor_unknown_profile_is_404(client: FlaskClient) -> None:
    assert client.get("/conseiller?profil=inconnu-42").status_code == 404
    assert client.post("/conseiller", data={"profil": "inconnu-42"}).status_code == 404


def test_counsellor_add_keeps_pending_tags_in_the_form(client: FlaskClient, engine: Any,
                                                       profile: Profile) -> None:
    label = "Compétence imaginaire du test"
    html = _html(client.post("/conseiller", data={
        "profil": profile.id, "nouvelle": label, "action": "ajouter"}))
    assert f'name="add" value="|{label}" checked' in html
    assert "Aperçu" not in html


def test_counsellor_preview_shows_before_and_after(client: FlaskClient, profile: Profile,
                                                   engine: Any) -> None:
    other_skills = [s for pid in engine.offers.ids() for s in engine.offers.get(pid).skills]
    add = other_skills[-1]
    response = client.post("/conseiller", data={
        "profil": profile.id, "remove": [t.code or t.label for t in profile.skills],
        "add": [f"{add.code or ''}|{add.label}"], "action": "previsualiser"})
    html = _html(response)
    assert response.status_code == 200
    assert re.search(r"\+\d+ offres entrent, −\d+ sortent", html)
    assert "Avant (" in html and "Après (" in html
    assert "Offres qui entrent" in html and "Offres qui sortent" in html


def test_static_files_are_served(client: FlaskClient) -> None:
    for name in ("style.css", "suggest.js"):
        response = client.get(f"/static/{name}")
        assert response.status_code == 200
        response.close()
