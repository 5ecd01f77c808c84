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
from webapp.repositories import sessions, users
from webapp.throttling import Throttle

bp = Blueprint("account", __name__)
logger = logging.getLogger(__name__)

HOME_OF_ROLE = {Role.SEEKER: "seeker.my_offers", Role.EMPLOYER: "employer.candidates",
                Role.COUNSELLOR: "counsellor.open_profile", Role.ADMIN: "admin.users_page"}
FAILED_LOGIN = "Adresse électronique ou mot de passe incorrect."


def throttle() -> Throttle:
    """The app's login throttle (see :mod:`webapp.throttling` for the policy)."""
    config = current_app.config
    return Throttle(int(config["LOGIN_MAX_FAILURES"]), int(config["LOGIN_ADDRESS_MAX_FAILURES"]),
                    config["LOGIN_WINDOW"])


def home_of(user: User) -> str:
    """Where an account lands after signing in."""
    return url_for(HOME_OF_ROLE[user.role])


@bp.route("/connexion", methods=["GET", "POST"])
@public
def login() -> tuple[str, int] | tuple[str, int, dict[str, str]] | BaseResponse:
    """The login form, throttled per (account, address) and per address (see
    :mod:`webapp.throttling`). Every checked attempt costs one argon2 verification, whether
    the account exists or not, so the answer time does not tell which addresses have one."""
    target = safe_next(request.values.get("next"))
    if request.method == "GET":
        user = current_user()
        if user is not None:
            return redirect(target or home_of(user))
        return render_template("login.html", email="", next=target), 200
    email = request.form.get("email", "").strip()[:254]
    password = request.form.get("password", "")[:1024]
    limiter, session, address = throttle(), db(), request.remote_addr
    verdict = limiter.reserve(session, email, address)
    if not verdict.allowed:
        logger.warning("login throttled from %s (retry in %d s)", address,
                       verdict.retry_after_s)  # no e-mail in the logs: an erasure cannot reach them
        message = (f"Trop de tentatives de connexion échouées depuis votre adresse. Par "
                   f"sécurité, réessayez dans {verdict.wait_text}.")
        return (render_template("login.html", email=email, next=target, error=message), 429,
                {"Retry-After": str(verdict.retry_after_s)})
    found = users.by_email(session, email) if email else None
    user = found if found is not None and found.active else None
    correct = verify_password(user.password_hash if user is not None else None, password)
    if user is None or not correct:
        return render_template("login.html", email=email, next=target,
                               error=FAILED_LOGIN), 401
    limiter.succeeded(session, email, address)
    if needs_rehash(user.password_hash):
        users.set_password(user, password, temporary=user.password_temporary)
    user.last_login_at = utc_now()
    session.commit()
    log_in(user)
    logger.info("user %s signed in", user.id)
    return redirect(target or home_of(user))


@bp.post("/deconnexion")
@public
def logout() -> BaseResponse:
    """End the session, on the server too (POST, with the CSRF token, so a link elsewhere
    cannot sign you out)."""
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
    """Change the password (the current one is asked again): every session of the account
    ends (this one restarts) and every API token is revoked."""
    user = require_user()
    current, new = request.form.get("current", ""), request.form.get("new", "")
    error, field = None, "new"
    if not verify_password(user.password_hash, current):
        error, field = "Le mot de passe actuel est incorrect.", "current"
    elif new == current:
        error = "Choisissez un mot de passe différent de l'actuel."
    else:
        error = password_problem(new)
    if error:
        return render_template("account.html", user=user, tokens=users.active_tokens(db(), user),
                               new_token=None, error=error, error_field=field), 400
    users.set_password(user, new)
    ended = sessions.end_all(db(), user)
    revoked = users.revoke_all_tokens(db(), user)
    db().commit()
    log_in(user)
    logger.info("user %s changed their password: %d session(s) ended, %d token(s) revoked",
                user.id, ended, revoked)
    flash("Votre mot de passe est changé. Vos autres sessions sont fermées"
          + (f" et vos {revoked} jeton(s) d'API révoqués." if revoked else "."), "info")
    return redirect(url_for("account.account"))
