"""The inbox, messages and diagnoses in the JSON API (``/api/v1``), on the same blueprint
and with the same rules as the pages (:mod:`webapp.pages.inbox`,
:mod:`webapp.pages.diagnosis`): a counsellor reads and answers the messages of their own
seekers and employers; seekers and employers write to a counsellor who follows them; the
seeker diagnosis is for the seeker and their counsellors, the offer diagnosis for the owner
and the counsellors following them. Another owner's object is 404, another role 403.
"""

from __future__ import annotations

from typing import Any

from flask import Response, abort, jsonify, request

from matcher.diagnosis.sentences import offer_sentences, seeker_sentences
from matcher.inbox.intents import Intent, Urgency
from matcher.inbox.message import Message
from webapp import diagnoses
from webapp.api.inbox_schemas import MessageInput, ReplyInput, TriageInput
from webapp.api.routes import bp
from webapp.api.schemas import body
from webapp.auth import require_user, roles_required
from webapp.db import db
from webapp.engine_ext import get_engine
from webapp.inbox import access, arrival, display, repository
from webapp.inbox.models import STATUSES, InboxMessage
from webapp.models import Role
from webapp.pages.inbox import MAX_BODY, reply_problem
from webapp.pagination import paginate
from webapp.params import BadParameter, float_param
from webapp.repositories import ownership

ALL = "tous"


def _inbox_filter() -> repository.InboxFilter:
    args = request.args
    status = args.get("status", ALL)
    intent, urgency = args.get("intent", ""), args.get("urgency", "")
    if status not in (*STATUSES, ALL):
        raise BadParameter("status", f"attendu : {', '.join((*STATUSES, ALL))}")
    if intent and intent not in {i.value for i in Intent}:
        raise BadParameter("intent", "intention inconnue")
    if urgency and urgency not in {u.value for u in Urgency}:
        raise BadParameter("urgency", "urgence inconnue")
    return repository.InboxFilter(None if status == ALL else status, intent or None,
                                  urgency or None)


@bp.get("/inbox/messages")
@roles_required(Role.COUNSELLOR)
def inbox_messages() -> Response:
    """The counsellor's messages, most urgent first, then newest; ``status``, ``intent``,
    ``urgency`` filters; paginated (bodies masked and cut: see the detail)."""
    engine, user = get_engine(), require_user()
    wanted = _inbox_filter()
    rows, meta = paginate(repository.inbox_rows(db(), user, wanted))
    return jsonify({"items": [display.message_json(engine, m) for m in rows], **meta})


def _visible(message_id: int) -> InboxMessage:
    message = repository.message_for(db(), require_user(), message_id)
    if message is None:
        abort(404, f"message inconnu : {message_id}")
    return message


@bp.get("/inbox/messages/<int:message_id>")
@roles_required(Role.COUNSELLOR)
def inbox_message(message_id: int) -> Response:
    """One message: body, triage, proposals, suggested reply, replies, corrections."""
    message = _visible(message_id)
    return jsonify(display.message_json(get_engine(), message, full=True,
                                        counsellor=require_user()))


@bp.post("/inbox/messages/<int:message_id>/triage")
@roles_required(Role.COUNSELLOR)
def confirm_triage(message_id: int) -> Response:
    """Confirm or correct intent, urgency and link (kept, used to retrain)."""
    engine, user = get_engine(), require_user()
    data = body(TriageInput)
    message = _visible(message_id)
    link = (data.link.kind, data.link.id) if data.link else None
    try:
        repository.record_triage(db(), message, user, data.intent.value, data.urgency.value,
                                 link, lambda offer_id: engine.offers.get(offer_id) is not None)
    except repository.TriageError as error:
        db().rollback()
        raise BadParameter("link", str(error)) from None  # intent and urgency are typed
    db().commit()
    return jsonify(display.message_json(engine, message, full=True, counsellor=user))


@bp.post("/inbox/messages/<int:message_id>/replies")
@roles_required(Role.COUNSELLOR)
def send_reply(message_id: int) -> tuple[Response, int]:
    """Store a reply (no e-mail is sent); 400 while a "[à compléter : …]" blank remains."""
    user = require_user()
    data = body(ReplyInput)
    message = _visible(message_id)
    problem = reply_problem(data.subject.strip(), data.body.strip())
    if problem:
        raise BadParameter("body", problem)
    reply = repository.record_reply(db(), message, user, data.subject.strip(),
                                    data.body.strip())
    db().commit()
    return jsonify({"id": reply.id, "message_id": message.id, "author": reply.author_name,
                    "subject": reply.subject, "body": reply.body,
                    "sent_at": reply.created_at.isoformat(), "email_sent": False}), 201


def _own_json(message: InboxMessage) -> dict[str, Any]:
    return {"id": message.id, "subject": message.subject, "body": message.body,
            "sent_at": message.received_at.isoformat(),
            "counsellor": message.counsellor.display_name if message.counsellor else None,
            "status": message.status,
            "replies": [{"id": r.id, "author": r.author_name, "subject": r.subject,
                         "body": r.body, "sent_at": r.created_at.isoformat()}
                        for r in message.replies]}


@bp.get("/messages")
@roles_required(Role.SEEKER, Role.EMPLOYER)
def my_messages() -> Response:
    """The messages one wrote to one's counsellors, newest first, with the answers;
    paginated."""
    rows, meta = paginate(repository.sent_by(db(), require_user()))
    return jsonify({"items": [_own_json(m) for m in rows], **meta})


@bp.post("/messages")
@roles_required(Role.SEEKER, Role.EMPLOYER)
def write_message() -> tuple[Response, int]:
    """Write to a counsellor who follows one (201); it lands triaged in their inbox."""
    user, session = require_user(), db()
    data = body(MessageInput)
    recipients = access.recipients_for(session, user)
    if not recipients:
        abort(409, "aucun conseiller ne vous suit : vous ne pouvez pas encore écrire")
    if data.counsellor_id is None:
        if len(recipients) > 1:
            raise BadParameter("counsellor_id", "requis : plusieurs conseillers vous suivent")
        chosen = recipients[0]
    else:
        found = next((c for c in recipients if c.id == data.counsellor_id), None)
        if found is None:
            abort(404, f"conseiller inconnu : {data.counsellor_id}")
        chosen = found
    if data.offer_id and not (user.role is Role.EMPLOYER
                              and ownership.owns_offer(session, user, data.offer_id)):
        abort(404, f"offre inconnue : {data.offer_id}")
    text = data.body.strip()
    if not text or len(text) > MAX_BODY:
        raise BadParameter("body", "texte vide")
    [result] = arrival.receive(session, get_engine(), [arrival.Incoming(
        Message(subject=data.subject.strip(), body=text), sender=user, counsellor=chosen,
        offer_id=data.offer_id)])
    if result.stored is None:
        abort(409, result.problem or "message refusé")
    session.commit()
    return jsonify(_own_json(result.stored)), 201


@bp.get("/diagnosis/seekers/<profile_id>")
@roles_required(Role.SEEKER, Role.COUNSELLOR)
def seeker_diagnosis(profile_id: str) -> Response:
    """A seeker's diagnosis (the figures and the French sentences); ``radius`` in km."""
    engine, user = get_engine(), require_user()
    radius = float_param(request.args, "radius", 0, 200)
    profile = (engine.profiles.get(profile_id)
               if access.may_see_seeker_diagnosis(db(), user, profile_id) else None)
    if profile is None:
        abort(404, f"profil inconnu : {profile_id}")
    diagnosis = diagnoses.seeker_diagnosis(engine, profile, radius)
    return jsonify({**diagnosis.to_dict(), "sentences": seeker_sentences(diagnosis)})


@bp.get("/diagnosis/offers/<offer_id>")
@roles_required(Role.EMPLOYER, Role.COUNSELLOR)
def offer_diagnosis(offer_id: str) -> Response:
    """An offer's diagnosis, legality check included."""
    engine, user = get_engine(), require_user()
    offer = (engine.offers.get(offer_id)
             if access.may_see_offer_diagnosis(db(), user, offer_id) else None)
    if offer is None:
        abort(404, f"offre inconnue : {offer_id}")
    diagnosis = diagnoses.offer_diagnosis(engine, offer)
    return jsonify({**diagnosis.to_dict(), "sentences": offer_sentences(diagnosis)})
