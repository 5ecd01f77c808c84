"""What the territory pages and API share: the snapshot, the occupations on offer, the data
note and the outcomes file setting."""

from __future__ import annotations

from pathlib import Path

from flask import current_app

from matcher.analytics.snapshot import Snapshot, describe, snapshot
from webapp.engine_ext import get_engine

DEMO_NOTE = ("Avec les données de démonstration : 299 offres réelles France Travail (Ardèche, "
             "CDI, déc. 2024–mai 2025, coordonnées retirées) et 600 profils de demandeurs "
             "générés (personnes fictives).")


def current_snapshot() -> Snapshot:
    """The analytics snapshot of the app's engine."""
    return snapshot(get_engine())


def occupations_on_offer(snap: Snapshot) -> list[tuple[str, str, int]]:
    """(ROME code, label, offers) of the occupations present in the offers, most offers first."""
    taxonomy = get_engine().taxonomy
    return [(code, taxonomy.occupations[code].label if code in taxonomy.occupations else code,
             count) for code, count in sorted(snap.occupations().items(),
                                              key=lambda kv: (-kv[1], kv[0]))]


def data_note(snap: Snapshot) -> dict[str, str]:
    """``computed_from`` (from the index) and ``provenance`` (``TERRITORY_DATA_NOTE``)."""
    return {"computed_from": f"Calculé sur {describe(snap)}.",
            "provenance": str(current_app.config.get("TERRITORY_DATA_NOTE", DEMO_NOTE))}


def outcomes_file() -> Path | None:
    """The spells file for time-to-return-to-work estimates: the app's ``OUTCOMES_FILE``
    (from the settings' ``outcomes_file``, ``EMPLOI_OUTCOMES_FILE``); None when unset."""
    value = current_app.config.get("OUTCOMES_FILE")
    return Path(value) if value else None
