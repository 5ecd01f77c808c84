"""Fixtures of the indexer tests: a small static model distilled from the real USE-m3 teacher
over hand-written texts (seconds), shared by the encoder tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.encoders import UseEncoder
from indexer.encoders.distill import DistillConfig, DistillCorpus, distill
from indexer.encoders.static import StaticModel
from skills_taxonomy.text import build_feminine_table

STATIC_LABELS = (
    "Boulanger / Boulangère", "Pâtissier / Pâtissière", "Fabrication du pain",
    "Façonner des pâtons", "Cuisson des viennoiseries", "Développeur / Développeuse web",
    "Programmation informatique", "Concevoir une application web", "Langage Python",
    "Aide-soignant / Aide-soignante", "Soins d'hygiène et de confort", "Personnes âgées",
    "Vendeur / Vendeuse en prêt-à-porter", "Accueillir les clients", "Encaisser un paiement",
    "Mise en rayon", "Infirmier / Infirmière", "Chauffeur poids lourd", "Conduite de camion",
    "Comptable", "Saisie des écritures comptables", "Maçon / Maçonne", "Monter des murs",
)
STATIC_DOCUMENTS = (
    "Boulanger H/F\nCompétences : Fabrication du pain, Façonner des pâtons\n"
    "Boulangerie artisanale cherche un boulanger pour la fabrication du pain.",
    "Développeur Python\nCompétences : Programmation informatique\n"
    "Vous développez des applications web en Python au sein d'une équipe.",
    "Aide-soignant de nuit\nCompétences : Soins d'hygiène et de confort\n"
    "EHPAD recherche un aide-soignant pour les soins aux personnes âgées.",
    "Vendeuse en prêt-à-porter\nCompétences : Accueillir les clients, Mise en rayon\n"
    "Magasin de mode cherche une vendeuse : accueil des clients, encaissement.",
    "Chauffeur poids lourd\nCompétences : Conduite de camion\n"
    "Transport routier de marchandises, conduite d'un camion en régional.",
)
STATIC_FEMININE = build_feminine_table([
    ("Boulanger", "Boulangère"), ("Vendeur", "Vendeuse"), ("Aide-soignant", "Aide-soignante"),
    ("Développeur", "Développeuse"), ("Maçon", "Maçonne"), ("Infirmier", "Infirmière"),
    ("Pâtissier", "Pâtissière")])
STATIC_CORPUS = DistillCorpus(STATIC_LABELS, STATIC_DOCUMENTS,
                              ("Le boulanger pétrit la pâte chaque matin.",), STATIC_FEMININE)
SMALL_CONFIG = DistillConfig(dimension=32, min_count=1, min_bigram_count=2, buckets=512,
                             epochs=8, bucket_epochs=5, holdout=0.2, seed=5)


@pytest.fixture(scope="session")
def use_teacher() -> UseEncoder:
    """The real USE-m3 model, the teacher of the small static model."""
    return UseEncoder()


@pytest.fixture(scope="session")
def small_static_model(use_teacher: UseEncoder) -> StaticModel:
    """A static model distilled from USE-m3 over the hand-written texts above."""
    return distill(STATIC_CORPUS, use_teacher, SMALL_CONFIG)


@pytest.fixture(scope="session")
def small_static_dir(small_static_model: StaticModel,
                     tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small static model saved in a folder (read-only for the tests)."""
    directory = tmp_path_factory.mktemp("static") / "model"
    small_static_model.save(directory)
    return directory
