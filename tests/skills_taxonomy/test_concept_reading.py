"""Reading text into concepts: passages and stated requirements, skills with their passage,
occupations from title and text, on the hand-written mini ROME."""

from __future__ import annotations

import pytest

from indexer.encoders import Encoder
from skills_taxonomy import Taxonomy
from skills_taxonomy.concepts import READER_VERSION, ConceptReader
from skills_taxonomy.segments import StatedRequirement, passages, stated_requirement
from skills_taxonomy.skill_reader import SkillReader

DESCRIPTION = """Boutique de prêt-à-porter au centre d'Aubenas.

MISSIONS :
- Conseiller un client sur un produit et l'accompagner en cabine
- Encaisser les paiements en fin de journée

PROFIL RECHERCHÉ :
- Techniques de vente exigées
- Une connaissance des logiciels de caisse serait un plus
Débutant accepté : formation assurée à la mise en rayon des articles."""


@pytest.mark.parametrize(("text", "expected"), [
    ("Permis B exigé", StatedRequirement.REQUIRED),
    ("La maîtrise d'Excel est indispensable.", StatedRequirement.REQUIRED),
    ("Anglais souhaité", StatedRequirement.WISHED),
    ("Une expérience en boutique serait appréciée", StatedRequirement.WISHED),
    ("Connaissance des normes HACCP : un +", StatedRequirement.WISHED),
    ("La connaissance du logiciel est un atout", StatedRequirement.WISHED),
    ("Débutants acceptés, formation assurée", StatedRequirement.TRAINABLE),
    ("Vous accueillez les clients", None),
])
def test_stated_requirements(text: str, expected: StatedRequirement | None) -> None:
    assert stated_requirement(text) is expected


def test_passages_keep_offsets_and_pass_a_heading_on() -> None:
    text = "Les plus :\n- Anglais\n- Normes HACCP\n\nSalaire selon profil."
    found = passages(text)
    assert [p.text for p in found] == ["Les plus :", "Anglais", "Normes HACCP",
                                       "Salaire selon profil."]
    assert all(text[p.start:p.end] == p.text for p in found)
    assert [p.requirement for p in found[1:3]] == [StatedRequirement.WISHED] * 2
    assert found[3].requirement is None  # a blank line ends the heading's scope


def test_long_passages_are_cut_at_commas() -> None:
    sentence = ", ".join(f"tâche numéro {n} du poste" for n in range(30))
    found = passages(sentence)
    assert len(found) > 1
    assert all(len(p.text.split()) <= 45 for p in found)


@pytest.fixture(scope="module")
def lexical_reader(mini_taxonomy: Taxonomy) -> ConceptReader:
    return ConceptReader(mini_taxonomy)


def test_skills_are_read_with_their_passage_and_requirement(
        lexical_reader: ConceptReader) -> None:
    reading = lexical_reader.read(["Vendeuse en prêt-à-porter"], DESCRIPTION)
    skills = {s.code: s for s in reading.skills}
    assert {"100010", "200002", "200006"} <= set(skills)
    advice = skills["100010"]
    assert DESCRIPTION[advice.start:advice.end] == advice.excerpt
    assert "Conseiller un client" in advice.excerpt
    assert skills["200002"].requirement is StatedRequirement.REQUIRED
    assert skills["200006"].requirement is StatedRequirement.WISHED
    assert all(0.0 < s.confidence <= 1.0 for s in reading.skills)
    assert "100021" not in skills  # boat engines are not in this text


def test_the_occupation_prior_never_extracts_a_skill_alone(mini_taxonomy: Taxonomy) -> None:
    reader = SkillReader(mini_taxonomy)
    assert reader.read("Horaires du lundi au vendredi.", {"D1214": 1.0}) == []


def test_occupations_are_read_from_title_and_text(lexical_reader: ConceptReader) -> None:
    reading = lexical_reader.read(["Vendeuse en prêt-à-porter"], DESCRIPTION)
    best = reading.occupations[0]
    assert best.rome_code == "D1214"
    assert best.confidence >= 0.9  # an exact ROME form, and a text that agrees
    assert best.title > 0 and best.text > 0


def test_text_alone_can_name_the_occupation(lexical_reader: ConceptReader) -> None:
    reading = lexical_reader.read(["Poste en CDI"], "Réparer un moteur de bateau au chantier "
                                  "naval, monter un accastillage ; mécanique navale.")
    assert reading.occupations and reading.occupations[0].rome_code == "I1601"


def test_gendered_titles_read_alike(lexical_reader: ConceptReader) -> None:
    codes = {tuple(o.rome_code for o in lexical_reader.read([title]).occupations)
             for title in ("Vendeur en prêt-à-porter", "Vendeuse en prêt-à-porter",
                           "Vendeur·se en prêt-à-porter (H/F)")}
    assert len(codes) == 1


def test_vectors_add_meaning_to_words(mini_taxonomy: Taxonomy, encoder: Encoder,
                                      lexical_reader: ConceptReader) -> None:
    text = "Vous réparez les moteurs des bateaux au chantier naval."
    with_vectors = ConceptReader(mini_taxonomy, encoder)
    read = {s.code: s for s in with_vectors.read(["Mécanicien de marine"], text).skills}
    words_only = {s.code: s for s in lexical_reader.read(["Mécanicien de marine"],
                                                         text).skills}
    assert read["100021"].vector > 0  # "Réparer un moteur de bateau"
    assert words_only["100021"].vector == 0
    assert read["100021"].confidence >= words_only["100021"].confidence
    assert with_vectors.version.startswith(f"{READER_VERSION}/")
    assert encoder.name in with_vectors.version


@pytest.mark.parametrize("with_encoder", [False, True])
def test_a_text_reads_as_its_passages_read_one_by_one(
        mini_taxonomy: Taxonomy, encoder: Encoder, with_encoder: bool) -> None:
    # The passages of a text are scored together; each must still get what it gets alone.
    reader = SkillReader(mini_taxonomy, encoder if with_encoder else None)
    prior = {"D1214": 0.9, "I1601": 0.4}
    whole = reader.read(DESCRIPTION, prior)
    assert whole
    for reading in whole:
        alone = {r.code: r for r in reader.read(reading.excerpt, prior)}
        assert reading.code in alone, reading
        same = alone[reading.code]
        assert (same.confidence, same.lexical, same.vector, same.prior) == (
            reading.confidence, reading.lexical, reading.vector, reading.prior)
        assert DESCRIPTION[reading.start:reading.end] == reading.excerpt
