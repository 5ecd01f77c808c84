"""Each role's journey in a real browser: search, explanations, the counsellor's tag edit
(preview, save, undo), the employer's contact request, the seeker's acceptance, erasure."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import expect

from tests.browser.conftest import Browser
from tests.webapp.conftest import pseudonym_of

pytestmark = pytest.mark.browser


def test_visitor_searches_offers_and_opens_an_explanation(browser: Browser) -> None:
    page = browser.page
    browser.goto("/")
    expect(page.get_by_role("heading", name="Intelligence emploi")).to_be_visible()
    browser.check("home")
    page.get_by_role("link", name="Rechercher des offres").first.click()
    page.get_by_label(re.compile("Métier ou mot-clé")).fill("vendeur")
    page.get_by_label(re.compile("^Commune")).fill("Aubenas")
    page.get_by_text(re.compile("^Affiner")).click()
    page.get_by_label("Distance", exact=True).select_option("50")
    page.get_by_role("button", name="Rechercher", exact=True).click()
    expect(page.get_by_role("heading", name=re.compile(r"\d+ offres?"))).to_be_visible()
    explanation = page.locator("details.explanation").first
    explanation.locator("summary").click()
    expect(explanation.locator("svg.score-chart")).to_be_visible()
    expect(explanation.get_by_text("Compétences en commun")).to_be_visible()
    browser.check("search-explained")


def test_hostile_offer_description_is_shown_as_text(browser: Browser) -> None:
    browser.goto("/offres/OF-COMPTA-1")
    description = browser.page.locator(".description")
    expect(description).to_contain_text("<script>alert('xss')</script>")
    expect(description).to_contain_text("<b>gras</b>")
    assert browser.page.locator(".description b").count() == 0
    assert browser.dialogs == []
    browser.check("offer-hostile-description")


def test_seeker_sees_their_offers_and_profile(browser: Browser) -> None:
    page = browser.page
    browser.login("seeker")
    expect(page.get_by_role("heading", name="Les offres qui me correspondent")).to_be_visible()
    page.locator("details.explanation summary").first.click()
    expect(page.locator("details.explanation[open] svg.score-chart")).to_be_visible()
    browser.check("offers")
    page.get_by_role("link", name="Mon profil", exact=True).click()
    expect(page.get_by_role("cell", name=re.compile("Conseiller un client"))).to_be_visible()
    browser.check("profile")
    page.get_by_role("link", name="Mon compte", exact=True).click()
    page.get_by_label("Nom du jeton").fill("mon script")
    page.get_by_role("button", name="Créer un jeton").click()
    expect(page.locator("code.token")).to_contain_text("ie_")
    browser.check("account-token")


def test_counsellor_edits_tags_with_preview_save_and_undo(browser: Browser, engine: Any) -> None:
    page = browser.page
    browser.login("counsellor")
    expect(page.get_by_role("heading", name="Les demandeurs que je suis")).to_be_visible()
    browser.check("seekers")
    page.get_by_role("link", name="Camille Durand").click()
    expect(page.get_by_role("heading", name=re.compile("Ajuster le profil de Camille Durand"))
           ).to_be_visible()
    skill = page.get_by_role("combobox", name="Nouvelle compétence")
    skill.press_sequentially("Normes", delay=30)
    option = page.get_by_role("option", name=re.compile("Normes comptables"))
    expect(option).to_be_visible()
    expect(option).to_contain_text("200005")              # the code, as secondary text
    skill.press("ArrowDown")
    skill.press("Enter")
    expect(skill).to_have_value("Normes comptables")
    expect(page.locator("#nouvelle-code")).to_have_value("200005")
    page.get_by_role("button", name="Ajouter la compétence").click()
    expect(page.get_by_label("Ajouter « Normes comptables »")).to_be_checked()
    page.get_by_label("Retirer « Encaisser un paiement »").check()
    page.locator("#weight-1").select_option("2.0")
    page.get_by_role("button", name="Prévisualiser").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Aperçu : "))).to_be_visible()
    browser.check("preview")
    page.get_by_label(re.compile("Raison de la modification")).fill(
        "Bilan de compétences : comptabilité")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("Modification n° 1 enregistrée.")).to_be_visible()
    assert [s.code for s in engine.profiles.get("P-VENDEUSE").skills] == ["100010", "200005"]
    browser.check("saved")
    page.get_by_role("button", name="Annuler la modification n° 1").click()
    expect(page.get_by_text("Modification n° 1 annulée")).to_be_visible()
    expect(page.get_by_text("annulée par n° 2")).to_be_visible()
    assert [s.code for s in engine.profiles.get("P-VENDEUSE").skills] == ["100010", "100011"]
    browser.check("undone")
    browser.logout()
    browser.login("seeker")
    browser.goto("/chercheur/profil")
    expect(page.get_by_text("Bilan de compétences : comptabilité")).to_be_visible()
    expect(page.get_by_text("Annulation de la modification n° 1")).to_be_visible()
    browser.check("seeker-sees-history")


def test_employer_requests_contact_and_seeker_accepts(browser: Browser, engine: Any,
                                                      app: Flask) -> None:
    page = browser.page
    pseudonym = pseudonym_of(app, "employer", "P-VENDEUSE")
    browser.login("employer")
    page.get_by_role("link", name="Vendeur / Vendeuse en prêt-à-porter").first.click()
    card = page.locator("article.result", has_text=pseudonym)
    expect(card).to_be_visible()
    assert "Camille" not in page.content()
    browser.check("candidates")
    card.get_by_label(re.compile("Message au candidat")).fill("Bonjour, un entretien ?")
    card.get_by_role("button", name="Demander un contact").click()
    expect(page.get_by_text("Demande de contact envoyée.")).to_be_visible()
    page.get_by_role("link", name="Mes demandes de contact").click()
    expect(page.get_by_role("cell", name="en attente")).to_be_visible()
    assert "camille.durand@example.org" not in page.content()
    browser.check("requests-pending")
    browser.logout()
    browser.login("seeker")
    page.get_by_role("link", name="Demandes de contact").click()
    expect(page.get_by_text("Bonjour, un entretien ?")).to_be_visible()
    browser.check("seeker-inbox")
    page.get_by_role("button", name="Accepter et transmettre mes coordonnées").click()
    expect(page.get_by_text("Vos coordonnées sont transmises")).to_be_visible()
    browser.logout()
    browser.login("employer")
    browser.goto("/employeur/contacts")
    expect(page.get_by_role("link", name="camille.durand@example.org")).to_be_visible()
    browser.check("requests-accepted")
    page.set_viewport_size({"width": 390, "height": 844})   # the details stay in view
    expect(page.get_by_role("link", name="camille.durand@example.org")).to_be_in_viewport()


def test_seeker_exports_then_erases_their_account(browser: Browser, engine: Any) -> None:
    page = browser.page
    browser.login("seeker")
    browser.goto("/chercheur/profil")
    with page.expect_download() as download:
        page.get_by_role("link", name="Exporter mes données (JSON)").click()
    assert download.value.suggested_filename.endswith(".json")
    page.get_by_role("link", name="Effacer mon compte").click()
    browser.check("erase-confirm")
    page.get_by_label("Tapez EFFACER pour confirmer").fill("EFFACER")
    page.get_by_role("button", name="Effacer définitivement mon compte").click()
    expect(page.get_by_text("Votre compte et votre profil sont effacés.")).to_be_visible()
    browser.check("erased")
    assert engine.profiles.get("P-VENDEUSE") is None
    browser.login("seeker")
    expect(page.get_by_text("Adresse électronique ou mot de passe incorrect.")).to_be_visible()


def test_admin_creates_an_account_and_roles_are_kept_apart(browser: Browser) -> None:
    page = browser.page
    browser.login("admin")
    page.get_by_label("Adresse électronique").fill("nouveau@test.example")
    page.get_by_label("Nom affiché").fill("Nouvel employeur")
    page.get_by_label("Rôle").select_option("employer")
    page.get_by_role("button", name="Créer le compte").click()
    expect(page.get_by_text("Compte nouveau@test.example créé.")).to_be_visible()
    browser.check("accounts")
    browser.goto("/conseiller?profil=P-VENDEUSE")
    expect(page.get_by_role("heading", name=re.compile("Accès refusé"))).to_be_visible()
    browser.check("forbidden")


def test_seeker_sees_skills_read_from_an_offer_that_lists_none(browser: Browser,
                                                              engine: Any) -> None:
    from indexer.catalog import IndexWriter
    from indexer.models import GeoPoint, Offer, Place

    offer = Offer(id="OF-TEXTE-1", title="Vendeuse en prêt-à-porter H/F",
                  description="Votre mission : conseiller un client sur un produit, encaisser "
                              "un paiement.\nTechniques de vente exigées.",
                  place=Place(label="Aubenas", commune="07019",
                              point=GeoPoint(lat=44.6197, lon=4.3903)),
                  contract_type="CDI")
    with IndexWriter(engine.index.directory, engine.settings, engine.encoder,
                     enricher=engine.enricher) as writer:
        writer.upsert_offers([offer])
        writer.commit()
    engine.reload()
    page = browser.page
    browser.login("seeker")
    card = page.locator("article#offre-OF-TEXTE-1")
    expect(card).to_be_visible()
    card.locator("details.explanation summary").click()
    expect(card.get_by_text("lue dans l'annonce").first).to_be_visible()
    expect(card.get_by_text(re.compile(r"déduit de l’annonce, \d+\s%"))).to_be_visible()
    expect(card.get_by_text("Techniques de vente")).to_be_visible()
    browser.check("offer-without-skills-explained")
