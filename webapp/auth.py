"""Who is asking, and what they may see: sessions, API tokens, roles and object access.

Pages use the session cookie (set by the login page); the API also accepts
``Authorization: Bearer <token>``. Every view declares the roles it serves with
:func:`roles_required`; objects of another owner are answered 404 (:func:`profile_for`,
:func:`offer_for`), so their existence is not revealed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from flask import Flask, abort, g, redirect, request, session, url_for
from flask.typing import ResponseValue
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response as BaseResponse

from indexer.models import Offer, Profile
from matcher.engine import Engine
from webapp.csrf import csrf_token
from webapp.db import db
from webapp.models import Role, User
from webapp.repositories import ownership, users

P = ParamSpec("P")
R = TypeVar("R")

SESSION_USER = "uid"
SESSION_STAMP = "stamp"


class Unauthorized(HTTPException):
    """No valid credentials (401). Pages redirect to the login form instead."""

    code = 401
    description = "Authentification requise."


def password_stamp(user: User) -> str:
    """A digest of the password hash: changing the password ends every other session."""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def log_in(user: User) -> None:
    """Start a fresh session for ``user`` (the old one, CSRF token included, is dropped)."""
    session.clear()
    session.permanent = True
    session[SESSION_USER] = user.id
    session[SESSION_STAMP] = password_stamp(user)
    csrf_token()  # a new CSRF token for the new session


def log_out() -> None:
    """End the session."""
    session.clear()


def is_api_request() -> bool:
    """True for requests to the JSON API."""
    return request.path.startswith("/api/")


def load_user() -> None:
    """``before_request``: ``g.user`` from the bearer token (API) or the session."""
    g.user = None
    header = request.headers.get("Authorization", "")
    if is_api_request() and header.startswith("Bearer "):
        user = users.user_for_token(db(), header.removeprefix("Bearer ").strip())
        if user is None:
            raise Unauthorized("Jeton d'API invalide ou révoqué.")
        g.user = user
        return
    user_id = session.get(SESSION_USER)
    if isinstance(user_id, int):
        user = users.by_id(db(), user_id)
        if user is not None and user.active and session.get(SESSION_STAMP) == password_stamp(
                user):
            g.user = user
        else:
            session.clear()


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
    """A post-login redirect target, only when it is a path of this site."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


def default_deny() -> BaseResponse | None:
    """``before_request``: a view that declares neither :func:`public` nor
    :func:`roles_required` (e.g. one added by another module) is for counsellors only, and a
    ``profile_id`` in its URL must be one of their assigned seekers."""
    endpoint = request.endpoint
    if endpoint is None or endpoint == "static":
        return None
    from flask import current_app

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
    """Load the user before each request, deny undeclared views to all but counsellors;
    expose ``current_user`` to templates."""
    app.before_request(load_user)
    app.before_request(default_deny)
    app.register_error_handler(Unauthorized, _unauthorized)
    app.jinja_env.globals.update(current_user=current_user, Role=Role)


def _unauthorized(error: Unauthorized) -> tuple[ResponseValue, int, dict[str, str]]:
    from webapp.errors import error_response

    body, status = error_response(401, error.description or "Authentification requise.")
    return body, status, {"WWW-Authenticate": 'Bearer realm="api"'}
