"""An audit entry as the difference it made, in words: skills added and removed, weights
changed, occupations added and removed, skills read from the summary rejected or read again,
radius and contract wishes changed — never the whole before and after lists."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from webapp.formatting import km, number
from webapp.params import CONTRACT_TYPES
from webapp.repositories.tags import Tags, tag_key


def _weight(skill: dict[str, Any]) -> float:
    return float(skill.get("weight", 1.0) or 0.0)


def _contracts(codes: list[str] | None) -> str:
    return ", ".join(CONTRACT_TYPES.get(code, code) for code in codes or []) or "tous"


def _radius(value: float | None) -> str:
    return km(value) if value else "sans limite"


def differences(before: Tags, after: Tags, occupation: Callable[[str], str],
                skill: Callable[[str], str] = str) -> list[str]:
    """What changed from ``before`` to ``after``, one sentence per change (``occupation``
    names a ROME code, ``skill`` a skill code)."""
    lines: list[str] = []
    old = {tag_key(s): s for s in before.get("skills", [])}
    new = {tag_key(s): s for s in after.get("skills", [])}
    lines += [f"Compétence ajoutée : « {s['label']} »"
              + (f" (poids {number(_weight(s))})" if _weight(s) != 1.0 else "")
              for key, s in new.items() if key not in old]
    lines += [f"Compétence retirée : « {s['label']} »" for key, s in old.items() if key not in new]
    lines += [f"Poids de « {s['label']} » : {number(_weight(old[key]))} → {number(_weight(s))}"
              for key, s in new.items() if key in old and _weight(old[key]) != _weight(s)]
    old_codes, new_codes = before.get("rome_codes", []), after.get("rome_codes", [])
    lines += [f"Métier ajouté : « {occupation(code)} »" for code in new_codes
              if code not in old_codes]
    lines += [f"Métier retiré : « {occupation(code)} »" for code in old_codes
              if code not in new_codes]
    old_rejected, new_rejected = before.get("rejected", []), after.get("rejected", [])
    lines += [f"Compétence lue dans le résumé rejetée : « {skill(key)} »" for key in new_rejected
              if key not in old_rejected]
    lines += [f"Compétence lue dans le résumé de nouveau prise en compte : « {skill(key)} »"
              for key in old_rejected if key not in new_rejected]
    if "radius_km" in before and "radius_km" in after and \
            before["radius_km"] != after["radius_km"]:
        lines.append(f"Rayon de recherche : {_radius(before['radius_km'])} → "
                     f"{_radius(after['radius_km'])}")
    if "contract_types" in before and "contract_types" in after and \
            list(before["contract_types"] or []) != list(after["contract_types"] or []):
        lines.append(f"Contrats souhaités : {_contracts(before['contract_types'])} → "
                     f"{_contracts(after['contract_types'])}")
    return lines or ["Aucune différence"]
