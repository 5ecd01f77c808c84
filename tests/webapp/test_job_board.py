"""The job board's pages and routes: autocomplete, search with pagination, sort and filters,
the seeker's own wishes, saved offers, the offer page (date, salary, map, applying, back to
the results), the employer's dashboard and candidate filters, the counsellor's preview that
explains itself. Bad input is a 400 (or 404) that names the field."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from indexer.models import Offer, Profile
from tests.webapp.conftest import AuthActions, pseudonym_of
from webapp.db import get_database
from webapp.models import Consent, ContactRequest, ContactStatus, SavedOffer, TagEdit


def _html(response: Any) -> str:
    return str(response.get_data(as_text=True))


def _titles(html: str) -> list[str]:
    """The offer titles of a result list, in order."""
    return [unescape(title) for title in re.findall(
        r'<h3 id="offre-\d+"><span class="rank">\d+\.</span>\s*<a [^>]*>([^<]+)</a>', html)]


# --------------------------------------------------------------------------- autocomplete


@pytest.mark.parametrize(("path", "query", "expected"), [
    ("metiers", "vendeur", {"D1214", "D1211"}),
    ("communes", "aub", {"07019"}),
    ("communes", "07200", {"07019"}),
    ("competences", "encaisser", {"100011"}),
    ("departements", "ardè", {"07"}),
])
def test_suggestions_are_public_one_per_concept(client: FlaskClient, path: str, query: str,
                                                expected: set[str]) -> None:
    response = client.get(f"/api/v1/suggestions/{path}", query_string={"q": query})
    assert response.status_code == 200
    items = response.get_json()
    codes = [item["code"] for item in items]
    assert expected <= set(codes) and len(codes) == len(set(codes))
    assert all(set(item) == {"code", "label", "detail"} for item in items)
    assert all(item["code"] in item["detail"] for item in items if path != "competences")


@pytest.mark.parametrize(("query", "name"), [({}, "q"), ({"q": "aub", "top": "0"}, "top"),
                                             ({"q": "x" * 201}, "q")])
def test_suggestions_bad_input_names_the_parameter(client: FlaskClient, query: dict[str, str],
                                                   name: str) -> None:
    response = client.get("/api/v1/suggestions/communes", query_string=query)
    assert response.status_code == 400
    assert f"« {name} »" in response.get_json()["error"]


# --------------------------------------------------------------------------- search


def test_search_title_gives_the_query_and_the_count(client: FlaskClient) -> None:
    html = _html(client.get("/recherche", query_string={"titles": "vendeur",
                                                          "commune": "Aubenas"}))
    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)  # type: ignore[union-attr]
    count = len(_titles(html))
    assert re.match(rf"{count} offres? pour « vendeur » près d(&#39;|')Aubenas", title)


def test_search_pages_keep_the_filters(app: Flask, client: FlaskClient) -> None:
    app.config["RESULTS_PER_PAGE"] = 2
    query = {"titles": "vendeur", "commune": "Aubenas", "contract": ["CDI", "CDD"]}
    first = _html(client.get("/recherche", query_string=query))
    assert "page 1 sur" in first and 'rel="next"' in first
    next_link = re.search(r'href="([^"]+)" rel="next"', first).group(1)  # type: ignore
    assert "contract=CDI" in next_link and "contract=CDD" in next_link and "page=2" in next_link
    second = _html(client.get(next_link.replace("&amp;", "&")))
    assert "page 2 sur" in second and not set(_titles(first)) & set(_titles(second))
    past_the_end = client.get("/recherche", query_string={**query, "page": "99"})
    assert past_the_end.status_code == 200                     # the last page, not an error


def test_search_sorts_by_date_and_distance(client: FlaskClient, engine: Any) -> None:
    query = {"titles": "vendeur", "commune": "Privas"}
    by_date = _titles(_html(client.get("/recherche", query_string={**query, "tri": "date"})))
    offers = {o.title: o for o in engine.offers}
    dates = [offers[t].created_at for t in by_date if offers[t].created_at]
    assert dates == sorted(dates, reverse=True) and len(dates) >= 2
    html = _html(client.get("/recherche", query_string={**query, "tri": "distance"}))
    distances = [float(d.replace(",", ".")) for d in re.findall(r"à (\d+(?:,\d+)?)\xa0km", html)]
    assert distances == sorted(distances)
    assert 'aria-current="true">les plus proches' in html


def test_search_filters_narrow_the_list(client: FlaskClient, engine: Any) -> None:
    query = {"titles": "vendeur, comptable", "commune": "Aubenas"}
    everything = _titles(_html(client.get("/recherche", query_string=query)))
    cdd = _titles(_html(client.get("/recherche", query_string={**query, "contract": "CDD"})))
    assert cdd and all(o.contract_type == "CDD" for o in engine.offers if o.title in cdd)
    recent = _titles(_html(client.get("/recherche", query_string={**query, "depuis": "7"})))
    newest = max(o.created_at for o in engine.offers if o.created_at)
    assert recent and all((newest - o.created_at).days <= 7
                          for o in engine.offers if o.title in recent)
    assert len(recent) < len(everything)
    full_time = _html(client.get("/recherche", query_string={**query, "temps": "plein"}))
    assert "0 offre pour" in full_time                     # no fixture offer says its hours


def test_unknown_commune_asks_did_you_mean_and_never_picks_one(client: FlaskClient) -> None:
    response = client.get("/recherche", query_string={"titles": "vendeur", "commune": "Aubena"})
    html = _html(response)
    assert response.status_code == 400
    assert "Vouliez-vous dire" in html and "Aubenas (07)" in html
    assert "commune_code=07019" in html                       # the choice answers the search
    assert 'name="commune" value="Aubena"' in html and 'aria-invalid="true"' in html
    assert "offre pour" not in html                           # no results for a guess


# --------------------------------------------------------------------------- seeker


def test_seeker_changes_their_wishes_from_the_results(client: FlaskClient, auth: AuthActions,
                                                      engine: Any, app: Flask) -> None:
    auth.login("seeker")
    assert 'name="rayon"' in _html(client.get("/chercheur"))
    response = auth.post("/chercheur/criteres", {"rayon": "10", "contract": ["CDI", "CDD"],
                                                 "next": "/chercheur?tri=date"})
    assert response.status_code == 302 and response.location.endswith("/chercheur?tri=date")
    profile = engine.profiles.get("P-VENDEUSE")
    assert profile.radius_km == 10 and profile.contract_types == ["CDI", "CDD"]
    with get_database(app).sessions() as session:
        [entry] = session.query(TagEdit).all()
        assert entry.author_name == "Seeker" and entry.after["radius_km"] == 10
    page = _html(client.get("/chercheur/profil"))
    assert "Rayon de recherche : 30\xa0km → 10\xa0km" in page
    assert "Contrats souhaités : CDI → CDI, CDD" in page


@pytest.mark.parametrize(("form", "name"), [({"rayon": "7"}, "rayon"),
                                            ({"contract": "XYZ"}, "contract")])
def test_seeker_wishes_bad_input_is_400(client: FlaskClient, auth: AuthActions, engine: Any,
                                        form: dict[str, str], name: str) -> None:
    auth.login("seeker")
    response = auth.post("/chercheur/criteres", form)
    assert response.status_code == 400
    html = _html(response)
    assert re.search(rf'<(select|fieldset)[^>]*(name="{name}"|class="contracts")[^>]*'
                     r'aria-invalid="true"', html)
    assert engine.profiles.get("P-VENDEUSE").radius_km == 30


def test_saved_offers(client: FlaskClient, auth: AuthActions, app: Flask) -> None:
    auth.login("seeker")
    response = auth.post("/offres/OF-VENTE-1/enregistrer",
                         {"next": "/recherche?titles=vendeur#offre-OF-VENTE-1"})
    assert response.location.endswith("/recherche?titles=vendeur#offre-OF-VENTE-1")
    auth.post("/offres/OF-SPORT-1/enregistrer")
    html = _html(client.get("/chercheur/enregistrees"))
    cards = html.split('<article class="result"')[1:]
    assert "Vendeur en articles de sport" in cards[0] and "prêt-à-porter" in cards[1]  # newest
    assert "Offres enregistrées (2)" in html
    auth.post("/offres/OF-VENTE-1/enregistrer", {"action": "retirer"})
    with get_database(app).sessions() as session:
        assert [row.offer_id for row in session.query(SavedOffer)] == ["OF-SPORT-1"]
    assert auth.post("/offres/NOPE/enregistrer").status_code == 404
    auth.login("employer")
    assert auth.post("/offres/OF-VENTE-1/enregistrer").status_code == 403


def test_saved_offers_go_with_the_account(client: FlaskClient, auth: AuthActions,
                                          app: Flask) -> None:
    auth.login("seeker")
    auth.post("/offres/OF-VENTE-1/enregistrer")
    export = client.get("/chercheur/donnees").get_json()
    assert [row["offer_id"] for row in export["saved_offers"]] == ["OF-VENTE-1"]
    auth.post("/chercheur/effacer", {"confirmation": "EFFACER"})
    with get_database(app).sessions() as session:
        assert session.query(SavedOffer).count() == 0


# --------------------------------------------------------------------------- offer page


def test_offer_page_says_date_salary_time_requirements_and_shows_a_map(
        client: FlaskClient, offer: Offer) -> None:
    html = _html(client.get(f"/offres/{offer.id}?pres=07186&retour=/recherche%3Ftitles%3Dx"))
    assert "publiée le 20 mai 2025" in html
    assert "<dt>Salaire</dt><dd>non précisé par l&#39;employeur</dd>" in html
    assert "<dt>Temps de travail</dt>" in html and "Ce qui est demandé" in html
    assert 'class="place-map"' in html and "Carte : l&#39;offre est à Aubenas, à " in html
    assert "de Privas" in html
    assert '<a href="/recherche?titles=x" class="back">← Retour aux résultats</a>' in html


def test_offer_page_ignores_a_foreign_return_link(client: FlaskClient, offer: Offer) -> None:
    html = _html(client.get(f"/offres/{offer.id}", query_string={"retour": "//evil.test/x"}))
    assert 'href="//evil' not in html and "Retour aux résultats" not in html


def test_seeker_applies_through_the_platform(client: FlaskClient, auth: AuthActions,
                                             app: Flask, offer: Offer) -> None:
    assert "Connectez-vous" in _html(client.get(f"/offres/{offer.id}"))
    auth.login("seeker")
    assert "Postuler et transmettre mes coordonnées" in _html(client.get(f"/offres/{offer.id}"))
    response = auth.post(f"/offres/{offer.id}/candidater", {"message": "Disponible demain"})
    assert response.status_code == 302 and response.location.endswith("#candidater")
    with get_database(app).sessions() as session:
        [row] = session.query(ContactRequest).all()
        assert (row.status, row.initiated_by, row.message) == (
            ContactStatus.ACCEPTED, "seeker", "Disponible demain")
        assert session.query(Consent).filter_by(granted=True).count() == 1
    assert "Vous avez transmis vos coordonnées" in _html(client.get(f"/offres/{offer.id}"))
    assert auth.post("/offres/OF-SPORT-1/candidater").status_code == 404  # not on the platform
    auth.login("employer")
    contacts = _html(client.get("/employeur/contacts"))
    assert "camille.durand@example.org" in contacts and "candidature reçue" in contacts


def test_applying_accepts_the_employers_pending_request(client: FlaskClient,
                                                        auth: AuthActions, app: Flask,
                                                        offer: Offer) -> None:
    auth.login("employer")
    client.get(f"/employeur?offre={offer.id}")
    auth.post("/employeur/contacts", {"offre": offer.id,
                                      "candidat": pseudonym_of(app, "employer", "P-VENDEUSE")})
    auth.login("seeker")
    assert "postuler l'accepte" in _html(client.get(f"/offres/{offer.id}"))
    auth.post(f"/offres/{offer.id}/candidater")
    with get_database(app).sessions() as session:
        [row] = session.query(ContactRequest).all()
        assert row.status is ContactStatus.ACCEPTED and row.initiated_by == "employer"


# --------------------------------------------------------------------------- employer


def test_employer_dashboard_counts(client: FlaskClient, auth: AuthActions, app: Flask,
                                   offer: Offer) -> None:
    auth.login("employer")
    client.get(f"/employeur?offre={offer.id}")
    auth.post("/employeur/contacts", {"offre": offer.id,
                                      "candidat": pseudonym_of(app, "employer", "P-VENDEUR")})
    html = _html(client.get("/employeur"))
    card = html.split(f'/employeur?offre={offer.id}"')[1].split("</li>\n</ul>")[0]
    assert re.search(r'<span class="value">\d+</span><span class="what">candidats? '
                     r'correspond(ent)? fortement', card)
    assert re.search(r'<span class="value">1</span><span class="what">demande en attente', card)
    assert "Mes offres (3)" in html


def test_candidates_filters_pages_and_position_after_an_action(
        client: FlaskClient, auth: AuthActions, app: Flask, offer: Offer) -> None:
    app.config["RESULTS_PER_PAGE"] = 1
    auth.login("employer")
    html = _html(client.get("/employeur", query_string={"offre": offer.id}))
    assert "page 1 sur" in html and "Ce qui élargirait le vivier" in html
    near = _html(client.get("/employeur", query_string={"offre": offer.id, "distance": "10"}))
    far = re.findall(r"à (\d+(?:,\d+)?)\xa0km</dd>", near)
    assert all(float(d.replace(",", ".")) <= 10 for d in far)
    senior = _html(client.get("/employeur", query_string={"offre": offer.id,
                                                          "experience": "5"}))
    assert "0 candidat sur" in senior or "5 ans" in senior
    pseudonym = re.search(r'id="candidat-(C-[0-9A-F]+)"', html).group(1)  # type: ignore
    back = f"/employeur?offre={offer.id}&page=1"
    response = auth.post("/employeur/contacts", {"offre": offer.id, "candidat": pseudonym,
                                                 "next": f"{back}#candidat-{pseudonym}"})
    assert response.location.endswith(f"{back}#candidat-{pseudonym}")


@pytest.mark.parametrize(("name", "value"), [("distance", "7"), ("experience", "beaucoup"),
                                             ("niveau", "excellent"), ("page", "-1")])
def test_candidates_bad_filter_is_400(client: FlaskClient, auth: AuthActions, offer: Offer,
                                      name: str, value: str) -> None:
    auth.login("employer")
    response = client.get("/employeur", query_string={"offre": offer.id, name: value})
    assert response.status_code == 400
    assert 'role="alert" id="erreur"' in _html(response)


def test_what_would_widen_an_offers_pool(client: FlaskClient, auth: AuthActions,
                                         engine: Any) -> None:
    auth.login("employer")
    html = _html(client.get("/employeur", query_string={"offre": "OF-VENTE-1"}))
    section = html.split('id="elargir"')[1]
    assert "demandeurs visent le métier de l'offre" in section
    # P-VENDEUR and P-VENDEUSE target D1214 at Aubenas; nobody targets D1211 in the fixtures
    assert "2 demandeurs visent" in section


# --------------------------------------------------------------------------- counsellor


def test_preview_explains_why_nothing_changes(client: FlaskClient, auth: AuthActions,
                                              profile: Profile) -> None:
    auth.login("counsellor")
    html = _html(auth.post("/conseiller", {"profil": profile.id, "nouvelle": "Jonglage",
                                           "action": "previsualiser"}))
    assert "Aperçu : Aucun changement dans la liste" in html
    assert "La liste ne change pas" in html
    assert "ne demande « Jonglage »" in html


def test_preview_with_a_wider_radius(client: FlaskClient, auth: AuthActions,
                                     profile: Profile, engine: Any) -> None:
    auth.login("counsellor")
    html = _html(auth.post("/conseiller", {"profil": profile.id, "rayon": "100",
                                           "action": "previsualiser"}))
    assert '<option value="100" selected>' in html
    summary = html.split('id="apercu"')[1].split("Offres qui entrent")[0]
    assert re.search(r"Aperçu : \d+ offres? entren?t?", summary) or re.search(
        r"(1 autre offre accessible|\d+ autres offres accessibles) dans son rayon de 100\xa0km "
        r"autour d&#39;Aubenas ne correspond", summary)
    assert engine.profiles.get(profile.id).radius_km == 30          # nothing saved


def test_preview_counts_rank_moves() -> None:
    from matcher.results import Explanation, Match
    from webapp.previews import Preview, rank_note, summary_line

    def rows(*ids: str) -> list[Any]:
        return [(Match(i, 0.5, Explanation(components=())), {"title": i}) for i in ids]

    preview = Preview(rows("a", "b", "c", "d"), rows("c", "a", "e", "b"))
    assert [(m.row[0].id, m.before, m.after) for m in preview.moves] == [
        ("c", 3, 1), ("a", 1, 2), ("b", 2, 4)]
    assert [rank_note(m) for m in preview.moves] == [
        "monte de 2 places (3e → 1re)", "descend d'une place (1re → 2e)",
        "descend de 2 places (2e → 4e)"]
    assert summary_line(preview) == "1 offre entre, 1 offre sort, 3 offres changent de rang"
    assert not preview.unchanged and Preview(rows("a"), rows("a")).unchanged


def test_counsellor_saves_radius_and_mobility_and_history_is_a_difference(
        client: FlaskClient, auth: AuthActions, profile: Profile, engine: Any) -> None:
    auth.login("counsellor")
    page = _html(client.get(f"/conseiller?profil={profile.id}"))
    assert "Mobilité professionnelle" in page and 'name="rayon"' in page
    auth.post("/conseiller", {"profil": profile.id, "rayon": "50", "occ_add": ["D1211"],
                              "raison": "Élargir", "action": "enregistrer"})
    saved = engine.profiles.get(profile.id)
    assert saved.radius_km == 50 and saved.rome_codes == ["D1214", "D1211"]
    html = _html(client.get(f"/conseiller?profil={profile.id}"))
    history = html.split('id="historique"')[1]
    assert "Métier ajouté : « Vendeur / Vendeuse en articles de sport »" in history
    assert "Rayon de recherche : 30\xa0km → 50\xa0km" in history
    assert "Avant :" not in history and "Conseiller un client" not in history


@pytest.mark.parametrize(("form", "name"), [({"rayon": "12"}, "rayon"),
                                            ({"nouveau_metier": "vendeur"}, "nouveau_metier")])
def test_counsellor_bad_input_marks_the_field(client: FlaskClient, auth: AuthActions,
                                              profile: Profile, form: dict[str, str],
                                              name: str) -> None:
    auth.login("counsellor")
    response = auth.post("/conseiller", {"profil": profile.id, "action": "previsualiser",
                                         **form})
    html = _html(response)
    assert response.status_code == 400
    assert re.search(rf'<(input|select)[^>]*name="{name}"[^>]*aria-invalid="true"', html)
    if name == "nouveau_metier":                      # the occupations it may mean, to tick
        assert 'name="occ_add" value="D1211"' in html and 'value="D1214"' in html


def test_form_errors_mark_and_focus_the_field(client: FlaskClient, auth: AuthActions) -> None:
    html = _html(auth.login("seeker", password="mauvais mot de passe"))
    assert re.search(r'<input[^>]*id="email"[^>]*aria-invalid="true"[^>]*autofocus', html)
    auth.login("seeker")
    html = _html(auth.post("/compte/mot-de-passe", {"current": "faux", "new": "x" * 14}))
    assert re.search(r'<input[^>]*id="current"[^>]*aria-invalid="true"', html)
    assert not re.search(r'<input[^>]*id="new"[^>]*aria-invalid', html)
    html = _html(auth.post("/chercheur/effacer", {"confirmation": "non"}))
    assert re.search(r'<input[^>]*id="confirmation"[^>]*aria-invalid="true"[^>]*autofocus', html)
