"""The OpenAPI 3.1 document of ``/api/v1``: written by hand for the responses, generated from
the pydantic models (:mod:`webapp.api.schemas`) for the request bodies."""

from __future__ import annotations

from functools import cache
from typing import Any

from webapp.api import inbox_openapi
from webapp.api.schemas import (
    ContactAnswerInput,
    ContactRequestInput,
    TagEditInput,
    TagSaveInput,
)
from webapp.params import CONTRACT_TYPES, MAX_PER_PAGE, MAX_TOP, TAXONOMY_KINDS

JSON = "application/json"
Schema = dict[str, Any]


def _ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: Schema, description: str) -> Schema:
    return {"description": description, "content": {JSON: {"schema": schema}}}


def _query(name: str, schema: Schema, description: str, required: bool = False) -> Schema:
    return {"name": name, "in": "query", "required": required, "schema": schema,
            "description": description}


def _path(name: str, schema: Schema | None = None) -> Schema:
    return {"name": name, "in": "path", "required": True,
            "schema": schema or {"type": "string", "minLength": 1}}


PAGE_PARAMS = [
    _query("page", {"type": "integer", "minimum": 1, "maximum": 10_000, "default": 1},
           "Page number, from 1."),
    _query("per_page", {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE,
                        "default": 20}, "Items per page."),
]
RANKED_TOP = _query("top", {"type": "integer", "minimum": 1, "maximum": MAX_TOP,
                            "default": MAX_TOP},
                    "How many results are ranked (then paginated); fewer is faster.")
ERRORS = {
    "400": _json(_ref("Error"), "A bad parameter or body; the message names it."),
    "401": _json(_ref("Error"), "Missing, invalid or revoked token."),
    "403": _json(_ref("Error"), "The account's role may not use this endpoint."),
    "404": _json(_ref("Error"), "Unknown object, or one of another owner."),
    "413": _json(_ref("Error"), "Request body larger than 1 MiB."),
    "503": {"description": "The index is being written by another process: nothing was "
                           "changed; retry after the `Retry-After` seconds.",
            "headers": {"Retry-After": {"schema": {"type": "integer"}}},
            "content": {JSON: {"schema": _ref("Error")}}},
}
WRITE_ERRORS = ("400", "401", "403", "404", "413", "503")


def _page_of(item: Schema) -> Schema:
    return {"type": "object", "required": ["items", "page", "per_page", "total", "pages",
                                           "links"],
            "properties": {"items": {"type": "array", "items": item},
                           "page": {"type": "integer"}, "per_page": {"type": "integer"},
                           "total": {"type": "integer"}, "pages": {"type": "integer"},
                           "links": _ref("Links")}}


def _op(summary: str, responses: Schema, *, params: list[Schema] | None = None,
        body: str | None = None, secure: bool = True,
        errors: tuple[str, ...] = ("400", "401", "403", "404")) -> Schema:
    operation: Schema = {"summary": summary, "parameters": params or [],
                         "responses": {**responses,
                                       **{code: ERRORS[code] for code in errors}}}
    if body is not None:
        operation["requestBody"] = {"required": True,
                                    "content": {JSON: {"schema": _ref(body)}}}
    if not secure:
        operation["security"] = []
    return operation


NULLABLE_STRING: Schema = {"type": ["string", "null"]}
LEVEL: Schema = {"type": ["string", "null"], "enum": ["très proche", "proche",
                                                      "piste à explorer", None],
                 "description": "How close the match is, calibrated on labelled sets; "
                               "results below the floor of a match are not returned."}
SCHEMAS: dict[str, Schema] = {
    "Error": {"type": "object", "required": ["error"],
              "properties": {"error": {"type": "string"}}},
    "Links": {"type": "object", "properties": {
        name: {"type": ["string", "null"]} for name in ("self", "first", "last", "prev",
                                                       "next")}},
    "ScoreComponent": {"type": "object", "properties": {
        "name": {"type": "string"}, "label": {"type": "string"}, "value": {"type": "number"},
        "weight": {"type": "number"}, "contribution": {"type": "number"},
        "share": {"type": "number"}}},
    "SkillRef": {"type": "object", "properties": {
        "code": NULLABLE_STRING, "label": {"type": "string"},
        "requirement": {"type": ["string", "null"],
                        "enum": ["required", "wished", "trainable", None]},
        "inferred": {"type": "boolean",
                     "description": "Read from the offer's text, not listed by it (\"lue dans "
                                    "l'annonce\")."},
        "excerpt": {"type": ["string", "null"],
                    "description": "The passage of the text the skill was read from."},
        "requirement_stated": {"type": "boolean",
                               "description": "Whether the text says how much it is "
                                              "required (else \"wished\" by default)."}}},
    "OccupationRef": {"type": "object", "properties": {
        "code": {"type": "string"}, "label": {"type": "string"},
        "confidence": {"type": "number", "minimum": 0, "maximum": 1},
        "inferred": {"type": "boolean",
                     "description": "Read from the title and text, not given as a code."}}},
    "Explanation": {"type": "object",
                    "required": ["components", "matched_skills", "missing_skills",
                                 "related_skills", "distance_km", "filters", "retrieval",
                                 "occupation_relation"],
                    "properties": {
                        "components": {"type": "array", "items": _ref("ScoreComponent")},
                        "matched_skills": {"type": "array", "items": _ref("SkillRef")},
                        "missing_skills": {"type": "array", "items": _ref("SkillRef")},
                        "related_skills": {
                            "type": "array", "items": _ref("SkillRef"),
                            "description": "Asked skills not held, but close in meaning to a "
                                           "held one (partial credit); the label names both."},
                        "distance_km": {"type": ["number", "null"]},
                        "filters": {"type": "array", "items": {"type": "string"}},
                        "retrieval": _ref("RetrievalTrace"),
                        "occupation_relation": {
                            "type": ["string", "null"],
                            "description": "Same occupation, neighbouring one or ROME "
                                           "mobility, in words."},
                        "occupations": {
                            "type": "array", "items": _ref("OccupationRef"),
                            "description": "The matched record's occupations: given first, "
                                           "then those read from its text (inferred)."}}},
    "RetrievalTrace": {"type": "object", "properties": {
        "keyword_rank": {"type": ["integer", "null"]},
        "vector_rank": {"type": ["integer", "null"]},
        "expansions": {"type": "array", "items": {"type": "string"},
                       "description": "Widening expansions that brought the result in."},
        "concept_rank": {"type": ["integer", "null"],
                         "description": "Rank in the concept channel (same occupation, its "
                                        "family, mobility targets, shared skills)."}}},
    "OfferResult": {"type": "object", "required": ["id", "score", "explanation", "title"],
                    "properties": {
                        "id": {"type": "string"}, "score": {"type": "number"},
                        "level": LEVEL,
                        "explanation": _ref("Explanation"), "title": {"type": "string"},
                        "rome_code": NULLABLE_STRING, "rome_label": NULLABLE_STRING,
                        "contract_type": NULLABLE_STRING, "working_time": NULLABLE_STRING,
                        "commune": NULLABLE_STRING, "commune_name": NULLABLE_STRING}},
    "CandidateResult": {
        "type": "object", "required": ["score", "explanation", "pseudonym"],
        "description": "A pseudonymous candidate: no name, contact, protected attribute or id.",
        "properties": {
            "score": {"type": "number"}, "level": LEVEL,
            "explanation": _ref("Explanation"),
            "pseudonym": {"type": "string", "pattern": "^C-[0-9A-F]{10}$",
                          "description": "Keyed, and different for each employer."},
            "occupations": {"type": "array", "items": {"type": "object", "properties": {
                "code": {"type": "string"}, "label": {"type": "string"}}}},
            "titles": {"type": "array", "items": {"type": "string"}},
            "skills": {"type": "array", "items": {"type": "string"}},
            "experience_years": {"type": ["number", "null"]},
            "commune_name": NULLABLE_STRING}},
    "Suggestion": {"type": "object", "properties": {
        "kind": {"type": "string", "enum": list(TAXONOMY_KINDS)}, "code": {"type": "string"},
        "label": {"type": "string"}, "rome_code": NULLABLE_STRING, "score": {"type": "number"}}},
    "Choice": {"type": "object", "required": ["code", "label", "detail"], "properties": {
        "code": {"type": "string", "description": "ROME, INSEE, skill, département or region "
                 "code"},
        "label": {"type": "string", "description": "The name to show and to put in the field"},
        "detail": {"type": "string", "description": "Secondary text: the code and context"}}},
    "User": {"type": "object", "properties": {
        "id": {"type": "integer"}, "email": {"type": "string"},
        "display_name": {"type": "string"},
        "role": {"type": "string", "enum": ["seeker", "employer", "counsellor", "admin"]},
        "active": {"type": "boolean"}, "profile_id": NULLABLE_STRING}},
    "Tags": {"type": "object", "properties": {
        "skills": {"type": "array", "items": {"type": "object", "properties": {
            "code": NULLABLE_STRING, "label": {"type": "string"}, "weight": {"type": "number"},
            "source": NULLABLE_STRING}}},
        "rome_codes": {"type": "array", "items": {"type": "string"}},
        "radius_km": {"type": ["number", "null"],
                      "description": "Search radius wished (absent in older entries)"},
        "contract_types": {"type": "array", "items": {"type": "string"},
                           "description": "Contract types wished (absent in older entries)"}}},
    "Profile": {"type": "object", "properties": {
        "id": {"type": "string"},
        "titles": {"type": "array", "items": {"type": "string"}},
        "skills": {"type": "array"}, "rome_codes": {"type": "array"}}},
    "TagEdit": {"type": "object", "properties": {
        "id": {"type": "integer"}, "profile_id": {"type": "string"},
        "author": {"type": "string"}, "created_at": {"type": "string", "format": "date-time"},
        "before": _ref("Tags"), "after": _ref("Tags"), "reason": {"type": "string"},
        "undone_by": {"type": ["integer", "null"]}, "undo_of": {"type": ["integer", "null"]}}},
    "Preview": {"type": "object", "required": ["before", "after", "entered", "left"],
                "properties": {
                    "before": {"type": "array", "items": _ref("OfferResult")},
                    "after": {"type": "array", "items": _ref("OfferResult")},
                    "entered": {"type": "array", "items": {"type": "string"}},
                    "left": {"type": "array", "items": {"type": "string"}},
                    "moved": {"type": "array", "items": {"type": "object", "properties": {
                        "id": {"type": "string"}, "before": {"type": "integer"},
                        "after": {"type": "integer"}}},
                        "description": "Offers in both lists whose rank (from 1) changed"},
                    "notes": {"type": "array", "items": {"type": "string"},
                              "description": "Why nothing changed; what cannot help"}}},
    "ContactRequest": {"type": "object", "properties": {
        "id": {"type": "integer"}, "offer_id": {"type": "string"},
        "offer_title": NULLABLE_STRING, "employer": {"type": "string"},
        "status": {"type": "string", "enum": ["pending", "accepted", "declined"]},
        "message": {"type": "string"}, "created_at": {"type": "string"},
        "answered_at": NULLABLE_STRING, "pseudonym": NULLABLE_STRING,
        "contact": {"type": ["object", "null"], "properties": {
            "name": NULLABLE_STRING, "email": NULLABLE_STRING, "phone": NULLABLE_STRING}}}},
    "OwnOffer": {"type": "object", "properties": {
        "id": {"type": "string"}, "title": {"type": "string"},
        "contract_type": NULLABLE_STRING, "rome_code": NULLABLE_STRING}},
}
BODIES = (TagEditInput, TagSaveInput, ContactRequestInput, ContactAnswerInput,
          *inbox_openapi.BODIES)
SEARCH_PARAMS = [
    _query("text", {"type": "string", "maxLength": 500}, "Free text."),
    _query("titles", {"type": "string", "maxLength": 500}, "Job titles, comma-separated."),
    _query("skills", {"type": "string", "maxLength": 2000}, "Skills, comma-separated."),
    _query("commune", {"type": "string", "maxLength": 500}, "INSEE code or commune name."),
    _query("radius", {"type": "number", "exclusiveMinimum": 0, "maximum": 1000},
           "Radius in km around the commune."),
    _query("contract", {"type": "string", "enum": list(CONTRACT_TYPES)}, "Contract type."),
]
PROFILE_ID = _path("profile_id")
OFFER_ID = _path("offer_id")


def _paths() -> dict[str, Schema]:
    ok = "200"
    return {
        "/openapi.json": {"get": _op("This document.", {ok: {"description": "OpenAPI 3.1"}},
                                     secure=False, errors=())},
        "/me": {"get": _op("The signed-in account.", {ok: _json(_ref("User"), "The account")},
                           errors=("401",)),
                "delete": _op("Erase the seeker's account and profile everywhere, before "
                              "answering (nothing is erased when it fails).",
                              {"204": {"description": "Erased"},
                               "500": _json(_ref("Error"), "The erasure failed; nothing "
                                                           "was erased.")},
                              errors=("401", "403", "503"))},
        "/me/export": {"get": _op("Everything held about the seeker.",
                                  {ok: _json({"type": "object"}, "The data")},
                                  errors=("401", "403"))},
        "/search": {"get": _op("Offers for free text (public).",
                               {ok: _json(_page_of(_ref("OfferResult")), "Ranked offers")},
                               params=SEARCH_PARAMS + PAGE_PARAMS, secure=False,
                               errors=("400",))},
        "/taxonomy/suggest": {"get": _op(
            "ROME / ESCO concepts close to a label (autocomplete).",
            {ok: _json({"type": "array", "items": _ref("Suggestion")}, "Concepts")},
            params=[_query("q", {"type": "string", "minLength": 1, "maxLength": 200},
                           "Label typed.", required=True),
                    _query("kinds", {"type": "string"},
                           "Comma-separated kinds: " + ", ".join(TAXONOMY_KINDS)),
                    _query("top", {"type": "integer", "minimum": 1, "maximum": MAX_TOP},
                           "How many.")],
            errors=("400", "401"))},
        **{f"/suggestions/{path}": {"get": _op(
            f"Autocomplete (public): {what} for a name being typed, one entry per concept.",
            {ok: _json({"type": "array", "items": _ref("Choice")}, "Choices, best first")},
            params=[_query("q", {"type": "string", "minLength": 1, "maxLength": 200},
                           "The beginning of the name (or a code).", required=True),
                    _query("top", {"type": "integer", "minimum": 1, "maximum": 20},
                           "How many (default 8).")],
            secure=False, errors=("400",))}
           for path, what in (("metiers", "ROME occupations"),
                              ("communes", "communes (name, postcode or INSEE code)"),
                              ("competences", "skills (ROME, ESCO)"),
                              ("departements", "départements"), ("regions", "regions"))},
        "/profiles/{profile_id}": {"get": _op(
            "A profile's tags (own profile, or an assigned seeker).",
            {ok: _json(_ref("Profile"), "The profile")}, params=[PROFILE_ID])},
        "/profiles/{profile_id}/offers": {"get": _op(
            "Ranked offers for a profile.",
            {ok: _json(_page_of(_ref("OfferResult")), "Ranked offers")},
            params=[PROFILE_ID, _query("widen", {"type": "string", "enum": ["0", "1"]},
                                       "Widen to neighbouring occupations."), RANKED_TOP,
                    *PAGE_PARAMS])},
        "/profiles/{profile_id}/preview": {"post": _op(
            "Offers before and after a tag edit (counsellors; nothing saved).",
            {ok: _json(_ref("Preview"), "Before and after")},
            params=[PROFILE_ID, _query("top", {"type": "integer", "minimum": 1,
                                               "maximum": MAX_TOP}, "Offers compared.")],
            body="TagEditInput", errors=("400", "401", "403", "404", "413"))},
        "/profiles/{profile_id}/tags": {"post": _op(
            "Save a tag edit with its reason (counsellors).",
            {"201": _json(_ref("TagEdit"), "The audit entry"),
             "409": _json(_ref("Error"), "Nothing to change")},
            params=[PROFILE_ID], body="TagSaveInput", errors=WRITE_ERRORS)},
        "/profiles/{profile_id}/tag-edits": {"get": _op(
            "A profile's audit log, newest first.",
            {ok: _json(_page_of(_ref("TagEdit")), "Entries")},
            params=[PROFILE_ID, *PAGE_PARAMS])},
        "/profiles/{profile_id}/tag-edits/{entry_id}/undo": {"post": _op(
            "Undo an audit entry (counsellors).",
            {"201": _json(_ref("TagEdit"), "The new entry"),
             "409": _json(_ref("Error"), "Already undone")},
            params=[PROFILE_ID, _path("entry_id", {"type": "integer", "minimum": 1,
                                                   "maximum": 2**31 - 1})],
            errors=("401", "403", "404", "503"))},
        "/offers": {"get": _op("The employer's offers.",
                               {ok: _json(_page_of(_ref("OwnOffer")), "Offers")},
                               params=PAGE_PARAMS)},
        "/offers/{offer_id}/candidates": {"get": _op(
            "Ranked, pseudonymous candidates for one's offer.",
            {ok: _json(_page_of(_ref("CandidateResult")), "Candidates")},
            params=[OFFER_ID, RANKED_TOP, *PAGE_PARAMS])},
        "/contact-requests": {
            "get": _op("Sent (employer) or received (seeker) contact requests.",
                       {ok: _json(_page_of(_ref("ContactRequest")), "Requests")},
                       params=PAGE_PARAMS),
            "post": _op("Ask a candidate for contact (employers).",
                        {"201": _json(_ref("ContactRequest"), "The request")},
                        body="ContactRequestInput")},
        "/contact-requests/{request_id}/answer": {"post": _op(
            "Accept or decline a request (seekers).",
            {ok: _json(_ref("ContactRequest"), "The request")},
            params=[_path("request_id", {"type": "integer", "minimum": 1,
                                         "maximum": 2**31 - 1})],
            body="ContactAnswerInput")},
        "/users": {"get": _op("Every account (administrators).",
                              {ok: _json(_page_of(_ref("User")), "Accounts")},
                              params=PAGE_PARAMS)},
        **_territory_paths(),
        **inbox_openapi.inbox_paths(_op, _json, _query, _path, _page_of, PAGE_PARAMS),
    }


TERRITORY_PARAMS = [
    _query("commune", {"type": "string", "maxLength": 20},
           "INSEE code of a commune (with `rayon`)."),
    _query("rayon", {"type": "number", "minimum": 0, "maximum": 200},
           "Radius around the commune, km (default 30)."),
    _query("departement", {"type": "string", "maxLength": 20}, "Department code, e.g. 07."),
    _query("region", {"type": "string", "maxLength": 20}, "Region code, e.g. 84."),
]
OCCUPATION_PARAM = _query("metier", {"type": "string", "maxLength": 10},
                          "ROME occupation code, e.g. D1214.", required=True)
DATA_NOTE: Schema = {"type": "object", "properties": {
    "computed_from": {"type": "string"}, "provenance": {"type": "string"}}}


def _territory_paths() -> dict[str, Schema]:
    """``/territoire/*`` (:mod:`webapp.territory.api`); see docs/territory.md for the fields."""
    ok = "200"
    counsellor_errors = ("400", "401", "403", "404")
    return {
        "/territoire/metiers": {"get": _op(
            "Occupations present in the indexed offers, with their offer counts (public).",
            {ok: _json({"type": "array", "items": {"type": "object", "properties": {
                "code": {"type": "string"}, "label": {"type": "string"},
                "offers": {"type": "integer"}}}}, "Occupations")},
            secure=False, errors=())},
        "/territoire/potentiel": {"get": _op(
            "Recruitment potential of an occupation in a territory (public, aggregates).",
            {ok: _json({"type": "object", "required": ["territory", "data"], "properties": {
                "territory": {"type": "object"}, "data": DATA_NOTE}}, "The potential")},
            params=[OCCUPATION_PARAM, *TERRITORY_PARAMS,
                    _query("semaines", {"type": "integer", "minimum": 1, "maximum": 52},
                           "Weeks of history (default 12).")],
            secure=False, errors=("400", "404"))},
        "/territoire/reconversion/{profile_id}": {"get": _op(
            "Reconversion suggestions for a seeker (own profile, or an assigned seeker).",
            {ok: _json({"type": "object", "required": ["data"],
                        "properties": {"data": DATA_NOTE}}, "Suggestions")},
            params=[PROFILE_ID, _query("top", {"type": "integer", "minimum": 1,
                                               "maximum": MAX_TOP}, "How many.")],
            errors=counsellor_errors)},
        "/territoire/offres/{offer_id}/vivier": {"get": _op(
            "The local candidate pool of an offer (counsellors).",
            {ok: _json({"type": "object"}, "The pool")}, params=[OFFER_ID],
            errors=counsellor_errors)},
        "/territoire/difficiles": {"get": _op(
            "Offers of a territory with too few strong candidates (counsellors).",
            {ok: _json({"type": "object", "required": ["territory", "occupation"],
                        "properties": {"territory": {"type": "object"},
                                       "occupation": NULLABLE_STRING}}, "Hard-to-fill offers")},
            params=[*TERRITORY_PARAMS,
                    _query("metier", {"type": "string", "maxLength": 10},
                           "ROME occupation code (optional)."),
                    _query("top", {"type": "integer", "minimum": 1, "maximum": MAX_TOP},
                           "How many.")],
            errors=counsellor_errors)},
        "/territoire/retour-emploi": {"get": _op(
            "Time to return to work for an occupation in a territory (public); "
            "`available: false` and why when no outcome data is configured.",
            {ok: _json({"type": "object", "required": ["occupation", "territory"],
                        "properties": {"occupation": {"type": "string"},
                                       "territory": {"type": "object"},
                                       "available": {"type": "boolean"}}},
                       "The estimate")},
            params=[OCCUPATION_PARAM, *TERRITORY_PARAMS], secure=False,
            errors=("400", "404"))},
    }


@cache
def _document() -> Schema:
    schemas = {**SCHEMAS, **inbox_openapi.SCHEMAS}
    for model in BODIES:
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(schema.pop("$defs", {}))
        schemas[model.__name__] = schema
    return {
        "openapi": "3.1.0",
        "info": {"title": "Intelligence emploi API", "version": "1",
                 "description": "Matching of job offers and seekers, explained. Token "
                                "authentication; the same authorization rules as the pages."},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "components": {"schemas": schemas, "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer",
                       "description": "A token from `emploi admin create-token` or the "
                                      "account page."}}},
        "paths": _paths(),
    }


def openapi_document() -> Schema:
    """The document (built once)."""
    return _document()
