"""CSRF protection for every form: a per-session secret, checked on every unsafe request.

The token is random, kept in the (signed) session, put in forms with ``{{ csrf_field() }}``
and, for scripts, in the ``X-CSRF-Token`` header. API requests authenticated by a *valid*
bearer token carry no ambient credential and are exempt, and so are anonymous API requests
(the API refuses them with 401); everything else with POST, PUT, PATCH or DELETE — the login
form included, and any page form whatever ``Authorization`` header it carries — must present
the token, or gets 400.
"""

from __future__ import annotations

import hmac
import secrets

from flask import Flask, g, request, session
from markupsafe import Markup, escape
from werkzeug.exceptions import BadRequest

SESSION_KEY = "csrf_token"
FORM_FIELD = "csrf_token"
HEADER = "X-CSRF-Token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class CSRFError(BadRequest):
    """A state-changing request without a valid CSRF token (HTTP 400)."""

    description = ("Le formulaire a expiré ou ne provient pas de ce site. "
                   "Rechargez la page et recommencez.")


def csrf_token() -> str:
    """This session's token (created on first use)."""
    token = session.get(SESSION_KEY)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session[SESSION_KEY] = token
    return token


def csrf_field() -> Markup:
    """The hidden input every form includes."""
    return Markup(f'<input type="hidden" name="{FORM_FIELD}" value="{escape(csrf_token())}">')


def protect() -> None:
    """``before_request`` (after :func:`webapp.auth.load_user`): refuse an unsafe request
    whose token is missing or wrong, unless an API token authenticated it."""
    if request.method not in UNSAFE_METHODS or g.get("token_user"):
        return
    if request.path.startswith("/api/") and g.get("user") is None:
        return  # no credential at all: the API answers 401 itself
    expected = session.get(SESSION_KEY)
    sent = request.headers.get(HEADER) or request.form.get(FORM_FIELD, "")
    if not isinstance(expected, str) or not sent or not hmac.compare_digest(expected, sent):
        raise CSRFError()


def init_app(app: Flask) -> None:
    """Check every unsafe request, and offer ``csrf_field()`` / ``csrf_token()`` to templates."""
    app.before_request(protect)
    app.jinja_env.globals.update(csrf_field=csrf_field, csrf_token=csrf_token)
