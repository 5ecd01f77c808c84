"""Optional ESCO French labels and the official ESCO ↔ ROME crosswalk."""

from __future__ import annotations

import csv
import logging
from dataclasses import dataclass
from pathlib import Path

from skills_taxonomy._csv import read_rows, require_file
from skills_taxonomy.errors import MissingColumnError
from skills_taxonomy.model import CrosswalkRow, EscoConcept

logger = logging.getLogger(__name__)

OCCUPATIONS_FILE = "occupations_fr.csv"
SKILLS_FILE = "skills_fr.csv"
CROSSWALK_FILE = "mapping_esco_rome_v1.4.csv"
ESCO_FILES = (OCCUPATIONS_FILE, SKILLS_FILE, CROSSWALK_FILE)
_CROSSWALK_HEADER = (
    "classification 1 ID",
    "classification 1 prefered label",
    "classification 2 ID",
    "classification 2 prefered label",
    "mapping relation",
)
# Best relation first: used to choose the ROME code of an ESCO occupation.
RELATION_ORDER = ("skos:exactMatch", "skos:closeMatch", "skos:narrowMatch", "skos:broadMatch")


@dataclass(frozen=True, slots=True)
class EscoData:
    """ESCO occupations and skills by URI, and the crosswalk rows."""

    occupations: dict[str, EscoConcept]
    skills: dict[str, EscoConcept]
    crosswalk: tuple[CrosswalkRow, ...]


def esco_paths(esco_dir: Path) -> dict[str, Path]:
    """Return the path of every ESCO file read, by file name (each must exist)."""
    return {name: require_file(esco_dir / name) for name in ESCO_FILES}


def read_concepts(path: Path) -> dict[str, EscoConcept]:
    """Read an ESCO ``*_fr.csv`` file: URI, preferred label, newline-separated alt labels."""
    concepts: dict[str, EscoConcept] = {}
    for row in read_rows(path, ("conceptUri", "preferredLabel", "altLabels")):
        alts = tuple(label.strip() for label in row["altLabels"].splitlines() if label.strip())
        concepts[row["conceptUri"]] = EscoConcept(row["conceptUri"], row["preferredLabel"], alts)
    return concepts


def read_crosswalk(path: Path) -> tuple[CrosswalkRow, ...]:
    """Read the crosswalk; its table starts after a metadata block, at its header line."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = iter(csv.reader(handle))
        for row in rows:
            if tuple(cell.strip() for cell in row) == _CROSSWALK_HEADER:
                break
        else:
            raise MissingColumnError(f"{path.name}: no header line with {_CROSSWALK_HEADER}")
        return tuple(CrosswalkRow(*(cell.strip() for cell in row)) for row in rows if len(row) == 5)


def read_esco(esco_dir: Path) -> EscoData:
    """Read the ESCO French labels and the crosswalk from ``esco_dir``."""
    paths = esco_paths(esco_dir)
    data = EscoData(
        occupations=read_concepts(paths[OCCUPATIONS_FILE]),
        skills=read_concepts(paths[SKILLS_FILE]),
        crosswalk=read_crosswalk(paths[CROSSWALK_FILE]),
    )
    logger.info(
        "read ESCO from %s: %d occupations, %d skills, %d crosswalk rows",
        esco_dir,
        len(data.occupations),
        len(data.skills),
        len(data.crosswalk),
    )
    return data


def esco_rome_codes(
    crosswalk: tuple[CrosswalkRow, ...], appellation_rome: dict[str, str]
) -> dict[str, str]:
    """Map each ESCO occupation URI to the ROME code of its best-matching appellation."""
    rank = {relation: index for index, relation in enumerate(RELATION_ORDER)}
    best: dict[str, tuple[int, str]] = {}
    for row in crosswalk:
        rome = appellation_rome.get(row.appellation_code)
        if rome is None:
            continue
        candidate = (rank.get(row.relation, len(rank)), rome)
        if row.esco_uri not in best or candidate < best[row.esco_uri]:
            best[row.esco_uri] = candidate
    return {uri: rome for uri, (_, rome) in best.items()}
