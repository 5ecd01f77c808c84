"""How the standalone benchmark tools start and hand back their figures: logging to stderr,
then one JSON object on stdout, also written to a file when asked."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any


def configure_logging() -> None:
    """INFO and above to stderr, with time, level and logger name."""
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def emit(result: dict[str, Any], out: Path | None) -> None:
    """Print ``result`` as indented JSON and, with ``out``, write the same text there."""
    text = json.dumps(result, indent=2)
    print(text)
    if out is not None:
        out.write_text(text + "\n", encoding="utf-8")
