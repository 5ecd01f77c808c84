"""A match's explanation in plain French for the pages: the hard filters it passed, written
with French numbers ("à 5 km, dans le rayon de 10 km"), and what weighed most in its rank."""

from __future__ import annotations

import re
from typing import Any

from webapp.formatting import number
from webapp.params import CONTRACT_TYPES

_DECIMAL = re.compile(r"\d+\.\d+")
_CONTRACT_CODE = re.compile(r"\b(" + "|".join(CONTRACT_TYPES) + r")\b")
NO_FILTER = "aucun filtre appliqué"


def _french(text: str) -> str:
    text = _DECIMAL.sub(lambda m: number(float(m.group()), 1), text)
    return _CONTRACT_CODE.sub(lambda m: CONTRACT_TYPES[m.group(1)], text)


def filter_words(match: Any) -> list[str]:
    """The hard filters a match passed, in French wording and numbers (none: [])."""
    filters = getattr(match.explanation, "filters", ()) or ()
    return [_french(text) for text in filters if text != NO_FILTER]


def main_reasons(match: Any, count: int = 2) -> list[str]:
    """The labels of the parts that weigh most in a match's rank (largest share first)."""
    components = sorted(match.explanation.components, key=lambda c: -c.share)
    return [c.label.lower() for c in components[:count] if c.share > 0]
