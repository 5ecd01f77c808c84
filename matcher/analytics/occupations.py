"""Checking ROME codes typed by a user."""

from __future__ import annotations

import re

from matcher.analytics.errors import AnalyticsError, UnknownOccupation
from skills_taxonomy import Taxonomy

_ROME_CODE = re.compile(r"^[A-N]\d{4}$")


def resolve_occupation(taxonomy: Taxonomy, code: str) -> tuple[str, str]:
    """``(code, label)`` of a ROME occupation; a malformed code is a 400, an unknown one 404."""
    code = code.strip().upper()
    if not code:
        raise AnalyticsError("indiquez un métier (code ROME, par exemple D1214)")
    if not _ROME_CODE.match(code):
        raise AnalyticsError(f"code ROME mal formé : « {code[:20]} » (une lettre de A à N "
                             "et quatre chiffres, par exemple D1214)")
    occupation = taxonomy.occupations.get(code)
    if occupation is None:
        raise UnknownOccupation(f"code ROME inconnu : « {code} »")
    return code, occupation.label
