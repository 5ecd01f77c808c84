"""Who is asking, and what they may see: sessions, API tokens, roles and object access.

Pages use the session cookie (set by the login page), which names a server-side session
(:mod:`webapp.repositories.sessions`): logging out or changing the password ends it for every
copy of the cookie. The API also accepts ``Authorization: Bearer <token>``. Every view declares
the roles it serves with :func:`roles_required`; objects of another owner are answered 404
(:func:`profile_for`, :func:`offer_for`), so their existence is not revealed. An account
created by an administrator first chooses its own password (:func:`require_own_password`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from flask import Flask, abort, current_app, flash, g, redirect, request, session, url_for
from flask.typing import ResponseValue
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response as BaseResponse

from indexer.models import Offer, Profile
from matcher.engine import Engine
from webapp.csrf import csrf_token
from webapp.db import db
from webapp.models import Role, User
from webapp.repositories import ownership, sessions, users

P = ParamSpec("P")
R = TypeVar("R")

SESSION_USER = "uid"
SESSION_ID = "sid"
#: What an account with a temporary password may open: the account page, to choose its own.
TEMPORARY_PASSWORD_ENDPOINTS = frozenset({"account.account", "account.change_password",
                                          "account.logout", "static"})
#: A same-site path: "/" then printable URL characters, never "//" or "/\\" (which browsers
#: read as another host), no control character, space or backslash anywhere.
SAFE_PATH = re.compile(r"/(?![/\\])[A-Za-z0-9\-._~!$&'()*+,;=:@/%?#]*")
MAX_NEXT_LENGTH = 2000


class Unauthorized(HTTPException):
    """No valid credentials (401). Pages redirect to the login form instead."""

    code = 401
    description = "Authentification requise."


def log_in(user: User) -> None:
    """Start a fresh session for ``user`` (the old one, CSRF token included, is dropped)."""
    end_current_session()
    session.clear()
    session.permanent = True
    session_id = sessions.start(db(), user, current_app.permanent_session_lifetime)
    db().commit()
    session[SESSION_USER] = user.id
    session[SESSION_ID] = session_id
    csrf_token()  # a new CSRF token for the new session


def log_out() -> None:
    """End the session, on the server too: the cookie is worth nothing afterwards."""
    end_current_session()
    session.clear()


def end_current_session() -> None:
    """Delete this browser's server-side session, if any."""
    session_id = session.get(SESSION_ID)
    if isinstance(session_id, str):
        sessions.end(db(), session_id)
        db().commit()


def is_api_request() -> bool:
    """True for requests to the JSON API."""
    return request.path.startswith("/api/")


def load_user() -> None:
    """``before_request``: ``g.user`` from the bearer token (API only) or the live session.

    ``g.token_user`` tells the CSRF check that the request carries a valid API token (only
    those skip it)."""
    g.user = None
    g.token_user = False
    header = request.headers.get("Authorization", "")
    if is_api_request() and header.startswith("Bearer "):
        user = users.user_for_token(db(), header.removeprefix("Bearer ").strip())
        if user is None:
            raise Unauthorized("Jeton d'API invalide ou révoqué.")
        g.user = user
        g.token_user = True
        return
    user_id, session_id = session.get(SESSION_USER), session.get(SESSION_ID)
    if isinstance(user_id, int) and isinstance(session_id, str):
        g.user = sessions.user_of(db(), user_id, session_id)
    if g.user is None and (SESSION_USER in session or SESSION_ID in session):
        session.pop(SESSION_USER, None)
        session.pop(SESSION_ID, None)


def require_own_password() -> BaseResponse | None:
    """``before_request``: an account whose password an administrator chose (temporary) can
    only open its account page until it chooses its own, so that the administrator who saw
    the first password cannot use the account once its owner has it."""
    user = current_user()
    if user is None or not user.password_temporary or g.get("token_user"):
        return None
    if request.endpoint in TEMPORARY_PASSWORD_ENDPOINTS:
        return None
    message = "Choisissez d'abord votre propre mot de passe (le vôtre est provisoire)."
    if is_api_request():
        abort(403, message)
    flash(message, "info")
    return redirect(url_for("account.account"))


def current_user() -> User | None:
    """The signed-in account, if any."""
    user: User | None = g.get("user")
    return user


def require_user() -> User:
    """The signed-in account; 401 otherwise."""
    user = current_user()
    if user is None:
        raise Unauthorized()
    return user


def roles_required(*roles: Role) -> Callable[[Callable[P, R]], Callable[P, R | BaseResponse]]:
    """Only signed-in accounts with one of ``roles`` (any role when none is given).

    Anonymous page requests are redirected to the login form; API requests get 401; a
    signed-in account of another role gets 403.
    """

    def decorator(view: Callable[P, R]) -> Callable[P, R | BaseResponse]:
        @wraps(view)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R | BaseResponse:
            user = current_user()
            if user is None:
                if is_api_request():
                    raise Unauthorized()
                return redirect(url_for("account.login", next=request.full_path.rstrip("?")))
            if roles and user.role not in roles:
                abort(403, "Cette page est réservée à un autre type de compte.")
            return view(*args, **kwargs)

        wrapper.allowed_roles = roles  # type: ignore[attr-defined]
        return wrapper

    return decorator


def public(view: Callable[P, R]) -> Callable[P, R]:
    """Mark a view as deliberately open to anonymous visitors (checked by a test)."""
    view.public = True  # type: ignore[attr-defined]
    return view


def may_see_profile(user: User, profile_id: str) -> bool:
    """A seeker sees their own profile; a counsellor the profiles assigned to them."""
    if user.role is Role.SEEKER:
        return ownership.profile_of(db(), user) == profile_id
    if user.role is Role.COUNSELLOR:
        return ownership.is_assigned(db(), user, profile_id)
    return False


def profile_for(engine: Engine, user: User, profile_id: str) -> Profile:
    """The profile ``user`` may see, else 404 (whether it exists or not)."""
    profile = engine.profiles.get(profile_id) if may_see_profile(user, profile_id) else None
    if profile is None:
        abort(404, f"Profil inconnu : {profile_id}")
    return profile


def offer_for(engine: Engine, user: User, offer_id: str) -> Offer:
    """An offer the employer ``user`` owns, else 404."""
    owned = user.role is Role.EMPLOYER and ownership.owns_offer(db(), user, offer_id)
    offer = engine.offers.get(offer_id) if owned else None
    if offer is None:
        abort(404, f"Offre inconnue : {offer_id}")
    return offer


def own_profile(engine: Engine, user: User) -> Profile | None:
    """A seeker's own profile, if it is (still) indexed."""
    profile_id = ownership.profile_of(db(), user)
    return engine.profiles.get(profile_id) if profile_id else None


def safe_next(target: str | None) -> str | None:
    """A post-login redirect target, only when it is a path of this site: an allow-list of
    characters (so no tab or newline, which browsers drop, turning "/\\t/evil.test" into
    "//evil.test"), and no second slash or backslash after the first."""
    if target and len(target) <= MAX_NEXT_LENGTH and SAFE_PATH.fullmatch(target):
        return target
    return None


def default_deny() -> BaseResponse | None:
    """``before_request``: a view that declares neither :func:`public` nor
    :func:`roles_required` (e.g. one added by another module) is for counsellors only, and a
    ``profile_id`` in its URL must be one of their assigned seekers."""
    endpoint = request.endpoint
    if endpoint is None or endpoint == "static":
        return None
    view = current_app.view_functions.get(endpoint)
    if view is None or getattr(view, "public", False) or hasattr(view, "allowed_roles"):
        return None
    user = current_user()
    if user is None:
        if is_api_request():
            raise Unauthorized()
        return redirect(url_for("account.login", next=request.full_path.rstrip("?")))
    if user.role is not Role.COUNSELLOR:
        abort(403, "Cette page est réservée aux conseillers.")
    profile_id = (request.view_args or {}).get("profile_id")
    if profile_id is not None and not may_see_profile(user, str(profile_id)):
        abort(404, f"Profil inconnu : {profile_id}")
    return None


def init_app(app: Flask) -> None:
    """Load the user before each request, hold accounts with a temporary password on their
    account page, deny undeclared views to all but counsellors; expose ``current_user`` to
    templates."""
    app.before_request(load_user)
    app.before_request(require_own_password)
    app.before_request(default_deny)
    app.register_error_handler(Unauthorized, _unauthorized)
    app.jinja_env.globals.update(current_user=current_user, Role=Role)


def _unauthorized(error: Unauthorized) -> tuple[ResponseValue, int, dict[str, str]]:
    from webapp.errors import error_response

    body, status = error_response(401, error.description or "Authentification requise.")
    return body, status, {"WWW-Authenticate": 'Bearer realm="api"'}
