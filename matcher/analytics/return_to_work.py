"""Time to return to work by occupation and territory, only from a real spells file.

:func:`return_to_work` answers ``available=False`` with the reason when no file is configured
(the demo data has none) or when too few spells match: no estimate is ever invented.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from indexer.models import Place
from matcher.analytics.errors import AnalyticsError
from matcher.analytics.snapshot import Snapshot
from matcher.analytics.survival import MIN_SPELLS, KmEstimate, durations, kaplan_meier, read_spells
from matcher.analytics.territory import Territory

logger = logging.getLogger(__name__)

UNAVAILABLE = ("Estimation indisponible : ce service ne dispose pas encore des données de "
               "reprise d'emploi des demandeurs. Elle sera affichée dès que votre "
               "administrateur les aura fournies.")


@dataclass(frozen=True, slots=True)
class ReturnToWork:
    """The estimate, or why there is none."""

    available: bool
    message: str
    estimate: KmEstimate | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"available": self.available, "message": self.message,
                "estimate": self.estimate.to_dict() if self.estimate else None}


def return_to_work(outcomes_file: Path | None, snap: Snapshot, code: str,
                   territory: Territory) -> ReturnToWork:
    """Kaplan–Meier time to return to work of the spells of ``code`` in ``territory``."""
    if outcomes_file is None:
        return ReturnToWork(False, UNAVAILABLE)
    if not outcomes_file.is_file():
        logger.error("outcomes file %s not found", outcomes_file)
        return ReturnToWork(False, "Estimation indisponible : les données de reprise d'emploi "
                                   "sont introuvables ; votre administrateur est prévenu.")
    try:
        all_spells = read_spells(outcomes_file)
    except (AnalyticsError, OSError, UnicodeDecodeError) as error:
        logger.error("outcomes file %s unreadable: %s", outcomes_file, error)
        return ReturnToWork(False, "Estimation indisponible : les données de reprise "
                                   "d'emploi sont illisibles ; votre administrateur est "
                                   "prévenu.")
    spells = [s for s in all_spells
              if s.rome_code == code
              and snap.geo.contains(territory, snap.geo.locate(Place(commune=s.commune)))]
    if len(spells) < MIN_SPELLS:
        return ReturnToWork(False, f"Estimation indisponible : {len(spells)} épisode(s) de "
                                   f"chômage pour ce métier dans ce territoire, il en faut au "
                                   f"moins {MIN_SPELLS}.")
    estimate = kaplan_meier(durations(spells))
    return ReturnToWork(True, f"Estimé sur {estimate.spells} périodes de chômage de ce "
                              f"métier dans ce territoire, dont {estimate.events} terminées "
                              "par une reprise d'emploi.", estimate)
