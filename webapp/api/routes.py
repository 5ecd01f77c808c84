"""The JSON API, version 1, under ``/api/v1``.

Authentication: ``Authorization: Bearer <token>`` (tokens from ``emploi admin create-token``
or the account page) or the session cookie of the pages (then unsafe methods need the
``X-CSRF-Token`` header). The same rules as the pages apply: a seeker reaches their own
profile, a counsellor their assigned seekers, an employer their own offers; another owner's
object is 404, another role's endpoint 403. ``/search`` and ``/openapi.json`` are public.

Lists are paginated (``page``, ``per_page`` ≤ 100): ``{"items", "page", "per_page", "total",
"pages", "links"}``; rankings hold at most the 100 best results. Errors are
``{"error": "..."}``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, current_app, jsonify, request
from werkzeug.wrappers import Response as BaseResponse

from indexer.models import SkillTag
from webapp import pseudonyms
from webapp.api.openapi import openapi_document
from webapp.api.schemas import (
    ContactAnswerInput,
    ContactRequestInput,
    TagEditInput,
    TagSaveInput,
    body,
)
from webapp.auth import (
    offer_for,
    profile_for,
    public,
    require_user,
    roles_required,
)
from webapp.db import db, get_database
from webapp.engine_ext import get_engine, index_lock_wait_s
from webapp.erasure import ErasureError, erase_account
from webapp.models import ContactRequest, ContactStatus, Role, TagEdit, User
from webapp.pagination import page_of
from webapp.params import MAX_TOP, BadParameter, bool_param, kinds_param, text_param, top_param
from webapp.previews import preview as preview_offers
from webapp.queries import is_empty, seeker_query
from webapp.repositories import contacts, ownership, privacy, tags, users
from webapp.repositories.tags import TagChange, TagEditError, tags_of, with_tags
from webapp.summaries import candidate_results, contact_details, offer_results, to_json

bp = Blueprint("api", __name__, url_prefix="/api/v1")
SOURCE = tags.COUNSELLOR_SOURCE


@bp.get("/openapi.json")
@public
def openapi() -> Response:
    """The OpenAPI 3 description of this API."""
    return jsonify(openapi_document())


@bp.get("/me")
@roles_required()
def me() -> Response:
    """The account behind the token or session."""
    user = require_user()
    return jsonify(_user_json(user))


def _user_json(user: User) -> dict[str, Any]:
    return {"id": user.id, "email": user.email, "display_name": user.display_name,
            "role": user.role.value, "active": user.active,
            "profile_id": ownership.profile_of(db(), user) if user.role is Role.SEEKER
            else None}


@bp.get("/search")
@public
def search() -> Response:
    """Offers for free text (public): ``text``, ``titles``, ``skills``, ``commune`` (code or
    name), ``radius`` (km), ``contract`` (CDI,CDD,…); paginated."""
    engine = get_engine()
    query = seeker_query(engine, request.args)
    if is_empty(query):
        raise BadParameter("text", "requis (ou titles, skills, commune)")
    return jsonify(page_of(to_json(offer_results(engine, engine.search_offers(query, MAX_TOP)))))


@bp.get("/taxonomy/suggest")
@roles_required()
def suggest() -> Response:
    """Taxonomy concepts whose label is close to ``q``: ``kinds`` (occupation, appellation,
    item, esco_occupation, esco_skill), ``top`` (≤ 100). Not paginated: the best ``top``."""
    engine = get_engine()
    text = text_param(request.args, "q", max_length=200)
    if not text:
        raise BadParameter("q", "requis")
    kinds, top = kinds_param(request.args), top_param(request.args)
    matches = engine.taxonomy.search(text, kinds=kinds, limit=top)
    return jsonify([{"kind": m.kind, "code": m.code, "label": m.label,
                     "rome_code": m.rome_code, "score": round(m.score, 4)} for m in matches])


@bp.get("/profiles/<profile_id>")
@roles_required(Role.SEEKER, Role.COUNSELLOR)
def profile(profile_id: str) -> Response:
    """A profile's matching data: titles, occupations, skill tags (no identity)."""
    found = profile_for(get_engine(), require_user(), profile_id)
    return jsonify({"id": found.id, "titles": found.titles, **tags_of(found)})


@bp.get("/profiles/<profile_id>/offers")
@roles_required(Role.SEEKER, Role.COUNSELLOR)
def offers_for_profile(profile_id: str) -> Response:
    """Ranked offers for a profile; ``widen`` (0|1) adds neighbouring occupations; ``top``
    (default and at most 100) is how many are ranked, then paginated."""
    engine = get_engine()
    widen = bool_param(request.args, "widen")
    top = top_param(request.args, default=MAX_TOP)
    found = profile_for(engine, require_user(), profile_id)
    matches = engine.offers_for_profile(found, top_k=top, widen=widen)
    return jsonify(page_of(to_json(offer_results(engine, matches))))


def _change(data: TagEditInput) -> TagChange:
    add = [SkillTag(code=s.code, label=s.label, source=SOURCE) for s in data.add_skills]
    weights = {key: value for key, value in data.weights.items() if 0.0 <= value <= 5.0}
    if len(weights) != len(data.weights):
        raise BadParameter("weights", "chaque poids doit être compris entre 0 et 5")
    engine = get_engine()
    unknown = [c for c in data.add_occupations if c not in engine.taxonomy.occupations]
    if unknown:
        raise BadParameter("add_occupations", f"code ROME inconnu {unknown[0][:20]!r}")
    return TagChange(add_skills=add, remove_skills=data.remove_skills, weights=weights,
                     add_occupations=data.add_occupations,
                     remove_occupations=data.remove_occupations)


@bp.post("/profiles/<profile_id>/preview")
@roles_required(Role.COUNSELLOR)
def preview(profile_id: str) -> Response:
    """Offers before and after a tag edit, with the ids that enter, leave and move, and the
    sentences that explain it (why nothing changed; nothing saved); ``top`` offers are
    compared (default 20)."""
    engine = get_engine()
    top = top_param(request.args, default=int(current_app.config["PREVIEW_TOP"]))
    data = body(TagEditInput)
    found = profile_for(engine, require_user(), profile_id)
    result = preview_offers(engine, found, with_tags(found, _change(data).apply(tags_of(found))),
                            top)
    return jsonify({"before": to_json(result.before), "after": to_json(result.after),
                    "entered": [m.id for m, _ in result.entered],
                    "left": [m.id for m, _ in result.left],
                    "moved": [{"id": move.row[0].id, "before": move.before, "after": move.after}
                              for move in result.moves],
                    "notes": result.notes})


def _entry_json(entry: TagEdit) -> dict[str, Any]:
    return {"id": entry.id, "profile_id": entry.profile_id, "author": entry.author_name,
            "created_at": entry.created_at.isoformat(), "before": entry.before,
            "after": entry.after, "reason": entry.reason, "undone_by": entry.undone_by_id,
            "undo_of": entry.undo_of_id}


@bp.post("/profiles/<profile_id>/tags")
@roles_required(Role.COUNSELLOR)
def save_tags(profile_id: str) -> tuple[Response, int]:
    """Save a tag edit with its reason; the audit entry is returned (201)."""
    engine, user = get_engine(), require_user()
    data = body(TagSaveInput)
    found = profile_for(engine, user, profile_id)
    try:
        entry = tags.save(db(), engine, user, found, _change(data).apply(tags_of(found)),
                          data.reason, lock_wait_s=index_lock_wait_s())
    except TagEditError as error:
        abort(409, str(error))
    return jsonify(_entry_json(entry)), 201


@bp.get("/profiles/<profile_id>/tag-edits")
@roles_required(Role.SEEKER, Role.COUNSELLOR)
def tag_edits(profile_id: str) -> Response:
    """A profile's audit log, newest first; paginated."""
    found = profile_for(get_engine(), require_user(), profile_id)
    return jsonify(page_of([_entry_json(e) for e in tags.history(db(), found.id)]))


@bp.post("/profiles/<profile_id>/tag-edits/<int:entry_id>/undo")
@roles_required(Role.COUNSELLOR)
def undo_tag_edit(profile_id: str, entry_id: int) -> tuple[Response, int]:
    """Undo an audit entry; the new entry is returned (201), 409 when already undone."""
    engine, user = get_engine(), require_user()
    found = profile_for(engine, user, profile_id)
    entry = tags.entry_for(db(), entry_id, found.id)
    if entry is None:
        abort(404, f"modification inconnue : {entry_id}")
    try:
        done = tags.undo(db(), engine, user, found, entry, lock_wait_s=index_lock_wait_s())
    except TagEditError as error:
        abort(409, str(error))
    return jsonify(_entry_json(done)), 201


@bp.get("/offers")
@roles_required(Role.EMPLOYER)
def my_offers() -> Response:
    """The employer's offers; paginated."""
    engine, user = get_engine(), require_user()
    rows = []
    for offer_id in ownership.offers_of(db(), user):
        offer = engine.offers.get(offer_id)
        if offer is not None:
            rows.append({"id": offer.id, "title": offer.title,
                         "contract_type": offer.contract_type, "rome_code": offer.rome_code})
    return jsonify(page_of(rows))


@bp.get("/offers/<offer_id>/candidates")
@roles_required(Role.EMPLOYER)
def candidates_for_offer(offer_id: str) -> Response:
    """Ranked candidates for one's offer, pseudonymous (never a name, contact or protected
    attribute, nor the profile id); the ``top`` (default and at most 100) ranked, paginated."""
    engine = get_engine()
    top = top_param(request.args, default=MAX_TOP)
    user = require_user()
    offer = offer_for(engine, user, offer_id)
    rows = to_json(candidate_results(engine, engine.candidates_for_offer(offer, top), user))
    for row in rows:
        row.pop("id", None)
    return jsonify(page_of(rows))


def _request_json(row: ContactRequest, viewer: User) -> dict[str, Any]:
    engine = get_engine()
    profile = engine.profiles.get(row.profile_id)
    offer = engine.offers.get(row.offer_id)
    data: dict[str, Any] = {
        "id": row.id, "offer_id": row.offer_id, "offer_title": offer.title if offer else None,
        "employer": row.employer.display_name, "status": row.status.value,
        "message": row.message, "created_at": row.created_at.isoformat(),
        "answered_at": row.answered_at.isoformat() if row.answered_at else None}
    if viewer.role is Role.EMPLOYER:
        data["pseudonym"] = (pseudonyms.for_employer(viewer, row.profile_id) if profile
                             else None)
        accepted = row.status is ContactStatus.ACCEPTED and profile is not None
        data["contact"] = contact_details(profile) if accepted and profile else None
    return data


@bp.get("/contact-requests")
@roles_required(Role.EMPLOYER, Role.SEEKER)
def contact_requests() -> Response:
    """An employer's sent requests (with contact details once accepted), or the requests a
    seeker received; paginated."""
    user = require_user()
    if user.role is Role.EMPLOYER:
        rows = contacts.sent_by(db(), user)
    else:
        profile_id = ownership.profile_of(db(), user)
        rows = contacts.received_by(db(), profile_id) if profile_id else []
    return jsonify(page_of([_request_json(r, user) for r in rows]))


@bp.post("/contact-requests")
@roles_required(Role.EMPLOYER)
def create_contact_request() -> tuple[Response, int]:
    """Ask a candidate of one's offer (by pseudonym) for contact (201)."""
    from webapp.pages.employer import candidate_by_pseudonym

    engine, user = get_engine(), require_user()
    data = body(ContactRequestInput)
    offer = offer_for(engine, user, data.offer_id)
    profile_id = candidate_by_pseudonym(engine, offer, user, data.pseudonym)
    if profile_id is None:
        abort(404, "candidat inconnu pour cette offre")
    row = contacts.request_contact(db(), user, offer.id, profile_id, data.message)
    db().commit()
    return jsonify(_request_json(row, user)), 201


@bp.post("/contact-requests/<int:request_id>/answer")
@roles_required(Role.SEEKER)
def answer_contact_request(request_id: int) -> Response:
    """Accept or decline a request addressed to oneself."""
    user = require_user()
    data = body(ContactAnswerInput)
    profile_id = ownership.profile_of(db(), user)
    row = contacts.for_seeker(db(), request_id, profile_id) if profile_id else None
    if row is None:
        abort(404, f"demande inconnue : {request_id}")
    contacts.answer(db(), row, user, accept=data.accept)
    db().commit()
    return jsonify(_request_json(row, user))


@bp.get("/me/export")
@roles_required(Role.SEEKER)
def export() -> Response:
    """Everything held about the seeker."""
    return jsonify(privacy.export(db(), get_engine(), require_user()))


@bp.delete("/me")
@roles_required(Role.SEEKER)
def erase() -> BaseResponse:
    """Erase the seeker's account and profile everywhere, before answering (204); 503 with
    ``Retry-After`` when the index is busy, 500 when the erasure failed — in both cases
    nothing was erased."""
    try:
        erase_account(db(), get_database(), get_engine(), require_user(),
                      lock_wait_s=index_lock_wait_s())
    except ErasureError as error:
        abort(500, str(error))
    return Response(status=204)


@bp.get("/users")
@roles_required(Role.ADMIN)
def list_users() -> Response:
    """Every account (administrators only); paginated."""
    return jsonify(page_of([_user_json(u) for u in users.all_users(db())]))
