"""The inbox pages: the counsellor's triaged inbox and message page (confirm or correct the
triage in one click, answer with the filled template, open the diagnoses), and the seekers' and
employers' "Écrire à mon conseiller" pages, where they also read the answers.

No e-mail ever leaves the app: a reply is stored and shown to its recipient on their messages
page (an imported message's sender has no account: the reply is only kept).
"""

from __future__ import annotations

import threading
from typing import Any

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from markupsafe import Markup, escape
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response as BaseResponse

from matcher.engine import Engine
from matcher.inbox.intents import INTENT_LABELS, URGENCY_LABELS
from matcher.inbox.message import Message
from matcher.inbox.replies import BLANK
from webapp.auth import require_user, roles_required
from webapp.db import db, get_database
from webapp.engine_ext import get_engine
from webapp.inbox import access, arrival, display, repository, versions
from webapp.inbox.access import OFFER_LINK, SEEKER_LINK
from webapp.inbox.models import STATUS_OPEN, STATUSES, InboxMessage
from webapp.models import Role, User
from webapp.params import BadParameter
from webapp.repositories import ownership

bp = Blueprint("inbox", __name__)

PER_PAGE = 50
MAX_SUBJECT = 200
MAX_BODY = 5000
MAX_REPLY = 10_000
ALL = "tous"
NO_REPLY_NOTE = ("Aucun courriel n'est envoyé : la réponse est enregistrée dans "
                 "l'application.")


# --- the counsellor's inbox ---------------------------------------------------------------

def _filter(args: MultiDict[str, str]) -> repository.InboxFilter:
    status = args.get("statut", STATUS_OPEN)
    intent = args.get("intention", "")
    urgency = args.get("urgence", "")
    if status not in (*STATUSES, ALL):
        raise BadParameter("statut", f"attendu : {', '.join((*STATUSES, ALL))}")
    if intent and intent not in {i.value for i in INTENT_LABELS}:
        raise BadParameter("intention", "intention inconnue")
    if urgency and urgency not in {u.value for u in URGENCY_LABELS}:
        raise BadParameter("urgence", "urgence inconnue")
    return repository.InboxFilter(None if status == ALL else status, intent or None,
                                  urgency or None)


def _page(args: MultiDict[str, str]) -> int:
    raw = args.get("page", "1").strip() or "1"
    if not raw.isdigit() or not 1 <= int(raw) <= 10_000:
        raise BadParameter("page", "nombre entier entre 1 et 10000 attendu")
    return int(raw)


@bp.get("/conseiller/messages")
@roles_required(Role.COUNSELLOR)
def inbox() -> str:
    """The counsellor's messages, most urgent first, then newest; filters by status, intent
    and urgency; 50 per page."""
    engine, user, session = get_engine(), require_user(), db()
    wanted, page = _filter(request.args), _page(request.args)
    rows = repository.inbox_rows(session, user, wanted)
    total = len(rows)
    pages = max(1, -(-total // PER_PAGE))
    shown = rows[(page - 1) * PER_PAGE:page * PER_PAGE]
    items = [_row_view(engine, message) for message in shown]
    return render_template(
        "inbox.html", items=items, total=total, page=page, pages=pages,
        wanted=wanted, status_value=wanted.status or ALL,
        counts=repository.status_counts(session, user), intents=INTENT_LABELS,
        urgencies=URGENCY_LABELS, pending=versions.pending_corrections(session),
        model=versions.latest(session), retraining=versions.is_retraining())


def _row_view(engine: Engine, message: InboxMessage) -> dict[str, Any]:
    triage = message.triage
    assert triage is not None
    return {"message": message, "triage": triage, "sender": display.sender_label(message),
            "link": display.current_link(engine, triage),
            "entities": display.entity_views(triage),
            "excerpt": display.masked_excerpt(message, 140),
            "intent": display.intent_label(triage.intent),
            "urgency": display.urgency_label(triage.urgency)}


def _visible(message_id: int) -> InboxMessage:
    message = repository.message_for(db(), require_user(), message_id)
    if message is None:
        abort(404, f"Message inconnu : {message_id}")
    return message


@bp.get("/conseiller/messages/<int:message_id>")
@roles_required(Role.COUNSELLOR)
def message_page(message_id: int) -> tuple[str, int]:
    """One message: its text, triage, suggested reply, replies and the diagnoses."""
    return _render_message(_visible(message_id))


def _render_message(message: InboxMessage, *, status: int = 200, error: str | None = None,
                    reply_subject: str | None = None,
                    reply_body: str | None = None) -> tuple[str, int]:
    engine, user, session = get_engine(), require_user(), db()
    triage = message.triage
    assert triage is not None
    suggestion = display.suggested_reply(engine, message, user)
    link = display.current_link(engine, triage)
    proposals = display.proposals(engine, triage)
    context = {
        "message": message, "triage": triage, "sender": display.sender_label(message),
        "role": display.ROLE_LABELS.get(message.sender_role, message.sender_role),
        "link": link, "proposals": proposals, "entities": display.entity_views(triage),
        "intent": display.intent_label(triage.intent),
        "urgency": display.urgency_label(triage.urgency),
        "predicted_intent": display.intent_label(triage.predicted_intent),
        "predicted_urgency": display.urgency_label(triage.predicted_urgency),
        "intents": INTENT_LABELS, "urgencies": URGENCY_LABELS,
        "link_groups": _link_choices(engine, session, user, link, proposals),
        "suggestion": suggestion, "reply_subject": reply_subject or suggestion.subject,
        "reply_body": reply_body if reply_body is not None else suggestion.body,
        "error": error, "no_reply_note": NO_REPLY_NOTE,
        "diagnoses": _diagnosis_links(session, user, link, proposals),
        "intent_label": display.intent_label, "urgency_label": display.urgency_label,
    }
    return render_template("inbox_message.html", **context), status


def _link_choices(engine: Engine, session: Any, user: User, link: display.LinkView | None,
                  proposals: list[display.LinkView]) -> list[tuple[str, list[tuple[str, str]]]]:
    """The links the counsellor may choose: proposals, their seekers, their employers'
    offers."""
    groups: list[tuple[str, list[tuple[str, str]]]] = []
    if proposals:
        groups.append(("Propositions du tri", [(p.value, f"{p.label} — {p.reason}")
                                               for p in proposals]))
    seekers = [(f"{SEEKER_LINK}:{pid}", display.seeker_name(engine, pid))
               for pid in access.assigned_seekers(session, user)]
    if seekers:
        groups.append(("Mes demandeurs", sorted(seekers, key=lambda s: s[1])))
    offers = []
    for employer in access.followed_employers(session, user):
        for offer_id in ownership.offers_of(session, employer):
            title = display.offer_title(engine, offer_id)
            if title:
                offers.append((f"{OFFER_LINK}:{offer_id}",
                               f"{title} ({offer_id}) — {employer.display_name}"))
    if offers:
        groups.append(("Offres de mes employeurs", offers))
    if link is not None and all(link.value != v for _g, items in groups for v, _l in items):
        groups.insert(0, ("Lien actuel", [(link.value, link.label)]))
    return groups


def _diagnosis_links(session: Any, user: User, link: display.LinkView | None,
                     proposals: list[display.LinkView]) -> list[tuple[str, str]]:
    """(label, URL) of the diagnoses the counsellor may open from this message."""
    found: list[tuple[str, str]] = []
    seen: set[str] = set()
    for item in ([link] if link else []) + proposals:
        if item.value in seen:
            continue
        seen.add(item.value)
        if item.kind == SEEKER_LINK and access.may_see_seeker_diagnosis(session, user, item.id):
            found.append((f"Diagnostic de {item.label}",
                          url_for("diagnosis.seeker", profile_id=item.id)))
        elif item.kind == OFFER_LINK and access.may_see_offer_diagnosis(session, user, item.id):
            found.append((f"Diagnostic de l'offre {item.label}",
                          url_for("diagnosis.offer", offer_id=item.id)))
    return found


def _link_value(raw: str) -> tuple[str, str] | None:
    if not raw:
        return None
    kind, _sep, target = raw.partition(":")
    if kind not in (SEEKER_LINK, OFFER_LINK) or not target or len(target) > 120:
        abort(400, "paramètre « lien » : valeur inconnue")
    return kind, target


@bp.post("/conseiller/messages/<int:message_id>/tri")
@roles_required(Role.COUNSELLOR)
def confirm(message_id: int) -> tuple[str, int] | BaseResponse:
    """Confirm or correct intent, urgency and link in one click (kept for retraining)."""
    message, user, engine = _visible(message_id), require_user(), get_engine()
    triage = message.triage
    assert triage is not None
    form = request.form
    try:
        correction = repository.record_triage(
            db(), message, user, form.get("intention", triage.intent),
            form.get("urgence", triage.urgency), _link_value(form.get("lien", "")),
            lambda offer_id: engine.offers.get(offer_id) is not None)
    except repository.TriageError as error:
        db().rollback()
        return _render_message(message, status=400, error=str(error))
    db().commit()
    flash("Tri corrigé : la correction servira au prochain réentraînement." if correction.changed
          else "Tri confirmé.", "info")
    return redirect(url_for("inbox.message_page", message_id=message.id))


@bp.post("/conseiller/messages/<int:message_id>/reponse")
@roles_required(Role.COUNSELLOR)
def reply(message_id: int) -> tuple[str, int] | BaseResponse:
    """Store the counsellor's reply (no e-mail is sent); refused while a blank remains."""
    message, user = _visible(message_id), require_user()
    subject = request.form.get("objet", "").strip()
    body = request.form.get("texte", "").strip()
    problem = reply_problem(subject, body)
    if problem:
        return _render_message(message, status=400, error=problem, reply_subject=subject,
                               reply_body=body)
    repository.record_reply(db(), message, user, subject, body)
    db().commit()
    recipient = ("Le destinataire la lit dans son espace." if message.sender_id
                 else "L'expéditeur n'a pas de compte : la réponse est seulement conservée.")
    flash(f"Réponse enregistrée. {NO_REPLY_NOTE.split(' : ')[0]}. {recipient}", "info")
    return redirect(url_for("inbox.message_page", message_id=message.id))


def reply_problem(subject: str, body: str) -> str | None:
    """Why a reply cannot be sent as it is, in French; None when it can."""
    if not subject or not body:
        return "Indiquez un objet et un texte."
    if len(subject) > MAX_SUBJECT or len(body) > MAX_REPLY:
        return (f"Objet de {MAX_SUBJECT} caractères au plus, texte de {MAX_REPLY} caractères "
                "au plus.")
    if display.has_blanks(subject) or display.has_blanks(body):
        return ("Complétez ou retirez les passages marqués « [à compléter : …] » avant "
                "d'envoyer.")
    return None


@bp.post("/conseiller/messages/reentrainer")
@roles_required(Role.COUNSELLOR)
def retrain() -> BaseResponse:
    """Retrain the classifier with every confirmation and correction (in the background;
    the new version is used as soon as it is saved)."""
    if versions.is_retraining():
        flash("Un réentraînement est déjà en cours.", "info")
        return redirect(url_for("inbox.inbox"))
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    user_id = require_user().id
    if app.config.get("INBOX_RETRAIN_IN_BACKGROUND", True):
        threading.Thread(target=_retrain_in_app, args=(app, user_id), daemon=True,
                         name="inbox-retrain").start()
        flash("Réentraînement lancé : le nouveau modèle trie les messages suivants dès qu'il "
              "est prêt (environ une minute).", "info")
    else:
        row = _retrain_in_app(app, user_id)
        flash(f"Modèle n° {row.version} entraîné avec {row.corrections} message(s) "
              "confirmé(s) ou corrigé(s).", "info")
    return redirect(url_for("inbox.inbox"))


def _retrain_in_app(app: Flask, user_id: int) -> Any:
    from webapp.engine_ext import get_engine as engine_of

    with app.app_context():
        database = get_database(app)
        with database.sessions() as session:
            author = session.get(User, user_id)
            try:
                return versions.retrain_now(session, versions.model_dir(app),
                                            engine_of().encoder, author,
                                            versions.classifier_config(app))
            except versions.RetrainBusy:
                return versions.latest(session)


# --- seekers and employers write to their counsellor ----------------------------------------

@bp.get("/chercheur/messages")
@roles_required(Role.SEEKER)
def seeker_messages() -> str:
    """Write to one's counsellor; one's messages and the answers."""
    return _write_page(require_user())[0]


@bp.post("/chercheur/messages")
@roles_required(Role.SEEKER)
def seeker_write() -> tuple[str, int] | BaseResponse:
    """Send a message to a counsellor who follows the seeker."""
    return _write(require_user(), "inbox.seeker_messages")


@bp.get("/employeur/messages")
@roles_required(Role.EMPLOYER)
def employer_messages() -> str:
    """Write to one's counsellor (about one of one's offers, or not); messages and answers."""
    return _write_page(require_user())[0]


@bp.post("/employeur/messages")
@roles_required(Role.EMPLOYER)
def employer_write() -> tuple[str, int] | BaseResponse:
    """Send a message to a counsellor who follows the employer."""
    return _write(require_user(), "inbox.employer_messages")


def _write_page(user: User, *, status: int = 200, error: str | None = None,
                form: MultiDict[str, str] | None = None) -> tuple[str, int]:
    engine, session = get_engine(), db()
    offers = []
    if user.role is Role.EMPLOYER:
        for offer_id in ownership.offers_of(session, user):
            title = display.offer_title(engine, offer_id)
            if title:
                offers.append((offer_id, f"{title} ({offer_id})"))
    endpoint = "inbox.seeker_write" if user.role is Role.SEEKER else "inbox.employer_write"
    return render_template(
        "messages_write.html", recipients=access.recipients_for(session, user), offers=offers,
        messages=repository.sent_by(session, user), error=error, form=form or MultiDict(),
        action=url_for(endpoint), max_subject=MAX_SUBJECT, max_body=MAX_BODY,
        is_seeker=user.role is Role.SEEKER), status


def _write(user: User, endpoint: str) -> tuple[str, int] | BaseResponse:
    session, form = db(), request.form
    recipients = access.recipients_for(session, user)
    subject, body = form.get("objet", "").strip(), form.get("texte", "").strip()
    chosen = next((c for c in recipients if str(c.id) == form.get("conseiller", "")),
                  recipients[0] if len(recipients) == 1 else None)
    offer_id = form.get("offre", "").strip() or None
    problem = None
    if not recipients:
        problem = "Aucun conseiller ne vous suit encore : vous ne pouvez pas écrire."
    elif chosen is None:
        problem = "Choisissez le conseiller à qui écrire."
    elif not body:
        problem = "Écrivez votre message."
    elif len(subject) > MAX_SUBJECT or len(body) > MAX_BODY:
        problem = (f"Objet de {MAX_SUBJECT} caractères au plus, message de {MAX_BODY} "
                   "caractères au plus.")
    elif offer_id and not ownership.owns_offer(session, user, offer_id):
        problem = "Cette offre n'est pas l'une des vôtres."
    if problem or chosen is None:
        return _write_page(user, status=400, error=problem, form=form)
    [result] = arrival.receive(session, get_engine(), [arrival.Incoming(
        Message(subject=subject, body=body), sender=user, counsellor=chosen,
        offer_id=offer_id)])
    if result.stored is None:
        return _write_page(user, status=400, error=result.problem, form=form)
    session.commit()
    flash(f"Message envoyé à {chosen.display_name}.", "info")
    return redirect(url_for(endpoint))


def mark_blanks(text: str) -> Markup:
    """The text, escaped, each "[à compléter : …]" blank wrapped in ``<mark>``."""
    start = BLANK.split("{", 1)[0]
    out = []
    rest = text
    while start in rest:
        before, _sep, after = rest.partition(start)
        label, closing, tail = after.partition("]")
        out.append(escape(before))
        out.append(Markup('<mark class="blank">') + escape(start + label + closing)
                   + Markup("</mark>"))
        rest = tail
    out.append(escape(rest))
    return Markup("").join(out)


@bp.app_template_filter("mark_blanks")
def _mark_blanks_filter(text: str) -> Markup:
    return mark_blanks(text)

