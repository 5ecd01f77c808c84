"""The Flask application factory (:func:`create_app`), its defaults and its security headers."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask, Response
from flask.json.provider import DefaultJSONProvider
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter, Map

from indexer.settings import Settings, load_settings
from webapp import auth, board, csrf, db, engine_ext, formatting
from webapp.api import bp as api_bp
from webapp.charts import score_bars_svg
from webapp.errors import register_error_handlers
from webapp.explanations import filter_words, main_reasons
from webapp.instance import instance_dir, instance_secret
from webapp.navigation import nav_items
from webapp.pages import (
    account,
    admin,
    counsellor,
    diagnosis,
    employer,
    inbox,
    offers,
    privacy,
    seeker,
)
from webapp.params import CONTRACT_TYPES
from webapp.territory import api_bp as territory_api_bp
from webapp.territory import pages_bp as territory_pages_bp

logger = logging.getLogger(__name__)

DEFAULT_CONFIG: dict[str, Any] = {
    "SECRET_KEY": None,
    "SETTINGS": None,
    "ENGINE": None,
    "ENGINE_FACTORY": None,
    "DATABASE_URL": None,
    "DB_AUTO_UPGRADE": True,
    "OUTCOMES_FILE": None,
    "TRUSTED_PROXIES": 0,
    "INDEX_LOCK_WAIT_SECONDS": 20.0,
    "PICKER_LIMIT": 1000,
    "PREVIEW_TOP": 20,
    "RESULTS_POOL": 200,
    "RESULTS_PER_PAGE": 10,  # ranked offers a result list is filtered, sorted and paged from
    "PRECOMPUTE_POOLS": None,  # offers whose pools `emploi serve` computes ahead (None: 2000)
    "LOGIN_MAX_FAILURES": 5,
    "LOGIN_ADDRESS_MAX_FAILURES": 30,
    "LOGIN_WINDOW": timedelta(minutes=15),
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_SECURE": None,  # None: secure unless debugging or testing
    "PERMANENT_SESSION_LIFETIME": timedelta(hours=8),
    "ENGINE_RELOAD_CHECK_SECONDS": 2.0,
    "MAX_CONTENT_LENGTH": 1024 * 1024,  # request bodies (forms, JSON): 413 above 1 MiB
}
CONTENT_SECURITY_POLICY = ("default-src 'self'; img-src 'self' data:; style-src 'self'; "
                           "script-src 'self'; object-src 'none'; base-uri 'none'; "
                           "form-action 'self'; frame-ancestors 'none'")


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Create and configure the app.

    Configuration comes from :class:`indexer.settings.Settings` (``EMPLOI_*`` variables and
    the TOML file; ``SETTINGS`` in ``test_config`` replaces them), ``instance/config.py`` when
    present, then ``test_config``, which overrides everything; its ``ENGINE`` (a ready
    ``matcher.engine.Engine``) replaces the lazily built one.
    """
    settings: Settings = (test_config or {}).get("SETTINGS") or load_settings()
    app = Flask(__name__, instance_relative_config=True,
                instance_path=str(instance_dir(settings)))
    app.url_map.converters["int"] = BoundedIntConverter
    app.config.from_mapping(DEFAULT_CONFIG)
    app.config.from_pyfile("config.py", silent=True)
    app.config.update(_from_settings(settings))
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
                      account.bp, admin.bp, api_bp, territory_pages_bp, territory_api_bp,
                      inbox.bp, diagnosis.bp):
        app.register_blueprint(blueprint)
    _trust_proxies(app)
    return app


def _from_settings(settings: Settings) -> dict[str, Any]:
    """The app config the settings give (only the values they set: the defaults and
    ``instance/config.py`` keep the others)."""
    config: dict[str, Any] = {"SETTINGS": settings,
                              "TRUSTED_PROXIES": settings.trusted_proxies,
                              "INDEX_LOCK_WAIT_SECONDS": settings.index_lock_wait_s}
    if settings.secret_key is not None:
        config["SECRET_KEY"] = settings.secret_key.get_secret_value()
    if settings.database_url:
        config["DATABASE_URL"] = settings.database_url
    if settings.outcomes_file is not None:
        config["OUTCOMES_FILE"] = str(settings.outcomes_file)
    return config


def _trust_proxies(app: Flask) -> None:
    """Behind ``TRUSTED_PROXIES`` reverse proxies, take the client address and scheme from
    their ``X-Forwarded-For`` / ``X-Forwarded-Proto`` (never from a client's own headers)."""
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies,  # type: ignore[method-assign]
                                x_proto=proxies)


class BoundedIntConverter(IntegerConverter):
    """``<int:…>`` limited to database ids (below 2**63): a larger number is no route (404),
    not an overflow in the database driver (500)."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", 2**63 - 1)
        super().__init__(map, *args, **kwargs)


def _secure_defaults(app: Flask) -> None:
    """A secret key kept in the instance folder when none is configured; Secure cookies
    except when debugging or testing (or when ``SESSION_COOKIE_SECURE`` says otherwise)."""
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = instance_secret(Path(app.instance_path))
    if app.config.get("SESSION_COOKIE_SECURE") is None:
        app.config["SESSION_COOKIE_SECURE"] = not (app.debug or app.testing)


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
    """Template helpers: the score chart, the map, French number and date formats
    (:mod:`webapp.formatting`), contract labels, the navigation."""
    app.jinja_env.globals.update(score_bars_svg=score_bars_svg, CONTRACT_TYPES=CONTRACT_TYPES,
                                 has_endpoint=lambda name: name in app.view_functions,
                                 nav_items=lambda user: nav_items(app, user),
                                 filter_words=filter_words, main_reasons=main_reasons,
                                 link_args=board.link_args, sorts=board.SORTS,
                                 working_times=board.WORKING_TIMES,
                                 experiences=board.EXPERIENCES, periods=board.PERIODS)
    formatting.register(app)
