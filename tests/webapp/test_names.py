"""Names instead of codes, and words instead of numbers: the resolution of typed names
(occupations, communes, départements) with their "Vouliez-vous dire … ?" choices, and the
French formatting of the pages."""

from __future__ import annotations

from datetime import date

import pytest

from indexer.geo import Commune, Gazetteer
from indexer.models import GeoPoint
from skills_taxonomy import Taxonomy
from webapp import formatting, names
from webapp.names import NameNotResolved, UnknownCode


def _commune(code: str, name: str, department: str, postcodes: tuple[str, ...],
             population: int, lat: float, lon: float) -> Commune:
    return Commune(code, name, department, "84", postcodes, population, GeoPoint(lat=lat, lon=lon))


@pytest.fixture(scope="module")
def homonyms() -> Gazetteer:
    """Two Saint-Julien, one Aubenas, a postcode shared by two communes, and an INSEE code
    that is another commune's postcode (as 07200 is Le Roux's code and Aubenas' postcode)."""
    return Gazetteer.from_communes([
        _commune("07019", "Aubenas", "07", ("07200",), 12416, 44.61, 4.39),
        _commune("07231", "Saint-Étienne-de-Fontbellon", "07", ("07200",), 2800, 44.60, 4.38),
        _commune("07200", "Le Roux", "07", ("07560",), 50, 44.73, 4.14),
        _commune("69215", "Saint-Julien", "69", ("69640",), 969, 46.02, 4.65),
        _commune("83113", "Saint-Julien", "83", ("83560",), 2453, 43.69, 5.91),
        _commune("67507", "Villé", "67", ("67220",), 1799, 48.34, 7.30),
    ], {"07": "Ardèche", "69": "Rhône", "83": "Var", "67": "Bas-Rhin"})


def test_a_unique_name_a_code_or_the_picked_code_resolve(homonyms: Gazetteer) -> None:
    assert names.resolve_commune(homonyms, "aubenas").code == "07019"        # type: ignore
    assert names.resolve_commune(homonyms, "07019").code == "07019"          # type: ignore
    assert names.resolve_commune(homonyms, "Saint-Julien (83)").code == "83113"  # type: ignore
    picked = names.resolve_commune(homonyms, "Saint-Julien (69)", code="69215")
    assert picked is not None and picked.name == "Saint-Julien" and picked.department == "69"
    assert names.resolve_commune(homonyms, "") is None


def test_a_shared_name_asks_which_one_instead_of_guessing(homonyms: Gazetteer) -> None:
    with pytest.raises(NameNotResolved) as caught:
        names.resolve_commune(homonyms, "Saint-Julien")
    error = caught.value
    assert error.ambiguous and error.code == 400 and error.parameter == "commune"
    assert [c.label for c in error.choices] == ["Saint-Julien (83)", "Saint-Julien (69)"]
    assert "Var" in error.choices[0].detail and "INSEE 83113" in error.choices[0].detail
    assert "plusieurs communes" in error.description


def test_an_unknown_name_offers_close_names_and_never_picks_one(homonyms: Gazetteer) -> None:
    with pytest.raises(NameNotResolved) as caught:
        names.resolve_commune(homonyms, "Zzzville")
    assert not caught.value.ambiguous
    assert "commune inconnue" in caught.value.description
    assert all(choice.code != "" for choice in caught.value.choices)


def test_a_postcode_of_several_communes_asks_and_a_code_that_is_also_a_postcode_too(
        homonyms: Gazetteer) -> None:
    with pytest.raises(NameNotResolved) as caught:
        names.resolve_commune(homonyms, "07200")
    labels = [c.label for c in caught.value.choices]
    assert labels[:2] == ["Aubenas (07)", "Saint-Étienne-de-Fontbellon (07)"]
    assert "Le Roux (07)" in labels                          # the INSEE reading is offered too
    with pytest.raises(UnknownCode) as unknown:
        names.resolve_commune(homonyms, "99999")
    assert unknown.value.code == 404


def test_commune_suggestions_start_with_the_typed_letters(homonyms: Gazetteer) -> None:
    labels = [c.label for c in names.commune_suggestions(homonyms, "saint")]
    assert labels[:3] == ["Saint-Étienne-de-Fontbellon (07)", "Saint-Julien (83)",
                          "Saint-Julien (69)"]                # most populous first
    assert [c.code for c in names.commune_suggestions(homonyms, "07200")][:2] == [
        "07019", "07231"]


def test_occupation_suggestions_give_one_entry_per_occupation(mini_taxonomy: Taxonomy) -> None:
    choices = names.occupation_suggestions(mini_taxonomy, "vendeur")
    codes = [c.code for c in choices]
    assert len(codes) == len(set(codes))                     # D1214 once, not once per title
    assert set(codes) == {"D1211", "D1214"}
    assert all(c.detail.endswith(c.code) for c in choices)   # the code as secondary text
    assert not any("http" in c.label or "http" in c.detail for c in choices)
    popular = names.occupation_suggestions(mini_taxonomy, "vendeur", popularity={"D1211": 9})
    assert popular[0].code == "D1211"                        # ties go to the most offers


def test_occupation_resolution(mini_taxonomy: Taxonomy) -> None:
    assert names.resolve_occupation(mini_taxonomy, "comptable").code == "M1203"  # type: ignore
    assert names.resolve_occupation(mini_taxonomy, "d1214").code == "D1214"      # type: ignore
    assert names.resolve_occupation(mini_taxonomy, "x", code="M1203").code == "M1203"  # type: ignore
    with pytest.raises(NameNotResolved) as caught:
        names.resolve_occupation(mini_taxonomy, "vendeur")
    assert {c.code for c in caught.value.choices} == {"D1211", "D1214"}
    with pytest.raises(UnknownCode):
        names.resolve_occupation(mini_taxonomy, "B1234")


def test_areas_by_name_or_code() -> None:
    departments = {"07": "Ardèche", "73": "Savoie", "74": "Haute-Savoie", "2A": "Corse-du-Sud"}
    assert names.resolve_area(departments, "ardeche", names.DEPARTMENT_WORDS, "lieu") == "07"
    assert names.resolve_area(departments, "7", names.DEPARTMENT_WORDS, "lieu") == "07"
    assert names.resolve_area(departments, "2a", names.DEPARTMENT_WORDS, "lieu") == "2A"
    with pytest.raises(NameNotResolved) as caught:
        names.resolve_area(departments, "Savoi", names.DEPARTMENT_WORDS, "lieu")
    assert [c.label for c in caught.value.choices] == ["Savoie", "Haute-Savoie"]
    with pytest.raises(UnknownCode):
        names.resolve_area(departments, "99", names.DEPARTMENT_WORDS, "lieu")


@pytest.mark.parametrize(("value", "text"), [
    (0.5, "0,5"), (2.0, "2"), (12416, "12\u202f416"), (1234.5, "1\u202f234,5"), (None, "—")])
def test_numbers_are_french(value: float | None, text: str) -> None:
    assert formatting.number(value) == text


@pytest.mark.parametrize(("value", "text"), [
    (0.4, "à moins d'un kilomètre"), (5.0, "à 5\u00a0km"), (7.25, "à 7,2\u00a0km"),
    (28.7, "à 29\u00a0km"), (None, "distance inconnue")])
def test_distances_read_as_words(value: float | None, text: str) -> None:
    assert formatting.away(value) == text


@pytest.mark.parametrize(("value", "text"), [
    (None, "non précisée"), (0, "aucune"), (0.5, "6 mois"), (1, "1 an"),
    (1.5, "1 an et demi"), (2, "2 ans"), (2.5, "2 ans et demi"), (3.2, "3 ans"),
    (1.8, "2 ans")])
def test_years_read_as_words(value: float | None, text: str) -> None:
    assert formatting.years(value) == text


@pytest.mark.parametrize(("label", "text", "years"), [
    ("2 An(s)", "2 ans", 2.0), ("Expérience exigée de 1 An(s)", "Expérience exigée de 1 an", 1.0),
    ("6 Mois", "6 mois", 0.5), ("18 Mois", "1 an et demi", 1.5),
    ("Débutant accepté", "Débutant accepté", None)])
def test_offer_experience_wording(label: str, text: str, years: float | None) -> None:
    assert formatting.experience_label(label) == text
    assert formatting.required_years(label) == years


@pytest.mark.parametrize(("label", "text"), [
    ("Mensuel de 2500,00 Euros à 5000,00 Euros", "de 2\u202f500 à 5\u202f000\u00a0€ par mois"),
    ("Horaire de 11,65 Euros", "11,65\u00a0€ de l'heure"), ("Annuel de", None),
    ("Selon profil", "Selon profil"), (None, None)])
def test_salary_wording(label: str | None, text: str | None) -> None:
    assert formatting.salary(label) == text


def test_days_and_counts() -> None:
    assert formatting.day(date(2025, 5, 1)) == "1er mai 2025"
    assert formatting.day(date(2025, 12, 24)) == "24 décembre 2025"
    assert formatting.count(0, "offre") == "0 offre"
    assert formatting.count(2, "offre") == "2 offres"
    assert formatting.count(1, "demandeur vise", "demandeurs visent") == "1 demandeur vise"


def test_occupation_codes_are_left_out_of_the_matchers_wording() -> None:
    assert formatting.without_codes("même métier : Vendeur / Vendeuse en prêt-à-porter (D1214)"
                                    ) == "même métier : Vendeur / Vendeuse en prêt-à-porter"
    assert formatting.without_codes("mobilité professionnelle : Cariste (N1101) → Magasinier "
                                    "(N1103)") == "mobilité professionnelle : Cariste → Magasinier"
    assert formatting.without_codes("Jardinier (voir annexe)") == "Jardinier (voir annexe)"


def test_match_level_reads_the_matcher_and_never_the_score() -> None:
    from matcher.results import Explanation, Match

    explanation = Explanation(components=())
    assert formatting.match_level(Match("o", 0.9, explanation, level="proche")) == "proche"
    assert formatting.match_level(Match("o", 0.9, explanation)) is None
    assert formatting.match_level(Match("o", 0.9, explanation, level="0.93")) is None
