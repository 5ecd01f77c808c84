"""Error pages and JSON errors: 400, 404, 500, and 503 when a search backend is unavailable or
the index is being written by another process for longer than a web write waits.

Requests under ``/api/`` get ``{"error": "..."}``; every other request gets the HTML page. The
headers an HTTP error carries (``Allow`` on a 405, ``Retry-After``, ``WWW-Authenticate``) are
kept.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError

from indexer.catalog import IndexBusyError
from indexer.stores.errors import BackendUnavailable

logger = logging.getLogger(__name__)

TITLES: dict[int, str] = {
    400: "Requête invalide",
    401: "Connexion requise",
    403: "Accès refusé",
    404: "Page introuvable",
    405: "Méthode non autorisée",
    409: "Conflit",
    413: "Requête trop volumineuse",
    429: "Trop de tentatives",
    500: "Erreur interne",
    503: "Service momentanément indisponible",
}
UNAVAILABLE_MESSAGE = ("Le moteur de recherche est momentanément indisponible. "
                       "Réessayez dans quelques minutes.")
INTERNAL_MESSAGE = "Une erreur inattendue s'est produite. L'équipe technique a été prévenue."
BUSY_MESSAGE = ("L'index est en cours de mise à jour par un autre traitement : rien n'a été "
                "enregistré. Réessayez dans une minute.")
BUSY_RETRY_AFTER_S = 60
HEADERS_KEPT = ("Allow", "Retry-After", "WWW-Authenticate")


def wants_json() -> bool:
    """True for API requests, which get JSON errors."""
    return request.path.startswith("/api/")


def error_response(status: int, message: str) -> tuple[Response | str, int]:
    """A JSON or HTML error response with the given status and message."""
    if wants_json():
        return jsonify(error=message), status
    title = TITLES.get(status, "Erreur")
    return render_template("error.html", status=status, title=title, message=message), status


def handle_http_exception(error: HTTPException
                          ) -> tuple[Response | str, int] | tuple[Response | str, int,
                                                                  dict[str, str]]:
    """Any HTTP error raised with ``abort(status, message)`` or by routing, with the headers
    it carries (``Allow`` on a 405)."""
    status = error.code or 500
    if status >= 500 and status != 503:
        return handle_internal_error(error)
    body, status = error_response(status, error.description or TITLES.get(status, "Erreur"))
    headers = {name: value for name, value in error.get_headers() if name in HEADERS_KEPT}
    return (body, status, headers) if headers else (body, status)


def handle_internal_error(error: HTTPException) -> tuple[Response | str, int]:
    """An unhandled exception: logged with its traceback, never shown to the user."""
    original = getattr(error, "original_exception", None) or error
    logger.error("unhandled error on %s %s", request.method, request.path,
                 exc_info=(type(original), original, original.__traceback__))
    return error_response(500, INTERNAL_MESSAGE)


def handle_backend_unavailable(error: BackendUnavailable) -> tuple[Response | str, int]:
    """A search backend (e.g. OpenSearch) cannot be reached: 503, with a ``Retry-After``."""
    logger.warning("search backend unavailable on %s: %s", request.path, error)
    body, status = error_response(503, UNAVAILABLE_MESSAGE)
    response = body if isinstance(body, Response) else Response(body, mimetype="text/html")
    response.headers["Retry-After"] = "30"
    return response, status


def handle_index_busy(error: IndexBusyError) -> tuple[Response | str, int, dict[str, str]]:
    """A web write waited for another writer of the index and gave up: 503 with
    ``Retry-After``; the write changed nothing (index and database alike)."""
    logger.warning("index busy on %s %s: %s", request.method, request.path, error)
    body, status = error_response(503, BUSY_MESSAGE)
    return body, status, {"Retry-After": str(BUSY_RETRY_AFTER_S)}


def register_error_handlers(app: Flask) -> None:
    """Install the handlers on the app (they cover every blueprint and unrouted URLs)."""
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(InternalServerError, handle_internal_error)
    app.register_error_handler(BackendUnavailable, handle_backend_unavailable)
    app.register_error_handler(IndexBusyError, handle_index_busy)
