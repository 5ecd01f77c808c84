"""The WSGI entry point: ``waitress-serve --call webapp:create_app`` or ``webapp.wsgi:app``."""

from __future__ import annotations

import logging

from indexer.permissions import use_private_umask
from webapp import create_app

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

use_private_umask()  # the database and the index hold personal data
app = create_app()
