"""The inbox and the diagnoses in a real browser, for each role, with axe-core on every page
and screenshots at 1280 and 390 px: the counsellor opens the inbox, a message, corrects the
intent, answers with the template, opens both diagnoses; the seeker writes to their
counsellor and opens their diagnosis; the employer opens their offer's diagnosis."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from flask import Flask
from playwright.sync_api import expect

from matcher.inbox.message import Message
from tests.browser import axe
from tests.browser.conftest import Browser
from tests.webapp.conftest import ACCOUNTS
from webapp.db import get_database
from webapp.engine_ext import get_engine
from webapp.inbox.arrival import Incoming, receive
from webapp.repositories.users import by_email

pytestmark = pytest.mark.browser


@pytest.fixture
def checked(browser: Browser) -> Iterator[Browser]:
    """The browser with axe-core on every page."""
    axe.install(browser.context)
    yield browser


def look(browser: Browser, label: str) -> None:
    """axe-core finds nothing; screenshots at 1280 and 390 px."""
    assert axe.violations(browser.page) == [], label
    browser.shot(label)
    browser.shot(f"{label}-phone", phone=True)
    width = browser.page.evaluate("document.documentElement.scrollWidth")
    assert width <= 1280


def no_horizontal_scroll_at_390(browser: Browser) -> None:
    browser.page.set_viewport_size({"width": 390, "height": 844})
    width = browser.page.evaluate("document.documentElement.scrollWidth")
    browser.page.set_viewport_size({"width": 1280, "height": 900})
    assert width <= 390, width


def seed(app: Flask) -> None:
    """A seeker's message and an employer's message about one of their offers."""
    with app.app_context(), get_database(app).sessions() as session:
        seeker = by_email(session, ACCOUNTS["seeker"].email)
        employer = by_email(session, ACCOUNTS["employer"].email)
        counsellor = by_email(session, ACCOUNTS["counsellor"].email)
        receive(session, get_engine(), [
            Incoming(Message("Rendez-vous de demain",
                             "Bonjour, je ne pourrai pas venir au rendez-vous de demain à "
                             "10 h, mon fils est malade. Camille Durand"),
                     sender=seeker, counsellor=counsellor),
            Incoming(Message("Candidats pour la vente",
                             "Bonjour, avez-vous des candidats pour notre offre ? Nous "
                             "recevons jeudi. La boutique"),
                     sender=employer, counsellor=counsellor, offer_id="OF-VENTE-1")])
        session.commit()


def test_counsellor_triages_answers_and_opens_both_diagnoses(checked: Browser,
                                                             app: Flask) -> None:
    seed(app)
    browser, page = checked, checked.page
    browser.login("counsellor")
    page.get_by_role("link", name="Boîte de réception").click()
    expect(page.get_by_role("heading", name="Boîte de réception")).to_be_visible()
    expect(page.get_by_role("heading", name="2 messages")).to_be_visible()
    look(browser, "inbox")
    no_horizontal_scroll_at_390(browser)
    page.get_by_role("link", name="Rendez-vous de demain").click()
    expect(page.get_by_role("heading", name="Rendez-vous de demain")).to_be_visible()
    expect(page.locator("dd", has_text="Camille Durand").first).to_be_visible()
    look(browser, "message")
    no_horizontal_scroll_at_390(browser)
    page.get_by_label("Intention").select_option("demande_rdv")
    page.get_by_role("button", name="Valider le tri").click()
    expect(page.get_by_text("Tri corrigé")).to_be_visible()
    expect(page.get_by_label("Intention")).to_have_value("demande_rdv")
    reply = page.get_by_label(re.compile("^Texte"))
    draft = reply.input_value()
    assert draft.startswith("Bonjour Camille Durand,") and "[à compléter" in draft
    expect(page.locator("mark.blank").first).to_be_visible()
    reply.fill(re.sub(r"\[à compléter : [^\]]*\]", "jeudi 14 h à l'agence d'Aubenas", draft))
    page.get_by_role("button", name="Envoyer la réponse").click()
    expect(page.get_by_text("Réponse enregistrée.")).to_be_visible()
    expect(page.get_by_role("heading", name="Réponses envoyées")).to_be_visible()
    look(browser, "answered")
    page.get_by_role("link", name="Diagnostic de Camille Durand").click()
    expect(page.get_by_role("heading", name="Diagnostic de Camille Durand")).to_be_visible()
    expect(page.get_by_role("heading", name="Les actions qui ouvriraient le plus d'offres")
           ).to_be_visible()
    look(browser, "seeker-diagnosis")
    no_horizontal_scroll_at_390(browser)
    page.emulate_media(media="print")
    browser.shot("seeker-diagnosis-print")
    assert not page.get_by_role("navigation", name="Navigation principale").is_visible()
    page.emulate_media(media="screen")
    page.get_by_role("link", name="Boîte de réception").first.click()
    page.get_by_role("link", name="Candidats pour la vente").click()
    page.get_by_role("link", name=re.compile("Diagnostic de l'offre Vendeur")).click()
    expect(page.get_by_role("heading", name=re.compile("Diagnostic de l'offre"))).to_be_visible()
    expect(page.get_by_role("heading", name="Conformité de la rédaction")).to_be_visible()
    look(browser, "offer-diagnosis")
    no_horizontal_scroll_at_390(browser)


def test_seeker_writes_to_their_counsellor_and_opens_their_diagnosis(checked: Browser) -> None:
    browser, page = checked, checked.page
    browser.login("seeker")
    page.get_by_role("link", name="Écrire à mon conseiller").click()
    expect(page.get_by_role("heading", name="Écrire à mon conseiller")).to_be_visible()
    look(browser, "write")
    page.get_by_label("Objet").fill("Attestation")
    page.get_by_label("Votre message").fill("Bonjour, pourriez-vous m'envoyer une attestation "
                                      "d'inscription pour vendredi ? Merci.")
    page.get_by_role("button", name="Envoyer le message").click()
    expect(page.get_by_text("Message envoyé à Counsellor.")).to_be_visible()
    expect(page.get_by_text("en attente de réponse")).to_be_visible()
    look(browser, "sent")
    page.get_by_role("link", name="Voir mon diagnostic").click()
    expect(page.get_by_role("heading", name="Mon diagnostic")).to_be_visible()
    look(browser, "own-diagnosis")
    no_horizontal_scroll_at_390(browser)
    browser.logout()
    browser.login("counsellor")
    browser.goto("/conseiller/messages")
    expect(page.get_by_role("link", name="Attestation")).to_be_visible()


def test_employer_opens_their_offers_diagnosis(checked: Browser) -> None:
    browser, page = checked, checked.page
    browser.login("employer2")
    page.locator('main a[href*="offre=OF-AGRI-1"]').first.click()    # from the dashboard
    page.get_by_role("link", name="Diagnostic de l'offre").click()
    expect(page.get_by_role("heading", name=re.compile("Diagnostic de l'offre"))).to_be_visible()
    flag = page.locator("article.flag").first
    expect(flag.locator("mark")).to_have_text("Conducteur")
    expect(flag.get_by_text("Proposition")).to_be_visible()
    look(browser, "employer-offer-diagnosis")
    no_horizontal_scroll_at_390(browser)
    page.get_by_role("link", name="Écrire à mon conseiller").click()
    page.get_by_label(re.compile("Offre concernée")).select_option("OF-AGRI-1")
    page.get_by_label("Votre message").fill("Bonjour, pouvez-vous relire notre offre ?")
    page.get_by_role("button", name="Envoyer le message").click()
    expect(page.get_by_text("Message envoyé à Counsellor2.")).to_be_visible()
