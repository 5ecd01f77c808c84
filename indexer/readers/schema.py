"""The JSON Schema of seeker profiles, generated from the pydantic model.

Regenerate the committed file with
``python -c "from indexer.readers import write_profile_schema; write_profile_schema()"``.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from indexer.atomic import write_text_atomic
from indexer.limits import RECORD_MAX_BYTES
from indexer.models import Profile

logger = logging.getLogger(__name__)

PROFILE_SCHEMA_PATH = Path(__file__).resolve().parent.parent / "schemas" / "profile.schema.json"


def profile_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of one line of a profiles JSONL file."""
    schema = Profile.model_json_schema(mode="validation")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": "https://intelligence-emploi.example/schemas/profile.schema.json",
            "$comment": f"One line of at most {RECORD_MAX_BYTES:,} bytes. Fields marked "
                        '"x-oversize": "truncated" are cut to their maxLength / maxItems (and '
                        "reported); the others are rejected when longer (see indexer/limits.py).",
            **schema}


def render_profile_schema() -> str:
    """The schema as committed: indented JSON with a final newline."""
    return json.dumps(profile_json_schema(), indent=2, ensure_ascii=False) + "\n"


def write_profile_schema(path: Path = PROFILE_SCHEMA_PATH) -> None:
    """Write the profile schema file atomically."""
    write_text_atomic(path, render_profile_schema())
    logger.info("wrote %s", path)

