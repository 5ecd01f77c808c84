"""Territory and career analytics: the pages (:mod:`~webapp.territory.pages`), the JSON API
under ``/api/v1/territoire`` (:mod:`~webapp.territory.api`), their charts and parameters."""

from webapp.territory.api import bp as api_bp
from webapp.territory.pages import bp as pages_bp

__all__ = ["api_bp", "pages_bp"]
