"""The JSON API under ``/api/v1``: the routes (:mod:`~webapp.api.routes`), the validated request
bodies (:mod:`~webapp.api.schemas`), the autocomplete (:mod:`~webapp.api.suggestions`) and the
OpenAPI document (:mod:`~webapp.api.openapi`). The territory endpoints live with the territory
pages (:mod:`webapp.territory.api`)."""

from webapp.api import inbox as _inbox  # noqa: F401  (its routes join the blueprint)
from webapp.api import suggestions  # noqa: F401  (registers the autocomplete routes on bp)
from webapp.api.routes import bp

__all__ = ["bp"]
