"""The instance folder: the SQLite database, the secret key and ``config.py``, private (0700).

``settings.instance_dir`` (``EMPLOI_INSTANCE_DIR``) when set, else ``instance/`` next to the
code (Flask's default for this package, spelt out so that the command line finds the same
folder without building an app).
"""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

from indexer.permissions import private_folder
from indexer.settings import PROJECT_ROOT, Settings

logger = logging.getLogger(__name__)

DEFAULT_INSTANCE_DIR = PROJECT_ROOT / "instance"
SECRET_FILE = "secret_key"


def instance_dir(settings: Settings) -> Path:
    """The instance folder of ``settings``."""
    return settings.instance_dir or DEFAULT_INSTANCE_DIR


def instance_secret(instance: Path) -> str:
    """The instance folder's random secret key, created (mode 0600, folder 0700) on first
    use."""
    path = instance / SECRET_FILE
    if not path.exists():
        private_folder(instance)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_hex(32))
        logger.info("created a secret key in %s", path)
    return path.read_text().strip()


def secret_key(settings: Settings) -> str:
    """The configured secret key, else the instance folder's."""
    if settings.secret_key is not None:
        return settings.secret_key.get_secret_value()
    return instance_secret(instance_dir(settings))
