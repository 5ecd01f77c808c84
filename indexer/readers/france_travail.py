"""France Travail job offers: the public API's JSON (v2 schema) and its flattened CSV export."""

from __future__ import annotations

import ast
from collections.abc import Mapping
from typing import Any

#: Model field paths → France Travail field names, to name the source field in rejections.
SOURCE_FIELDS: dict[str, str] = {
    "id": "id",
    "title": "intitule",
    "description": "description",
    "rome_code": "romeCode",
    "rome_label": "romeLibelle",
    "appellation": "appellationlibelle",
    "skills": "competences",
    "qualities": "qualitesProfessionnelles",
    "place": "lieuTravail",
    "place.label": "lieuTravail.libelle",
    "place.commune": "lieuTravail.commune",
    "place.postcode": "lieuTravail.codePostal",
    "place.point.lat": "lieuTravail.latitude",
    "place.point.lon": "lieuTravail.longitude",
    "contract_type": "typeContrat",
    "experience": "experienceExige",
    "experience_label": "experienceLibelle",
    "working_time": "dureeTravailLibelleConverti",
    "salary": "salaire",
    "licences": "permis",
    "languages": "langues",
    "education": "formations",
    "qualification": "qualificationLibelle",
    "sector": "secteurActiviteLibelle",
    "naf_code": "codeNAF",
    "created_at": "dateCreation",
}

#: CSV columns holding Python-literal lists of dicts.
LIST_COLUMNS = ("competences", "qualitesProfessionnelles", "formations", "langues", "permis")
_REQUIREMENTS = {"E": "required", "S": "wished"}


class SourceFieldError(ValueError):
    """A source field that cannot be converted (before model validation)."""

    def __init__(self, field: str, reason: str) -> None:
        """Record the source ``field`` at fault and why."""
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


def is_api_offer(obj: object) -> bool:
    """True when ``obj`` looks like a France Travail API offer (rather than our ``Offer``)."""
    return isinstance(obj, Mapping) and ("intitule" in obj or "lieuTravail" in obj)


def _text(value: object) -> Any:
    """Strings stripped, empty → None; other scalars passed through for the model to judge."""
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip() or None
    return value  # a wrong type is reported by the model


def _dicts(obj: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    value = obj.get(key)
    if value in (None, ""):
        return []
    if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
        raise SourceFieldError(key, f"expected a list of objects, got {type(value).__name__}")
    return value


def _labels(obj: Mapping[str, Any], key: str) -> list[str]:
    return [str(d["libelle"]).strip() for d in _dicts(obj, key) if _text(d.get("libelle"))]


def _skill(entry: Mapping[str, Any]) -> dict[str, Any]:
    code = entry.get("code")
    exigence = entry.get("exigence")
    skill: dict[str, Any] = {"code": str(code).strip() if code not in (None, "") else None,
                             "label": entry.get("libelle") or ""}
    if exigence not in (None, ""):
        skill["requirement"] = _REQUIREMENTS.get(str(exigence), exigence)
    return skill


def _education(entry: Mapping[str, Any]) -> str | None:
    parts = [str(entry[k]).strip() for k in ("niveauLibelle", "domaineLibelle")
             if _text(entry.get(k))]
    return " — ".join(parts) or None


def _place(lieu: object) -> dict[str, Any] | None:
    if lieu in (None, ""):
        return None
    if not isinstance(lieu, Mapping):
        raise SourceFieldError("lieuTravail", f"expected an object, got {type(lieu).__name__}")
    place: dict[str, Any] = {
        "label": _text(lieu.get("libelle")),
        "commune": _text(lieu.get("commune")),
        "postcode": _text(lieu.get("codePostal")),
    }
    lat, lon = _text(lieu.get("latitude")), _text(lieu.get("longitude"))
    if lat is not None or lon is not None:
        place["point"] = {"lat": lat, "lon": lon}
    return place if any(v is not None for v in place.values()) else None


def offer_fields(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Map one API offer (v2 schema) to ``Offer`` keyword arguments.

    Raises :class:`SourceFieldError` for a structurally wrong field; type and value errors
    (a latitude ``"abc"``, a bad ROME code) are left to the model's validation.
    """
    salaire = raw.get("salaire")
    if salaire not in (None, "") and not isinstance(salaire, Mapping):
        raise SourceFieldError("salaire", f"expected an object, got {type(salaire).__name__}")
    identifier = raw.get("id")
    fields: dict[str, Any] = {
        "id": str(identifier).strip() if isinstance(identifier, int | str) else identifier,
        "title": _text(raw.get("intitule")),
        "description": _text(raw.get("description")) or "",
        "rome_code": _text(raw.get("romeCode")),
        "rome_label": _text(raw.get("romeLibelle")),
        "appellation": _text(raw.get("appellationlibelle")),
        "skills": [_skill(c) for c in _dicts(raw, "competences")],
        "qualities": _labels(raw, "qualitesProfessionnelles"),
        "place": _place(raw.get("lieuTravail")),
        "contract_type": _text(raw.get("typeContrat")),
        "experience": _text(raw.get("experienceExige")),
        "experience_label": _text(raw.get("experienceLibelle")),
        "working_time": _text(raw.get("dureeTravailLibelleConverti")),
        "salary": _text(salaire.get("libelle")) if isinstance(salaire, Mapping) else None,
        "licences": _labels(raw, "permis"),
        "languages": _labels(raw, "langues"),
        "education": [e for e in map(_education, _dicts(raw, "formations")) if e],
        "qualification": _text(raw.get("qualificationLibelle")),
        "sector": _text(raw.get("secteurActiviteLibelle")),
        "naf_code": _text(raw.get("codeNAF")),
        "created_at": _text(raw.get("dateCreation")),
    }
    return {k: v for k, v in fields.items() if v is not None}


def unflatten_row(row: Mapping[str, str]) -> dict[str, Any]:
    """Turn a flattened CSV row into an API-shaped offer.

    Dotted columns (``lieuTravail.latitude``) become nested objects; the list columns are parsed
    with :func:`ast.literal_eval` (never ``eval``); empty strings become absent values.
    """
    out: dict[str, Any] = {}
    for column, value in row.items():
        if column is None or value is None or value == "":
            continue
        parsed: Any = value
        if column in LIST_COLUMNS:
            try:
                parsed = ast.literal_eval(value)
            except (ValueError, SyntaxError, MemoryError, RecursionError) as exc:
                raise SourceFieldError(column, f"not a Python literal list: {exc}") from None
        head, _, tail = column.partition(".")
        if tail:
            out.setdefault(head, {})[tail] = parsed
        else:
            out[column] = parsed
    return out
