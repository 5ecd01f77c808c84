"""The legality check: each category is flagged on a typical wording, each legitimate
wording or legal exception is not."""

from __future__ import annotations

import pytest

from matcher.diagnosis.legality import LegalityChecker, check_offer_wording
from matcher.diagnosis.legality_rules import Category, Severity

CHECKER = LegalityChecker()

FLAGGED = [
    ("Poste pour candidat de moins de 30 ans.", Category.AGE),
    ("Vous avez entre 25 et 35 ans.", Category.AGE),
    ("Nous recherchons un jeune vendeur motivé.", Category.AGE),
    ("Apprenti(e) de moins de 21 ans pour notre magasin.", Category.AGE),
    ("Profil recherché : jeune diplômé en comptabilité.", Category.AGE),
    ("Seniors s'abstenir.", Category.AGE),
    ("Nous recherchons une femme pour l'entretien des bureaux.", Category.SEX),
    ("Poste réservé aux hommes.", Category.SEX),
    ("Candidat de type européen souhaité.", Category.ORIGIN),
    ("Nationalité française exigée.", Category.NATIONALITY),
    ("Candidate célibataire et sans enfants de préférence.", Category.FAMILY),
    ("Ne pas être enceinte.", Category.FAMILY),
    ("Bonne présentation exigée.", Category.APPEARANCE),
    ("Physique agréable, CV avec photo.", Category.APPEARANCE),
    ("Être en bonne santé, sans handicap.", Category.HEALTH),
    ("Pas de signes religieux ni de voile.", Category.RELIGION),
    ("Candidat non syndiqué de préférence.", Category.OPINIONS),
    ("Réservé aux candidats résidant à Privas uniquement.", Category.RESIDENCE),
    ("Anglais langue maternelle exigé.", Category.LANGUAGE),
    ("Arabe courant exigé pour ce poste de peintre en bâtiment.", Category.LANGUAGE),
    ("Personne de bonnes mœurs.", Category.MORALS),
    ("Interdits bancaires s'abstenir.", Category.ECONOMIC),
]

LEGITIMATE = [
    "Débutant accepté, première expérience appréciée.",
    "Expérience de 5 ans minimum dans un poste similaire. Plus de 10 ans d'expérience : un plus.",
    "Profil junior accepté ; poste de développeur senior.",
    "Débutants et jeunes diplômés acceptés.",
    "Permis B exigé, véhicule de service fourni.",
    "Maîtrise du français à l'écrit et à l'oral.",
    "Anglais courant (niveau C1) pour échanger avec notre clientèle internationale.",
    "Contrat d'apprentissage, de 16 à 29 ans, rémunération selon l'âge.",
    "Être âgé de 18 ans minimum (travail de nuit).",
    "Accompagner les jeunes enfants de moins de 6 ans.",
    "Nous étudions toutes les candidatures sans distinction d'âge, de sexe ou d'origine.",
    "Poste ouvert aux personnes en situation de handicap (RQTH bienvenue).",
    "Visite médicale d'aptitude, port de charges, bonne condition physique.",
    "Vous assurez la bonne présentation des rayons et leur propreté.",
    "Suivi des femmes enceintes et des grossesses à risque.",
    "Autorisation de travail en France valide exigée.",
    "Astreintes de nuit : résider à moins de 20 minutes du site.",
    "Extrait de casier judiciaire demandé.",
    "Rejoignez une équipe dynamique et soudée.",
    "Remplacement d'un congé maternité de 6 mois.",
]


@pytest.mark.parametrize(("text", "category"), FLAGGED)
def test_each_category_is_flagged(text: str, category: Category) -> None:
    report = CHECKER.check_text(text)
    assert category in report.categories, [f.rule_id for f in report.flags]
    flag = next(f for f in report.flags if f.category is category)
    assert text[flag.start:flag.end] == flag.passage
    assert flag.reason and flag.suggestion and flag.law.startswith("Code du travail")


@pytest.mark.parametrize("text", LEGITIMATE)
def test_legitimate_wording_is_not_flagged(text: str) -> None:
    report = CHECKER.check_text(text)
    assert report.is_clean, [(f.rule_id, f.passage) for f in report.flags]


def test_nationality_is_legitimate_in_the_public_service() -> None:
    text = "Être de nationalité française. Recrutement par concours de la fonction publique."
    assert CHECKER.check_offer("Gardien de la paix", text).categories <= {Category.SEX}


def test_sex_of_a_role_is_legitimate_for_performers() -> None:
    assert Category.SEX not in CHECKER.check_text(
        "Casting : nous recherchons une femme pour le rôle principal.").categories


@pytest.mark.parametrize(("title", "severity"), [
    ("Vendeuse", Severity.FORBIDDEN),
    ("Assistante de direction", Severity.FORBIDDEN),
    ("Maçon", Severity.TO_CHECK),
])
def test_a_title_in_one_gender_is_flagged(title: str, severity: Severity) -> None:
    flags = [f for f in CHECKER.check_offer(title).flags if f.field == "title"]
    assert [(f.category, f.severity) for f in flags] == [(Category.SEX, severity)]


@pytest.mark.parametrize("title", ["Vendeur / Vendeuse", "Vendeuse H/F", "Maçon (F/H)",
                                   "Serveur.se", "Conseiller(ère) de vente", "Comptable",
                                   "Homme / Femme de ménage"])
def test_a_title_in_both_genders_or_epicene_is_not(title: str) -> None:
    assert CHECKER.check_offer(title).is_clean


def test_span_and_field_of_an_offer_flag() -> None:
    report = check_offer_wording("Serveur H/F", "Service en salle. Bonne présentation.")
    [flag] = report.flags
    assert flag.field == "description" and flag.passage == "Bonne présentation"
    assert flag.to_dict()["category"] == "apparence"


def test_a_taxonomy_lexicon_replaces_the_built_in_one() -> None:
    checker = LegalityChecker({"abatteuse": "abatteur"})
    assert [f.severity for f in checker.check_offer("Abatteuse").flags] == [Severity.FORBIDDEN]
    assert checker.check_offer("Vendeuse").is_clean  # not in that lexicon
