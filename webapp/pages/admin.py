"""The administrator's page: accounts (create, deactivate) and who follows or owns what.

The administrator manages accounts; they do not see seekers' profiles or candidates, and
cannot reach them through an account they create: a new account's password is temporary (its
owner must choose their own before opening any page), and a seeker account is linked to its
profile only by the seeker, with the one-time code their counsellor gives them
(:mod:`webapp.repositories.claims`), never by the administrator.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from webapp.auth import require_user, roles_required
from webapp.db import db
from webapp.engine_ext import get_engine
from webapp.models import Role
from webapp.passwords import random_password
from webapp.repositories import ownership, sessions, users
from webapp.repositories.users import AccountError

bp = Blueprint("admin", __name__, url_prefix="/admin")
SEEKER_LINK_REFUSED = ("Un compte de demandeur d'emploi est relié à son profil par le demandeur "
                       "lui-même, avec le code de rattachement que lui remet son conseiller.")


@bp.get("/utilisateurs")
@roles_required(Role.ADMIN)
def users_page() -> str:
    """Every account, with its links."""
    return _render()


def _render(**extra: object) -> str:
    session = db()
    rows = []
    for user in users.all_users(session):
        if user.role is Role.SEEKER:
            links = [ownership.profile_of(session, user) or "—"]
        elif user.role is Role.EMPLOYER:
            links = ownership.offers_of(session, user)
        elif user.role is Role.COUNSELLOR:
            links = ownership.assigned_profiles(session, user)
        else:
            links = []
        rows.append((user, links))
    return render_template("admin.html", rows=rows, roles=list(Role), **extra)


@bp.post("/utilisateurs")
@roles_required(Role.ADMIN)
def create() -> tuple[str, int] | str:
    """Create an account with a random password, shown once to the administrator."""
    form = request.form
    try:
        role = Role(form.get("role", ""))
    except ValueError:
        abort(400, "paramètre « role » : seeker, employer, counsellor ou admin")
    password = random_password()
    try:
        user = users.create_user(db(), form.get("email", ""), role, password,
                                 form.get("display_name", "").strip()[:120] or None,
                                 temporary=True)
    except AccountError as error:
        return _render(error=str(error)), 400
    db().commit()
    return _render(created=(user.email, password))


@bp.post("/utilisateurs/<int:user_id>/lien")
@roles_required(Role.ADMIN)
def link(user_id: int) -> BaseResponse:
    """Link an account to an index object: an employer's offer, a counsellor's assigned
    seeker (``target`` is the offer or profile id). A seeker account is never linked here:
    the seeker does it with their counsellor's code."""
    session, engine = db(), get_engine()
    user = users.by_id(session, user_id)
    if user is None:
        abort(404, "Compte inconnu.")
    target = request.form.get("target", "").strip()
    if user.role is Role.EMPLOYER:
        if engine.offers.get(target) is None:
            abort(400, f"Offre inconnue : {target}")
        ownership.give_offer(session, user, target)
    elif user.role is Role.SEEKER:
        abort(400, SEEKER_LINK_REFUSED)
    elif user.role is Role.COUNSELLOR:
        if engine.profiles.get(target) is None:
            abort(400, f"Profil inconnu : {target}")
        ownership.assign(session, user, target)
    else:
        abort(400, "Un compte administrateur n'a pas de lien.")
    session.commit()
    flash(f"Lien ajouté pour {user.email}.", "info")
    return redirect(url_for("admin.users_page"))


@bp.post("/utilisateurs/<int:user_id>/actif")
@roles_required(Role.ADMIN)
def toggle_active(user_id: int) -> BaseResponse:
    """Deactivate or reactivate an account (not one's own)."""
    session = db()
    user = users.by_id(session, user_id)
    if user is None:
        abort(404, "Compte inconnu.")
    if user.id == require_user().id:
        abort(400, "Vous ne pouvez pas désactiver votre propre compte.")
    user.active = not user.active
    if not user.active:
        sessions.end_all(session, user)
    session.commit()
    flash(f"Compte {user.email} {'réactivé' if user.active else 'désactivé'}.", "info")
    return redirect(url_for("admin.users_page"))
