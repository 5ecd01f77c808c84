"""The raw title and description of every real offer in the data folder, read straight from
the published files (so an offer the model reader rejects for another field still counts)."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

ARDECHE_CSV = "offres_ardeche_cdi_2025.csv"
FRANCE_JSON = "offres_france_2019_2023.json"


@dataclass(frozen=True, slots=True)
class OfferText:
    """An offer's id, title and description as published."""

    id: str
    title: str
    description: str
    source: str


def read_offer_texts(offers_dir: Path) -> list[OfferText]:
    """Every offer of the two published files of ``offers_dir`` that exist, in file order."""
    texts: list[OfferText] = []
    csv_path = offers_dir / ARDECHE_CSV
    if csv_path.is_file():
        with csv_path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                texts.append(OfferText(row["id"], row.get("intitule") or "",
                                       row.get("description") or "", ARDECHE_CSV))
    json_path = offers_dir / FRANCE_JSON
    if json_path.is_file():
        for row in json.loads(json_path.read_text(encoding="utf-8")):
            texts.append(OfferText(str(row.get("id", "")), str(row.get("intitule") or ""),
                                   str(row.get("description") or ""), FRANCE_JSON))
    return texts
