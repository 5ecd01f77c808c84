"""Intelligence emploi's web app: seeker, employer, counsellor and admin pages, and the JSON API.

Built like Flask's ``flaskr`` tutorial: :func:`create_app` reads the defaults, then
``instance/config.py`` when present, then ``EMPLOI_*`` environment variables, then the test
config. The matching engine (:mod:`webapp.engine_ext`) and the database (:mod:`webapp.db`) are
extensions; every request passes the CSRF check (:mod:`webapp.csrf`) and loads its user
(:mod:`webapp.auth`).
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Flask, Response
from flask.json.provider import DefaultJSONProvider

from webapp import auth, csrf, db, engine_ext
from webapp.api import bp as api_bp
from webapp.charts import percent, score_bars_svg
from webapp.errors import register_error_handlers
from webapp.pages import account, admin, counsellor, employer, offers, privacy, seeker
from webapp.params import CONTRACT_TYPES
from webapp.territory import api_bp as territory_api_bp
from webapp.territory import pages_bp as territory_pages_bp

logger = logging.getLogger(__name__)

DEFAULT_CONFIG: dict[str, Any] = {
    "SECRET_KEY": None,
    "ENGINE": None,
    "ENGINE_FACTORY": None,
    "EMPLOI_CONFIG": None,
    "DATABASE_URL": None,
    "DB_AUTO_UPGRADE": True,
    "PICKER_LIMIT": 1000,
    "PREVIEW_TOP": 20,
    "LOGIN_MAX_FAILURES": 5,
    "LOGIN_WINDOW": timedelta(minutes=15),
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_SECURE": None,  # None: secure unless debugging or testing
    "PERMANENT_SESSION_LIFETIME": timedelta(hours=8),
    "ENGINE_RELOAD_CHECK_SECONDS": 2.0,
}
CONTENT_SECURITY_POLICY = ("default-src 'self'; img-src 'self' data:; style-src 'self'; "
                           "script-src 'self'; object-src 'none'; base-uri 'none'; "
                           "form-action 'self'; frame-ancestors 'none'")
DISPLAY_TIMEZONE = "Europe/Paris"
ENVIRONMENT = {"EMPLOI_SECRET_KEY": "SECRET_KEY", "EMPLOI_DATABASE_URL": "DATABASE_URL"}


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Create and configure the app.

    ``test_config`` overrides everything; its ``ENGINE`` (a ready ``matcher.engine.Engine``)
    replaces the lazily built one.
    """
    app = Flask(__name__, instance_relative_config=True,
                instance_path=os.environ.get("EMPLOI_INSTANCE_DIR") or None)
    app.config.from_mapping(DEFAULT_CONFIG)
    app.config.from_pyfile("config.py", silent=True)
    for variable, key in ENVIRONMENT.items():
        if os.environ.get(variable):
            app.config[key] = os.environ[variable]
    if test_config is not None:
        app.config.from_mapping(test_config)
    _secure_defaults(app)
    if isinstance(app.json, DefaultJSONProvider):
        app.json.ensure_ascii = False
        app.json.sort_keys = False
    _configure_jinja(app)
    engine_ext.init_app(app)
    db.init_app(app)
    auth.init_app(app)
    csrf.init_app(app)
    register_error_handlers(app)
    app.after_request(_security_headers)
    for blueprint in (seeker.bp, privacy.bp, employer.bp, counsellor.bp, offers.bp,
                      account.bp, admin.bp, api_bp, territory_pages_bp, territory_api_bp):
        app.register_blueprint(blueprint)
    return app


def _secure_defaults(app: Flask) -> None:
    """A secret key kept in the instance folder when none is configured; Secure cookies
    except when debugging or testing (or when ``SESSION_COOKIE_SECURE`` says otherwise)."""
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(Path(app.instance_path))
    if app.config.get("SESSION_COOKIE_SECURE") is None:
        app.config["SESSION_COOKIE_SECURE"] = not (app.debug or app.testing)


def _instance_secret(instance: Path) -> str:
    """The instance folder's random secret key, created (mode 0600) on first use."""
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_hex(32))
        logger.info("created a secret key in %s", path)
    return path.read_text().strip()


def _security_headers(response: Response) -> Response:
    """No sniffing, no framing, a strict content security policy, no caching of pages."""
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    if response.mimetype in ("text/html", "application/json"):
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def _configure_jinja(app: Flask) -> None:
    """Template helpers: the score chart, French number and date formats, contract labels."""
    app.jinja_env.globals.update(score_bars_svg=score_bars_svg, CONTRACT_TYPES=CONTRACT_TYPES,
                                 has_endpoint=lambda name: name in app.view_functions)
    app.jinja_env.filters["percent"] = percent
    app.jinja_env.filters["km"] = format_km
    app.jinja_env.filters["score"] = format_score
    app.jinja_env.filters["date"] = format_date


def format_km(distance: float | None) -> str:
    """A distance in French: 12.34 → '12,3 km'; None → 'distance inconnue'."""
    if distance is None:
        return "distance inconnue"
    return f"{distance:.1f}".replace(".", ",") + "\u00a0km"


def format_score(score: float) -> str:
    """A score with three decimals and a French decimal comma."""
    return f"{score:.3f}".replace(".", ",")


def format_date(moment: Any) -> str:
    """A time in Paris time, as '28/11/2026 à 17:20' (UTC when the zone is unknown)."""
    if moment is None:
        return ""
    try:
        zone = ZoneInfo(DISPLAY_TIMEZONE)
    except ZoneInfoNotFoundError:
        return f"{moment:%d/%m/%Y à %H:%M} UTC"
    return f"{moment.astimezone(zone):%d/%m/%Y à %H:%M}"
