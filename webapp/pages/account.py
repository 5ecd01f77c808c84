"""Signing in and out, and the account page (password, API tokens)."""

from __future__ import annotations

import logging

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.wrappers import Response as BaseResponse

from webapp.auth import (
    current_user,
    log_in,
    log_out,
    public,
    require_user,
    roles_required,
    safe_next,
)
from webapp.db import db
from webapp.models import Role, User, utc_now
from webapp.passwords import needs_rehash, password_problem, verify_password
from webapp.repositories import users
from webapp.throttling import Throttle

bp = Blueprint("account", __name__)
logger = logging.getLogger(__name__)

HOME_OF_ROLE = {Role.SEEKER: "seeker.my_offers", Role.EMPLOYER: "employer.candidates",
                Role.COUNSELLOR: "counsellor.open_profile", Role.ADMIN: "admin.users_page"}
FAILED_LOGIN = "Adresse électronique ou mot de passe incorrect."


def throttle() -> Throttle:
    """The app's login throttle (``LOGIN_MAX_FAILURES`` per ``LOGIN_WINDOW``)."""
    config = current_app.config
    return Throttle(int(config["LOGIN_MAX_FAILURES"]), config["LOGIN_WINDOW"])


def home_of(user: User) -> str:
    """Where an account lands after signing in."""
    return url_for(HOME_OF_ROLE[user.role])


@bp.route("/connexion", methods=["GET", "POST"])
@public
def login() -> tuple[str, int] | BaseResponse:
    """The login form; 5 failures in 15 minutes (per account or per address) lock it."""
    target = safe_next(request.values.get("next"))
    if request.method == "GET":
        user = current_user()
        if user is not None:
            return redirect(target or home_of(user))
        return render_template("login.html", email="", next=target), 200
    email = request.form.get("email", "").strip()[:254]
    password = request.form.get("password", "")[:1024]
    limiter, session = throttle(), db()
    keys = limiter.keys(email, request.remote_addr)
    if limiter.blocked(session, keys):
        logger.warning("login throttled for %s from %s", email, request.remote_addr)
        message = (f"Trop de tentatives de connexion échouées. Par sécurité, réessayez dans "
                   f"{limiter.minutes} minutes.")
        return render_template("login.html", email=email, next=target, error=message), 429
    user = users.by_email(session, email) if email else None
    if user is None or not user.active or not verify_password(user.password_hash, password):
        limiter.record_failure(session, keys)
        return render_template("login.html", email=email, next=target,
                               error=FAILED_LOGIN), 401
    limiter.clear(session, email)
    if needs_rehash(user.password_hash):
        users.set_password(user, password)
    user.last_login_at = utc_now()
    session.commit()
    log_in(user)
    logger.info("user %s signed in", user.id)
    return redirect(target or home_of(user))


@bp.post("/deconnexion")
@public
def logout() -> BaseResponse:
    """End the session (POST, with the CSRF token, so a link elsewhere cannot sign you out)."""
    log_out()
    flash("Vous êtes déconnecté.", "info")
    return redirect(url_for("seeker.home"))


@bp.get("/compte")
@roles_required()
def account() -> str:
    """The account: identity, role, password change and API tokens."""
    user = require_user()
    return render_template("account.html", user=user,
                           tokens=users.active_tokens(db(), user), new_token=None)


@bp.post("/compte/jetons")
@roles_required()
def create_token() -> str:
    """A new API token, shown once."""
    user = require_user()
    _row, token = users.create_token(db(), user, request.form.get("name", ""))
    db().commit()
    return render_template("account.html", user=user, tokens=users.active_tokens(db(), user),
                           new_token=token)


@bp.post("/compte/jetons/<int:token_id>/revoquer")
@roles_required()
def revoke_token(token_id: int) -> BaseResponse:
    """Revoke one of the account's tokens (someone else's: 404)."""
    from flask import abort

    user = require_user()
    if not users.revoke_token(db(), user, token_id):
        abort(404, "Jeton inconnu.")
    db().commit()
    flash("Le jeton est révoqué.", "info")
    return redirect(url_for("account.account"))


@bp.post("/compte/mot-de-passe")
@roles_required()
def change_password() -> tuple[str, int] | BaseResponse:
    """Change the password (the current one is asked again); other sessions end."""
    user = require_user()
    current, new = request.form.get("current", ""), request.form.get("new", "")
    error = None
    if not verify_password(user.password_hash, current):
        error = "Le mot de passe actuel est incorrect."
    else:
        error = password_problem(new)
    if error:
        return render_template("account.html", user=user, tokens=users.active_tokens(db(), user),
                               new_token=None, error=error), 400
    users.set_password(user, new)
    db().commit()
    log_in(user)
    flash("Votre mot de passe est changé.", "info")
    return redirect(url_for("account.account"))
