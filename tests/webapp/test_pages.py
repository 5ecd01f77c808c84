"""The HTML pages: home, public search, seeker, employer, counsellor, offer detail."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape

from indexer.models import Offer, Profile
from tests.webapp.conftest import AuthActions, pseudonym_of


def _html(response: Any) -> str:
    return str(response.get_data(as_text=True))


def _explained_results(html: str) -> int:
    """How many results carry an explanation chart."""
    return html.count('class="score-chart"')


def test_home_presents_the_roles(client: FlaskClient) -> None:
    response = client.get("/")
    html = _html(response)
    assert response.status_code == 200
    assert '<html lang="fr">' in html
    assert 'href="/recherche"' in html and 'action="/recherche"' in html
    for target in ("/chercheur", "/employeur", "/conseiller"):  # sign in, then go there
        assert f'href="/connexion?next={target}"' in html


@pytest.mark.parametrize(("name", "own", "others"), [
    ("seeker", ["/chercheur", "/chercheur/enregistrees", "/chercheur/contacts"],
     ["/employeur", "/conseiller", "/territoire", "/admin"]),
    ("employer", ["/employeur", "/employeur/contacts"], ["/chercheur", "/conseiller", "/admin"]),
    ("counsellor", ["/conseiller", "/territoire"], ["/chercheur", "/employeur\"", "/admin"]),
    ("admin", ["/admin/utilisateurs"], ["/chercheur", "/employeur", "/conseiller"]),
])
def test_home_adapts_to_the_role_and_links_only_pages_it_may_open(
        client: FlaskClient, auth: AuthActions, name: str, own: list[str],
        others: list[str]) -> None:
    auth.login(name)
    html = _html(client.get("/"))
    main = html[html.index("<main"):html.index("</main>")]
    for href in own:
        assert f'href="{href}' in html, href
    for href in others:
        assert f'href="{href}' not in main, href
    for link in set(re.findall(r'href="(/[^"#?]*)', main)):
        assert client.get(link).status_code == 200, link  # never a 403 from the home page


@pytest.mark.parametrize(("name", "pages"), [
    ("seeker", ["/chercheur", "/chercheur/profil", "/chercheur/effacer", "/compte"]),
    ("employer", ["/employeur", "/employeur?offre=OF-VENTE-1"]),
    ("counsellor", ["/conseiller", "/conseiller?profil=P-VENDEUSE"]),
    ("admin", ["/admin/utilisateurs"]),
    (None, ["/recherche", "/connexion"]),
])
def test_every_input_has_a_label(client: FlaskClient, auth: AuthActions, name: str | None,
                                 pages: list[str]) -> None:
    if name:
        auth.login(name)
    seen = 0
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        html = _html(response)
        ids = re.findall(r'<(?:input|select|textarea)(?![^>]*type="hidden")[^>]*\bid="([^"]+)"',
                         html)
        seen += len(ids)
        for element_id in ids:
            assert f'for="{element_id}"' in html, (page, element_id)
    assert seen


def test_seeker_sees_offers_for_their_own_profile(client: FlaskClient, auth: AuthActions,
                                                  profile: Profile) -> None:
    auth.login("seeker")
    response = client.get("/chercheur", query_string={"widen": "1"})
    html = _html(response)
    assert response.status_code == 200
    assert _explained_results(html) >= 1
    assert "Compétences en commun" in html and "Distance" in html
    assert "Pourquoi ce résultat ?" in html and "/offres/" in html
    assert "Proximité de métier</dt>" in html
    assert not re.search(r"\([A-N]\d{4}\)", html)                  # occupations by name only


def test_a_thin_list_says_why_and_what_would_widen_it(client: FlaskClient, auth: AuthActions,
                                                      engine: Any, profile: Profile) -> None:
    engine.write_profiles(upserts=[profile.model_copy(update={"radius_km": 1.0})])
    auth.login("seeker")
    html = client.get("/chercheur").get_data(as_text=True)
    assert "Peu d’offres correspondent" in html or "Aucune offre ne correspond" in html
    assert "de votre métier" in html
    assert "seulement 1 offre de votre métier (Vendeur / Vendeuse en prêt-à-porter)" in html
    assert re.search(r"métier proche « Comptable » : \+1 offre dans votre rayon de 1 km", html)
    assert 'href="#rayon">Mes critères</a>' in html and 'id="rayon"' in html


def test_a_thin_list_never_offers_what_it_already_shows(client: FlaskClient,
                                                         auth: AuthActions) -> None:
    auth.login("seeker")
    html = client.get("/chercheur").get_data(as_text=True)
    notice = html.split('class="panel thin-list"')[1].split("</div>")[0]
    listed = html.split(notice, 1)[1]
    assert "Vendeur en articles de sport" in listed          # shown, a D1211 offer
    assert "articles de sport" not in notice                  # so not offered as a widening
    assert "Comptable" in notice


def test_seeker_bad_parameter_is_400(client: FlaskClient, auth: AuthActions) -> None:
    auth.login("seeker")
    response = client.get("/chercheur?widen=peut-etre")
    assert response.status_code == 400
    assert "Élargir aux métiers proches : valeur attendue" in _html(response)


def test_public_search(client: FlaskClient, engine: Any, offer: Offer) -> None:
    assert offer.place is not None and offer.place.commune
    commune = engine.gazetteer.commune(offer.place.commune)
    response = client.get("/recherche", query_string={
        "titles": offer.title, "skills": ", ".join(s.label for s in offer.skills),
        "commune": commune.name, "radius": "50"})
    assert response.status_code == 200
    assert _explained_results(_html(response)) >= 1


@pytest.mark.parametrize(("params", "name", "label"), [
    ({"titles": "boulanger", "radius": "loin"}, "radius", "Distance"),
    ({"titles": "boulanger", "radius": "-3"}, "radius", "Distance"),
    ({"titles": "boulanger", "contract": "XYZ"}, "contract", "Type de contrat"),
    ({"titles": "boulanger", "commune": "Xqzwvkj"}, "commune", "Commune"),
    ({"titles": "boulanger", "tri": "prix"}, "tri", "Tri"),
    ({"titles": "boulanger", "temps": "nuit"}, "temps", "Temps de travail"),
    ({"titles": "boulanger", "experience": "10"}, "experience", "Expérience"),
    ({"titles": "boulanger", "depuis": "2"}, "depuis", "Date de publication"),
    ({"titles": "boulanger", "page": "0"}, "page", "Page"),
])
def test_search_bad_parameters_are_400(client: FlaskClient, params: dict[str, str],
                                       name: str, label: str) -> None:
    response = client.get("/recherche", query_string=params)
    html = _html(response)
    assert response.status_code == 400
    assert 'role="alert" id="erreur"' in html
    assert f"{label} : " in html or "Nous ne trouvons pas" in html
    invalid = re.findall(r'<(?:input|select|fieldset)[^>]*aria-invalid="true"[^>]*>', html)
    if name == "page":
        assert not invalid                                   # no field: the message says it
    else:
        [field] = invalid                                    # one field, marked and focused
        assert f'name="{name}"' in field or (name == "contract" and "contracts" in field)
        assert 'aria-describedby="erreur' in field
        assert "autofocus" in field or name == "contract"


def test_employer_page_lists_only_own_offers(client: FlaskClient, auth: AuthActions) -> None:
    auth.login("employer")
    html = _html(client.get("/employeur"))
    assert "/employeur?offre=OF-VENTE-1" in html and "/employeur?offre=OF-COMPTA-1" in html
    assert "OF-AGRI-1" not in html


def test_employer_candidates_are_pseudonymous(app: Flask, client: FlaskClient,
                                              auth: AuthActions,
                                              engine: Any, offer: Offer,
                                              personal_strings: list[str]) -> None:
    auth.login("employer")
    response = client.get("/employeur", query_string={"offre": offer.id})
    html = _html(response)
    assert response.status_code == 200
    assert personal_strings, "the fixtures must seed personal data for this test to mean much"
    for value in personal_strings:
        assert value not in html
    pseudonyms = {pseudonym_of(app, "employer", pid) for pid in engine.profiles.ids()}
    assert any(p in html for p in pseudonyms)
    assert _explained_results(html) >= 1
    assert "Expérience" in html and "Demander un contact" in html
    for pid in engine.profiles.ids():  # ids are not shown either
        assert pid not in html


def test_employer_unknown_offer_is_404(client: FlaskClient, auth: AuthActions) -> None:
    auth.login("employer")
    response = client.get("/employeur?offre=inconnue-42")
    assert response.status_code == 404
    assert "Offre inconnue" in _html(response)


def test_offer_detail_is_public(client: FlaskClient, offer: Offer) -> None:
    response = client.get(f"/offres/{offer.id}")
    assert response.status_code == 200
    html = _html(response)
    assert str(escape(offer.title)) in html
    assert "Voir les candidats" not in html


def test_offer_detail_links_candidates_for_its_owner(client: FlaskClient, auth: AuthActions,
                                                     offer: Offer) -> None:
    auth.login("employer")
    assert "Voir les candidats" in _html(client.get(f"/offres/{offer.id}"))
    auth.login("employer2")
    assert "Voir les candidats" not in _html(client.get(f"/offres/{offer.id}"))


def test_offer_description_with_script_is_text(client: FlaskClient) -> None:
    """The fixture OF-COMPTA-1 holds ``<script>`` and ``<b>`` in its description."""
    html = _html(client.get("/offres/OF-COMPTA-1"))
    assert "<script>alert(" not in html and "<b>gras</b>" not in html
    assert "&lt;script&gt;alert(&#39;xss&#39;)&lt;/script&gt;" in html
    assert "&lt;b&gt;gras&lt;/b&gt;" in html


def test_offer_detail_unknown_is_404_with_message(client: FlaskClient) -> None:
    response = client.get("/offres/inconnue-42")
    assert response.status_code == 404
    assert "inconnue-42" in _html(response)
    assert response.mimetype == "text/html"


def test_counsellor_lists_assigned_seekers(client: FlaskClient, auth: AuthActions) -> None:
    auth.login("counsellor")
    html = _html(client.get("/conseiller"))
    assert "Camille Durand" in html and "Sophie Leroy" in html
    assert "profil=P-VENDEUSE" in html and "profil=P-COMPTA" in html
    assert "P-AGRI" not in html and "Jean Martin" not in html


def test_counsellor_opens_a_profile_with_remove_checkboxes(client: FlaskClient,
                                                           auth: AuthActions,
                                                           profile: Profile) -> None:
    auth.login("counsellor")
    html = _html(client.get("/conseiller", query_string={"profil": profile.id}))
    for tag in profile.skills:
        assert f'name="remove" value="{tag.code or tag.label}"' in html
        assert f"({tag.code})" not in html  # names, not codes
    assert 'data-combobox="/api/v1/suggestions/competences"' in html
    assert 'data-combobox="/api/v1/suggestions/metiers"' in html
    assert "combobox.js" in html and 'name="weight"' in html
    assert "Ajuster le profil de Camille Durand" in html and "P-VENDEUSE</h1>" not in html


def test_counsellor_unassigned_or_unknown_profile_is_404(client: FlaskClient,
                                                         auth: AuthActions) -> None:
    auth.login("counsellor")
    for profile_id in ("inconnu-42", "P-AGRI"):
        assert client.get(f"/conseiller?profil={profile_id}").status_code == 404
        assert auth.post("/conseiller", {"profil": profile_id}).status_code == 404


def test_counsellor_add_keeps_pending_tags_in_the_form(client: FlaskClient, auth: AuthActions,
                                                       profile: Profile) -> None:
    auth.login("counsellor")
    label = "Compétence imaginaire du test"
    html = _html(auth.post("/conseiller", {"profil": profile.id, "nouvelle": label,
                                           "action": "ajouter"}))
    assert f'name="add" value="|{label}" checked' in html
    assert "Aperçu" not in html


def test_counsellor_preview_shows_before_and_after(client: FlaskClient, auth: AuthActions,
                                                   profile: Profile, engine: Any) -> None:
    auth.login("counsellor")
    add = engine.offers.get("OF-COMPTA-1").skills[0]
    response = auth.post("/conseiller", {
        "profil": profile.id, "remove": [t.code or t.label for t in profile.skills],
        "add": [f"{add.code or ''}|{add.label}"], "action": "previsualiser"})
    html = _html(response)
    assert response.status_code == 200
    assert re.search(r"Aperçu : (\d+ offres? (entre|entrent|sort|sortent|changen?t? de rang)"
                     r"(, )?)+", html)
    assert "Avant</h3>" in html and "Après</h3>" in html
    assert "Offres qui entrent" in html and "Offres qui sortent" in html
    assert "Offres qui changent de rang" in html
    assert "Comptable" in html


def test_static_files_are_served(client: FlaskClient) -> None:
    for name in ("style.css", "combobox.js", "loading.js"):
        response = client.get(f"/static/{name}")
        assert response.status_code == 200
        response.close()


def test_security_headers(client: FlaskClient) -> None:
    response = client.get("/")
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_explanation_lists_close_skills_only_when_there_are(app: Flask) -> None:
    from matcher.results import Explanation, Match, ScoreComponent, SkillRef

    component = ScoreComponent("skills", "Compétences couvertes", 0.5, 0.25, 0.1, 1.0)
    close = SkillRef("100011", "Encaisser un paiement (compétence proche : Tenir une caisse)",
                     "required")
    with app.test_request_context():
        macros = app.jinja_env.get_template("macros.html").module
        with_close = str(macros.explanation(  # type: ignore[attr-defined]
            Match("o", 0.5, Explanation((component,), related_skills=(close,)))))
        without = str(macros.explanation(  # type: ignore[attr-defined]
            Match("o", 0.5, Explanation((component,)))))
    assert "Compétences proches" in with_close
    assert "compétence proche : Tenir une caisse" in with_close
    assert "Compétences proches" not in without
