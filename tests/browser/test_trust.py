"""Issue 14's journeys in a real browser, each page checked at 1280 and 390 px (screenshots,
no sideways scrolling, axe-core WCAG 2.1 A/AA without violation): names instead of codes,
the job board (pages, sort, filters, wishes, saved offers, offer page, applying, back to the
results), the employer's dashboard, the counsellor's preview that explains itself, words
instead of numbers, feedback on slow work, mobile and accessibility."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, Browser

pytestmark = pytest.mark.browser

#: What must never appear on a page: file paths, variable names, raw scores, codes, English.
JARGON = [re.compile(pattern) for pattern in (
    r"docs/", r"EMPLOI_", r"\bn/a\b", r"\b0[.,]\d{3}\b", r"\bpart \d+ ?%", r"score",
    r"\b[A-N]\d{4}\b", r"\b\d+\.\d+ ?km\b", r"An\(s\)", r"data\.europa\.eu", r"\bP-[A-Z]+\b")]


def assert_plain_words(browser: Browser) -> None:
    """The visible text of the page holds no jargon, code or raw number."""
    text = browser.page.locator("main").inner_text()
    for pattern in JARGON:
        assert not pattern.search(text), f"{pattern.pattern!r} on {browser.page.url}"


def test_names_with_autocomplete_and_did_you_mean(browser: Browser) -> None:
    page = browser.page
    browser.goto("/recherche")
    occupation = page.get_by_role("combobox", name=re.compile("Métier ou mot-clé"))
    occupation.press_sequentially("vend", delay=40)
    options = page.get_by_role("listbox", name="Suggestions").get_by_role("option")
    expect(options.first).to_be_visible()
    labels = options.all_inner_texts()
    codes = [re.search(r"[A-N]\d{4}", label).group() for label in labels]  # type: ignore
    assert len(codes) == len(set(codes)), labels          # one entry per occupation
    commune = page.get_by_role("combobox", name=re.compile("^Commune"))
    commune.press_sequentially("aub", delay=40)
    option = page.get_by_role("option", name=re.compile("^Aubenas"))
    expect(option).to_contain_text("Ardèche")             # the place as secondary text
    browser.check("autocomplete-open")
    commune.press("ArrowDown")
    commune.press("Enter")
    expect(commune).to_have_value("Aubenas (07)")
    expect(page.locator("#commune-code")).to_have_value("07019")
    occupation.fill("vendeur")
    # an unknown name: asked, never guessed, the field marked and focused
    commune.fill("Aubena")
    page.get_by_role("button", name="Rechercher", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("Vouliez-vous dire")
    expect(commune).to_be_focused()
    expect(commune).to_have_attribute("aria-invalid", "true")
    browser.check("did-you-mean")
    page.get_by_role("link", name="Aubenas (07)", exact=True).click()
    expect(page).to_have_title(re.compile(r"^\d+ offres? pour « vendeur » près d'Aubenas"))
    assert_plain_words(browser)


def test_job_board_search_offer_and_back(browser: Browser, app: Flask) -> None:
    app.config["RESULTS_PER_PAGE"] = 2
    page = browser.page
    browser.goto("/recherche?titles=vendeur%2C+comptable&commune=Aubenas&contract=CDI")
    heading = page.get_by_role("heading", level=2, name=re.compile(r"offres? pour"))
    expect(heading).to_contain_text("page 1 sur")
    browser.check("results-page-1")
    page.get_by_role("navigation", name="Pages de résultats").get_by_role(
        "link", name="Suivante").click()
    expect(heading).to_contain_text("page 2 sur")
    page.get_by_role("link", name="les plus récentes").click()
    expect(page.get_by_role("link", name="les plus récentes")).to_have_attribute(
        "aria-current", "true")
    assert "contract=CDI" in page.url and "tri=date" in page.url
    if not page.locator("details.refine[open]").count():      # open when a filter is set
        page.get_by_text(re.compile("^Affiner")).click()
    page.get_by_label("Date de publication").select_option("31")
    page.get_by_role("button", name="Rechercher", exact=True).click()
    results_url = page.url
    assert "depuis=31" in results_url and "tri=date" in results_url
    browser.check("results-filtered")
    first = page.locator("article.result h3 a").first
    title = first.inner_text()
    first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.get_by_text(re.compile(r"publiée le \d+"))).to_be_visible()
    expect(page.locator("svg.place-map")).to_be_visible()
    expect(page.get_by_role("heading", name="Comment postuler")).to_be_visible()
    browser.check("offer")
    assert_plain_words(browser)
    page.get_by_role("link", name="Retour aux résultats").click()
    assert page.url.split("#")[0] == results_url              # same filters, same page
    expect(page.locator("article.result", has_text=title).first).to_be_in_viewport()


def test_seeker_wishes_saved_offers_and_applying(browser: Browser, engine: Any) -> None:
    page = browser.page
    browser.login("seeker")
    expect(page.get_by_role("heading", name="Les offres qui me correspondent")).to_be_visible()
    browser.check("my-offers")
    assert_plain_words(browser)
    page.get_by_label("Distance maximale de chez moi").select_option("50")
    page.get_by_label("CDD", exact=True).check()
    page.get_by_role("button", name="Enregistrer mes critères").click()
    expect(page.get_by_text("Vos critères sont enregistrés")).to_be_visible()
    assert engine.profiles.get("P-VENDEUSE").radius_km == 50
    card = page.locator("article.result").first
    title = card.locator("h3 a").inner_text()
    card.get_by_role("button", name=re.compile("^Enregistrer")).click()
    expect(page.get_by_text(re.compile("est enregistrée"))).to_be_visible()
    page.get_by_role("link", name="Offres enregistrées").click()
    expect(page.get_by_role("link", name=title)).to_be_visible()
    browser.check("saved-offers")
    browser.goto("/offres/OF-VENTE-1")
    page.get_by_label(re.compile("Votre message")).fill("Disponible dès lundi.")
    page.get_by_role("button", name="Postuler et transmettre mes coordonnées").click()
    expect(page.get_by_text("Votre candidature est envoyée")).to_be_visible()
    browser.check("applied")
    browser.goto("/chercheur/profil")
    expect(page.get_by_text(re.compile("Rayon de recherche : 30\u00a0km → 50\u00a0km"))
           ).to_be_visible()
    browser.check("profile-history")
    assert_plain_words(browser)


def test_employer_dashboard_filters_and_position_kept(browser: Browser, app: Flask) -> None:
    app.config["RESULTS_PER_PAGE"] = 1
    page = browser.page
    browser.login("employer")
    expect(page.get_by_role("heading", name="Mes offres et leurs candidats")).to_be_visible()
    expect(page.get_by_text(re.compile("correspond(ent)? fortement")).first).to_be_visible()
    browser.check("dashboard")
    page.get_by_role("link", name="Vendeur / Vendeuse en prêt-à-porter").first.click()
    expect(page).to_have_title(re.compile(r"\d+ candidats? pour « Vendeur"))
    expect(page.get_by_role("heading", name="Ce qui élargirait le vivier")).to_be_visible()
    page.get_by_label("Distance du candidat").select_option("30")
    page.get_by_role("button", name="Filtrer").click()
    assert "distance=30" in page.url
    page.set_viewport_size(PHONE)
    card = page.locator("article.result").first
    card.get_by_role("button", name="Demander un contact").click()
    expect(page.get_by_text("Demande de contact envoyée.")).to_be_visible()
    assert "#candidat-C-" in page.url and "distance=30" in page.url
    expect(page.locator("article.result").first.get_by_text("Demande de contact :")
           ).to_be_in_viewport()                                   # back where it was
    page.set_viewport_size({"width": 1280, "height": 900})
    browser.check("candidates-filtered")
    assert_plain_words(browser)


def test_counsellor_preview_explains_itself(browser: Browser) -> None:
    page = browser.page
    browser.login("counsellor")
    page.get_by_role("link", name="Camille Durand").click()
    expect(page.get_by_role("heading", name="Ajuster le profil de Camille Durand")
           ).to_be_visible()
    page.get_by_role("combobox", name="Nouvelle compétence").fill("Jonglage")
    page.get_by_role("button", name="Prévisualiser").click()
    expect(page.get_by_role("heading", name="Aperçu : Aucun changement dans la liste")
           ).to_be_visible()
    expect(page.get_by_text(re.compile("^La liste ne change pas"))).to_be_visible()
    browser.check("preview-no-change")
    page.get_by_label(re.compile("^Rayon de recherche")).select_option("100")
    page.get_by_label(re.compile("Ajouter « Comptable »")).check()
    page.get_by_role("button", name="Prévisualiser").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Aperçu : \d+ offres? entren?t?"))
           ).to_be_visible()
    entering = page.locator("h3:has-text('Offres qui entrent') + ul")
    expect(entering).to_contain_text("Comptable H/F")
    browser.check("preview-wider")
    assert_plain_words(browser)
    page.get_by_label(re.compile("Raison de la modification")).fill("Mobilité")
    page.get_by_role("button", name="Enregistrer").click()
    history = page.locator("section", has=page.get_by_role("heading",
                                                           name="Historique des modifications"))
    expect(history).to_contain_text("Rayon de recherche : 30\u00a0km → 100\u00a0km")
    expect(history).to_contain_text("Métier ajouté : « Comptable »")
    browser.check("history-difference")


def test_territory_pages_take_names_and_show_a_loading_state(browser: Browser) -> None:
    page = browser.page
    browser.login("counsellor")
    browser.goto("/territoire")
    page.get_by_role("combobox", name="Métier").fill("Vendeur / Vendeuse en prêt-à-porter")
    page.get_by_label("Territoire", exact=True).select_option("commune")
    place = page.get_by_role("combobox", name="Commune, département ou région")
    place.fill("")
    place.press_sequentially("Aube", delay=40)
    page.get_by_role("option", name=re.compile("^Aubenas")).click()
    page.get_by_role("button", name="Calculer le potentiel").click()
    expect(page.get_by_role("heading", name=re.compile("Aubenas et 30 km autour"))
           ).to_be_visible()
    chart_text = page.locator("svg.territory-chart text").first
    page.set_viewport_size(PHONE)
    assert chart_text.bounding_box()["height"] >= 11          # type: ignore[index]
    page.set_viewport_size({"width": 1280, "height": 900})
    browser.check("potential")
    assert_plain_words(browser)
    browser.goto("/territoire/employeurs")
    page.get_by_label("Territoire", exact=True).select_option("departement")
    page.get_by_role("combobox", name="Commune, département ou région").fill("Ardèche")
    # Hold the answer back: a listener added after loading.js's cancels the navigation, as
    # if the server took its time; the page must say it is working, after 300 ms.
    page.evaluate("() => document.addEventListener('submit', e => e.preventDefault())")
    button = page.get_by_role("button", name="Trouver les offres difficiles à pourvoir")
    button.click()
    loading = page.locator("#chargement")
    assert not loading.is_visible()                           # not for a quick answer
    expect(loading).to_be_visible()                           # after 300 ms of waiting
    expect(loading).to_have_attribute("role", "status")
    expect(loading).to_contain_text("Examen des offres")
    expect(page.locator("main")).to_have_attribute("aria-busy", "true")
    browser.shot("loading")
    page.reload()
    page.get_by_label("Territoire", exact=True).select_option("departement")
    page.get_by_role("combobox", name="Commune, département ou région").fill("Ardèche")
    button.click()                                            # now it answers
    expect(page.get_by_role("heading", name=re.compile("difficiles? à pourvoir sur"))
           ).to_be_visible()
    expect(loading).to_be_hidden()
    browser.check("hard-to-fill")
    assert_plain_words(browser)


def test_home_adapts_and_never_leads_to_a_forbidden_page(browser: Browser) -> None:
    page = browser.page
    for account in ("seeker", "employer", "counsellor"):
        browser.login(account)
        browser.goto("/")
        expect(page.get_by_role("heading", level=1)).to_contain_text("Bonjour")
        browser.check(f"home-{account}")
        for href in {link.get_attribute("href") for link in
                     page.locator("main a").all()} - {None}:
            response = page.request.get(browser.base_url + str(href))
            assert response.status != 403, (account, href)
        browser.logout()
