"""The OpenAPI description of the inbox, message and diagnosis endpoints
(:mod:`webapp.api.inbox`), merged into the document by :mod:`webapp.api.openapi`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from matcher.inbox.intents import Intent, Urgency
from webapp.api.inbox_schemas import MessageInput, ReplyInput, TriageInput
from webapp.inbox.models import STATUSES

Schema = dict[str, Any]
BODIES = (TriageInput, ReplyInput, MessageInput)
NULLABLE_STRING: Schema = {"type": ["string", "null"]}
NULLABLE_NUMBER: Schema = {"type": ["number", "null"]}
INTENTS = [i.value for i in Intent]
URGENCIES = [u.value for u in Urgency]


def _ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


LINK: Schema = {"type": ["object", "null"], "required": ["kind", "id", "label"], "properties": {
    "kind": {"type": "string", "enum": ["demandeur", "offre"]}, "id": {"type": "string"},
    "label": {"type": "string", "description": "The seeker's name (counsellors see their "
                                               "seekers' names) or the offer's title."},
    "reason": {"type": "string"}, "confidence": NULLABLE_NUMBER}}
REPLY: Schema = {"type": "object", "required": ["id", "subject", "body", "sent_at"],
                 "properties": {"id": {"type": "integer"}, "author": {"type": "string"},
                                "subject": {"type": "string"}, "body": {"type": "string"},
                                "sent_at": {"type": "string", "format": "date-time"}}}
SCHEMAS: dict[str, Schema] = {
    "InboxLink": LINK,
    "InboxMessage": {
        "type": "object",
        "required": ["id", "received_at", "sender", "sender_role", "subject", "excerpt",
                     "status", "intent", "urgency", "link", "entities", "confirmed"],
        "properties": {
            "id": {"type": "integer"}, "received_at": {"type": "string"},
            "sender": {"type": "string"}, "sender_role": {"type": "string"},
            "subject": {"type": "string", "description": "E-mail addresses and phone numbers "
                                                         "masked."},
            "excerpt": {"type": "string", "description": "The start of the body, masked."},
            "status": {"type": "string", "enum": list(STATUSES)},
            "intent": {"type": "string", "enum": INTENTS}, "intent_label": {"type": "string"},
            "urgency": {"type": "string", "enum": URGENCIES},
            "urgency_label": {"type": "string"},
            "intent_confidence": {"type": "number"}, "urgency_confidence": {"type": "number"},
            "predicted_intent": {"type": "string", "enum": INTENTS},
            "predicted_urgency": {"type": "string", "enum": URGENCIES},
            "confirmed": {"type": "boolean"}, "link": _ref("InboxLink"),
            "entities": {"type": "array", "items": {"type": "object", "properties": {
                "kind": {"type": "string"}, "label": {"type": "string"},
                "text": {"type": "string"}}}},
            "source": NULLABLE_STRING}},
    "InboxMessageDetail": {"allOf": [_ref("InboxMessage"), {
        "type": "object",
        "required": ["body", "proposals", "suggested_reply", "replies", "corrections"],
        "properties": {
            "body": {"type": "string"},
            "urgency_reasons": {"type": "array", "items": {"type": "string"}},
            "proposals": {"type": "array", "items": _ref("InboxLink")},
            "warning": NULLABLE_STRING,
            "suggested_reply": {"type": ["object", "null"], "properties": {
                "intent": {"type": "string"}, "subject": {"type": "string"},
                "body": {"type": "string"},
                "blanks": {"type": "array", "items": {"type": "string"},
                           "description": "Fields left for the counsellor, written "
                                          "\"[à compléter : …]\" in the body."}}},
            "replies": {"type": "array", "items": REPLY},
            "corrections": {"type": "array", "items": {"type": "object"}}}}]},
    "InboxReply": {"type": "object", "required": ["id", "message_id", "email_sent"],
                   "properties": {**REPLY["properties"], "message_id": {"type": "integer"},
                                  "email_sent": {"type": "boolean", "const": False}}},
    "OwnMessage": {"type": "object", "required": ["id", "body", "sent_at", "replies"],
                   "properties": {"id": {"type": "integer"}, "subject": {"type": "string"},
                                  "body": {"type": "string"},
                                  "sent_at": {"type": "string"},
                                  "counsellor": NULLABLE_STRING,
                                  "status": {"type": "string", "enum": list(STATUSES)},
                                  "replies": {"type": "array", "items": REPLY}}},
    "SeekerDiagnosis": {
        "type": "object",
        "required": ["profile_id", "open_offers", "occupations", "actions", "missing_data",
                     "sentences"],
        "properties": {
            "profile_id": {"type": "string"}, "place": NULLABLE_STRING,
            "radius_km": NULLABLE_NUMBER, "open_offers": {"type": "integer"},
            "open_score": {"type": "number"},
            "occupations": {"type": "array", "items": {"type": "object"}},
            "actions": {"type": "array", "items": {"type": "object", "properties": {
                "kind": {"type": "string", "enum": ["competence", "rayon", "metier"]},
                "target": {"type": "string"}, "label": {"type": "string"},
                "opened": {"type": "integer"}, "radius_km": {"type": "number"}}}},
            "tried_actions": {"type": "integer"},
            "missing_data": {"type": "array", "items": {"type": "string"}},
            "sentences": {"type": "array", "items": {"type": "string"}}}},
    "OfferDiagnosis": {
        "type": "object",
        "required": ["offer_id", "title", "duration", "widenings", "legality", "sentences"],
        "properties": {
            "offer_id": {"type": "string"}, "title": {"type": "object"},
            "skills": {"type": ["object", "null"]}, "pool": {"type": ["object", "null"]},
            "market": {"type": ["object", "null"]}, "duration": {"type": "object"},
            "widenings": {"type": "array", "items": {"type": "object"}},
            "legality": {"type": "object", "required": ["flags"], "properties": {
                "flags": {"type": "array", "items": {"type": "object", "properties": {
                    "category": {"type": "string"},
                    "severity": {"type": "string", "enum": ["interdit", "a_verifier"]},
                    "field": {"type": "string"}, "start": {"type": "integer"},
                    "end": {"type": "integer"}, "passage": {"type": "string"},
                    "context": {"type": "string"}, "law": {"type": "string"},
                    "reason": {"type": "string"}, "suggestion": {"type": "string"}}}}}},
            "missing_data": {"type": "array", "items": {"type": "string"}},
            "sentences": {"type": "array", "items": {"type": "string"}}}},
}


def inbox_paths(op: Callable[..., Schema], json: Callable[[Schema, str], Schema],
                query: Callable[..., Schema], path: Callable[..., Schema],
                page_of: Callable[[Schema], Schema], page_params: list[Schema]
                ) -> dict[str, Schema]:
    """The paths, built with :mod:`webapp.api.openapi`'s helpers."""
    ok = "200"
    message_id = path("message_id", {"type": "integer", "minimum": 1, "maximum": 2**31 - 1})
    conflict = json(_ref("Error"), "No counsellor follows the sender yet.")
    return {
        "/inbox/messages": {"get": op(
            "The counsellor's messages, most urgent first, then newest (counsellors).",
            {ok: json(page_of(_ref("InboxMessage")), "Messages")},
            params=[query("status", {"type": "string", "enum": [*STATUSES, "tous"]},
                          "a_traiter, repondu or tous (default)."),
                    query("intent", {"type": "string", "enum": INTENTS}, "An intent."),
                    query("urgency", {"type": "string", "enum": URGENCIES}, "An urgency."),
                    *page_params],
            errors=("400", "401", "403"))},
        "/inbox/messages/{message_id}": {"get": op(
            "One message with its triage, proposals, suggested reply and replies.",
            {ok: json(_ref("InboxMessageDetail"), "The message")}, params=[message_id],
            errors=("401", "403", "404"))},
        "/inbox/messages/{message_id}/triage": {"post": op(
            "Confirm or correct intent, urgency and link (kept, used to retrain).",
            {ok: json(_ref("InboxMessageDetail"), "The message")}, params=[message_id],
            body="TriageInput", errors=("400", "401", "403", "404", "413"))},
        "/inbox/messages/{message_id}/replies": {"post": op(
            "Store a reply; no e-mail is sent (400 while a blank remains).",
            {"201": json(_ref("InboxReply"), "The reply")}, params=[message_id],
            body="ReplyInput", errors=("400", "401", "403", "404", "413"))},
        "/messages": {
            "get": op("The messages one wrote to one's counsellors, with the answers "
                      "(seekers, employers).",
                      {ok: json(page_of(_ref("OwnMessage")), "Messages")},
                      params=page_params, errors=("400", "401", "403")),
            "post": op("Write to a counsellor who follows one; it lands triaged in their "
                       "inbox (seekers, employers).",
                       {"201": json(_ref("OwnMessage"), "The message"), "409": conflict},
                       body="MessageInput", errors=("400", "401", "403", "404", "413"))},
        "/diagnosis/seekers/{profile_id}": {"get": op(
            "A seeker's diagnosis (own profile, or a followed seeker).",
            {ok: json(_ref("SeekerDiagnosis"), "The diagnosis")},
            params=[path("profile_id"),
                    query("radius", {"type": "number", "exclusiveMinimum": 0, "maximum": 200},
                          "Another radius, km.")])},
        "/diagnosis/offers/{offer_id}": {"get": op(
            "An offer's diagnosis, legality check included (its employer, or a counsellor "
            "following that employer).",
            {ok: json(_ref("OfferDiagnosis"), "The diagnosis")}, params=[path("offer_id")],
            errors=("401", "403", "404"))},
    }
