"""Readers of the official ROME 4.0 open-data files (``unix_*_v<N>_utf8.csv``)."""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from skills_taxonomy._csv import find_rome_file, read_rows
from skills_taxonomy.errors import BadValueError, MissingFileError
from skills_taxonomy.model import Appellation, Item, Occupation
from skills_taxonomy.text import fold

logger = logging.getLogger(__name__)

OCCUPATIONS = "unix_referentiel_code_rome"
APPELLATIONS = "unix_referentiel_appellation"
COMPETENCES = "unix_referentiel_competence"
SAVOIRS = "unix_referentiel_savoir"
COHERENCE = "unix_coherence_item"
MOBILITY = "unix_rubrique_mobilite"
TEXTS = "unix_texte"
ROME_STEMS = (OCCUPATIONS, APPELLATIONS, COMPETENCES, SAVOIRS, COHERENCE, MOBILITY)
OPTIONAL_STEMS = (TEXTS,)
"""Read when present: the occupations' definitions help reading offers into occupations."""
CORE_VALUES = frozenset({"principale", "émergente", "emergente"})


@dataclass(frozen=True, slots=True)
class RomeData:
    """Everything read from the ROME files, before indexing."""

    occupations: dict[str, Occupation]
    appellations: dict[str, Appellation]
    items: dict[str, Item]
    links: dict[str, tuple[tuple[str, bool], ...]]
    mobility: dict[str, tuple[tuple[str, int], ...]]
    definitions: dict[str, str] = field(default_factory=dict)


def rome_paths(rome_dir: Path) -> dict[str, Path]:
    """Return the path of every ROME file the taxonomy reads, by stem (the optional ones
    only when present)."""
    paths = {stem: find_rome_file(rome_dir, stem) for stem in ROME_STEMS}
    for stem in OPTIONAL_STEMS:
        try:
            paths[stem] = find_rome_file(rome_dir, stem)
        except MissingFileError:
            logger.debug("optional ROME file %s absent from %s", stem, rome_dir)
    return paths


def _resembles(a: str, b: str) -> bool:
    """Whether two words look like gendered forms of one another (shared 3-letter stem)."""
    a, b = fold(a), fold(b)
    stem = min(len(a), len(b), 4)
    return bool(a) and bool(b) and a[:stem] == b[:stem]


def _feminine_span(masculine: list[str], words: list[str]) -> int:
    """How many trailing masculine words the feminine part replaces."""
    if _resembles(masculine[0], words[0]) or len(masculine) == 1:
        return len(masculine)
    for size in range(1, len(masculine)):
        if _resembles(masculine[-size], words[0]):
            return size
    return len(masculine)


def split_gendered(label: str) -> tuple[str, ...]:
    """Split "Vendeur / Vendeuse en prêt-à-porter" into its masculine and feminine forms.

    The masculine part (before " / ") has N words; the feminine form is the first N words
    after the slash and the remaining words are shared by both forms. When the feminine
    part only restates the last words ("Artiste plasticien / Plasticienne"), the leading
    masculine words are shared too. A label without " / " is returned alone.
    """
    if " / " not in label:
        return (label,)
    left, right = label.split(" / ", 1)
    masculine, words = left.split(), right.split()
    if not masculine or not words:
        return (label,)
    span = min(_feminine_span(masculine, words), len(words))
    prefix, tail = masculine[: len(masculine) - span], words[span:]
    return (" ".join(masculine + tail), " ".join(prefix + words[:span] + tail))


def read_occupations(path: Path) -> dict[str, Occupation]:
    """Read the occupation sheets, by ROME code."""
    columns = ("code_rome", "code_ogr", "libelle_rome", "code_rome_parent")
    return {
        row["code_rome"]: Occupation(
            code=row["code_rome"],
            label=row["libelle_rome"],
            parent_code=row["code_rome_parent"] or row["code_rome"],
            ogr_code=row["code_ogr"],
        )
        for row in read_rows(path, columns)
    }


def read_appellations(path: Path) -> dict[str, Appellation]:
    """Read the job titles, by ``code_ogr``, with their gendered forms split."""
    columns = ("code_ogr", "libelle_appellation_long", "libelle_appellation_court", "code_rome")
    return {
        row["code_ogr"]: Appellation(
            code=row["code_ogr"],
            label=row["libelle_appellation_long"],
            short_label=row["libelle_appellation_court"],
            forms=split_gendered(row["libelle_appellation_long"]),
            rome_code=row["code_rome"],
        )
        for row in read_rows(path, columns)
    }


def read_competences(path: Path) -> dict[str, Item]:
    """Read the skills (savoir-faire, savoir-être, macro-skills), by ``code_ogr``."""
    columns = ("code_ogr", "libelle_competence", "cat_comp", "sous_cat_comp")
    return {
        row["code_ogr"]: Item(
            code=row["code_ogr"],
            label=row["libelle_competence"],
            kind="skill",
            category=row["cat_comp"],
            subcategory=row["sous_cat_comp"],
        )
        for row in read_rows(path, columns)
    }


def read_savoirs(path: Path) -> dict[str, Item]:
    """Read the knowledge items (savoirs), by ``code_ogr_savoir``."""
    columns = ("code_ogr_savoir", "libelle_savoir", "categorie_savoir", "sous_categorie_savoir")
    return {
        row["code_ogr_savoir"]: Item(
            code=row["code_ogr_savoir"],
            label=row["libelle_savoir"],
            kind="knowledge",
            category=row["categorie_savoir"],
            subcategory=row["sous_categorie_savoir"],
        )
        for row in read_rows(path, columns)
    }


def read_links(path: Path, known_items: set[str]) -> dict[str, tuple[tuple[str, bool], ...]]:
    """Read occupation → item links; items outside ``known_items`` (work contexts) are skipped."""
    links: defaultdict[str, dict[str, bool]] = defaultdict(dict)
    skipped = 0
    for row in read_rows(path, ("code_rome", "code_ogr", "coeur_metier")):
        if row["code_ogr"] not in known_items:
            skipped += 1
            continue
        core = row["coeur_metier"].casefold() in CORE_VALUES
        current = links[row["code_rome"]]
        current[row["code_ogr"]] = current.get(row["code_ogr"], False) or core
    logger.debug("%s: skipped %d links to non-skill items", path.name, skipped)
    return {code: tuple(items.items()) for code, items in links.items()}


def _rank(path: Path, value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise BadValueError(
            f"{path.name}: column 'numero_ordre' is not an integer: {value!r}"
        ) from None


def read_mobility(path: Path) -> dict[str, tuple[tuple[str, int], ...]]:
    """Read mobility links: occupation → (target, rank), sorted by rank (1 first)."""
    targets: defaultdict[str, list[tuple[str, int]]] = defaultdict(list)
    for row in read_rows(path, ("code_rome", "code_rome_cible", "numero_ordre")):
        targets[row["code_rome"]].append((row["code_rome_cible"], _rank(path, row["numero_ordre"])))
    return {
        code: tuple(sorted(pairs, key=lambda pair: (pair[1], pair[0])))
        for code, pairs in targets.items()
    }


def read_definitions(path: Path) -> dict[str, str]:
    """Each occupation's definition and access-to-employment sentences, in order, as one text."""
    sentences: defaultdict[str, list[tuple[int, int, str]]] = defaultdict(list)
    kinds = {"definition": 0, "acces_metier": 1}
    columns = ("code_rome", "libelle_type_texte", "position_phrase", "libelle_texte")
    for row in read_rows(path, columns):
        kind = kinds.get(row["libelle_type_texte"])
        if kind is None or not row["libelle_texte"]:
            continue
        position = int(row["position_phrase"]) if row["position_phrase"].isdigit() else 0
        sentences[row["code_rome"]].append((kind, position, row["libelle_texte"]))
    return {code: " ".join(text for _, _, text in sorted(parts))
            for code, parts in sentences.items()}


def read_rome(rome_dir: Path) -> RomeData:
    """Read every ROME file the taxonomy needs from ``rome_dir``."""
    paths = rome_paths(rome_dir)
    items = read_competences(paths[COMPETENCES])
    items.update(read_savoirs(paths[SAVOIRS]))
    data = RomeData(
        occupations=read_occupations(paths[OCCUPATIONS]),
        appellations=read_appellations(paths[APPELLATIONS]),
        items=items,
        links=read_links(paths[COHERENCE], set(items)),
        mobility=read_mobility(paths[MOBILITY]),
        definitions=read_definitions(paths[TEXTS]) if TEXTS in paths else {},
    )
    logger.info(
        "read ROME from %s: %d occupations, %d appellations, %d items",
        rome_dir,
        len(data.occupations),
        len(data.appellations),
        len(data.items),
    )
    return data
