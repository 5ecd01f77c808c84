"""Intelligence emploi's web app: seeker, employer and counsellor pages, and the JSON API.

Built like Flask's ``flaskr`` tutorial: :func:`create_app` reads the defaults, then
``instance/config.py`` when present, then the test config; the matching engine is an extension
(:mod:`webapp.engine_ext`), created on first use.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask
from flask.json.provider import DefaultJSONProvider

from webapp import engine_ext
from webapp.api import bp as api_bp
from webapp.charts import percent, score_bars_svg
from webapp.errors import register_error_handlers
from webapp.params import CONTRACT_TYPES
from webapp.views import counsellor, employer, offers, seeker

DEFAULT_CONFIG: dict[str, Any] = {
    "SECRET_KEY": "dev",
    "ENGINE": None,
    "ENGINE_FACTORY": None,
    "EMPLOI_CONFIG": None,
    "PICKER_LIMIT": 1000,
    "PREVIEW_TOP": 20,
}


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Create and configure the app.

    ``test_config`` overrides everything; its ``ENGINE`` (a ready ``matcher.engine.Engine``)
    replaces the lazily built one.
    """
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(DEFAULT_CONFIG)
    app.config.from_pyfile("config.py", silent=True)
    if test_config is not None:
        app.config.from_mapping(test_config)
    if isinstance(app.json, DefaultJSONProvider):
        app.json.ensure_ascii = False
        app.json.sort_keys = False
    _configure_jinja(app)
    engine_ext.init_app(app)
    register_error_handlers(app)
    for blueprint in (seeker.bp, employer.bp, counsellor.bp, offers.bp, api_bp):
        app.register_blueprint(blueprint)
    return app


def _configure_jinja(app: Flask) -> None:
    """Template helpers: the score chart, French number formats, contract labels."""
    app.jinja_env.globals.update(score_bars_svg=score_bars_svg, CONTRACT_TYPES=CONTRACT_TYPES)
    app.jinja_env.filters["percent"] = percent
    app.jinja_env.filters["km"] = format_km
    app.jinja_env.filters["score"] = format_score


def format_km(distance: float | None) -> str:
    """A distance in French: 12.34 → '12,3 km'; None → 'distance inconnue'."""
    if distance is None:
        return "distance inconnue"
    return f"{distance:.1f}".replace(".", ",") + "\u00a0km"


def format_score(score: float) -> str:
    """A score with three decimals and a French decimal comma."""
    return f"{score:.3f}".replace(".", ",")
