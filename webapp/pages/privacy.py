"""The seeker's privacy pages: contact requests to answer, data export, account erasure."""

from __future__ import annotations

import json
import logging

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from werkzeug.wrappers import Response as BaseResponse

from indexer.catalog import IndexBusyError
from webapp.auth import require_user, roles_required
from webapp.db import db, get_database
from webapp.engine_ext import get_engine, index_lock_wait_s
from webapp.erasure import ErasureError, erase_account
from webapp.errors import BUSY_MESSAGE, BUSY_RETRY_AFTER_S
from webapp.models import Role
from webapp.repositories import contacts, ownership, privacy

bp = Blueprint("privacy", __name__, url_prefix="/chercheur")
logger = logging.getLogger(__name__)
ERASE_CONFIRMATION = "EFFACER"


@bp.get("/contacts")
@roles_required(Role.SEEKER)
def requests() -> str:
    """The employers' contact requests about the seeker, to accept or decline."""
    user = require_user()
    profile_id = ownership.profile_of(db(), user)
    rows = contacts.received_by(db(), profile_id) if profile_id else []
    engine = get_engine()
    return render_template("seeker_contacts.html", rows=rows,
                           offers={r.offer_id: engine.offers.get(r.offer_id) for r in rows})


@bp.post("/contacts/<int:request_id>")
@roles_required(Role.SEEKER)
def answer(request_id: int) -> BaseResponse:
    """Accept or decline a request (``decision`` = accepter | refuser); someone else's: 404."""
    user = require_user()
    profile_id = ownership.profile_of(db(), user)
    row = contacts.for_seeker(db(), request_id, profile_id) if profile_id else None
    decision = request.form.get("decision")
    if row is None:
        abort(404, "Demande inconnue.")
    if decision not in ("accepter", "refuser"):
        abort(400, "paramètre « decision » : accepter ou refuser")
    contacts.answer(db(), row, user, accept=decision == "accepter")
    db().commit()
    flash("Vos coordonnées sont transmises à cet employeur." if decision == "accepter"
          else "La demande est refusée ; vos coordonnées ne sont pas transmises.", "info")
    return redirect(url_for("privacy.requests"))


@bp.get("/donnees")
@roles_required(Role.SEEKER)
def export() -> Response:
    """Everything held about the seeker, as a JSON file."""
    data = privacy.export(db(), get_engine(), require_user())
    body = json.dumps(data, ensure_ascii=False, indent=2)
    return Response(body, mimetype="application/json", headers={
        "Content-Disposition": 'attachment; filename="mes-donnees-intelligence-emploi.json"'})


@bp.route("/effacer", methods=["GET", "POST"])
@roles_required(Role.SEEKER)
def erase() -> tuple[str, int] | tuple[str, int, dict[str, str]] | BaseResponse:
    """Erase the account: the database rows, the profile in every index file, caches and
    logs, before answering (see :mod:`webapp.erasure`). When it cannot be done now (index
    busy: 503 with ``Retry-After``; any other failure: 500), nothing is erased and the page
    says so."""
    user = require_user()
    if request.method == "GET":
        return render_template("erase.html", confirmation=ERASE_CONFIRMATION), 200
    if request.form.get("confirmation", "").strip().upper() != ERASE_CONFIRMATION:
        return render_template("erase.html", confirmation=ERASE_CONFIRMATION,
                               error=f"Tapez {ERASE_CONFIRMATION} pour confirmer."), 400
    user_id = user.id
    try:
        erase_account(db(), get_database(), get_engine(), user,
                      lock_wait_s=index_lock_wait_s())
    except IndexBusyError:
        return (render_template("erase.html", confirmation=ERASE_CONFIRMATION,
                                error=BUSY_MESSAGE), 503,
                {"Retry-After": str(BUSY_RETRY_AFTER_S)})
    except ErasureError as error:
        return render_template("erase.html", confirmation=ERASE_CONFIRMATION,
                               error=str(error)), 500
    session.clear()  # the server-side session went with the account
    logger.info("account %s erased", user_id)
    flash("Votre compte et votre profil sont effacés.", "info")
    return redirect(url_for("seeker.home"))
