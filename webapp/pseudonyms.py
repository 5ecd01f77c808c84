"""Pseudonyms of candidates, as employers see them: keyed, and different for each employer.

``C-`` and 10 hex digits of HMAC-SHA256 over (employer id, profile id), with a key derived from
the app's secret key. Without the key nobody can compute a seeker's pseudonym from their
profile id, and two employers see the same seeker under unrelated pseudonyms, so they cannot
pool what they know of them. For one employer a seeker's pseudonym stays the same (as long as
the secret key does).
"""

from __future__ import annotations

import hashlib
import hmac

from flask import current_app

from webapp.models import User

PREFIX = "C-"
DIGITS = 10
OPERATOR = 0
"""The viewer id of the command line (``emploi match candidates``), run by the operator."""


def derive_key(secret_key: str | bytes) -> bytes:
    """The pseudonym key: the secret key, separated from its other uses (cookie signing)."""
    secret = secret_key.encode("utf-8") if isinstance(secret_key, str) else secret_key
    return hmac.new(secret, b"emploi-pseudonym-key-v1", hashlib.sha256).digest()


def pseudonym(key: bytes, viewer_id: int, profile_id: str) -> str:
    """The pseudonym of ``profile_id`` for the viewer ``viewer_id`` under ``key``."""
    digest = hmac.new(key, f"{viewer_id}\x00{profile_id}".encode(), hashlib.sha256)
    return PREFIX + digest.hexdigest()[:DIGITS].upper()


def for_employer(employer: User, profile_id: str) -> str:
    """The pseudonym ``employer`` sees for ``profile_id`` (key from the app's secret key)."""
    return pseudonym(derive_key(current_app.config["SECRET_KEY"]), employer.id, profile_id)
